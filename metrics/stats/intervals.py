"""The answer of a test over many pairs at once, and the t-based confidence interval.

Every test in metrics.stats (Welch, one-sample t, the proportion tests) answers with
`TestColumns`: one element per pair, NaN where undefined. The interval is for the
difference the test is about, after − reference, in the data's own units (a difference
of proportions for the proportion tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from metrics.stats._arrays import FloatArray

# The interval reported beside every result: 95 %, whatever the significance threshold.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class TestColumns:
    """``statistic`` (t or z; NaN for an exact test), ``df`` (NaN for z and exact tests),
    two-sided ``p`` and the interval ``low``–``high`` of the difference after − reference,
    one element per pair; all NaN where no test could run."""

    statistic: FloatArray
    df: FloatArray
    p: FloatArray
    low: FloatArray
    high: FloatArray

    @property
    def tested(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.p)

    @classmethod
    def empty(cls, k: int) -> TestColumns:
        nan = np.full(k, np.nan)
        return cls(nan, nan.copy(), nan.copy(), nan.copy(), nan.copy())


def t_interval(
    difference: npt.ArrayLike, se: npt.ArrayLike, df: npt.ArrayLike, *, level: float = CONFIDENCE
) -> tuple[FloatArray, FloatArray]:
    """difference ± t(1 − (1 − level)/2, df) · se, element-wise (NaN where df is NaN or
    not positive). A zero `se` gives the point itself: a constant sample's difference is
    known exactly."""
    difference, se, df = (np.asarray(x, dtype=np.float64) for x in (difference, se, df))
    with np.errstate(all="ignore"):
        quantile = special.stdtrit(df, 0.5 + level / 2)
        half = np.where(se == 0, 0.0, quantile * se)
        valid = np.isfinite(half) & (df > 0)
    return (
        np.where(valid, difference - half, np.nan),
        np.where(valid, difference + half, np.nan),
    )
