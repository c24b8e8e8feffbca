"""metrics.stats.control_charts and rules_many: control charts of many series at once.

Each series' chart must be bit for bit the one-series result (``xmr_limits``,
``p_chart_limits``, ``series_signals``) and that of a plain restatement of the
definitions (``reference_chart``); the published examples must come out of a single
call with other series around them. No database."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.stats import (
    Limits,
    SeriesControl,
    Signal,
    control_charts,
    p_chart_limits,
    rules_many,
    series_signals,
    western_electric,
    xmr_limits,
)
from tests.metrics.test_stats import (
    EXPECTED_VISCOSITY_SIGNALS,
    ORANGE_JUICE,
    ORANGE_JUICE_2,
    ORANGE_JUICE_JSON,
    PHASE1,
    PHASE1_WITHOUT_4,
    PHASE2,
    VISCOSITY_JSON,
    assert_limits_match,
    proportions_and_sizes,
    viscosities,
)

# --- A plain restatement of the definitions (the per-series engine before vectorising) ---

PATTERNS = {1: (1, 1, 3.0), 2: (3, 2, 2.0), 3: (5, 4, 1.0), 4: (8, 8, 0.0)}


def reference_limits(values, sizes, *, p_chart):
    if len(values) < 2:
        return None
    v = np.array(values, dtype=float)
    if p_chart:
        n = np.array(sizes, dtype=float)
        pbar = float(np.clip(np.sum(v * n) / np.sum(n), 0.0, 1.0))
        size = float(np.mean(n))
        sigma = math.sqrt(pbar * (1.0 - pbar) / size)
        return Limits(
            center=pbar,
            sigma=sigma,
            lcl=max(0.0, pbar - 3.0 * sigma),
            ucl=min(1.0, pbar + 3.0 * sigma),
            n_points=len(v),
            size=size,
        )
    with np.errstate(all="ignore"):
        center = float(v[0]) if v.max() == v.min() else float(np.mean(v))
        mr_bar = float(np.mean(np.abs(np.diff(v))))
    sigma = mr_bar / 1.128
    lcl, ucl = center - 3.0 * sigma, center + 3.0 * sigma
    if not (math.isfinite(lcl) and math.isfinite(ucl)):
        return None
    return Limits(center, sigma, lcl, ucl, n_points=len(v), mr_bar=mr_bar)


def reference_signals(values, *, center, sigmas, start, first_rules=()):
    """Rules 1-4 point by point, straight from their definitions: from `start` on, and
    the rules in `first_rules` from the first point. A sigma of 0 puts the limits on the
    centre line; a negative or non-finite one leaves no chart to check against."""
    if not math.isfinite(center) or not all(math.isfinite(s) and s >= 0 for s in sigmas):
        return []
    signals = []
    for i in range(len(values)):
        for rule, (window, count, zone) in PATTERNS.items():
            if i < window - 1 or (i < start and rule not in first_rules):
                continue
            above = [values[j] > center + zone * sigmas[j] for j in range(i - window + 1, i + 1)]
            below = [values[j] < center - zone * sigmas[j] for j in range(i - window + 1, i + 1)]
            if any(side[-1] and sum(side) >= count for side in (above, below)):
                signals.append(Signal(i, rule))
                break
    return signals


def reference_chart(values, sizes, *, wants_p, limit_points):
    """(limits, signals) as the results engine computed them one series at a time."""
    is_p = wants_p and all(
        n is not None and n >= 1 and 0 <= v <= 1 for v, n in zip(values, sizes, strict=True)
    )
    base = min(len(values), limit_points)
    limits = reference_limits(values[:base], sizes[:base], p_chart=is_p)
    if limits is None:
        return None, []
    if is_p:
        sigmas = [math.sqrt(limits.center * (1.0 - limits.center) / n) for n in sizes]
    else:
        sigmas = [limits.sigma] * len(values)
    # The limit points are checked with rule 1, the later points with rules 1-4.
    return limits, reference_signals(
        values, center=limits.center, sigmas=sigmas, start=base, first_rules=(1,)
    )


def one_series_chart(values, sizes, *, is_p, n_limit):
    """(limits, signals) from the one-series functions."""
    if is_p:
        limits = p_chart_limits(values[:n_limit], sizes[:n_limit])
    else:
        limits = xmr_limits(values[:n_limit])
    if limits is None:
        return None, []
    signals = series_signals(values, limits=limits, start=n_limit, sizes=sizes if is_p else None)
    return limits, signals


def concatenated(series):
    """values, lengths, p_chart and sizes (NaN where missing) of [(values, sizes, p)]."""
    values = [v for s in series for v in s[0]]
    sizes = [math.nan if n is None else n for s in series for n in s[1]]
    return values, [len(s[0]) for s in series], [s[2] for s in series], sizes


def assert_charts_consistent(charts: SeriesControl, lengths, limit_points):
    k = len(lengths)
    assert len(charts) == k
    for field in ("center", "sigma", "lcl", "ucl", "mr_bar", "size", "n_limit", "is_p"):
        assert getattr(charts, field).shape == (k,)
    assert list(charts.n_limit) == [
        min(n, lp) for n, lp in zip(lengths, np.broadcast_to(limit_points, (k,)), strict=True)
    ]
    assert list(charts.offset) == list(np.cumsum([0, *lengths])[:-1])
    assert np.all(np.diff(charts.signal_index) > 0)
    for i, s, rule in zip(
        charts.signal_index, charts.signal_series, charts.signal_rule, strict=True
    ):
        assert charts.offset[s] <= i < charts.offset[s] + lengths[s]
        # Among the limit points, rule 1 only.
        assert i >= charts.offset[s] + charts.n_limit[s] or rule == 1
    assert set(charts.signal_rule.tolist()) <= {1, 2, 3, 4}
    assert not np.any(charts.has_chart[charts.signal_series] == False)  # noqa: E712
    # Every figure is finite or absent, and absent together.
    has = charts.has_chart
    for figure in (charts.center, charts.sigma, charts.lcl, charts.ucl):
        assert np.all(np.isfinite(figure[has])) and np.all(np.isnan(figure[~has]))
    assert np.all(np.isnan(charts.mr_bar[charts.is_p | ~has]))
    assert np.all(np.isnan(charts.size[~charts.is_p | ~has]))


# --- Property: many at once = one at a time ------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def one_series(draw):
    """(values, sizes, wants_p) of one series, of one of several kinds."""
    length = draw(st.integers(min_value=0, max_value=40))
    kind = draw(
        st.sampled_from(["xmr", "steps", "constant", "outlier", "p", "p_zero", "p_fallback"])
    )
    nothing = [None] * length
    if kind == "xmr":
        return draw(st.lists(finite, min_size=length, max_size=length)), nothing, False
    if kind == "steps":  # small integers: points on the centre, long runs
        steps = st.sampled_from([0.0, 1.0, 2.0, 3.0])
        return draw(st.lists(steps, min_size=length, max_size=length)), nothing, False
    if kind == "constant":
        return [draw(finite)] * length, nothing, draw(st.booleans())
    if kind == "outlier":
        values = draw(st.lists(finite, min_size=length, max_size=length))
        if values:
            huge = st.sampled_from([1e15, 1e300, 1.7e308, -1.7e308])
            values[draw(st.integers(0, length - 1))] = draw(huge)
        return values, nothing, False
    same_size = draw(st.booleans())
    size = st.integers(min_value=1, max_value=500)
    sizes = (
        [draw(size)] * length
        if same_size
        else draw(st.lists(size, min_size=length, max_size=length))
    )
    if kind == "p_zero":
        return [0.0] * length, sizes, True
    values = [draw(st.integers(0, n)) / n for n in sizes]
    if kind == "p_fallback" and length:  # one point not a proportion with a size: XmR
        i = draw(st.integers(0, length - 1))
        if draw(st.booleans()):
            values[i] = draw(st.sampled_from([1.25, -0.5]))
        else:
            sizes[i] = draw(st.sampled_from([None, 0]))
    return values, sizes, True


@settings(max_examples=300, deadline=None)
@given(
    series=st.lists(one_series(), max_size=8),
    limit_points=st.integers(min_value=2, max_value=25),
    per_series=st.booleans(),
    data=st.data(),
)
def test_many_charts_equal_the_one_series_charts(series, limit_points, per_series, data):
    if per_series:
        limits_of = st.integers(min_value=2, max_value=25)
        limit_points = data.draw(st.lists(limits_of, min_size=len(series), max_size=len(series)))
    values, lengths, p_chart, sizes = concatenated(series)

    charts = control_charts(
        values, lengths, limit_points=limit_points, p_chart=p_chart, sizes=sizes
    )

    assert_charts_consistent(charts, lengths, limit_points)
    for k, (v, n, wants_p) in enumerate(series):
        lp = limit_points[k] if per_series else limit_points
        limits, signals = reference_chart(v, n, wants_p=wants_p, limit_points=lp)
        assert charts.limits(k) == limits
        assert charts.signals(k) == signals
        assert one_series_chart(
            v, n, is_p=bool(charts.is_p[k]), n_limit=int(charts.n_limit[k])
        ) == (limits, signals)
        if limits is not None:
            assert charts.is_p[k] == (limits.size is not None)


@settings(max_examples=200, deadline=None)
@given(
    series=st.lists(st.lists(finite, max_size=30), max_size=6),
    data=st.data(),
)
def test_many_rules_equal_the_one_series_rules(series, data):
    centers = [data.draw(finite) for _ in series]
    sigmas = [data.draw(st.floats(min_value=0.0, max_value=1e6)) for _ in series]
    starts = [data.draw(st.integers(min_value=0, max_value=35)) for _ in series]
    lengths = [len(s) for s in series]

    index, rule = rules_many(
        [v for s in series for v in s],
        lengths,
        center=centers,
        sigma=np.repeat(sigmas, lengths),
        start=starts,
    )

    expected = []
    offset = 0
    for s, c, sigma, start in zip(series, centers, sigmas, starts, strict=True):
        one = western_electric(s, center=c, sigma=sigma, start=start)
        assert one == reference_signals(s, center=c, sigmas=[sigma] * len(s), start=start)
        expected += [(offset + x.index, x.rule) for x in one]
        offset += len(s)
    assert list(zip(index.tolist(), rule.tolist(), strict=True)) == expected


# --- The published examples, in one call with other series around them ---------------------


def test_it_reproduces_the_viscosity_charts_in_one_call():
    revised = viscosities(PHASE1_WITHOUT_4 + PHASE2)  # qcc's vignette: limits from 19 batches
    trial = viscosities(PHASE1 + PHASE2)  # limits from the 20 trial batches
    unrelated = [0.0, 1.0, 34.5, 34.5, 34.5, 34.5, 34.5, 0.0]

    charts = control_charts(
        revised + unrelated + trial,
        [len(revised), len(unrelated), len(trial)],
        limit_points=[len(PHASE1_WITHOUT_4), 2, len(PHASE1)],
    )

    published = VISCOSITY_JSON["published"]
    assert_limits_match(
        charts.limits(0), published["phase1_without_batch4_19_batches_MR"], "mean", "sigma_mr"
    )
    assert_limits_match(charts.limits(2), published["phase1_20_batches_MR"], "mean", "sigma_mr")
    assert not charts.is_p.any()
    rows = PHASE1_WITHOUT_4 + PHASE2
    batches = [(int(rows[s.index]["batch"]), s.rule) for s in charts.signals(0)]
    assert batches == [(28, 1), (29, 3), (30, 3), (31, 3), (32, 4), (33, 3), (34, 3), (35, 3)]
    # The lowest rule of each batch in the recomputed rule-by-rule lists.
    lowest: dict[int, int] = {}
    for rule in (1, 2, 3, 4):
        for batch in EXPECTED_VISCOSITY_SIGNALS[str(rule)]:
            lowest.setdefault(batch, rule)
    assert batches == sorted(lowest.items())
    # The trial limits' own batch 4 is beyond their UCL (qcc's vignette chart marks it):
    # a spike among the limit points is flagged, not hidden.
    trial_rows = PHASE1 + PHASE2
    first = charts.signals(2)[0]
    assert (int(trial_rows[first.index]["batch"]), first.rule) == (4, 1)
    # Each series as if alone: no window runs from one series into the next.
    for k, (values, n_limit) in enumerate(
        [(revised, len(PHASE1_WITHOUT_4)), (unrelated, 2), (trial, len(PHASE1))]
    ):
        assert (charts.limits(k), charts.signals(k)) == one_series_chart(
            values, None, is_p=False, n_limit=n_limit
        )


def test_it_reproduces_the_orange_juice_p_charts_in_one_call():
    trial = [r for r in ORANGE_JUICE if r["trial"] == "True"]
    revised = [r for r in trial if r["sample"] not in {"15", "23"}]
    phase2 = [r for r in ORANGE_JUICE if r["trial"] == "False"]
    adjusted = [r for r in ORANGE_JUICE_2 if r["trial"] == "True"]
    series = [trial + phase2, revised + phase2, adjusted]
    p, n = zip(*(proportions_and_sizes(rows) for rows in series), strict=True)

    charts = control_charts(
        [x for s in p for x in s],
        [len(s) for s in series],
        limit_points=[len(trial), len(revised), len(adjusted)],
        p_chart=True,
        sizes=[x for s in n for x in s],
    )

    published = ORANGE_JUICE_JSON["published"]
    for k, key in enumerate(["p_phase1_30", "p_revised_without_15_23", "orangejuice2_p_phase1_24"]):
        assert_limits_match(charts.limits(k), published[key], "pbar", "sigma")
        assert charts.is_p[k] and charts.size[k] == 50 and math.isnan(charts.mr_bar[k])
    assert charts.lcl[2] == 0.0
    rows = revised + phase2
    beyond = [int(rows[s.index]["sample"]) for s in charts.signals(1) if s.rule == 1]
    # Sample 21 (0.40) above the revised UCL among the limit points (Montgomery,
    # Example 7.1), sample 41 below the revised LCL after them.
    assert beyond == [21, *ORANGE_JUICE_JSON["recomputed"]["phase2_points_below_revised_LCL"]]
    # The trial limits flag their own samples 15 and 23 (qcc, Montgomery).
    outside = [int(trial[s.index]["sample"]) for s in charts.signals(0) if s.index < len(trial)]
    assert outside == ORANGE_JUICE_JSON["recomputed"]["phase1_points_outside_trial_limits"]
    for k in range(3):
        expected = one_series_chart(list(p[k]), list(n[k]), is_p=True, n_limit=charts.n_limit[k])
        assert (charts.limits(k), charts.signals(k)) == expected


# --- Edge cases --------------------------------------------------------------------------


def test_no_series_give_empty_charts():
    charts = control_charts([], [], limit_points=20)

    assert len(charts) == 0 and charts.center.shape == (0,)
    assert charts.signal_index.shape == charts.signal_rule.shape == (0,)


def test_series_of_fewer_than_two_points_have_no_chart_and_no_signals():
    charts = control_charts(
        [5.0, 1.0, 2.0, 30.0, 7.0], [0, 1, 3, 0, 1], limit_points=2, p_chart=False
    )

    assert list(charts.has_chart) == [False, False, True, False, False]
    assert list(charts.n_limit) == [0, 1, 2, 0, 1]
    assert [charts.limits(k) for k in (0, 1, 3, 4)] == [None] * 4
    assert charts.limits(2) == xmr_limits([1.0, 2.0])
    assert charts.signals(2) == [Signal(index=2, rule=1)]
    assert charts.signal_index.tolist() == [3] and charts.signal_series.tolist() == [2]


def test_all_series_shorter_than_two_give_no_charts():
    charts = control_charts(
        [1.0, 0.5, 9.0], [1, 1, 0, 1], limit_points=20, p_chart=True, sizes=[5, 5, 5]
    )

    assert not charts.has_chart.any()
    assert len(charts.signal_index) == 0
    assert np.isnan(charts.center).all() and np.isnan(charts.sigma).all()


def test_it_checks_each_p_chart_point_against_its_own_sample_size():
    # As test_stats: 0.25 is beyond 3 sigma for n = 100 (UCL 0.19) but not for n = 10.
    charts = control_charts(
        [0.1, 0.1, 0.25, 0.25], [4], limit_points=2, p_chart=True, sizes=[100, 100, 10, 100]
    )

    assert charts.signals(0) == [Signal(index=3, rule=1)]


@pytest.mark.parametrize(
    ("values", "sizes"),
    [
        pytest.param([0.1, 0.2, 1.5], [10, 10, 10], id="a later point not a proportion"),
        pytest.param([0.1, -0.2, 0.5], [10, 10, 10], id="a negative proportion"),
        pytest.param([0.1, 0.2, 0.5], [10, None, 10], id="a missing size"),
        pytest.param([0.1, 0.2, 0.5], [10, 10, 0], id="a size of 0"),
        pytest.param([0.1, 0.2, 0.5], [10, 10, math.inf], id="an infinite size"),
    ],
)
def test_it_falls_back_to_an_xmr_chart_when_a_point_is_not_a_proportion_with_a_size(values, sizes):
    charts = control_charts(
        [0.3, 0.3, *values], [2, 3], limit_points=2, p_chart=[True, True], sizes=[10, 10, *sizes]
    )

    assert list(charts.is_p) == [True, False]
    assert charts.limits(0) == p_chart_limits([0.3, 0.3], [10, 10])
    assert charts.limits(1) == xmr_limits(values[:2])
    assert charts.size[0] == 10 and math.isnan(charts.size[1]) and math.isnan(charts.mr_bar[0])


def test_zero_width_limits_flag_any_point_off_the_centre_line():
    # A constant XmR phase I (MR̄ = 0, sigma 0) and a p-chart with pbar = 0 (sigma_i = 0):
    # the limits sit on the centre line (qcc limits.xbar.one, limits.p), so the later 9.0
    # and 0.5 are beyond them, rule 1.
    charts = control_charts(
        [2.0, 2.0, 9.0, 0.0, 0.0, 0.5],
        [3, 3],
        limit_points=2,
        p_chart=[False, True],
        sizes=[1, 1, 1, 50, 50, 50],
    )

    assert list(charts.sigma) == [0.0, 0.0]
    assert (charts.lcl[0], charts.center[0], charts.ucl[0]) == (2.0, 2.0, 2.0)
    assert (charts.lcl[1], charts.center[1], charts.ucl[1]) == (0.0, 0.0, 0.0)
    assert charts.signals(0) == charts.signals(1) == [Signal(index=2, rule=1)]


def test_it_gives_no_chart_when_the_limits_overflow():
    charts = control_charts([1.7e308, -1.7e308, 0.0, 1.0, 2.0], [2, 3], limit_points=20)

    assert list(charts.has_chart) == [False, True]
    assert math.isnan(charts.mr_bar[0]) and charts.limits(0) is None


def test_windows_do_not_cross_series():
    # Seven points above the centre, then one more: a run of 8 in one series, not in two.
    values = [1.0] * 8

    index, rule = rules_many(values, [8], center=[0.0], sigma=1.0, start=[7])
    assert (index.tolist(), rule.tolist()) == ([7], [4])

    index, rule = rules_many(values, [7, 1], center=[0.0, 0.0], sigma=1.0, start=0)
    assert index.tolist() == [] and rule.tolist() == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": [1.0, math.nan], "lengths": [2]}, "finite"),
        ({"values": [1.0, 2.0], "lengths": [3]}, "add up"),
        ({"values": [1.0, 2.0], "lengths": [3, -1]}, "negative"),
        ({"values": [1.0, 2.0], "lengths": [1.5, 0.5]}, "whole"),
        ({"values": [1.0, 2.0], "lengths": [2], "limit_points": 1}, "at least 2"),
        ({"values": [1.0, 2.0], "lengths": [1, 1], "limit_points": [2, 3, 4]}, "per series"),
        ({"values": [0.1, 0.2], "lengths": [2], "p_chart": True}, "sizes"),
        ({"values": [0.1, 0.2], "lengths": [2], "p_chart": True, "sizes": [5]}, "sizes"),
    ],
)
def test_it_refuses_invalid_input(kwargs, message):
    kwargs = {"limit_points": 20, **kwargs}
    values, lengths = kwargs.pop("values"), kwargs.pop("lengths")
    with pytest.raises(ValueError, match=message):
        control_charts(values, lengths, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": -1}, "negative"),
        ({"rules": (5,)}, "rules"),
        ({"sigma": [1.0, 1.0]}, "sigma"),
        ({"center": [0.0, 0.0]}, "center"),
    ],
)
def test_rules_many_refuses_invalid_input(kwargs, message):
    kwargs = {"center": [0.0], "sigma": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        rules_many([1.0, 2.0, 3.0], [3], **kwargs)
