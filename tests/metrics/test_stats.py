"""metrics.stats against the published worked examples in reference_data/ beside this file
(qcc's viscosity XmR chart and orange-juice p-charts, SciPy's Welch test), plus the
conventions for the cases the published examples do not cover. No database."""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from metrics.stats import (
    Limits,
    Signal,
    Summary,
    Welch,
    p_chart_limits,
    p_sigmas,
    series_signals,
    summarize,
    welch,
    welch_many,
    western_electric,
    xmr_limits,
)

# Copies of the published examples live in the repository (see reference_data/README.md),
# so the suite runs from a clone alone.
REFERENCE = Path(__file__).resolve().parent / "reference_data"


def read_csv(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(newline="") as f:
        return list(csv.DictReader(f))


def read_json(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


def printed(value: float) -> object:
    """``value`` as R printed it: 7 significant digits (R's default), trailing zeros
    dropped, so it is matched to half a unit in the 7th significant digit."""
    if value == 0:
        return pytest.approx(0.0, abs=0.0)
    half_unit = 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 6)
    return pytest.approx(value, abs=half_unit)


def assert_limits_match(limits: Limits | None, published: dict, center_key: str, sigma_key: str):
    assert limits is not None
    assert limits.center == printed(published[center_key])
    assert limits.sigma == printed(published[sigma_key])
    assert limits.lcl == printed(published["lcl"])
    assert limits.ucl == printed(published["ucl"])


# --- Reference data ----------------------------------------------------------------------

VISCOSITY = read_csv("xmr_qcc_viscosity.csv")
VISCOSITY_JSON = read_json("xmr_qcc_viscosity.json")
PHASE1 = [row for row in VISCOSITY if row["trial"] == "True"]
PHASE2 = [row for row in VISCOSITY if row["trial"] == "False"]
PHASE1_WITHOUT_4 = [row for row in PHASE1 if row["batch"] != "4"]

ORANGE_JUICE = read_csv("p_qcc_orangejuice.csv")
ORANGE_JUICE_2 = read_csv("p_qcc_orangejuice2.csv")
ORANGE_JUICE_JSON = read_json("p_qcc_orangejuice.json")


def viscosities(rows: list[dict[str, str]]) -> list[float]:
    return [float(row["viscosity"]) for row in rows]


def proportions_and_sizes(rows: list[dict[str, str]]) -> tuple[list[float], list[int]]:
    """The CSVs hold defective counts; measurements store the proportion and the size."""
    sizes = [int(row["size"]) for row in rows]
    return [int(row["defectives"]) / n for row, n in zip(rows, sizes, strict=True)], sizes


def test_the_reference_data_is_where_the_tests_expect_it():
    assert len(PHASE1) == 20 and len(PHASE2) == 15 and len(PHASE1_WITHOUT_4) == 19
    assert len(ORANGE_JUICE) == 54 and len(ORANGE_JUICE_2) == 64


# --- XmR chart ---------------------------------------------------------------------------


def test_it_reproduces_qcc_xmr_limits_for_20_viscosity_batches():
    limits = xmr_limits(viscosities(PHASE1))

    published = VISCOSITY_JSON["published"]["phase1_20_batches_MR"]
    assert_limits_match(limits, published, "mean", "sigma_mr")
    assert limits.n_points == 20
    assert limits.mr_bar == pytest.approx(VISCOSITY_JSON["recomputed"]["phase1_MR"]["mr_bar"])


def test_it_reproduces_qcc_xmr_limits_without_batch_4():
    limits = xmr_limits(viscosities(PHASE1_WITHOUT_4))

    published = VISCOSITY_JSON["published"]["phase1_without_batch4_19_batches_MR"]
    assert_limits_match(limits, published, "mean", "sigma_mr")


def test_it_uses_d2_1128_not_the_rounded_266():
    limits = xmr_limits([0.0, 1.0])

    assert limits.mr_bar == 1.0
    assert limits.ucl - limits.center == pytest.approx(3 / 1.128, rel=1e-15)


@pytest.mark.parametrize("values", [[], [34.0]])
def test_it_needs_two_points_for_xmr_limits(values):
    assert xmr_limits(values) is None


def test_it_gives_a_constant_series_zero_width_limits_on_its_value():
    limits = xmr_limits([0.1] * 7)

    assert (limits.center, limits.sigma, limits.lcl, limits.ucl) == (0.1, 0.0, 0.1, 0.1)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_it_refuses_non_finite_values(bad):
    with pytest.raises(ValueError, match="finite"):
        xmr_limits([1.0, bad, 2.0])
    with pytest.raises(ValueError, match="finite"):
        summarize([1.0, bad])


# --- p-chart -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "key"),
    [
        pytest.param(
            [r for r in ORANGE_JUICE if r["trial"] == "True"], "p_phase1_30", id="phase-1"
        ),
        pytest.param(
            [r for r in ORANGE_JUICE if r["trial"] == "True" and r["sample"] not in {"15", "23"}],
            "p_revised_without_15_23",
            id="revised-without-15-23",
        ),
        pytest.param(
            [r for r in ORANGE_JUICE_2 if r["trial"] == "True"],
            "orangejuice2_p_phase1_24",
            id="after-adjustment-lcl-floored",
        ),
    ],
)
def test_it_reproduces_qcc_p_chart_limits(rows, key):
    proportions, sizes = proportions_and_sizes(rows)

    limits = p_chart_limits(proportions, sizes)

    assert_limits_match(limits, ORANGE_JUICE_JSON["published"][key], "pbar", "sigma")
    assert limits.size == 50
    assert limits.mr_bar is None


def test_it_floors_the_p_chart_lcl_at_exactly_zero():
    proportions, sizes = proportions_and_sizes([r for r in ORANGE_JUICE_2 if r["trial"] == "True"])

    limits = p_chart_limits(proportions, sizes)

    assert limits.lcl == 0.0
    assert limits.center - 3 * limits.sigma == pytest.approx(
        ORANGE_JUICE_JSON["recomputed"]["orangejuice2"]["lcl_raw"]
    )


def test_it_caps_the_p_chart_ucl_at_one():
    limits = p_chart_limits([0.9, 1.0, 0.8], [2, 2, 2])

    assert limits.ucl == 1.0


def test_it_pools_proportions_by_sample_size():
    # 1 of 10 and 9 of 90: 10 / 100, not the mean of the two proportions.
    limits = p_chart_limits([0.1, 0.1], [10, 90])
    assert limits.center == pytest.approx(0.1)

    limits = p_chart_limits([0.5, 0.0], [10, 90])
    assert limits.center == pytest.approx(0.05)
    assert limits.size == 50
    assert limits.sigma == pytest.approx(math.sqrt(0.05 * 0.95 / 50))


@pytest.mark.parametrize(
    ("proportions", "sizes", "message"),
    [
        ([0.1, 1.2], [10, 10], r"\[0, 1\]"),
        ([0.1, -0.1], [10, 10], r"\[0, 1\]"),
        ([0.1, 0.2], [10, 0], "at least 1"),
        ([0.1, 0.2], [10], "same length"),
    ],
)
def test_it_refuses_invalid_p_chart_input(proportions, sizes, message):
    with pytest.raises(ValueError, match=message):
        p_chart_limits(proportions, sizes)


def test_it_needs_two_points_for_p_chart_limits():
    assert p_chart_limits([0.2], [50]) is None


def test_it_finds_the_orange_juice_samples_outside_the_trial_limits():
    rows = [r for r in ORANGE_JUICE if r["trial"] == "True"]
    proportions, sizes = proportions_and_sizes(rows)
    limits = p_chart_limits(proportions, sizes)

    signals = western_electric(proportions, center=limits.center, sigma=limits.sigma, rules=(1,))

    expected = ORANGE_JUICE_JSON["recomputed"]["phase1_points_outside_trial_limits"]
    assert [int(rows[s.index]["sample"]) for s in signals] == expected == [15, 23]


def test_it_finds_the_phase_2_sample_below_the_revised_lcl():
    phase1 = [r for r in ORANGE_JUICE if r["trial"] == "True" and r["sample"] not in {"15", "23"}]
    phase2 = [r for r in ORANGE_JUICE if r["trial"] == "False"]
    limits = p_chart_limits(*proportions_and_sizes(phase1))
    proportions, sizes = proportions_and_sizes(phase1 + phase2)

    signals = western_electric(
        proportions, center=limits.center, sigma=limits.sigma, start=len(phase1), rules=(1,)
    )

    rows = phase1 + phase2
    expected = ORANGE_JUICE_JSON["recomputed"]["phase2_points_below_revised_LCL"]
    assert [int(rows[s.index]["sample"]) for s in signals] == expected == [41]
    # With each point's own sigma (all n = 50 here) the answer is the same; and the limit
    # points are checked with rule 1 too: sample 21, 20/50 = 0.40, is above the revised
    # UCL 0.3893 (Montgomery's Example 7.1 notes it and keeps it).
    checked = series_signals(proportions, limits=limits, start=len(phase1), sizes=sizes, rules=(1,))
    assert [int(rows[s.index]["sample"]) for s in checked] == [21, 41]
    assert (
        series_signals(
            proportions,
            limits=limits,
            start=len(phase1),
            sizes=sizes,
            rules=(1,),
            limit_point_rules=(),
        )
        == signals
    )


def test_it_checks_each_p_chart_point_against_its_own_sample_size():
    limits = p_chart_limits([0.1, 0.1], [100, 100])
    # 0.25 is beyond 3 sigma for n = 100 (UCL 0.19) but not for n = 10 (UCL 0.38).
    values, sizes = [0.1, 0.1, 0.25, 0.25], [100, 100, 10, 100]

    signals = series_signals(values, limits=limits, start=2, sizes=sizes)

    assert signals == [Signal(index=3, rule=1)]
    assert p_sigmas(0.1, [10, 100]) == pytest.approx([math.sqrt(0.009), 0.03])


def test_it_refuses_sizes_for_an_xmr_chart_and_wants_them_for_a_p_chart():
    with pytest.raises(ValueError, match="sizes"):
        series_signals([1.0, 2.0], limits=xmr_limits([1.0, 2.0]), start=0, sizes=[1, 1])
    with pytest.raises(ValueError, match="sizes"):
        series_signals([0.1, 0.2], limits=p_chart_limits([0.1, 0.2], [9, 9]), start=0)


# --- Western Electric rules --------------------------------------------------------------

EXPECTED_VISCOSITY_SIGNALS = VISCOSITY_JSON["recomputed_phase2_WE_signals_by_batch"]


def viscosity_phase2_signals(rules: tuple[int, ...]) -> list[tuple[int, int]]:
    """(batch, rule) for phase II, limits from the 19 phase-I batches (as qcc's vignette:
    qcc(viscosity[trial][-4], newdata = viscosity[!trial]))."""
    rows = PHASE1_WITHOUT_4 + PHASE2
    limits = xmr_limits(viscosities(PHASE1_WITHOUT_4))
    signals = western_electric(
        viscosities(rows),
        center=limits.center,
        sigma=limits.sigma,
        start=len(PHASE1_WITHOUT_4),
        rules=rules,
    )
    return [(int(rows[s.index]["batch"]), s.rule) for s in signals]


@pytest.mark.parametrize("rule", [1, 2, 3, 4])
def test_it_finds_the_western_electric_signals_in_viscosity_phase_2(rule):
    batches = [batch for batch, _ in viscosity_phase2_signals((rule,))]

    assert batches == EXPECTED_VISCOSITY_SIGNALS[str(rule)]
    assert batches == {1: [28], 2: [], 3: [28, 29, 30, 31, 33, 34, 35], 4: [32, 33, 34, 35]}[rule]


def test_it_reports_each_point_once_with_its_lowest_rule():
    assert viscosity_phase2_signals((1, 2, 3, 4)) == [
        (28, 1),
        (29, 3),
        (30, 3),
        (31, 3),
        (32, 4),
        (33, 3),
        (34, 3),
        (35, 3),
    ]


def test_it_flags_batch_4_beyond_the_trial_ucl():
    limits = xmr_limits(viscosities(PHASE1))

    signals = western_electric(viscosities(PHASE1), center=limits.center, sigma=limits.sigma)

    assert [(int(PHASE1[s.index]["batch"]), s.rule) for s in signals] == [(4, 1)]


def test_it_ignores_a_point_exactly_on_a_limit():
    limits = Limits(center=0.0, sigma=1.0, lcl=-3.0, ucl=3.0, n_points=2)

    assert series_signals([0.0, 3.0, -3.0, 3.0000001], limits=limits, start=0) == [
        Signal(index=3, rule=1)
    ]


def test_it_needs_the_completing_point_itself_beyond_the_zone_for_rules_2_and_3():
    # 2.5, 2.5 then 0: the third window still holds two points beyond 2 sigma, but its
    # latest point is not one of them.
    values = [0.0, 2.5, 2.5, 0.0]
    assert western_electric(values, center=0.0, sigma=1.0, rules=(2,)) == [Signal(2, 2)]

    values = [0.0, 1.5, 1.5, 1.5, 1.5, 0.0, 1.5]
    assert western_electric(values, center=0.0, sigma=1.0, rules=(3,)) == [
        Signal(4, 3),
        Signal(6, 3),
    ]


def test_it_counts_rules_2_and_3_on_one_side_only():
    assert western_electric([2.5, -2.5, 2.5], center=0.0, sigma=1.0, rules=(2,)) == [Signal(2, 2)]
    assert western_electric([2.5, -2.5, -2.5], center=0.0, sigma=1.0, rules=(2,)) == [Signal(2, 2)]
    assert western_electric([1.5, -1.5] * 4, center=0.0, sigma=1.0, rules=(3,)) == []


def test_it_needs_a_full_window_as_qcc_does():
    # Two points beyond 2 sigma at the very start: "2 of the last 3" needs a third point.
    assert western_electric([2.5, 2.5], center=0.0, sigma=1.0, rules=(2,)) == []
    assert western_electric([2.5, 2.5, 0.0], center=0.0, sigma=1.0, rules=(2,)) == []


def test_a_point_on_the_centre_breaks_a_run():
    values = [1.0] * 4 + [0.0] + [1.0] * 7
    assert western_electric(values, center=0.0, sigma=1.0, rules=(4,)) == []

    values = [-0.5] * 9
    assert western_electric(values, center=0.0, sigma=1.0, rules=(4,)) == [
        Signal(7, 4),
        Signal(8, 4),
    ]


def test_its_windows_look_back_before_the_start():
    # Seven phase-I points above the centre, then one checked point: the run of 8 is
    # completed by the first checked point.
    values = [0.5] * 7 + [0.5]

    assert western_electric(values, center=0.0, sigma=1.0, start=7) == [Signal(7, 4)]
    assert western_electric(values, center=0.0, sigma=1.0, start=8) == []


@pytest.mark.parametrize("sigma", [-1.0, math.nan, math.inf, [1.0, math.nan, 1.0]])
def test_a_degenerate_chart_gives_no_signals(sigma):
    assert western_electric([0.0, 10.0, 10.0], center=0.0, sigma=sigma) == []


def test_it_refuses_an_unknown_rule():
    with pytest.raises(ValueError, match="rules"):
        western_electric([1.0, 2.0], center=0.0, sigma=1.0, rules=(5,))


# --- Summaries ---------------------------------------------------------------------------


def test_it_summarizes_with_the_sample_variance():
    summary = summarize([1.0, 2.0, 3.0, 4.0])

    assert summary == Summary(n=4, mean=2.5, variance=pytest.approx(5 / 3))


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], Summary(0, None, None)), ([7.0], Summary(1, 7.0, None))],
)
def test_it_leaves_out_what_a_small_sample_cannot_give(values, expected):
    assert summarize(values) == expected


def test_a_constant_series_has_its_value_as_mean_and_no_variance():
    assert summarize([0.1] * 3) == Summary(n=3, mean=0.1, variance=0.0)


@pytest.mark.parametrize(
    ("aggregates", "expected"),
    [
        ({"n": 0, "mean": None, "variance": None}, Summary(0, None, None)),
        ({"n": 1, "mean": 3.0, "variance": None}, Summary(1, 3.0, None)),
        ({"n": 1, "mean": 3.0, "variance": 0.0}, Summary(1, 3.0, None)),
        ({"n": 3, "mean": 3.0, "variance": 2.0}, Summary(3, 3.0, 2.0)),
        ({"n": 3, "mean": 3.0, "variance": -1e-18}, Summary(3, 3.0, 0.0)),
    ],
)
def test_it_builds_a_summary_from_sql_aggregates(aggregates, expected):
    assert Summary.from_aggregates(**aggregates) == expected


# --- Welch's t-test ----------------------------------------------------------------------

RNG = np.random.default_rng(20240611)
WELCH_DATA = {
    "viscosity phase I vs II": (viscosities(PHASE1), viscosities(PHASE2)),
    "orange juice before vs after adjustment": (
        proportions_and_sizes([r for r in ORANGE_JUICE if r["trial"] == "True"])[0],
        proportions_and_sizes([r for r in ORANGE_JUICE_2 if r["trial"] == "True"])[0],
    ),
    "tiny vs spread": ([1.0, 2.0, 3.0], [10.0, 30.0, 50.0, 70.0, 90.0, 110.0]),
    "unequal sizes and variances": (
        list(RNG.normal(10.0, 1.0, 7)),
        list(RNG.normal(11.0, 5.0, 40)),
    ),
    "two points each": ([5.0, 6.0], [4.0, 9.0]),
    "large values": (list(RNG.normal(1e6, 3.0, 12)), list(RNG.normal(1e6 - 2.0, 0.5, 9))),
}


@pytest.mark.parametrize(("before", "after"), WELCH_DATA.values(), ids=WELCH_DATA.keys())
def test_welch_agrees_with_scipy(before, after):
    expected = scipy_stats.ttest_ind(after, before, equal_var=False)

    result = welch(before=summarize(before), after=summarize(after))

    assert result.t == pytest.approx(expected.statistic, rel=1e-12)
    assert result.df == pytest.approx(expected.df, rel=1e-12)
    assert result.p == pytest.approx(expected.pvalue, rel=1e-12)


def test_welch_t_is_positive_when_the_mean_went_up():
    result = welch(before=summarize([1.0, 2.0, 3.0]), after=summarize([4.0, 5.0, 7.0]))

    assert result.t > 0


def test_welch_many_agrees_element_wise_with_welch():
    pairs = [(summarize(b), summarize(a)) for b, a in WELCH_DATA.values()]
    pairs += [
        (summarize([2.0, 2.0]), summarize([2.0, 2.0, 2.0])),  # no change
        (summarize([2.0, 2.0]), summarize([3.0, 3.0])),  # no test: different constants
        (summarize([2.0]), summarize([3.0, 4.0])),  # too few before
    ]

    t, df, p = welch_many(
        n_before=[b.n for b, _ in pairs],
        mean_before=[b.mean for b, _ in pairs],
        var_before=[math.nan if b.variance is None else b.variance for b, _ in pairs],
        n_after=[a.n for _, a in pairs],
        mean_after=[a.mean for _, a in pairs],
        var_after=[a.variance for _, a in pairs],
    )

    for i, (before, after) in enumerate(pairs):
        scalar = welch(before=before, after=after)
        if scalar is None:
            assert math.isnan(t[i]) and math.isnan(df[i]) and math.isnan(p[i])
            continue
        assert (t[i], df[i], p[i]) == (scalar.t, scalar.df, scalar.p)


def test_welch_needs_two_points_on_each_side():
    assert welch(before=summarize([1.0]), after=summarize([1.0, 2.0])) is None
    assert welch(before=summarize([1.0, 2.0]), after=summarize([])) is None


def test_welch_of_two_equal_constant_samples_is_no_change():
    result = welch(before=summarize([3.0] * 4), after=summarize([3.0] * 6))

    assert result == Welch(t=0.0, df=8.0, p=1.0)


def test_welch_of_two_different_constant_samples_is_no_test():
    # Without variation the t-test is undefined (SciPy gives t = ±inf, p = 0): a gauge that
    # reads the same value every time proves nothing about the process, so no p-value —
    # the result says "not enough data yet" rather than "certain".
    result = welch(before=summarize([3.0] * 4), after=summarize([2.0] * 6))

    assert result is None


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
def test_welch_with_one_constant_side_uses_the_other_sides_df():
    before, after = [3.0] * 4, [1.0, 2.0, 4.0, 8.0, 9.0]
    expected = scipy_stats.ttest_ind(after, before, equal_var=False)

    result = welch(before=summarize(before), after=summarize(after))

    assert result.df == pytest.approx(4.0)
    assert result.t == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p == pytest.approx(expected.pvalue, rel=1e-12)


def test_welch_many_gives_nan_for_invalid_input():
    t, df, p = welch_many(
        n_before=[1, 5, 5, 5],
        mean_before=[0.0, math.nan, 0.0, 0.0],
        var_before=[1.0, 1.0, -1.0, math.inf],
        n_after=5,
        mean_after=1.0,
        var_after=1.0,
    )

    assert np.isnan(t).all() and np.isnan(df).all() and np.isnan(p).all()


# --- Properties --------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=2, max_size=50)


@settings(max_examples=200, deadline=None)
@given(before=samples, after=samples)
def test_welch_is_antisymmetric_and_finite(before, after):
    forward = welch(before=summarize(before), after=summarize(after))
    backward = welch(before=summarize(after), after=summarize(before))

    if forward is None:  # no test: no variation (to the last bit), different means
        b, a = summarize(before), summarize(after)
        assert backward is None
        assert b.variance / b.n + a.variance / a.n == 0 and b.mean != a.mean
        return
    assert backward is not None
    assert 0.0 <= forward.p <= 1.0
    assert backward.p == forward.p
    assert backward.df == forward.df
    assert math.isfinite(forward.t) and math.isfinite(forward.df)
    assert backward.t == -forward.t


@settings(max_examples=200, deadline=None)
@given(values=samples, start=st.integers(min_value=0, max_value=50))
def test_xmr_limits_are_finite_and_signals_agree_rule_by_rule(values, start):
    limits = xmr_limits(values)

    assert limits is not None
    assert all(math.isfinite(x) for x in (limits.center, limits.sigma, limits.lcl, limits.ucl))
    assert limits.lcl <= limits.center <= limits.ucl and limits.sigma >= 0

    signals = series_signals(values, limits=limits, start=start)
    # Before `start` (the limit points) only rule 1 is checked.
    assert all(s.index >= start or s.rule == 1 for s in signals)
    lowest: dict[int, int] = {}
    for rule in (1, 2, 3, 4):
        for s in western_electric(
            values,
            center=limits.center,
            sigma=limits.sigma,
            start=start,
            rules=(rule,),
            rules_from_first=(1,),
        ):
            lowest.setdefault(s.index, rule)
    assert signals == [Signal(i, r) for i, r in sorted(lowest.items())]


@settings(max_examples=100, deadline=None)
@given(value=finite, n=st.integers(min_value=2, max_value=50))
def test_a_constant_series_has_zero_sigma_and_no_signals(value, n):
    limits = xmr_limits([value] * n)

    assert limits.sigma == 0.0 and limits.center == value
    assert series_signals([value] * n, limits=limits, start=0) == []
    assert welch(before=summarize([value] * n), after=summarize([value] * 3)) == Welch(
        t=0.0, df=n + 1.0, p=1.0
    )


@settings(max_examples=200, deadline=None)
@given(
    samples=st.lists(
        st.integers(min_value=1, max_value=1000).flatmap(
            lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
        ),
        min_size=2,
        max_size=50,
    )
)
def test_p_chart_limits_are_finite_and_within_0_1(samples):
    proportions = [d / n for d, n in samples]
    sizes = [n for _, n in samples]

    limits = p_chart_limits(proportions, sizes)

    assert all(math.isfinite(x) for x in (limits.center, limits.sigma, limits.lcl, limits.ucl))
    assert 0.0 <= limits.lcl <= limits.center <= limits.ucl <= 1.0
    assert limits.center == pytest.approx(sum(d for d, _ in samples) / sum(sizes))
    signals = series_signals(proportions, limits=limits, start=0, sizes=sizes)
    assert all(1 <= s.rule <= 4 for s in signals)
