"""The stored control figure (ResultSnapshot.control) by phase, through the results job,
on hand-computed series (CONTROL_LIMIT_POINTS = 20 unless a test says otherwise).

The post-change phase (from the change date, 2026-03-02) has its limits from its first
points and its signals; the baseline phase (before the change date) its own centre line,
and its own limits from its points when it has at least CONTROL_LIMIT_POINTS of them.
The phases split at the change date whatever the target's baseline window (the targets
here have none: a typed baseline).
Sources: Montgomery, *Introduction to Statistical Quality Control* 6th ed., §6.4 (XmR:
σ̂ = MR̄/1.128), §7.2 (p-chart, variable sample sizes); qcc 3.0 (``limits.xbar.one``,
``limits.p``, ``beyond.limits``); Minitab's "Tests for special causes" and stages.
"""

import datetime as dt

import pytest

from improvement.models import Stage
from metrics.models import ChartKind, Direction, Measurement, ResultSnapshot
from metrics.results import compute
from tests.metrics.test_results import AS_OF, CHANGE, live_target, measure, noon

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

D2 = 1.128


def control_of(target) -> dict:
    return ResultSnapshot.objects.get(target=target).control


def signal(day: dt.date, value: float, rule: int = 1) -> dict:
    return {"observed_at": noon(day).isoformat(), "value": value, "rule": rule}


def after(days: int) -> dt.date:
    return CHANGE + dt.timedelta(days=days)


def test_it_stores_a_chart_for_each_phase():
    """Baseline phase 15, 17 × 10: centre 16, every moving range 2 → MR̄ 2,
    σ = 2 / 1.128 = 1.773050, limits 16 ± 5.319149. Post-change 10, 12 × 10, then 11
    and 30: limits from the first 20, centre 11, MR̄ 2, limits 11 ± 5.319149 =
    5.680851 to 16.319149; 30 (22nd point, 23 March) is beyond, rule 1."""
    target = live_target(
        stage=Stage.CONTROL, window=False, before=[15, 17] * 10, after=[10, 12] * 10 + [11, 30]
    )

    measure(target)

    sigma = 2 / D2
    assert control_of(target) == {
        "center": pytest.approx(11.0),
        "ucl": pytest.approx(11 + 3 * sigma),
        "lcl": pytest.approx(11 - 3 * sigma),
        "mr_bar": pytest.approx(2.0),
        "sigma": pytest.approx(sigma),
        "provisional": False,
        "signals": [signal(after(21), 30.0)],
        "chart": "xmr",
        "size": None,
        "limit_points": 20,
        "since": "2026-03-02",
        "baseline": {
            "chart": "xmr",
            "center": pytest.approx(16.0),
            "ucl": pytest.approx(16 + 3 * sigma),
            "lcl": pytest.approx(16 - 3 * sigma),
            "mr_bar": pytest.approx(2.0),
            "sigma": pytest.approx(sigma),
            "size": None,
            "n_points": 20,
            "signals": [],
        },
    }
    assert 16 + 3 * sigma == pytest.approx(21.319149, abs=1e-6)


def test_it_keeps_the_post_change_limits_off_the_baseline_data():
    """The limits come from the post-change points only: a baseline at 100 leaves the
    post-change centre at 11, and its own centre at 100."""
    target = live_target(
        stage=Stage.CONTROL, window=False, before=[100, 100, 100], after=[10, 12] * 10
    )

    measure(target)

    control = control_of(target)
    assert control["center"] == pytest.approx(11.0)
    assert control["baseline"]["center"] == 100.0


def test_it_gives_a_short_baseline_phase_a_centre_line_only():
    """Three points before the change (fewer than 20): the centre line (14 + 16 + 15) / 3
    = 15, no limits and no signals."""
    target = live_target(stage=Stage.CONTROL, window=False, before=[14, 16, 15], after=[10, 12] * 3)

    measure(target)

    assert control_of(target)["baseline"] == {
        "chart": "xmr",
        "center": pytest.approx(15.0),
        "ucl": None,
        "lcl": None,
        "mr_bar": None,
        "sigma": None,
        "size": None,
        "n_points": 3,
        "signals": [],
    }


def test_it_gives_no_baseline_phase_from_fewer_than_two_points():
    target = live_target(stage=Stage.CONTROL, window=False, before=[14], after=[10, 12] * 3)

    measure(target)

    assert control_of(target)["baseline"] is None


def test_it_flags_a_spike_among_the_baseline_points_in_the_baseline_phase():
    """Baseline 16 × 9, 30, 16 × 10: centre (19 × 16 + 30) / 20 = 16.7, MR̄ = 28 / 19,
    σ = 1.306458, UCL = 20.619373: 30 (the 10th, 20 February) is beyond, rule 1 — a
    signal of the baseline phase, not of the post-change one."""
    before = [16] * 9 + [30] + [16] * 10
    target = live_target(stage=Stage.CONTROL, window=False, before=before, after=[10, 12] * 10)

    measure(target)

    control = control_of(target)
    baseline = control["baseline"]
    assert baseline["center"] == pytest.approx(16.7)
    assert baseline["ucl"] == pytest.approx(16.7 + 3 * 28 / 19 / D2)
    assert baseline["ucl"] == pytest.approx(20.619373, abs=1e-6)
    assert baseline["signals"] == [signal(CHANGE - dt.timedelta(days=11), 30.0)]
    assert control["signals"] == []


def test_it_flags_a_spike_among_the_limit_points():
    """Post-change 10 × 5, 20, 10 × 14: the 20 limit points give centre 10.5, MR̄ = 20/19,
    σ = 0.933184, UCL = 13.299552 — and 20, the 6th point (7 March), is beyond the very
    limits it widened: rule 1 (qcc, Minitab test 1 on every point)."""
    target = live_target(stage=Stage.CONTROL, after=[10] * 5 + [20] + [10] * 14)

    measure(target)

    control = control_of(target)
    assert control["ucl"] == pytest.approx(13.299552, abs=1e-6)
    assert control["mr_bar"] == pytest.approx(20 / 19)
    assert control["signals"] == [signal(after(5), 20.0)]


@pytest.fixture
def five_limit_points(settings):
    settings.CONTROL_LIMIT_POINTS = 5


@pytest.mark.usefixtures("five_limit_points")
def test_it_flags_any_point_off_a_flat_xmr_chart():
    """Limit points 12 × 5: MR̄ = 0, so LCL = CL = UCL = 12 (qcc). Then 12 (on the line)
    and 13 (off it, 8 March): a rule 1 signal."""
    target = live_target(stage=Stage.CONTROL, after=[12] * 5 + [12, 13])

    measure(target)

    control = control_of(target)
    assert (control["lcl"], control["center"], control["ucl"]) == (12.0, 12.0, 12.0)
    assert (control["mr_bar"], control["sigma"]) == (0.0, 0.0)
    assert control["signals"] == [signal(after(6), 13.0)]


@pytest.mark.usefixtures("five_limit_points")
def test_it_flags_any_defective_on_a_zero_defect_p_chart():
    """Five samples of 100 without a defective: p̄ = 0, σ = √(0 × 1 / 100) = 0, limits
    0 to 0 (qcc ``limits.p``). Then 0 and 1/100 = 0.01 (8 March): above UCL 0, rule 1."""
    target = live_target(
        stage=Stage.CONTROL,
        baseline=0.02,
        target=0.0,
        direction=Direction.LOWER_IS_BETTER,
        chart_kind=ChartKind.PROPORTION,
        after=[0.0] * 5 + [0.0, 0.01],
        sample_size=100,
    )

    measure(target)

    control = control_of(target)
    assert (control["lcl"], control["center"], control["ucl"], control["sigma"]) == (
        0.0,
        0.0,
        0.0,
        0.0,
    )
    assert (control["chart"], control["size"], control["mr_bar"]) == ("p", 100.0, None)
    assert control["signals"] == [signal(after(6), 0.01)]


@pytest.mark.usefixtures("five_limit_points")
def test_it_checks_each_p_chart_point_against_its_own_limits():
    """Limit points 10 % of 100, 900, 400, 100, 500: p̄ = 0.1, n̄ = 400, stored summary
    limits 0.1 ± 3 × 0.015 = 0.055 to 0.145. Each later point against its own limits
    0.1 ± 0.9 / √nᵢ (Montgomery §7.2.2): 6/25 = 0.24 is within 0 to 0.28; 126/900 = 0.14
    above 0.13; 54/900 = 0.06 below 0.07; 20/100 = 0.20 above 0.19."""
    target = live_target(
        stage=Stage.CONTROL,
        baseline=0.1,
        target=0.05,
        direction=Direction.LOWER_IS_BETTER,
        chart_kind=ChartKind.PROPORTION,
    )
    values = [0.1, 0.1, 0.1, 0.1, 0.1, 0.24, 0.14, 0.06, 0.20]
    sizes = [100, 900, 400, 100, 500, 25, 900, 900, 100]
    Measurement.objects.bulk_create(
        Measurement(target=target, observed_at=noon(after(i)), value=v, sample_size=n)
        for i, (v, n) in enumerate(zip(values, sizes, strict=True))
    )

    measure(target)

    control = control_of(target)
    assert control["center"] == pytest.approx(0.1)
    assert (control["lcl"], control["ucl"]) == (pytest.approx(0.055), pytest.approx(0.145))
    assert (control["sigma"], control["size"]) == (pytest.approx(0.015), 400.0)
    assert control["signals"] == [
        signal(after(6), 0.14),
        signal(after(7), 0.06),
        signal(after(8), 0.20),
    ]


def test_it_reads_the_baseline_phases_of_many_targets_by_stage(monkeypatch):
    """Past BASELINE_ID_LIST charted targets the baseline read filters by stage rather
    than by ids (SQLite's parameter cap): the same figures, and no other target's points."""
    charted = [
        live_target(stage=Stage.CONTROL, window=False, before=[14, 16, 15], after=[10, 12] * 3),
        live_target(stage=Stage.ACT, window=False, before=[20, 22], after=[10, 12] * 3),
    ]
    live_target(stage=Stage.CHECK, window=False, before=[50, 60], after=[10, 12] * 3)
    monkeypatch.setattr(compute, "BASELINE_ID_LIST", 1)

    compute.compute_results(as_of=AS_OF)

    assert [control_of(t)["baseline"]["center"] for t in charted] == [15.0, 21.0]
    assert [control_of(t)["baseline"]["n_points"] for t in charted] == [3, 2]
