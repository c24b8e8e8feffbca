"""Lag-1 autocorrelation of series, and the effective sample size it implies.

Daily measurements of a process are rarely independent: a high day tends to follow a high
day. A t-test that counts such points as independent overstates the evidence. The usual
correction (Wilks, *Statistical Methods in the Atmospheric Sciences*, 3rd ed., 2011,
eq. 5.12; Bayley & Hammersley 1946) replaces n by the effective sample size

    n_eff = n · (1 − r₁) / (1 + r₁)

where r₁ is the lag-1 autocorrelation of the series, the standard estimator (Box &
Jenkins; the ``acf`` of R and statsmodels at lag 1):

    r₁ = Σₜ₌₂ⁿ (xₜ − x̄)(xₜ₋₁ − x̄) / Σₜ₌₁ⁿ (xₜ − x̄)².

The rule used here: the adjustment is *material*, and made, when r₁ > 0.2 on a series of
at least 10 points. Below 10 points r₁ is too noisy to act on (its standard error is
about 1/√n, 0.32 at n = 10), and a negative r₁ (which would inflate n) is never used.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from metrics.stats._arrays import FloatArray, Segments, finite_array

# The adjustment is made when r₁ exceeds this on a series of at least MIN_POINTS points.
MATERIAL_R1 = 0.2
MIN_POINTS = 10


def lag1_many(values: npt.ArrayLike, lengths: npt.ArrayLike, means: npt.ArrayLike) -> FloatArray:
    """r₁ of each series stored back to back (see metrics.stats), given each series' mean;
    NaN for a series of fewer than 3 points or without variation."""
    x = np.asarray(values, dtype=np.float64)
    segments = Segments.of(lengths, len(x))
    means = np.asarray(means, dtype=np.float64)
    return lag1_of_deviations(x - means[segments.series], segments)


def lag1_of_deviations(deviation: FloatArray, segments: Segments) -> FloatArray:
    """r₁ of each series from its points' deviations from the series' mean."""
    r1 = np.full(len(segments.lengths), np.nan)
    if not len(deviation):
        return r1
    # Each point times its predecessor in the same series; a series' first point has none.
    lagged = np.empty(len(deviation))
    lagged[0] = 0.0
    np.multiply(deviation[1:], deviation[:-1], out=lagged[1:])
    lagged[segments.offsets[:-1][segments.lengths > 0]] = 0.0
    filled = np.flatnonzero(segments.lengths > 0)
    starts = segments.offsets[filled]
    numerator = np.add.reduceat(lagged, starts)
    denominator = np.add.reduceat(deviation * deviation, starts)
    with np.errstate(all="ignore"):
        ratio = numerator / denominator
    keep = (segments.lengths[filled] >= 3) & (denominator > 0)
    # |r₁| < 1 in exact arithmetic (Cauchy–Schwarz); the clip only guards the last bit.
    r1[filled] = np.where(keep, np.clip(ratio, -1.0, 1.0), np.nan)
    return r1


def lag1(values: npt.ArrayLike) -> float | None:
    """r₁ of one series (finite values); None for fewer than 3 points or no variation."""
    array = finite_array(values)
    mean = float(np.mean(array)) if len(array) else 0.0
    r1 = float(lag1_many(array, [len(array)], [mean])[0])
    return None if np.isnan(r1) else r1


def effective_sizes(n: npt.ArrayLike, r1: npt.ArrayLike) -> tuple[FloatArray, npt.NDArray]:
    """(size to test with, adjusted?) element-wise: n·(1 − r₁)/(1 + r₁) where the
    autocorrelation is material (r₁ > MATERIAL_R1 and n ≥ MIN_POINTS), else n."""
    n, r1 = (np.asarray(a, dtype=np.float64) for a in (n, r1))
    with np.errstate(invalid="ignore"):
        adjusted = np.isfinite(r1) & (r1 > MATERIAL_R1) & (n >= MIN_POINTS)
        return np.where(adjusted, n * (1 - r1) / (1 + r1), n), adjusted
