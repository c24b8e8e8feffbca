"""The figures of a result, for many targets at once: the reference, improvement and its
confidence interval, progress, the test and the status. Shared by the results job and
the quarterly ledger.

One reference per target, used by the improvement, the progress, the test and the status
alike (README.md, "How a result is computed"):

- a baseline **window**: the window's data (its mean, or pooled proportion), tested
  against the after data with Welch's two-sample t-test (two proportions: a z-test on
  pooled counts, Fisher's exact test for small counts). A legacy target with a window
  *and* a typed value uses the window: the typed value is ignored.
- a **typed value** and no window: the after data tested against it with a one-sample
  t-test (one proportion: a z-test, the exact binomial test for small counts).
- neither (a target whose baseline was never set): the data before the change, as a
  window would be.

A proportion metric is tested on counts when every point of the samples tested has a
sample size and lies in 0–1; otherwise (and for every other metric) on the values.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from metrics import stats
from metrics.models import ResultStatus, StatisticalTest

if TYPE_CHECKING:  # samples reads through metrics.results.postgresql, which uses this module
    from metrics.results.samples import Samples

# The significance threshold from the target's due date on (or without one) ...
ALPHA = 0.05
# ... and before it, while a result is interim: every nightly run is another look at
# accumulating data, and looking often at α = 0.05 finds "significance" by chance. The
# Haybittle–Peto rule (Haybittle 1971; Peto et al. 1976) asks p < 0.001 at every interim
# look, so the final look keeps (almost exactly) its nominal 0.05.
INTERIM_ALPHA = 0.001
# Money columns hold 16 digits with 2 decimals.
MAX_MONEY = Decimal("1e13")


# The figures that are numbers: NaN where undefined.
NUMBER_FIELDS = [
    "baseline_mean",
    "current_mean",
    "improvement",
    "improvement_low",
    "improvement_high",
    "improvement_pct",
    "progress_pct",
    "welch_t",
    "welch_df",
    "p_value",
    "alpha",
    "r1_before",
    "r1_after",
    "n_eff_before",
    "n_eff_after",
]
# The money figures: whole cents (exact in a float up to MAX_MONEY), NaN where undefined.
MONEY_FIELDS = ["realized_annual_benefit", "benefit_low", "benefit_high"]


# What a recomputation rewrites of an existing result row.
FIGURE_FIELDS = [
    "n_before",
    "n_after",
    *NUMBER_FIELDS,
    "significant",
    "interim",
    "status",
    "test_method",
    *MONEY_FIELDS,
    "control",
    "computed_at",
]
# What a result is compared on before it is written (a row is written only where one of
# these differs from the target's result in force on the date: a row per change).
COMPARED_FIELDS = [name for name in FIGURE_FIELDS if name != "computed_at"]


@dataclass
class Figures:
    """One NumPy column per Result field, one element per target: numbers NaN where
    undefined, `significant` meaningful only where `tested`; the money figures in whole
    cents. `row(i)` gives one target's as Python values (money as Decimals).

    `welch_t` and `welch_df` hold the statistic of whichever test ran (t, or z with no
    df; neither for an exact test) and `test_method` names it."""

    baseline_mean: np.ndarray
    current_mean: np.ndarray
    improvement: np.ndarray
    improvement_low: np.ndarray
    improvement_high: np.ndarray
    improvement_pct: np.ndarray
    progress_pct: np.ndarray
    welch_t: np.ndarray
    welch_df: np.ndarray
    p_value: np.ndarray
    alpha: np.ndarray
    interim: np.ndarray
    r1_before: np.ndarray
    r1_after: np.ndarray
    n_eff_before: np.ndarray
    n_eff_after: np.ndarray
    tested: np.ndarray
    significant: np.ndarray
    status: np.ndarray
    test_method: np.ndarray
    realized_annual_benefit: np.ndarray
    benefit_low: np.ndarray
    benefit_high: np.ndarray

    def row(self, i: int) -> dict:
        """Target i's figures: floats (None where undefined), bool or None, str, Decimal."""
        return {
            **{name: number(getattr(self, name)[i]) for name in NUMBER_FIELDS},
            "significant": bool(self.significant[i]) if self.tested[i] else None,
            "interim": bool(self.interim[i]),
            "status": str(self.status[i]),
            "test_method": str(self.test_method[i]),
            **{name: money(getattr(self, name)[i]) for name in MONEY_FIELDS},
        }


def figures(samples: Samples, *, look: dt.date | None = None) -> Figures:
    """Compare each target's after sample with its reference, as of `look` (the as-of
    date, or a quarter's last day; None: a final look for every target).

    improvement = (current − reference), sign flipped when lower is better, with its 95 %
    confidence interval; improvement_pct = improvement / |reference| × 100 (none for a
    zero reference); progress_pct = (current − reference) / (target − reference) × 100.
    Status: `no_data` with nothing after the change; `insufficient_data` when no test can
    run (fewer than 2 points after, or before for a two-sample test; no reference; an
    undefined test); else `regressed` when significantly worse, `achieved` when
    significantly better and the target is reached, `improving` when significantly
    better, `at_risk` when not significant. Significant: p < ALPHA, or INTERIM_ALPHA
    before the target's due date."""
    before, after = samples.before, samples.after
    k = len(samples)
    baseline = samples.baseline
    typed = ~samples.has_window & np.isfinite(baseline)
    two_sample = ~typed
    with np.errstate(invalid="ignore"):
        typed_proportion = (baseline >= 0) & (baseline <= 1)
    counts_after = _counted(samples.proportion, after)
    two_proportions = two_sample & counts_after & _counted(samples.proportion, before)
    one_proportion = typed & counts_after & typed_proportion
    pooled_after, pooled_before = _pooled(after), _pooled(before)

    # The after figure is the pooled proportion wherever the counts are what a test would
    # use — and where there is nothing before yet to test against.
    pooled = two_proportions | one_proportion | (two_sample & counts_after & (before.n == 0))
    current = np.where(pooled, pooled_after, after.mean)
    reference = np.where(typed, baseline, np.where(two_proportions, pooled_before, before.mean))
    n_eff_before, adjusted_before = stats.effective_sizes(before.n, before.r1)
    n_eff_after, adjusted_after = stats.effective_sizes(after.n, after.r1)

    test, method = _tests(
        samples,
        welch=two_sample & ~two_proportions,
        one_sample=typed & ~one_proportion,
        two_proportions=two_proportions,
        one_proportion=one_proportion,
        n_eff=(n_eff_before, n_eff_after),
        pooled=(pooled_before, pooled_after),
    )

    measured = np.isfinite(reference) & np.isfinite(current) & (after.n > 0)
    with np.errstate(all="ignore"):
        sign = np.where(samples.lower_is_better, -1.0, 1.0)
        improvement = np.where(measured, (current - reference) * sign, np.nan)
        # The interval of after − reference, turned round when lower is better.
        low = np.where(sign > 0, test.low, -test.high)
        high = np.where(sign > 0, test.high, -test.low)
        improvement_pct = np.where(reference != 0, improvement / np.abs(reference) * 100, np.nan)
        has_goal = np.isfinite(samples.target) & (samples.target != reference)
        progress = np.where(
            has_goal & measured, (current - reference) / (samples.target - reference) * 100, np.nan
        )

    interim = np.array(
        [look is not None and due is not None and look < due for due in samples.target_date],
        dtype=bool,
    )
    alpha = np.where(interim, INTERIM_ALPHA, ALPHA)
    tested = test.tested & measured
    with np.errstate(invalid="ignore"):
        significant = tested & (test.p < alpha)
        status = np.select(
            [
                after.n == 0,
                ~tested,
                significant & (improvement < 0),
                significant & (improvement > 0) & (progress >= 100),
                significant & (improvement > 0),
            ],
            [
                ResultStatus.NO_DATA,
                ResultStatus.INSUFFICIENT_DATA,
                ResultStatus.REGRESSED,
                ResultStatus.ACHIEVED,
                ResultStatus.IMPROVING,
            ],
            default=ResultStatus.AT_RISK,
        )
    nan = np.full(k, np.nan)
    low, high = np.where(tested, low, nan), np.where(tested, high, nan)
    benefit_low, benefit_high = _cents_interval(low, high, samples.value_per_unit)
    return Figures(
        baseline_mean=reference,
        current_mean=np.where(after.n > 0, current, np.nan),
        improvement=improvement,
        improvement_low=low,
        improvement_high=high,
        improvement_pct=improvement_pct,
        progress_pct=progress,
        welch_t=np.where(tested, test.statistic, nan),
        welch_df=np.where(tested, test.df, nan),
        p_value=np.where(tested, test.p, nan),
        alpha=alpha,
        interim=interim,
        # The autocorrelation of the samples a test used (the before sample only in a
        # two-sample test), and the effective sizes where they replaced n.
        r1_before=np.where(two_sample, before.r1, nan),
        r1_after=after.r1,
        n_eff_before=np.where(two_sample & adjusted_before & tested, n_eff_before, nan),
        n_eff_after=np.where(adjusted_after & tested, n_eff_after, nan),
        tested=tested,
        significant=significant,
        status=status,
        test_method=np.where(tested, method, ""),
        realized_annual_benefit=_cents(improvement, samples.value_per_unit),
        benefit_low=benefit_low,
        benefit_high=benefit_high,
    )


def _counted(proportion: np.ndarray, sample: stats.SampleColumns) -> np.ndarray:
    """Proportion samples that can be tested on counts: every point has a sample size and
    lies in 0–1."""
    with np.errstate(invalid="ignore"):
        return (
            proportion
            & (sample.n > 0)
            & (sample.sized == sample.n)
            & (sample.min >= 0)
            & (sample.max <= 1)
            & (sample.trials > 0)
        )


def _pooled(sample: stats.SampleColumns) -> np.ndarray:
    """Σ pᵢ·nᵢ / Σ nᵢ; exactly the value when every point has the same."""
    with np.errstate(all="ignore"):
        return np.where(sample.min == sample.max, sample.min, sample.events / sample.trials)


def _tests(
    samples: Samples,
    *,
    welch: np.ndarray,
    one_sample: np.ndarray,
    two_proportions: np.ndarray,
    one_proportion: np.ndarray,
    n_eff: tuple[np.ndarray, np.ndarray],
    pooled: tuple[np.ndarray, np.ndarray],
) -> tuple[stats.TestColumns, np.ndarray]:
    """Each target's test, by the kind given (each a mask; at most one per target), and
    its method. A test sees NaN in every other target's input, so it runs on its own
    targets only. The effective sizes replace n in the t-tests; in the proportion tests
    they scale the counts (events and trials alike) by n_eff / n."""
    before, after = samples.before, samples.after
    (n_eff_before, n_eff_after), (pooled_before, pooled_after) = n_eff, pooled

    def only(mask, x):
        return np.where(mask, x, np.nan)

    welch_test = stats.welch_columns(
        n_before=only(welch, n_eff_before),
        mean_before=before.mean,
        var_before=before.var,
        n_after=n_eff_after,
        mean_after=after.mean,
        var_after=after.var,
    )
    one_sample_test = stats.one_sample_columns(
        n=only(one_sample, n_eff_after), mean=after.mean, var=after.var, reference=samples.baseline
    )
    with np.errstate(all="ignore"):
        trials_before = before.trials * n_eff_before / before.n
        trials_after = after.trials * n_eff_after / after.n
    # Like the t-tests, the proportion tests need two points a side (days, not items).
    two_points = (before.n >= 2) & (after.n >= 2)
    two_test, two_exact = stats.two_proportion_columns(
        events_before=pooled_before * trials_before,
        trials_before=only(two_proportions & two_points, trials_before),
        events_after=pooled_after * trials_after,
        trials_after=trials_after,
    )
    one_test, one_exact = stats.one_proportion_columns(
        events=pooled_after * trials_after,
        trials=only(one_proportion & (after.n >= 2), trials_after),
        reference=samples.baseline,
    )
    kinds = [
        (welch, welch_test, StatisticalTest.WELCH),
        (one_sample, one_sample_test, StatisticalTest.ONE_SAMPLE_T),
        (
            two_proportions,
            two_test,
            np.where(two_exact, StatisticalTest.FISHER_EXACT, StatisticalTest.TWO_PROPORTION_Z),
        ),
        (
            one_proportion,
            one_test,
            np.where(one_exact, StatisticalTest.BINOMIAL_EXACT, StatisticalTest.ONE_PROPORTION_Z),
        ),
    ]
    k = len(samples)
    merged = stats.TestColumns.empty(k)
    method = np.full(k, "", dtype=object)
    for mask, test, name in kinds:
        for column in ("statistic", "df", "p", "low", "high"):
            getattr(merged, column)[mask] = getattr(test, column)[mask]
        method[mask] = np.broadcast_to(np.asarray(name, dtype=object), (k,))[mask]
    return merged, method


def number(x: float) -> float | None:
    """A Python float, None where not finite (the database refuses NaN and infinities)."""
    return float(x) if np.isfinite(x) else None


def money(cents: float) -> Decimal | None:
    """Whole cents as money, None for NaN."""
    return Decimal(int(cents)).scaleb(-2) if np.isfinite(cents) else None


def _cents(amounts: np.ndarray, per_unit: list) -> np.ndarray:
    """amount × value per unit for each target, in whole cents, exactly as Decimal
    arithmetic rounds it (annual_benefit); NaN where either is missing. Only the targets
    with both are computed: Decimal arithmetic is per value."""
    cents = np.full(len(per_unit), np.nan)
    for i in np.flatnonzero(np.isfinite(amounts)).tolist():
        if per_unit[i] is not None:
            benefit = annual_benefit(float(amounts[i]), per_unit[i])
            if benefit is not None:
                cents[i] = float(benefit.scaleb(2))
    return cents


def _cents_interval(
    low: np.ndarray, high: np.ndarray, per_unit: list
) -> tuple[np.ndarray, np.ndarray]:
    """The interval low–high of the improvement as money, in whole cents (NaN where
    undefined or past MAX_MONEY); a negative value per unit turns it round. An interval is
    not exact to the cent anyway, so this is float arithmetic over every target at once."""
    value = np.array([np.nan if v is None else float(v) for v in per_unit], dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        a, b = np.rint(low * value * 100), np.rint(high * value * 100)
        limit = float(MAX_MONEY) * 100
        valid = np.isfinite(a) & np.isfinite(b) & (np.abs(a) < limit) & (np.abs(b) < limit)
    return np.where(valid, np.minimum(a, b), np.nan), np.where(valid, np.maximum(a, b), np.nan)


def annual_benefit(improvement: float, value_per_unit: Decimal | None) -> Decimal | None:
    if value_per_unit is None or not math.isfinite(improvement):
        return None
    benefit = Decimal(repr(improvement)) * value_per_unit
    # Checked before rounding: quantize() raises past 28 significant digits.
    return benefit.quantize(Decimal("0.01")) if abs(benefit) < MAX_MONEY else None
