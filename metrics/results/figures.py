"""The figures of a result, for many targets at once: improvement, progress, Welch's
test and the status. Shared by the results job and the quarterly ledger."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from metrics import stats
from metrics.models import ResultStatus

if TYPE_CHECKING:  # samples reads through metrics.results.postgresql, which uses this module
    from metrics.results.samples import Samples

ALPHA = 0.05
# Money columns hold 16 digits with 2 decimals.
MAX_MONEY = Decimal("1e13")


# The figures that are numbers: NaN where undefined.
NUMBER_FIELDS = [
    "baseline_mean",
    "current_mean",
    "improvement",
    "improvement_pct",
    "progress_pct",
    "welch_t",
    "welch_df",
    "p_value",
]


# What a recomputation rewrites of an existing result row.
FIGURE_FIELDS = [
    "n_before",
    "n_after",
    *NUMBER_FIELDS,
    "significant",
    "status",
    "realized_annual_benefit",
    "control",
    "computed_at",
]


@dataclass
class Figures:
    """One NumPy column per Result field, one element per target: numbers NaN where
    undefined, `significant` meaningful only where `tested`; the money figure as
    Decimals (None where undefined). `row(i)` gives one target's as Python values."""

    baseline_mean: np.ndarray
    current_mean: np.ndarray
    improvement: np.ndarray
    improvement_pct: np.ndarray
    progress_pct: np.ndarray
    welch_t: np.ndarray
    welch_df: np.ndarray
    p_value: np.ndarray
    tested: np.ndarray
    significant: np.ndarray
    status: np.ndarray
    realized_annual_benefit: list

    def row(self, i: int) -> dict:
        """Target i's figures: floats (None where undefined), bool or None, str, Decimal."""
        return {
            **{name: number(getattr(self, name)[i]) for name in NUMBER_FIELDS},
            "significant": bool(self.significant[i]) if self.tested[i] else None,
            "status": str(self.status[i]),
            "realized_annual_benefit": self.realized_annual_benefit[i],
        }


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
    return Figures(
        baseline_mean=baseline,
        current_mean=current,
        improvement=improvement,
        improvement_pct=improvement_pct,
        progress_pct=progress,
        welch_t=t,
        welch_df=df,
        p_value=p,
        tested=tested,
        significant=significant,
        status=status,
        realized_annual_benefit=[
            annual_benefit(i, v)
            for i, v in zip(improvement.tolist(), samples.value_per_unit, strict=True)
        ],
    )


def number(x: float) -> float | None:
    """A Python float, None where not finite (the database refuses NaN and infinities)."""
    return float(x) if np.isfinite(x) else None


def annual_benefit(improvement: float, value_per_unit: Decimal | None) -> Decimal | None:
    if value_per_unit is None or not math.isfinite(improvement):
        return None
    benefit = Decimal(repr(improvement)) * value_per_unit
    # Checked before rounding: quantize() raises past 28 significant digits.
    return benefit.quantize(Decimal("0.01")) if abs(benefit) < MAX_MONEY else None
