"""The one-sample t-test against a typed reference value, many samples at once."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

from metrics.stats.intervals import CONFIDENCE, TestColumns, t_interval


def one_sample_columns(
    *,
    n: npt.ArrayLike,
    mean: npt.ArrayLike,
    var: npt.ArrayLike,
    reference: npt.ArrayLike,
    level: float = CONFIDENCE,
) -> TestColumns:
    """The one-sample t-test of each sample's mean against its reference value, with the
    confidence interval of mean − reference (± t(n − 1) · s/√n).

    Element-wise ``scipy.stats.ttest_1samp(values, reference)`` (statistic, df, pvalue,
    ``confidence_interval(level)`` shifted by the reference). `n` may be fractional (an
    effective sample size). Conventions where SciPy gives NaN or ±inf:

    * n < 2, or a non-finite or negative input: everything NaN;
    * variance 0 and mean equal to the reference: t = 0, df = n − 1, p = 1, interval the
      point 0;
    * variance 0 and a different mean: no test (the t-test is undefined), all NaN.
    """
    n, mean, var, reference = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (n, mean, var, reference))
    )
    with np.errstate(all="ignore"):
        finite = np.logical_and.reduce([np.isfinite(x) for x in (n, mean, var, reference)])
        valid = finite & (n >= 2) & (var >= 0)
        diff = mean - reference
        se = np.sqrt(var / n)
        t = diff / se
        df = n - 1
        p = 2.0 * special.stdtr(df, -np.abs(t))

    tested = valid & (se > 0) & np.isfinite(t)
    no_change = valid & (se == 0) & (diff == 0)
    nan = np.full(t.shape, np.nan)
    t_out = np.where(tested, t, np.where(no_change, 0.0, nan))
    df_out = np.where(tested | no_change, df, nan)
    p_out = np.where(tested, np.clip(p, 0.0, 1.0), np.where(no_change, 1.0, nan))
    low, high = t_interval(np.where(tested | no_change, diff, nan), se, df_out, level=level)
    return TestColumns(statistic=t_out, df=df_out, p=p_out, low=low, high=high)
