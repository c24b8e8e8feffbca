"""Pure statistics for results and control charts — no Django, so the figures can be
checked against published worked examples (``shared/reference-data/``).

Conventions (each one is pinned by a test against the reference data):

* **Welch's t-test** is ``scipy.stats.ttest_ind(after, before, equal_var=False)``:
  t = (mean_after - mean_before) / se, so a positive t means the mean went up;
  Welch-Satterthwaite degrees of freedom; two-sided p. Needs n ≥ 2 on each side.
* **Individuals (XmR) chart** as in Montgomery and R's qcc: centre = mean,
  sigma = MR_bar / d2 with d2 = 1.128 (so 3 sigma = 2.6596 x MR_bar, not the rounded
  2.66), limits = centre ± 3 sigma.
* **p-chart** from proportions p_i with sample sizes n_i: pbar = sum(p_i n_i) / sum(n_i),
  sigma_i = sqrt(pbar (1 - pbar) / n_i), limits pbar ± 3 sigma with the LCL floored at 0
  and the UCL capped at 1.
* **Western Electric rules 1-4** exactly as qcc 3.0 ``R/rules.R``: strict inequalities,
  a signal names the point that completes the pattern (and every later point while
  the pattern holds), the windows run over the whole series, phase I included.

Every result is finite or absent (``None`` / NaN in the vectorised variant): the
database refuses non-finite numbers.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

D2 = 1.128
"""Bias-correction constant d2 for moving ranges of two consecutive points."""

WESTERN_ELECTRIC_RULES = (1, 2, 3, 4)

# rule: (window, points needed in the window, zone in sigmas; 0 = side of the centre).
_RULE_PATTERNS = {1: (1, 1, 3.0), 2: (3, 2, 2.0), 3: (5, 4, 1.0), 4: (8, 8, 0.0)}

FloatArray = npt.NDArray[np.float64]


def _finite_array(values: npt.ArrayLike, what: str = "values") -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} must be finite")
    return array


def _mean(array: FloatArray) -> float:
    # A constant series has exactly its value as mean (np.mean([0.1] * 3) is 0.1 + 1 ulp),
    # so it sits on its own centre line and compares equal to another constant series.
    if np.ptp(array) == 0:
        return float(array[0])
    return float(np.mean(array))


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
    array = _finite_array(values)
    n = len(array)
    if n == 0:
        return Summary(n=0, mean=None, variance=None)
    mean = _mean(array)
    if n < 2:
        return Summary(n=n, mean=mean, variance=None)
    variance = 0.0 if np.ptp(array) == 0 else float(np.var(array, ddof=1))
    return Summary(n=n, mean=mean, variance=variance)


# --- Welch's t-test ----------------------------------------------------------------------


@dataclass(frozen=True)
class Welch:
    """Welch's t-test of after vs before.

    ``t`` = (mean_after - mean_before) / se, ``df`` Welch-Satterthwaite, ``p`` two-sided.
    ``t`` and ``df`` are None when the difference is certain (both samples constant with
    different means): then ``p`` is 0.
    """

    t: float | None
    df: float | None
    p: float


def welch_many(
    *,
    n_before: npt.ArrayLike,
    mean_before: npt.ArrayLike,
    var_before: npt.ArrayLike,
    n_after: npt.ArrayLike,
    mean_after: npt.ArrayLike,
    var_after: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Welch's t-test for many before/after pairs at once; returns arrays ``(t, df, p)``.

    Arguments broadcast against each other (pass NaN for a missing mean or variance).
    Element-wise the result equals ``scipy.stats.ttest_ind(after, before, equal_var=False)``
    (statistic, df, pvalue). Conventions where SciPy gives NaN or ±inf:

    * n < 2 on either side, or a non-finite or negative input: t, df and p are NaN;
    * both variances 0 and equal means: t = 0, df = n_before + n_after - 2, p = 1;
    * both variances 0 and different means (or |t| overflowing): the difference is
      certain, so t and df are NaN and p = 0.
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
    certain = valid & ~tested & ~no_change

    nan = np.full(t.shape, np.nan)
    t_out = np.where(tested, t, np.where(no_change, 0.0, nan))
    df_out = np.where(tested, df, np.where(no_change, n1 + n2 - 2, nan))
    p_out = np.where(
        tested, np.clip(p, 0.0, 1.0), np.where(no_change, 1.0, np.where(certain, 0.0, nan))
    )
    return t_out, df_out, p_out


def welch(*, before: Summary, after: Summary) -> Welch | None:
    """Welch's t-test of ``after`` vs ``before``, as ``welch_many`` for one pair.

    None when the test is undefined (fewer than 2 points on a side).
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
    if math.isnan(t):
        return Welch(t=None, df=None, p=p)
    return Welch(t=t, df=df, p=p)


# --- Control limits ----------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Control limits: ``center`` ± 3 ``sigma``, computed from ``n_points`` points.

    ``mr_bar`` is the mean moving range (XmR charts only). ``size`` is the sample size
    the p-chart summary limits are drawn for (the average n_i; p-charts only).
    """

    center: float
    sigma: float
    lcl: float
    ucl: float
    n_points: int
    mr_bar: float | None = None
    size: float | None = None


def xmr_limits(values: npt.ArrayLike) -> Limits | None:
    """Individuals (XmR) chart limits: centre = mean, sigma = MR_bar / 1.128, centre ± 3 sigma.

    None with fewer than 2 values (no moving range) or if the limits overflow.
    A constant series gives sigma = 0 and LCL = centre = UCL.
    """
    array = _finite_array(values)
    if len(array) < 2:
        return None
    center = _mean(array)
    with np.errstate(all="ignore"):
        mr_bar = float(np.mean(np.abs(np.diff(array))))
    sigma = mr_bar / D2
    limits = Limits(
        center=center,
        sigma=sigma,
        lcl=center - 3.0 * sigma,
        ucl=center + 3.0 * sigma,
        n_points=len(array),
        mr_bar=mr_bar,
    )
    return limits if math.isfinite(limits.lcl) and math.isfinite(limits.ucl) else None


def p_chart_limits(proportions: npt.ArrayLike, sizes: npt.ArrayLike) -> Limits | None:
    """p-chart limits from proportions p_i in [0, 1] and their sample sizes n_i ≥ 1.

    pbar = sum(p_i n_i) / sum(n_i): total defectives over total inspected. The summary
    limits are for the average size n_bar (``Limits.size``): sigma = sqrt(pbar (1 - pbar)
    / n_bar), LCL = max(0, pbar - 3 sigma), UCL = min(1, pbar + 3 sigma) — exact when all
    sizes are equal. With varying sizes, check each point against its own sigma_i from
    ``p_sigmas`` (``series_signals`` does). None with fewer than 2 points (the same
    minimum as the XmR chart). ValueError on an invalid proportion or size.
    """
    p = _finite_array(proportions, "proportions")
    n = _finite_array(sizes, "sizes")
    if len(p) != len(n):
        raise ValueError("proportions and sizes must have the same length")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("proportions must lie in [0, 1]")
    if np.any(n < 1):
        raise ValueError("sizes must be at least 1")
    if len(p) < 2:
        return None
    pbar = float(np.clip(np.sum(p * n) / np.sum(n), 0.0, 1.0))
    size = float(np.mean(n))
    sigma = float(p_sigmas(pbar, size))
    return Limits(
        center=pbar,
        sigma=sigma,
        lcl=max(0.0, pbar - 3.0 * sigma),
        ucl=min(1.0, pbar + 3.0 * sigma),
        n_points=len(p),
        size=size,
    )


def p_sigmas(pbar: float, sizes: npt.ArrayLike) -> FloatArray:
    """sigma_i = sqrt(pbar(1-pbar)/n_i) for each sample size: the per-point sigma of a p-chart."""
    n = np.asarray(sizes, dtype=np.float64)
    return np.sqrt(pbar * (1.0 - pbar) / n)


# --- Western Electric rules --------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    """Point ``index`` of the series completes the pattern of Western Electric ``rule``."""

    index: int
    rule: int


def _completes(flags: npt.NDArray[np.bool_], window: int, count: int) -> npt.NDArray[np.bool_]:
    """Points that are flagged themselves and end a full window with ≥ count flags."""
    hits = np.zeros(len(flags), dtype=bool)
    if len(flags) < window:
        return hits
    totals = np.convolve(flags.astype(np.int64), np.ones(window, dtype=np.int64), "valid")
    hits[window - 1 :] = (totals >= count) & flags[window - 1 :]
    return hits


def western_electric(
    values: npt.ArrayLike,
    *,
    center: float,
    sigma: float | npt.ArrayLike,
    start: int = 0,
    rules: Collection[int] = WESTERN_ELECTRIC_RULES,
) -> list[Signal]:
    """Points of ``values`` that signal under Western Electric ``rules``, in order.

    1. a point beyond 3 sigma (strictly above centre + 3 sigma or below centre - 3 sigma);
    2. 2 of the last 3 points beyond 2 sigma on one side, the latest among them;
    3. 4 of the last 5 points beyond 1 sigma on one side, the latest among them;
    4. 8 points in a row strictly on one side of the centre (a point on it breaks the run).

    As in qcc 3.0: a signal names the point that completes the pattern, and every later
    point while the pattern still holds; the windows are full windows over the whole
    series (so nothing signals rule 2 before the 3rd point). Only points at index ≥
    ``start`` are reported, but their windows look back before ``start``: pass the
    phase-I points the limits came from followed by the points to check.

    ``sigma`` is one number or one per point (a p-chart with varying sizes). A point
    that breaks several rules is reported once, with the lowest rule number (qcc's
    "most serious violation"); pass ``rules=(k,)`` to ask about one rule. A chart with
    sigma = 0 (a constant phase I) is degenerate and gives no signals.
    """
    array = _finite_array(values)
    if start < 0:
        raise ValueError("start must not be negative")
    unknown = set(rules) - set(_RULE_PATTERNS)
    if unknown:
        raise ValueError(f"unknown Western Electric rules: {sorted(unknown)}")
    sig = np.broadcast_to(np.asarray(sigma, dtype=np.float64), array.shape)
    if not math.isfinite(center) or not np.all(np.isfinite(sig)) or np.any(sig <= 0):
        return []

    first_rule: dict[int, int] = {}
    for rule in sorted(rules):
        window, count, zone = _RULE_PATTERNS[rule]
        # Compare values with centre ± k sigma, the same expression as the limits, so a point
        # exactly on a limit is not beyond it.
        above = array > center + zone * sig
        below = array < center - zone * sig
        hits = _completes(above, window, count) | _completes(below, window, count)
        for index in np.flatnonzero(hits[start:]) + start:
            first_rule.setdefault(int(index), rule)
    return [Signal(index=i, rule=first_rule[i]) for i in sorted(first_rule)]


def series_signals(
    values: npt.ArrayLike,
    *,
    limits: Limits,
    start: int,
    sizes: npt.ArrayLike | None = None,
    rules: Collection[int] = WESTERN_ELECTRIC_RULES,
) -> list[Signal]:
    """Western Electric signals of ``values[start:]`` against ``limits``, as
    ``western_electric``.

    A p-chart (``limits.size`` set) needs each point's sample size, so that each point
    is checked with its own sigma_i; an XmR chart takes none.
    """
    if (limits.size is None) != (sizes is None):
        raise ValueError("pass sizes for a p-chart, and only for a p-chart")
    sigma: float | FloatArray = limits.sigma if sizes is None else p_sigmas(limits.center, sizes)
    return western_electric(values, center=limits.center, sigma=sigma, start=start, rules=rules)
