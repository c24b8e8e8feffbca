"""Tests of proportions on counts, many samples at once: before vs after (two-proportion
z-test, Fisher's exact test for small counts) and after vs a typed proportion
(one-proportion z-test, the exact binomial test for small counts), with score-based
confidence intervals.

A sample of a proportion metric is pooled: its events are Σ pᵢ·nᵢ and its trials Σ nᵢ
over its points (pᵢ the recorded proportion, nᵢ the sample size), so a day with 500
items weighs ten times one with 50. Counts may be fractional — an effective size scales
them (autocorrelation) — and the exact tests round them to whole numbers.

Conventions, each pinned by a test against SciPy or a published example:

* **Two proportions**: z = (p̂_after − p̂_before) / √(p̄(1 − p̄)(1/n_before + 1/n_after)),
  p̄ the pooled proportion, two-sided p from the normal distribution — the same p as
  ``scipy.stats.chi2_contingency(table, correction=False)``. When an expected count
  n·p̄ or n·(1 − p̄) of either sample is under 5, Fisher's exact test
  (``scipy.stats.fisher_exact``, two-sided) instead. Interval of p̂_after − p̂_before:
  Newcombe's hybrid score interval (method 10 of Newcombe 1998, from Wilson intervals).
* **One proportion** against p₀: z = (p̂ − p₀) / √(p₀(1 − p₀)/n); the exact binomial test
  (``scipy.stats.binomtest``) when n·p₀ or n·(1 − p₀) is under 5. Interval of p̂ − p₀:
  the Wilson score interval of p̂, less p₀.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special
from scipy import stats as scipy_stats

from metrics.stats._arrays import BoolArray, FloatArray
from metrics.stats.intervals import CONFIDENCE, TestColumns

# An expected count under this sends a test to its exact version.
MIN_EXPECTED = 5.0


def wilson_interval(
    events: npt.ArrayLike, trials: npt.ArrayLike, *, level: float = CONFIDENCE
) -> tuple[FloatArray, FloatArray]:
    """The Wilson score interval of events/trials, element-wise (NaN where trials ≤ 0)."""
    x, n = (np.asarray(a, dtype=np.float64) for a in (events, trials))
    z = special.ndtri(0.5 + level / 2)
    with np.errstate(all="ignore"):
        p = x / n
        denominator = 1 + z**2 / n
        center = (p + z**2 / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
        valid = (n > 0) & np.isfinite(center) & np.isfinite(half)
    # No events (or all) puts a bound exactly on 0 (or 1), not a rounding error away.
    low = np.where(x == 0, 0.0, np.clip(center - half, 0.0, 1.0))
    high = np.where(x == n, 1.0, np.clip(center + half, 0.0, 1.0))
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def _counts_valid(x: FloatArray, n: FloatArray) -> BoolArray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & np.isfinite(n) & (n > 0) & (x >= 0) & (x <= n)


def two_proportion_columns(
    *,
    events_before: npt.ArrayLike,
    trials_before: npt.ArrayLike,
    events_after: npt.ArrayLike,
    trials_after: npt.ArrayLike,
    level: float = CONFIDENCE,
) -> tuple[TestColumns, BoolArray]:
    """Before vs after for many pairs of pooled counts: the test (z, or NaN where Fisher's
    exact test ran; df always NaN), and which pairs were tested exactly."""
    x1, n1, x2, n2 = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(a, dtype=np.float64))
            for a in (events_before, trials_before, events_after, trials_after)
        )
    )
    valid = _counts_valid(x1, n1) & _counts_valid(x2, n2)
    with np.errstate(all="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        pooled = (x1 + x2) / (n1 + n2)
        expected = np.minimum.reduce(
            [n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)]
        )
        exact = valid & (expected < MIN_EXPECTED)
        z = (p2 - p1) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        p = 2.0 * special.ndtr(-np.abs(z))
        l1, u1 = wilson_interval(x1, n1, level=level)
        l2, u2 = wilson_interval(x2, n2, level=level)
        diff = p2 - p1
        low = diff - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
        high = diff + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    z_test = valid & ~exact
    nan = np.full(z.shape, np.nan)
    p_out = np.where(z_test, p, nan)
    # Few pairs have small counts: SciPy's exact test one table at a time.
    # An effective size can shrink a sample below one whole trial: then no test.
    for i in np.flatnonzero(exact):
        a, b = round(float(x2[i])), round(float(n2[i]))
        c, d = round(float(x1[i])), round(float(n1[i]))
        if b >= 1 and d >= 1:
            p_out[i] = scipy_stats.fisher_exact([[a, b - a], [c, d - c]]).pvalue
    test = TestColumns(
        statistic=np.where(z_test, z, nan),
        df=nan.copy(),
        p=np.clip(p_out, 0.0, 1.0),
        low=np.where(np.isnan(p_out), nan, low),
        high=np.where(np.isnan(p_out), nan, high),
    )
    return test, exact


def one_proportion_columns(
    *,
    events: npt.ArrayLike,
    trials: npt.ArrayLike,
    reference: npt.ArrayLike,
    level: float = CONFIDENCE,
) -> tuple[TestColumns, BoolArray]:
    """Pooled counts against a typed proportion p₀ for many samples: the test (z, or NaN
    where the exact binomial test ran; df always NaN), and which were tested exactly."""
    x, n, p0 = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (events, trials, reference))
    )
    with np.errstate(invalid="ignore"):
        valid = _counts_valid(x, n) & np.isfinite(p0) & (p0 >= 0) & (p0 <= 1)
    with np.errstate(all="ignore"):
        exact = valid & (np.minimum(n * p0, n * (1 - p0)) < MIN_EXPECTED)
        z = (x / n - p0) / np.sqrt(p0 * (1 - p0) / n)
        p = 2.0 * special.ndtr(-np.abs(z))
        low, high = wilson_interval(x, n, level=level)
    z_test = valid & ~exact
    nan = np.full(z.shape, np.nan)
    p_out = np.where(z_test, p, nan)
    for i in np.flatnonzero(exact):
        k, m = round(float(x[i])), round(float(n[i]))
        if m >= 1:
            p_out[i] = scipy_stats.binomtest(k, m, float(p0[i])).pvalue
    test = TestColumns(
        statistic=np.where(z_test, z, nan),
        df=nan.copy(),
        p=np.clip(p_out, 0.0, 1.0),
        low=np.where(np.isnan(p_out), nan, low - p0),
        high=np.where(np.isnan(p_out), nan, high - p0),
    )
    return test, exact
