"""How a result is proven (issue 13), end to end through the results job and the ledger
rollup on the database the suite runs on (CI runs it on SQLite and on PostgreSQL):
one reference per target, exact constants, the statuses that need evidence, proportions
tested on counts, the confidence interval and the proven/unproven ledger, interim looks
and autocorrelation. Every expected figure is computed by hand or by SciPy in the test.
"""

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest
from scipy import stats as scipy_stats

from metrics.ledger.rollup import rollup_quarter
from metrics.models import (
    ChartKind,
    Direction,
    QuarterlyResult,
    ResultSnapshot,
    ResultStatus,
    StatisticalTest,
)
from metrics.results.compute import compute_results
from tests.factories import LiveInitiativeFactory, MetricFactory, TargetFactory, record_series

pytestmark = pytest.mark.django_db

CHANGE = dt.date(2026, 3, 2)
AS_OF = dt.date(2026, 6, 30)
DUE = dt.date(2026, 6, 1)  # before AS_OF: a final look unless a test says otherwise
HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


def target_with(
    *,
    before=(),
    after=(),
    window=None,
    baseline=None,
    direction=HIGHER,
    chart_kind=ChartKind.INDIVIDUALS,
    before_sizes=None,
    after_sizes=None,
    implemented_on=CHANGE,
    **fields,
):
    """A primary target of a live initiative: `before` one a day up to the day before the
    change, `after` one a day from it; `window` True puts the baseline window on the
    `before` days; `*_sizes` a sample size per point."""
    initiative = LiveInitiativeFactory(implemented_on=implemented_on)
    if window:
        fields["baseline_start"] = implemented_on - dt.timedelta(days=len(before))
        fields["baseline_end"] = implemented_on - dt.timedelta(days=1)
        # One baseline source: the window's, as frozen.
        fields["baseline_source"] = "window"
    fields.setdefault("target_date", DUE)
    target = TargetFactory(
        initiative=initiative,
        metric=MetricFactory(direction=direction, chart_kind=chart_kind),
        baseline_value=baseline,
        **fields,
    )
    first = implemented_on - dt.timedelta(days=len(before))
    for values, sizes, start in (
        (before, before_sizes, first),
        (after, after_sizes, implemented_on),
    ):
        if sizes is None:
            record_series(target, first=start, values=values)
        else:
            for i, (value, size) in enumerate(zip(values, sizes, strict=True)):
                record_series(
                    target, first=start + dt.timedelta(days=i), values=[value], sample_size=size
                )
    return target


def result_of(target, as_of=AS_OF) -> ResultSnapshot:
    compute_results(initiative_id=target.initiative_id, as_of=as_of)
    return ResultSnapshot.objects.get(target=target, as_of=as_of)


# --- defect 1: the ledger's "before" is the same in every quarter -----------------------------


@pytest.mark.parametrize("window", [False, True], ids=["before the change", "window"])
def test_a_later_quarter_is_tested_against_the_same_before_sample(window):
    # No typed baseline, so the test is two-sample: Q2's data against the data before the
    # change (or the window) — never against Q1's post-change data too.
    before, q1, q2 = [20, 22, 18, 20], [15, 16, 14, 15], [12.5, 13.5, 13.0]
    target = target_with(
        before=before, after=q1, window=window, direction=LOWER, implemented_on=dt.date(2026, 2, 10)
    )
    record_series(target, first=dt.date(2026, 4, 1), values=q2)

    rollup_quarter(year=2026, quarter=2)

    row = QuarterlyResult.objects.get()
    expected = scipy_stats.ttest_ind(q2, before, equal_var=False)
    assert row.n_measurements == 3
    assert row.baseline_mean == pytest.approx(20.0)  # the before sample's mean, not Q1's
    assert row.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert row.test_method == StatisticalTest.WELCH


# --- defect 3: constant data --------------------------------------------------------------------


def test_equal_constant_samples_are_no_change():
    # Ten 0.3 before (the window), six 0.3 after: p = 1 exactly, on every database.
    target = target_with(before=[0.3] * 10, after=[0.3] * 6, window=True)

    result = result_of(target)

    assert (result.baseline_mean, result.current_mean) == (0.3, 0.3)
    assert result.improvement == 0.0
    assert (result.welch_t, result.welch_df, result.p_value) == (0.0, 14.0, 1.0)
    assert (result.improvement_low, result.improvement_high) == (0.0, 0.0)
    assert result.significant is False
    assert result.status == ResultStatus.AT_RISK


def test_a_constant_sample_on_its_typed_baseline_is_no_change():
    target = target_with(baseline=0.3, after=[0.3] * 6)

    result = result_of(target)

    assert (result.welch_t, result.welch_df, result.p_value) == (0.0, 5.0, 1.0)
    assert result.test_method == StatisticalTest.ONE_SAMPLE_T
    assert result.status == ResultStatus.AT_RISK


def test_two_different_constant_samples_are_not_testable():
    # Decided: zero variance on both sides with different means leaves the t-test
    # undefined (SciPy: t = −inf, p = 0). A gauge that reads 0.3 ten times and 0.2 six
    # times proves nothing about the process's variation, so there is no p-value and the
    # status is "not enough data yet" — never "regressed" or "improving" on no evidence.
    target = target_with(before=[0.3] * 10, after=[0.2] * 6, window=True)

    result = result_of(target)

    assert result.improvement == pytest.approx(-0.1)
    assert result.p_value is result.significant is result.welch_t is None
    assert result.test_method == ""
    assert result.status == ResultStatus.INSUFFICIENT_DATA


# --- defect 4: statuses need improvement and evidence ---------------------------------------------


def test_a_reached_target_without_evidence_is_at_risk_not_achieved():
    # Mean 20.5 after ≥ the target 15, but [11, 30] against [10, 11, 9, 10]: p = 0.55.
    target = target_with(before=[10, 11, 9, 10], after=[11, 30], window=True, target_value=15.0)

    result = result_of(target)

    assert result.progress_pct > 100
    assert result.p_value == pytest.approx(
        scipy_stats.ttest_ind([11, 30], [10, 11, 9, 10], equal_var=False).pvalue
    )
    assert result.significant is False
    assert result.status == ResultStatus.AT_RISK


def test_it_has_insufficient_data_without_a_reference():
    # No window, no typed value and nothing before the change: nothing to compare with.
    target = target_with(after=[12, 13, 11])

    result = result_of(target)

    assert result.baseline_mean is result.improvement is result.p_value is None
    assert result.status == ResultStatus.INSUFFICIENT_DATA


def test_it_has_no_data_with_nothing_after_the_change():
    target = target_with(before=[10, 11, 9, 10], window=True)

    assert result_of(target).status == ResultStatus.NO_DATA


# --- defect 2: one reference per target --------------------------------------------------------


def test_a_window_target_is_measured_against_its_windows_data():
    # A stored 50 (a frozen value later corrected, or a row from before one baseline
    # source was the rule) beside a window whose data average 10: improvement, progress
    # and the test all use 10, the data tested.
    before, after = [10, 11, 9, 10], [12, 13, 11, 12]
    target = target_with(before=before, after=after, window=True, baseline=50.0, target_value=15)

    result = result_of(target)

    assert result.baseline_mean == 10.0
    assert result.improvement == pytest.approx(2.0)
    assert result.progress_pct == pytest.approx(40.0)  # (12 − 10) / (15 − 10)
    assert result.p_value == pytest.approx(
        scipy_stats.ttest_ind(after, before, equal_var=False).pvalue
    )
    assert result.test_method == StatisticalTest.WELCH
    assert result.status == ResultStatus.IMPROVING


def test_a_typed_baseline_ignores_the_data_before_the_change():
    # The data before the change are counted (n_before) but the test is one-sample
    # against the typed 10, the same reference as the improvement.
    after = [12, 13, 11, 12]
    target = target_with(before=[50, 50, 51, 49], after=after, baseline=10.0)

    result = result_of(target)

    assert (result.n_before, result.baseline_mean) == (4, 10.0)
    assert result.improvement == pytest.approx(2.0)
    assert result.p_value == pytest.approx(scipy_stats.ttest_1samp(after, 10.0).pvalue)
    assert result.r1_before is None  # the before sample played no part


# --- proportions tested on counts -------------------------------------------------------------


def test_a_proportion_is_tested_on_pooled_counts():
    # Before (the window): 0.10 of 100, 0.20 of 400 → 90 of 500 = 0.18 pooled (the
    # unweighted mean would be 0.15). After: 0.10 of 400, 0.15 of 100 → 55 of 500 = 0.11.
    target = target_with(
        before=[0.10, 0.20],
        before_sizes=[100, 400],
        after=[0.10, 0.15],
        after_sizes=[400, 100],
        window=True,
        direction=LOWER,
        chart_kind=ChartKind.PROPORTION,
    )

    result = result_of(target)

    assert result.baseline_mean == pytest.approx(0.18)
    assert result.current_mean == pytest.approx(0.11)
    assert result.improvement == pytest.approx(0.07)  # lower is better: 0.18 − 0.11
    pooled = 145 / 1000
    z = -0.07 / math.sqrt(pooled * (1 - pooled) * (1 / 500 + 1 / 500))
    table = [[55, 445], [90, 410]]
    assert result.welch_t == pytest.approx(z)
    assert result.welch_df is None
    assert result.p_value == pytest.approx(
        scipy_stats.chi2_contingency(table, correction=False).pvalue
    )
    assert result.test_method == StatisticalTest.TWO_PROPORTION_Z
    assert result.status == ResultStatus.IMPROVING


def test_a_proportion_with_small_counts_gets_fishers_exact_test():
    # 3 of 20 before, 0 of 20 after: expected events 1.5 < 5 → Fisher's exact test.
    target = target_with(
        before=[0.2, 0.1],
        before_sizes=[10, 10],
        after=[0.0, 0.0],
        after_sizes=[10, 10],
        window=True,
        direction=LOWER,
        chart_kind=ChartKind.PROPORTION,
    )

    result = result_of(target)

    assert result.current_mean == 0.0
    assert result.p_value == pytest.approx(scipy_stats.fisher_exact([[0, 20], [3, 17]]).pvalue)
    assert result.test_method == StatisticalTest.FISHER_EXACT
    assert result.welch_t is None


def test_a_proportion_is_tested_against_a_typed_proportion():
    # 60 of 600 after against a typed 0.15: z = (0.1 − 0.15)/√(0.15·0.85/600).
    target = target_with(
        baseline=0.15,
        after=[0.1, 0.1, 0.1],
        after_sizes=[200, 200, 200],
        direction=LOWER,
        chart_kind=ChartKind.PROPORTION,
    )

    result = result_of(target)

    z = (0.1 - 0.15) / math.sqrt(0.15 * 0.85 / 600)
    assert result.current_mean == 0.1
    assert result.welch_t == pytest.approx(z)
    assert result.p_value == pytest.approx(2 * scipy_stats.norm.sf(abs(z)))
    assert result.test_method == StatisticalTest.ONE_PROPORTION_Z


def test_a_proportion_is_pooled_before_there_is_anything_to_test_against():
    # A window with no data yet: no test, but the after figure is still 70 events of 400.
    target = target_with(
        after=[0.1, 0.2],
        after_sizes=[100, 300],
        baseline_start=dt.date(2026, 2, 1),
        baseline_end=dt.date(2026, 2, 7),
        chart_kind=ChartKind.PROPORTION,
    )

    result = result_of(target)

    assert result.current_mean == pytest.approx(70 / 400)  # (10 + 60) / 400, not 0.15
    assert result.status == ResultStatus.INSUFFICIENT_DATA


def test_a_proportion_without_sample_sizes_is_tested_on_its_values():
    before, after = [0.10, 0.20, 0.15], [0.10, 0.12, 0.11]
    target = target_with(before=before, after=after, window=True, chart_kind=ChartKind.PROPORTION)

    result = result_of(target)

    assert result.current_mean == pytest.approx(np.mean(after))
    assert result.test_method == StatisticalTest.WELCH


# --- the confidence interval and the ledger's proven benefit ------------------------------------


def test_the_improvement_and_the_benefit_have_a_95_percent_interval():
    # Lower is better: the interval of after − before, turned round; × 1000 a year.
    before, after = [20, 22, 18, 20], [15, 16, 14, 15, 17]
    target = target_with(
        before=before,
        after=after,
        window=True,
        direction=LOWER,
        value_per_unit=Decimal("1000"),
    )

    result = result_of(target)

    interval = scipy_stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert result.improvement_low == pytest.approx(-interval.high)
    assert result.improvement_high == pytest.approx(-interval.low)
    assert result.improvement_low < result.improvement < result.improvement_high
    assert result.benefit_low == (Decimal(repr(float(-interval.high))) * 1000).quantize(
        Decimal("0.01")
    )
    assert result.benefit_high == (Decimal(repr(float(-interval.low))) * 1000).quantize(
        Decimal("0.01")
    )


def test_the_ledger_books_only_a_significant_benefit_as_proven():
    # Two initiatives live all Q2, 1000 a year per hour saved: one clearly better, one
    # better on average but within the noise.
    common = {
        "direction": LOWER,
        "window": True,
        "value_per_unit": Decimal("1000"),
        "implemented_on": dt.date(2026, 4, 1),
        "target_date": dt.date(2026, 4, 1),
    }
    proven = target_with(before=[20, 22, 18, 20], after=[15, 16, 14, 15], **common)
    unproven = target_with(before=[20, 22, 18, 20], after=[15, 25, 14, 22], **common)

    rollup_quarter(year=2026, quarter=2)

    rows = {r.target_id: r for r in QuarterlyResult.objects.all()}
    sure, unsure = rows[proven.pk], rows[unproven.pk]
    assert sure.significant is True
    assert (sure.computed_benefit, sure.unproven_benefit) == (Decimal("1250.00"), None)
    assert sure.benefit_low < sure.computed_benefit < sure.benefit_high
    assert sure.alpha == 0.05 and sure.test_method == StatisticalTest.WELCH
    assert unsure.significant is False
    # 20 − 19 = 1 hour, 1000 a year, a quarter of it: 250, not booked as proven.
    assert (unsure.computed_benefit, unsure.unproven_benefit) == (None, Decimal("250.00"))
    assert unsure.improvement_low < 0 < unsure.improvement_high


# --- interim looks (Haybittle–Peto) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "interim", "alpha", "status"),
    [
        (dt.date(2026, 9, 30), True, 0.001, ResultStatus.AT_RISK),  # a look before it's due
        (AS_OF, False, 0.05, ResultStatus.IMPROVING),  # due today: the final look
        (None, False, 0.05, ResultStatus.IMPROVING),  # no due date
    ],
)
def test_a_result_before_the_due_date_needs_p_below_0_001(due, interim, alpha, status):
    # [12, 13, 11, 12] against a typed 10: p = 0.0163 — below 0.05, not below 0.001.
    target = target_with(baseline=10.0, after=[12, 13, 11, 12], target_date=due)

    result = result_of(target)

    assert result.p_value == pytest.approx(0.016277, abs=1e-6)
    assert (result.interim, result.alpha) == (interim, alpha)
    assert result.significant is (not interim)
    assert result.status == status


# --- autocorrelation -------------------------------------------------------------------------


def test_autocorrelated_after_data_count_as_fewer_points():
    # 20 points that wander (a high day follows a high day): r₁ = 0.572 > 0.2 on ≥ 10
    # points, so the test counts n_eff = 20·(1 − r₁)/(1 + r₁) = 5.44 points, not 20.
    after = [11.0, 11.4, 11.9, 11.6, 11.2, 11.5, 12.1, 12.4, 12.0, 11.7]
    after += [11.9, 12.3, 12.6, 12.2, 11.8, 12.0, 12.5, 12.8, 12.4, 12.1]
    target = target_with(baseline=10.0, after=after)

    result = result_of(target)

    x = np.array(after)
    d = x - x.mean()
    r1 = (d[1:] * d[:-1]).sum() / (d * d).sum()
    n_eff = 20 * (1 - r1) / (1 + r1)
    t = (x.mean() - 10.0) / math.sqrt(x.var(ddof=1) / n_eff)
    assert result.r1_after == pytest.approx(r1) == pytest.approx(0.57206, abs=1e-5)
    assert result.n_eff_after == pytest.approx(n_eff) == pytest.approx(5.4444, abs=1e-4)
    assert result.welch_t == pytest.approx(t)
    assert result.welch_df == pytest.approx(n_eff - 1)
    assert result.p_value == pytest.approx(2 * scipy_stats.t.sf(abs(t), n_eff - 1))
    # The interval widens with the standard error: ± t(0.975, n_eff − 1) · s/√n_eff.
    half = scipy_stats.t.ppf(0.975, n_eff - 1) * math.sqrt(x.var(ddof=1) / n_eff)
    assert result.improvement_high - result.improvement_low == pytest.approx(2 * half)


def test_strongly_autocorrelated_data_are_not_enough_for_a_test():
    # A steady climb: r₁ = 0.74, so 12 points count as 1.8 — fewer than a test needs.
    after = [11.0, 11.2, 11.5, 11.9, 12.2, 12.6, 12.8, 13.1, 13.0, 13.4, 13.6, 13.9]
    target = target_with(baseline=10.0, after=after)

    result = result_of(target)

    assert result.r1_after == pytest.approx(0.7428, abs=1e-4)
    assert result.p_value is None
    assert result.status == ResultStatus.INSUFFICIENT_DATA


def test_autocorrelated_proportions_count_fewer_items():
    # Twelve days of 100 items, the rate climbing 0.10 → 0.21 (r₁ of the daily rates =
    # 0.75): the pooled 186 of 1200 counts as 1200·(1 − r₁)/(1 + r₁) items in the z-test.
    rates = [round(0.10 + 0.01 * i, 2) for i in range(12)]
    target = target_with(
        baseline=0.10,
        after=rates,
        after_sizes=[100] * 12,
        chart_kind=ChartKind.PROPORTION,
    )

    result = result_of(target)

    x = np.array(rates)
    d = x - x.mean()
    r1 = (d[1:] * d[:-1]).sum() / (d * d).sum()
    f = (1 - r1) / (1 + r1)
    z = (186 / 1200 - 0.10) / math.sqrt(0.10 * 0.90 / (1200 * f))
    assert r1 == pytest.approx(0.75)
    assert result.current_mean == pytest.approx(0.155)
    assert result.n_eff_after == pytest.approx(12 * f)
    assert result.welch_t == pytest.approx(z)
    assert result.p_value == pytest.approx(2 * scipy_stats.norm.sf(abs(z)))
    assert result.test_method == StatisticalTest.ONE_PROPORTION_Z


def test_a_little_autocorrelation_changes_nothing():
    after = [12.0, 13.0, 11.0, 12.0, 14.0, 11.0, 13.0, 12.0, 12.0, 13.0, 11.0, 12.0]
    target = target_with(baseline=10.0, after=after)

    result = result_of(target)

    assert result.r1_after < 0.2
    assert result.n_eff_after is None
    assert result.welch_df == 11.0
    assert result.p_value == pytest.approx(scipy_stats.ttest_1samp(after, 10.0).pvalue)
