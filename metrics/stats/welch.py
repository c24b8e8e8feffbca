"""Summaries of samples and Welch's t-test, one pair or many at once."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from metrics.stats._arrays import FloatArray, finite_array, row_means
from metrics.stats.intervals import CONFIDENCE, TestColumns, t_interval

# --- Summaries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Size, mean and sample variance (ddof = 1) of one sample.

    ``mean`` is None when n = 0; ``variance`` is None when n < 2.
    """

    n: int
    mean: float | None
    variance: float | None

    @classmethod
    def from_aggregates(cls, *, n: int, mean: float | None, variance: float | None) -> Summary:
        """A summary from SQL ``COUNT``/``AVG``/``VAR_SAMP`` of one group.

        A slightly negative variance (a rounding artefact) is taken as 0; the mean and
        variance are dropped where n is too small for them, whatever the database said.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0 or mean is None:
            return cls(n=n, mean=None, variance=None)
        if n < 2 or variance is None:
            return cls(n=n, mean=float(mean), variance=None)
        return cls(n=n, mean=float(mean), variance=max(float(variance), 0.0))


def summarize(values: npt.ArrayLike) -> Summary:
    """Summary of finite values (ValueError on NaN or ±inf)."""
    array = finite_array(values)
    n = len(array)
    if n == 0:
        return Summary(n=0, mean=None, variance=None)
    mean = float(row_means(array[np.newaxis])[0])
    if n < 2:
        return Summary(n=n, mean=mean, variance=None)
    variance = 0.0 if np.ptp(array) == 0 else float(np.var(array, ddof=1))
    return Summary(n=n, mean=mean, variance=variance)


# --- Welch's t-test ----------------------------------------------------------------------


@dataclass(frozen=True)
class Welch:
    """Welch's t-test of after vs before.

    ``t`` = (mean_after - mean_before) / se, ``df`` Welch-Satterthwaite, ``p`` two-sided.
    """

    t: float
    df: float
    p: float


def welch_columns(
    *,
    n_before: npt.ArrayLike,
    mean_before: npt.ArrayLike,
    var_before: npt.ArrayLike,
    n_after: npt.ArrayLike,
    mean_after: npt.ArrayLike,
    var_after: npt.ArrayLike,
    level: float = CONFIDENCE,
) -> TestColumns:
    """Welch's t-test for many before/after pairs at once, with the confidence interval of
    mean_after − mean_before (± t(df) · se).

    Arguments broadcast against each other (pass NaN for a missing mean or variance).
    Element-wise the result equals ``scipy.stats.ttest_ind(after, before, equal_var=False)``
    (statistic, df, pvalue, ``confidence_interval(level)``). The sizes may be fractional:
    an effective sample size (autocorrelation) enters the standard error and the degrees
    of freedom as n does. Conventions where SciPy gives NaN or ±inf:

    * n < 2 on either side, or a non-finite or negative input: everything NaN;
    * both variances 0 and equal means: t = 0, df = n_before + n_after - 2, p = 1, and the
      interval is the point 0 (two equal constant samples show no change);
    * both variances 0 and different means (or |t| overflowing): no test — the t-test is
      undefined without variation, and a gauge that reads the same value every time
      proves nothing about the process — so everything is NaN.
    """
    n1, m1, v1, n2, m2, v2 = np.broadcast_arrays(
        *(
            np.asarray(x, dtype=np.float64)
            for x in (n_before, mean_before, var_before, n_after, mean_after, var_after)
        )
    )
    with np.errstate(all="ignore"):
        finite = np.logical_and.reduce([np.isfinite(x) for x in (n1, m1, v1, n2, m2, v2)])
        valid = finite & (n1 >= 2) & (n2 >= 2) & (v1 >= 0) & (v2 >= 0)
        a = v1 / n1  # squared standard error of each mean
        b = v2 / n2
        diff = m2 - m1
        se = np.sqrt(a + b)
        t = diff / se
        # Welch-Satterthwaite, scaled by the larger term so squares neither over- nor
        # underflow: df = (a + b)**2 / (a**2/(n1 - 1) + b**2/(n2 - 1)).
        scale = np.maximum(a, b)
        a_s, b_s = a / scale, b / scale
        df = (a_s + b_s) ** 2 / (a_s**2 / (n1 - 1) + b_s**2 / (n2 - 1))
        p = 2.0 * special.stdtr(df, -np.abs(t))

    tested = valid & (se > 0) & np.isfinite(t)
    no_change = valid & (se == 0) & (diff == 0)

    nan = np.full(t.shape, np.nan)
    t_out = np.where(tested, t, np.where(no_change, 0.0, nan))
    df_out = np.where(tested, df, np.where(no_change, n1 + n2 - 2, nan))
    p_out = np.where(tested, np.clip(p, 0.0, 1.0), np.where(no_change, 1.0, nan))
    low, high = t_interval(np.where(tested | no_change, diff, nan), se, df_out, level=level)
    return TestColumns(statistic=t_out, df=df_out, p=p_out, low=low, high=high)


def welch_many(
    *,
    n_before: npt.ArrayLike,
    mean_before: npt.ArrayLike,
    var_before: npt.ArrayLike,
    n_after: npt.ArrayLike,
    mean_after: npt.ArrayLike,
    var_after: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``welch_columns`` without the interval: arrays ``(t, df, p)``."""
    test = welch_columns(
        n_before=n_before,
        mean_before=mean_before,
        var_before=var_before,
        n_after=n_after,
        mean_after=mean_after,
        var_after=var_after,
    )
    return test.statistic, test.df, test.p


def welch(*, before: Summary, after: Summary) -> Welch | None:
    """Welch's t-test of ``after`` vs ``before``, as ``welch_many`` for one pair.

    None when the test is undefined (fewer than 2 points on a side, or two constant
    samples with different means).
    """
    if before.variance is None or after.variance is None:
        return None
    t, df, p = (
        float(x)
        for x in welch_many(
            n_before=before.n,
            mean_before=before.mean,
            var_before=before.variance,
            n_after=after.n,
            mean_after=after.mean,
            var_after=after.variance,
        )
    )
    if math.isnan(p):
        return None
    return Welch(t=t, df=df, p=p)
