"""The figures of a result, for many targets at once: improvement, progress, Welch's
test and the status. Shared by the results job and the quarterly ledger."""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from metrics import stats
from metrics.models import ResultStatus
from metrics.samples import Samples

ALPHA = 0.05
# Money columns hold 16 digits with 2 decimals.
MAX_MONEY = Decimal("1e13")


@dataclass
class Figures:
    """One list per Result field, one element per target (None where undefined)."""

    baseline_mean: list
    current_mean: list
    improvement: list
    improvement_pct: list
    progress_pct: list
    welch_t: list
    welch_df: list
    p_value: list
    significant: list
    status: list
    realized_annual_benefit: list

    def row(self, i: int) -> dict:
        return {name: column[i] for name, column in vars(self).items()}


def figures(samples: Samples) -> Figures:
    """Compare each target's after sample with its frozen baseline.

    improvement = (current − baseline), sign flipped when lower is better;
    improvement_pct = improvement / |baseline| × 100 (none for a zero baseline);
    progress_pct = (current − baseline) / (target − baseline) × 100.
    Status: `no_data` without an after sample or a baseline; `regressed` when worse and
    significant; `achieved` when the target is reached, `improving` when better — each
    only if significant where the test can run (≥ 2 points each side); else `at_risk`."""
    t, df, p = stats.welch_many(
        n_before=samples.n_before,
        mean_before=samples.mean_before,
        var_before=samples.var_before,
        n_after=samples.n_after,
        mean_after=samples.mean_after,
        var_after=samples.var_after,
    )
    baseline, current, target = samples.baseline, samples.mean_after, samples.target
    measured = ~np.isnan(baseline) & ~np.isnan(current) & (samples.n_after > 0)
    with np.errstate(all="ignore"):
        sign = np.where(samples.lower_is_better, -1.0, 1.0)
        improvement = np.where(measured, (current - baseline) * sign, np.nan)
        improvement_pct = np.where(baseline != 0, improvement / np.abs(baseline) * 100, np.nan)
        has_goal = ~np.isnan(target) & (target != baseline)
        progress = np.where(
            has_goal & measured, (current - baseline) / (target - baseline) * 100, np.nan
        )

    tested = ~np.isnan(p)
    significant = tested & (p < ALPHA)
    proven = ~tested | significant
    status = np.select(
        [
            ~measured,
            (improvement < 0) & significant,
            (progress >= 100) & proven,
            (improvement > 0) & proven,
        ],
        [
            ResultStatus.NO_DATA,
            ResultStatus.REGRESSED,
            ResultStatus.ACHIEVED,
            ResultStatus.IMPROVING,
        ],
        default=ResultStatus.AT_RISK,
    )
    improvement_list = optional(improvement)
    return Figures(
        baseline_mean=optional(baseline),
        current_mean=optional(current),
        improvement=improvement_list,
        improvement_pct=optional(improvement_pct),
        progress_pct=optional(progress),
        welch_t=optional(t),
        welch_df=optional(df),
        p_value=optional(p),
        significant=[bool(s) if ok else None for s, ok in zip(significant, tested, strict=True)],
        status=status.tolist(),
        realized_annual_benefit=[
            annual_benefit(i, v)
            for i, v in zip(improvement_list, samples.value_per_unit, strict=True)
        ],
    )


def optional(array: np.ndarray) -> list:
    """Python floats, None where not finite (the database refuses NaN and infinities)."""
    finite = np.isfinite(array)
    return [float(x) if ok else None for x, ok in zip(array.tolist(), finite.tolist(), strict=True)]


def annual_benefit(improvement: float | None, value_per_unit: Decimal | None) -> Decimal | None:
    if improvement is None or value_per_unit is None:
        return None
    benefit = Decimal(repr(improvement)) * value_per_unit
    # Checked before rounding: quantize() raises past 28 significant digits.
    return benefit.quantize(Decimal("0.01")) if abs(benefit) < MAX_MONEY else None
