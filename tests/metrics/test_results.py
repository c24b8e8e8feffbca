"""The results engine end to end, through the Celery task, on hand-computed series.

Each scenario builds a target with a few measurements before and after the change
(2026-03-02), runs `metrics.tasks.measure_results` for its initiative as of 2026-06-30,
and checks the stored ResultSnapshot against figures worked out by hand in the test
(Welch's t, df and p from SciPy, the reference the statistics are pinned to).
"""

import datetime as dt
import importlib
import math
from decimal import Decimal

import numpy as np
import pytest
from scipy import stats as scipy_stats

from improvement.models import Methodology, Stage
from metrics.models import (
    BaselineSource,
    ChartKind,
    Direction,
    ResultSnapshot,
    ResultStatus,
    StatisticalTest,
    Target,
)
from metrics.results.compute import control_columns
from metrics.results.samples import fetch_samples
from metrics.tasks import measure_results
from tests.factories import (
    LiveInitiativeFactory,
    MetricFactory,
    ResultSnapshotFactory,
    TargetFactory,
    record_series,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

CHANGE = dt.date(2026, 3, 2)
AS_OF = dt.date(2026, 6, 30)
DUE = dt.date(2026, 6, 1)
HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
D2 = 1.128


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def live_target(
    *,
    direction=HIGHER,
    baseline=10.0,
    target=None,
    value_per_unit=None,
    before=(),
    after=(),
    stage=Stage.CHECK,
    chart_kind=ChartKind.INDIVIDUALS,
    sample_size=None,
    window=None,
    **fields,
):
    """A primary target of a live initiative: `before` on the days just before the
    change, `after` one a day from the change date. With `before`, the baseline window
    covers those days (`window=False`: no window, the baseline as typed)."""
    methodology = Methodology.PDCA if stage in (Stage.CHECK, Stage.ACT) else Methodology.DMAIC
    initiative = LiveInitiativeFactory(stage=stage, methodology=methodology)
    metric = MetricFactory(direction=direction, chart_kind=chart_kind)
    # Due before AS_OF: a final look (α = 0.05) unless a test says otherwise.
    fields.setdefault("target_date", DUE)
    if window or (window is None and before):
        fields.setdefault("baseline_start", CHANGE - dt.timedelta(days=len(before)))
        fields.setdefault("baseline_end", CHANGE - dt.timedelta(days=1))
        # A window's baseline is the window's (as frozen): one baseline source.
        fields.setdefault("baseline_source", BaselineSource.WINDOW)
    target = TargetFactory(
        initiative=initiative,
        metric=metric,
        baseline_value=baseline,
        target_value=target,
        value_per_unit=value_per_unit,
        **fields,
    )
    record_series(target, first=CHANGE - dt.timedelta(days=len(before)), values=before)
    record_series(target, first=CHANGE, values=after, sample_size=sample_size)
    return target


def measure(target, as_of=AS_OF) -> int:
    """Run the results job for the target's initiative, as the app queues it."""
    kwargs = {"initiative_id": target.initiative_id}
    if as_of is not None:
        kwargs["as_of"] = as_of.isoformat()
    return measure_results.delay(**kwargs).get()


def welch(after, before):
    test = scipy_stats.ttest_ind(after, before, equal_var=False)
    return {
        "welch_t": pytest.approx(test.statistic),
        "welch_df": pytest.approx(test.df),
        "p_value": pytest.approx(test.pvalue),
    }


def figures(result: ResultSnapshot, *names: str) -> dict:
    return {name: getattr(result, name) for name in names}


# --- before/after scenarios ----------------------------------------------------------------


def test_it_reports_a_significant_rise_as_improving():
    before, after = [10, 11, 9, 10], [12, 13, 11, 12]
    target = live_target(
        baseline=10.0, target=15.0, value_per_unit=Decimal("500"), before=before, after=after
    )

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert (result.n_before, result.n_after) == (4, 4)
    assert result.baseline_mean == 10.0
    assert result.current_mean == pytest.approx(12.0)
    assert result.improvement == pytest.approx(2.0)  # 12 − 10
    assert result.improvement_pct == pytest.approx(20.0)  # 2 / 10
    assert result.progress_pct == pytest.approx(40.0)  # (12 − 10) / (15 − 10)
    assert figures(result, "welch_t", "welch_df", "p_value") == welch(after, before)
    assert result.p_value < 0.05
    assert result.significant is True
    assert result.status == ResultStatus.IMPROVING
    assert result.realized_annual_benefit == Decimal("1000.00")  # 2 × 500


def test_it_reports_a_significant_fall_as_regressed():
    before, after = [10, 11, 9, 10], [8, 7, 9, 8]
    target = live_target(
        baseline=10.0, target=15.0, value_per_unit=Decimal("500"), before=before, after=after
    )

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert result.current_mean == pytest.approx(8.0)
    assert result.improvement == pytest.approx(-2.0)
    assert result.improvement_pct == pytest.approx(-20.0)
    assert result.progress_pct == pytest.approx(-40.0)  # (8 − 10) / (15 − 10)
    assert figures(result, "welch_t", "welch_df", "p_value") == welch(after, before)
    assert result.significant is True
    assert result.status == ResultStatus.REGRESSED
    assert result.realized_annual_benefit == Decimal("-1000.00")


def test_it_reports_a_change_within_the_noise_as_at_risk():
    before, after = [10, 11, 9, 10], [10, 12, 9, 11]
    target = live_target(baseline=10.0, target=15.0, before=before, after=after)

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert result.current_mean == pytest.approx(10.5)
    assert result.improvement == pytest.approx(0.5)
    assert result.improvement_pct == pytest.approx(5.0)
    assert result.progress_pct == pytest.approx(10.0)
    assert figures(result, "welch_t", "welch_df", "p_value") == welch(after, before)
    assert result.p_value > 0.05
    assert result.significant is False
    assert result.status == ResultStatus.AT_RISK


def test_it_counts_a_drop_as_an_improvement_when_lower_is_better():
    before, after = [20, 22, 18, 20], [15, 16, 14, 15]
    target = live_target(
        direction=LOWER,
        baseline=20.0,
        target=12.0,
        value_per_unit=Decimal("1000"),
        before=before,
        after=after,
    )

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert result.current_mean == pytest.approx(15.0)
    assert result.improvement == pytest.approx(5.0)  # −(15 − 20)
    assert result.improvement_pct == pytest.approx(25.0)  # 5 / 20
    assert result.progress_pct == pytest.approx(62.5)  # (15 − 20) / (12 − 20)
    # t is after − before: the mean went down, whichever way is better.
    assert figures(result, "welch_t", "welch_df", "p_value") == welch(after, before)
    assert result.welch_t < 0
    assert result.significant is True
    assert result.status == ResultStatus.IMPROVING
    assert result.realized_annual_benefit == Decimal("5000.00")  # 5 × 1000


def test_it_leaves_the_percentage_out_for_a_zero_baseline():
    before, after = [-1, 1, 0, 0], [3, 4, 5, 4]
    target = live_target(baseline=0.0, target=10.0, before=before, after=after)

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert result.improvement == pytest.approx(4.0)
    assert result.improvement_pct is None
    assert result.progress_pct == pytest.approx(40.0)  # (4 − 0) / (10 − 0)
    assert result.status == ResultStatus.IMPROVING


def test_it_has_no_data_with_measurements_before_the_change_only():
    target = live_target(baseline=10.0, target=15.0, before=[10, 11, 9, 10])

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert (result.n_before, result.n_after) == (4, 0)
    assert result.baseline_mean == 10.0
    assert result.current_mean is None
    assert result.improvement is None
    assert result.progress_pct is None
    assert result.welch_t is result.welch_df is result.p_value is result.significant is None
    assert result.status == ResultStatus.NO_DATA
    assert result.realized_annual_benefit is None


def test_it_tests_after_data_against_a_typed_baseline_with_a_one_sample_t_test():
    # No window: the typed 10 is the reference of the improvement and of the test alike.
    after = [12, 13, 11, 12]
    target = live_target(baseline=10.0, target=15.0, value_per_unit=Decimal("500"), after=after)

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert (result.n_before, result.n_after) == (0, 4)
    assert result.baseline_mean == 10.0
    assert result.improvement == pytest.approx(2.0)
    assert result.progress_pct == pytest.approx(40.0)
    # scipy.stats.ttest_1samp([12, 13, 11, 12], 10): t = 2 / (√(2/3) / 2) = 4.899, df 3
    expected = scipy_stats.ttest_1samp(after, 10.0)
    assert result.welch_t == pytest.approx(expected.statistic) == pytest.approx(4.898979)
    assert result.welch_df == 3.0
    assert result.p_value == pytest.approx(expected.pvalue) == pytest.approx(0.016277, abs=1e-6)
    assert result.test_method == StatisticalTest.ONE_SAMPLE_T
    assert result.significant is True
    assert result.status == ResultStatus.IMPROVING
    assert result.realized_annual_benefit == Decimal("1000.00")


def test_it_has_insufficient_data_with_a_single_point_after_the_change():
    # The day after the change there is one point: too few for a test, not an error, and
    # never "improving" on the strength of one point.
    target = live_target(baseline=10.0, target=15.0, before=[10, 11, 9, 10], after=[12])

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert (result.n_before, result.n_after) == (4, 1)
    assert result.improvement == pytest.approx(2.0)
    assert result.welch_t is result.welch_df is result.p_value is result.significant is None
    assert result.test_method == ""
    assert result.status == ResultStatus.INSUFFICIENT_DATA


def test_it_has_no_data_without_measurements():
    target = live_target(baseline=10.0, target=15.0)

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert (result.n_before, result.n_after) == (0, 0)
    assert result.baseline_mean == 10.0
    assert result.current_mean is None
    assert result.status == ResultStatus.NO_DATA


def test_it_reports_a_reached_target_as_achieved():
    before, after = [20, 22, 18, 20], [11, 12, 10, 11]
    target = live_target(direction=LOWER, baseline=20.0, target=12.0, before=before, after=after)

    written = measure(target)

    assert written == 1
    result = ResultSnapshot.objects.get(target=target)
    assert result.improvement == pytest.approx(9.0)  # −(11 − 20)
    assert result.improvement_pct == pytest.approx(45.0)
    assert result.progress_pct == pytest.approx(112.5)  # (11 − 20) / (12 − 20)
    assert result.significant is True
    assert result.status == ResultStatus.ACHIEVED


def test_it_computes_a_benefit_to_the_cent():
    # improvement (15 − 20) × −1 = 5, × 123.4567 per unit = 617.2835 → 617.28
    target = live_target(
        direction=LOWER,
        baseline=20.0,
        target=12.0,
        value_per_unit=Decimal("123.4567"),
        after=[15, 16, 14, 15],
    )

    measure(target)

    result = ResultSnapshot.objects.get(target=target)
    assert result.realized_annual_benefit == Decimal("617.28")


# --- which measurements count --------------------------------------------------------------

# Three groups before the change: early January, the baseline window (20–23 January)
# and late February; then four points after the change.
EARLY, WINDOW, LATE = [50, 52, 48, 50], [20, 22, 18, 20], [30, 31, 29, 30]
AFTER = [15, 16, 14, 15]


def windowed_target(baseline=20.0, **fields):
    if "baseline_start" in fields:
        fields.setdefault("baseline_source", BaselineSource.WINDOW)
    target = live_target(direction=LOWER, baseline=baseline, target=12.0, after=AFTER, **fields)
    record_series(target, first=dt.date(2026, 1, 5), values=EARLY)
    record_series(target, first=dt.date(2026, 1, 20), values=WINDOW)
    record_series(target, first=dt.date(2026, 2, 20), values=LATE)
    return target


def test_it_takes_before_from_the_baseline_window():
    target = windowed_target(baseline_start=dt.date(2026, 1, 20), baseline_end=dt.date(2026, 1, 23))

    measure(target)

    result = ResultSnapshot.objects.get(target=target)
    assert (result.n_before, result.n_after) == (4, 4)
    assert figures(result, "welch_t", "welch_df", "p_value") == welch(AFTER, WINDOW)


def test_it_takes_everything_before_the_change_without_a_window_or_a_typed_baseline():
    target = windowed_target(baseline=None)

    measure(target)

    result = ResultSnapshot.objects.get(target=target)
    assert (result.n_before, result.n_after) == (12, 4)
    assert result.baseline_mean == pytest.approx(100 / 3)  # the 12 points' mean
    # Three plateaus (50, 20, 30) in a row: r₁ = Σ dₜdₜ₋₁ / Σ dₜ² = 0.6437 on 12 points, a
    # material autocorrelation, so the before sample counts as n(1 − r₁)/(1 + r₁) = 2.60
    # points in Welch's test (Wilks 2011, eq. 5.12), not 12.
    before = np.array(EARLY + WINDOW + LATE, dtype=float)
    d = before - before.mean()
    r1 = (d[1:] * d[:-1]).sum() / (d * d).sum()
    assert result.r1_before == pytest.approx(r1) == pytest.approx(0.643733, abs=1e-6)
    n_eff = 12 * (1 - r1) / (1 + r1)
    assert result.n_eff_before == pytest.approx(n_eff) == pytest.approx(2.600911, abs=1e-6)
    assert result.n_eff_after is None  # 4 points: too few to act on r₁
    a, b = before.var(ddof=1) / n_eff, np.var(AFTER, ddof=1) / 4
    t = (np.mean(AFTER) - before.mean()) / math.sqrt(a + b)
    df = (a + b) ** 2 / (a**2 / (n_eff - 1) + b**2 / 3)
    assert result.welch_t == pytest.approx(t)
    assert result.welch_df == pytest.approx(df)
    assert result.p_value == pytest.approx(2 * scipy_stats.t.sf(abs(t), df))
    assert result.test_method == StatisticalTest.WELCH


def test_it_leaves_out_measurements_after_the_as_of_date():
    target = live_target(baseline=10.0, target=15.0, after=[12, 13, 11, 12])
    record_series(target, first=AS_OF, values=[17, 100])  # 30 June counts, 1 July does not

    measure(target)

    result = ResultSnapshot.objects.get(target=target)
    assert result.n_after == 5
    assert result.current_mean == pytest.approx(13.0)  # (12 + 13 + 11 + 12 + 17) / 5


def test_it_stores_the_as_of_date():
    target = live_target(baseline=10.0, target=15.0, after=[12, 13])

    measure(target, as_of=dt.date(2026, 5, 31))

    assert list(ResultSnapshot.objects.values_list("target", "as_of")) == [
        (target.pk, dt.date(2026, 5, 31))
    ]


def test_it_computes_as_of_today_by_default():
    from django.utils import timezone

    target = live_target(baseline=10.0, target=15.0, after=[12, 13])

    measure(target, as_of=None)

    assert ResultSnapshot.objects.get(target=target).as_of == timezone.localdate()


@pytest.mark.parametrize(
    ("stage", "fields"),
    [
        (Stage.SUBMITTED, {}),
        (Stage.BACKLOG, {}),
        (Stage.REJECTED, {"rejection_reason": "Out of scope."}),
        (Stage.CANCELLED, {}),
    ],
)
def test_it_gives_no_result_to_an_initiative_that_is_not_live(stage, fields):
    initiative = LiveInitiativeFactory(stage=stage, **fields)
    target = TargetFactory(initiative=initiative)
    record_series(target, first=CHANGE, values=[9, 8, 9])

    written = measure(target)

    assert written == 0
    assert not ResultSnapshot.objects.exists()


def test_it_gives_no_result_without_a_change_date():
    initiative = LiveInitiativeFactory(implemented_on=None)
    target = TargetFactory(initiative=initiative)
    record_series(target, first=CHANGE, values=[9, 8, 9])

    written = measure(target)

    assert written == 0
    assert not ResultSnapshot.objects.exists()


def test_it_computes_only_the_initiative_it_is_given():
    target = live_target(after=[12, 13])
    other = live_target(after=[12, 13])

    written = measure(target)

    assert written == 1
    assert list(ResultSnapshot.objects.values_list("target", flat=True)) == [target.pk]
    assert not ResultSnapshot.objects.filter(target=other).exists()


# --- control charts ------------------------------------------------------------------------

LIMIT_POINTS = [10, 12, 11, 13, 12]  # mean 11.6; moving ranges 2, 1, 2, 1 → MR̄ 1.5
CENTER, MR_BAR = 11.6, 1.5
SIGMA = MR_BAR / D2


@pytest.fixture
def five_limit_points(settings):
    settings.CONTROL_LIMIT_POINTS = 5


@pytest.mark.usefixtures("five_limit_points")
@pytest.mark.parametrize("stage", [Stage.CONTROL, Stage.ACT, Stage.COMPLETED])
def test_it_draws_limits_from_the_first_control_limit_points(stage):
    target = live_target(stage=stage, after=[*LIMIT_POINTS, 11, 12])

    measure(target)

    control = ResultSnapshot.objects.get(target=target).control
    assert control == {
        "center": pytest.approx(CENTER),
        "ucl": pytest.approx(CENTER + 3 * SIGMA),
        "lcl": pytest.approx(CENTER - 3 * SIGMA),
        "mr_bar": pytest.approx(MR_BAR),
        "sigma": pytest.approx(SIGMA),
        "provisional": False,
        "signals": [],
        # Added with the phases (tests/metrics/test_control_phases.py): no point before
        # the change, no baseline phase.
        "chart": "xmr",
        "size": None,
        "limit_points": 5,
        "since": "2026-03-02",
        "baseline": None,
    }


@pytest.mark.usefixtures("five_limit_points")
def test_it_marks_limits_from_fewer_points_provisional():
    target = live_target(stage=Stage.CONTROL, after=[10, 12, 11])  # mean 11, MR̄ 1.5

    measure(target)

    control = ResultSnapshot.objects.get(target=target).control
    assert control["provisional"] is True
    assert control["center"] == pytest.approx(11.0)
    assert control["mr_bar"] == pytest.approx(1.5)
    assert control["ucl"] == pytest.approx(11.0 + 3 * 1.5 / D2)


def test_it_uses_twenty_limit_points_by_default():
    target = live_target(stage=Stage.CONTROL, after=LIMIT_POINTS * 4)

    measure(target)

    control = ResultSnapshot.objects.get(target=target).control
    assert control["provisional"] is False


def test_it_draws_no_chart_from_a_single_point():
    target = live_target(stage=Stage.CONTROL, after=[10])

    measure(target)

    result = ResultSnapshot.objects.get(target=target)
    assert result.n_after == 1
    assert result.control is None


@pytest.mark.usefixtures("five_limit_points")
def test_it_draws_no_chart_before_the_control_stage():
    target = live_target(stage=Stage.IMPROVE, after=[*LIMIT_POINTS, 30])

    measure(target)

    result = ResultSnapshot.objects.get(target=target)
    assert result.n_after == 6
    assert result.control is None


@pytest.mark.usefixtures("five_limit_points")
def test_it_draws_a_p_chart_for_a_proportion():
    # p̄ = Σ p·n / Σ n = 50 / 500 = 0.10; σ = √(0.1 × 0.9 / 100) = 0.03
    target = live_target(
        stage=Stage.CONTROL,
        baseline=0.10,
        target=0.05,
        direction=LOWER,
        chart_kind=ChartKind.PROPORTION,
        after=[0.10, 0.12, 0.08, 0.10, 0.10],
        sample_size=100,
    )

    measure(target)

    control = ResultSnapshot.objects.get(target=target).control
    assert control == {
        "center": pytest.approx(0.10),
        "ucl": pytest.approx(0.19),
        "lcl": pytest.approx(0.01),
        "mr_bar": None,
        "sigma": pytest.approx(0.03),
        "provisional": False,
        "signals": [],
        "chart": "p",
        "size": 100.0,
        "limit_points": 5,
        "since": "2026-03-02",
        "baseline": None,
    }


@pytest.mark.usefixtures("five_limit_points")
def test_it_floors_the_p_chart_lower_limit_at_zero():
    # p̄ = 0.02; σ = √(0.02 × 0.98 / 100) = 0.014; p̄ − 3σ = −0.022 → 0
    target = live_target(
        stage=Stage.CONTROL,
        baseline=0.02,
        target=0.01,
        direction=LOWER,
        chart_kind=ChartKind.PROPORTION,
        after=[0.02, 0.01, 0.03, 0.02, 0.02],
        sample_size=100,
    )

    measure(target)

    control = ResultSnapshot.objects.get(target=target).control
    assert control["lcl"] == 0.0
    assert control["ucl"] == pytest.approx(0.02 + 3 * math.sqrt(0.02 * 0.98 / 100))
    assert control["mr_bar"] is None


@pytest.mark.usefixtures("five_limit_points")
def test_it_names_a_point_beyond_three_sigma():
    # UCL = 11.6 + 3 × 1.5 / 1.128 ≈ 15.59: 11 on 7 March is in, 30 on 8 March is out.
    target = live_target(stage=Stage.CONTROL, after=[*LIMIT_POINTS, 11, 30])

    measure(target)

    control = ResultSnapshot.objects.get(target=target).control
    assert control["signals"] == [
        {"observed_at": noon(dt.date(2026, 3, 8)).isoformat(), "value": 30.0, "rule": 1}
    ]


@pytest.mark.usefixtures("five_limit_points")
@pytest.mark.parametrize("chart_kind", [ChartKind.INDIVIDUALS, ChartKind.PROPORTION])
def test_it_stores_the_chart_exactly_as_computed(chart_kind):
    # PostgreSQL assembles the stored object from the numbers in SQL; every database must
    # store what control_columns() computed, to the last digit, nulls and signals included.
    proportion = chart_kind == ChartKind.PROPORTION
    values = [0.1, 0.12, 0.11, 0.13, 0.12, 0.11, 0.9] if proportion else [*LIMIT_POINTS, 11, 30]
    target = live_target(
        stage=Stage.CONTROL,
        baseline=0.1 if proportion else 10.0,
        chart_kind=chart_kind,
        after=values,
        sample_size=100 if proportion else None,
    )

    measure(target)

    samples = fetch_samples(until=noon(AS_OF + dt.timedelta(days=1)), with_series=True)
    expected = control_columns(samples, limit_points=5).get(target.pk)
    assert ResultSnapshot.objects.get(target=target).control == expected
    assert expected["signals"]


# --- the target's latest status ------------------------------------------------------------


def latest_status(target) -> str:
    target.refresh_from_db()
    return target.latest_status


def test_it_keeps_the_status_of_the_newest_result_on_the_target():
    target = live_target(before=[10, 10, 11, 9], after=[6, 5, 6, 5])  # significantly worse

    measure(target)

    assert latest_status(target) == ResultStatus.REGRESSED


def test_it_follows_the_status_when_a_later_result_changes_it():
    target = live_target(after=[12])  # one point: improving, untested
    measure(target)
    record_series(target, first=CHANGE + dt.timedelta(days=1), values=[4, 3, 4])

    measure(target, as_of=AS_OF + dt.timedelta(days=1))

    assert latest_status(target) == ResultStatus.AT_RISK


def test_it_leaves_the_status_alone_when_computing_an_older_date():
    target = live_target(after=[12, 13, 12, 13])
    measure(target)
    assert latest_status(target) == ResultStatus.IMPROVING
    ResultSnapshot.objects.filter(target=target).update(status=ResultStatus.REGRESSED)
    Target.objects.filter(pk=target.pk).update(latest_status=ResultStatus.REGRESSED)

    measure(target, as_of=AS_OF - dt.timedelta(days=30))  # a backfill

    assert latest_status(target) == ResultStatus.REGRESSED


def test_the_migration_fills_the_status_from_the_newest_result():
    from django.apps import apps

    migration = importlib.import_module("metrics.migrations.0007_target_latest_status")
    target = live_target(after=[12, 13])
    ResultSnapshotFactory(target=target, as_of=AS_OF, status=ResultStatus.AT_RISK)
    ResultSnapshotFactory(
        target=target, as_of=AS_OF - dt.timedelta(days=1), status=ResultStatus.ACHIEVED
    )
    without = live_target()
    Target.objects.update(latest_status="")

    migration.fill_latest_status(apps, None)

    assert latest_status(target) == ResultStatus.AT_RISK
    assert latest_status(without) == ""
