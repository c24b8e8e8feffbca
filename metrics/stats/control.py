"""Control charts (individuals/XmR and p-charts) for many series at once.

``control_charts`` is the one implementation of the limits and, through
``rules.find_signals``, of the signals; ``xmr_limits``, ``p_chart_limits`` and
``series_signals`` are it for one series. ``p_point_limits`` gives a p-chart's stepped
limits, one pair per point.

Which points are checked, as in qcc (``qcc(data, newdata=...)``) and Minitab (a chart
with limits "estimated from" a subset of the points): every later point with rules 1-4,
and the limit points themselves with rule 1 (``LIMIT_POINT_RULES``), so a spike among
them is flagged rather than hidden in the limits it widened. Rules 2-4 start after the
limit points: a run in the window the limits came from is how that window's centre was
set, not a shift away from it.

The limits of all the series whose limits come from the same number n of points are
computed together as a (series x n) array, reduced row by row: numpy sums each row as it
sums a 1-D array (pairwise), so every figure is bit for bit the one computed for that
series alone.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrics.stats._arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    Segments,
    finite_array,
    per_series,
    row_means,
)
from metrics.stats.rules import (
    WESTERN_ELECTRIC_RULES,
    Signal,
    find_signals,
    western_electric,
)

D2 = 1.128
"""Bias-correction constant d2 for moving ranges of two consecutive points."""

LIMIT_POINT_RULES = (1,)
"""The rules the limit points are checked with against their own limits (rule 1: qcc
flags a phase-I point beyond its trial limits, Montgomery ISQC §7.2.1, Example 7.1)."""

# Points per 2-D block of limit points, to bound the memory of a long limit_points.
_BLOCK_POINTS = 1 << 20


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


@dataclass(frozen=True, eq=False)
class _LimitArrays:
    """Limits of K series, NaN where a series has none."""

    center: FloatArray
    sigma: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    mr_bar: FloatArray
    size: FloatArray


def _limit_arrays(
    values: FloatArray,
    sizes: FloatArray,
    first: IntArray,
    n_limit: IntArray,
    is_p: BoolArray,
) -> _LimitArrays:
    """Limits of each series k from its ``n_limit[k]`` points from ``values[first[k]]``:
    a p-chart from those ``values`` (proportions) and ``sizes`` where ``is_p[k]``, else
    an XmR chart. NaN where n_limit < 2 or where a figure is not finite. Every p-chart
    point must be a proportion with a size ≥ 1 (the callers check)."""
    k = len(first)
    center, sigma, lcl, ucl, mr_bar, size = (np.full(k, np.nan) for _ in range(6))
    with np.errstate(all="ignore"):
        for n in np.unique(n_limit[n_limit >= 2]).tolist():
            for p_chart, extra in ((False, mr_bar), (True, size)):
                rows = np.flatnonzero((n_limit == n) & (is_p == p_chart))
                step = max(1, _BLOCK_POINTS // n)
                for block in (rows[i : i + step] for i in range(0, len(rows), step)):
                    points = first[block, np.newaxis] + np.arange(n)
                    figures = (
                        _p_rows(values[points], sizes[points])
                        if p_chart
                        else _xmr_rows(values[points])
                    )
                    for figure, rows_figure in zip(
                        (center, sigma, lcl, ucl, extra), figures, strict=True
                    ):
                        figure[block] = rows_figure
    absent = ~(np.isfinite(center) & np.isfinite(sigma) & np.isfinite(lcl) & np.isfinite(ucl))
    for figure in (center, sigma, lcl, ucl, mr_bar, size):
        figure[absent] = np.nan
    return _LimitArrays(center=center, sigma=sigma, lcl=lcl, ucl=ucl, mr_bar=mr_bar, size=size)


def _xmr_rows(base: FloatArray) -> tuple[FloatArray, ...]:
    """XmR limits of each row of limit points: centre, sigma, LCL, UCL and MR_bar."""
    center = row_means(base)
    mr_bar = np.add.reduce(np.abs(np.diff(base, axis=1)), axis=1) / (base.shape[1] - 1)
    sigma = mr_bar / D2
    return center, sigma, center - 3.0 * sigma, center + 3.0 * sigma, mr_bar


def _p_rows(base: FloatArray, sizes: FloatArray) -> tuple[FloatArray, ...]:
    """p-chart limits of each row of limit points: pbar (total defectives over total
    inspected), sigma at the average size, LCL floored at 0, UCL capped at 1, and the
    average size."""
    inspected = np.add.reduce(sizes, axis=1)
    pbar = np.clip(np.add.reduce(base * sizes, axis=1) / inspected, 0.0, 1.0)
    size = inspected / base.shape[1]
    sigma = p_sigmas(pbar, size)
    lcl = np.maximum(0.0, pbar - 3.0 * sigma)
    ucl = np.minimum(1.0, pbar + 3.0 * sigma)
    return pbar, sigma, lcl, ucl, size


def _limits_at(
    arrays: _LimitArrays | SeriesControl, k: int, *, n_points: int, is_p: bool
) -> Limits | None:
    """Series k of limit arrays as a ``Limits`` (None where it has none)."""
    if math.isnan(arrays.center[k]):
        return None
    return Limits(
        center=float(arrays.center[k]),
        sigma=float(arrays.sigma[k]),
        lcl=float(arrays.lcl[k]),
        ucl=float(arrays.ucl[k]),
        n_points=int(n_points),
        mr_bar=None if is_p else float(arrays.mr_bar[k]),
        size=float(arrays.size[k]) if is_p else None,
    )


@dataclass(frozen=True, eq=False)
class SeriesControl:
    """Control charts of K series, each limited by its first ``limit_points`` points.

    Per series (K,):

    * ``center``, ``sigma``, ``lcl``, ``ucl``: the limits, NaN where the series has no
      chart (fewer than 2 points, or limits that are not finite). For a p-chart,
      ``sigma``, ``lcl`` and ``ucl`` are for ``size``, the average sample size of the
      limit points; each point is checked against its own sigma_i (``p_sigmas``).
    * ``mr_bar``: the mean moving range of an XmR chart (NaN for a p-chart);
      ``size``: the average size of a p-chart (NaN for an XmR chart).
    * ``n_limit``: how many points the limits came from, min(length, limit_points)
      (fewer than limit_points: provisional limits).
    * ``is_p``: a p-chart (else an XmR chart), as chosen by ``control_charts``.
    * ``offset``: the position in ``values`` of the series' first point.

    Per signal (S,), ordered by position: ``signal_index``, the position in ``values``
    of a point that signals; ``signal_series``, its series; ``signal_rule``, the lowest
    Western Electric rule it breaks.
    """

    center: FloatArray
    sigma: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    mr_bar: FloatArray
    size: FloatArray
    n_limit: IntArray
    is_p: BoolArray
    offset: IntArray
    signal_index: IntArray
    signal_series: IntArray
    signal_rule: IntArray

    def __len__(self) -> int:
        return len(self.center)

    @property
    def has_chart(self) -> BoolArray:
        """(K,) whether each series has a chart."""
        return ~np.isnan(self.center)

    def limits(self, k: int) -> Limits | None:
        """The limits of series k as ``xmr_limits``/``p_chart_limits`` give them."""
        return _limits_at(self, k, n_points=self.n_limit[k], is_p=bool(self.is_p[k]))

    def signals(self, k: int) -> list[Signal]:
        """The signals of series k, indexed within the series, as ``series_signals``."""
        lo, hi = np.searchsorted(self.signal_series, [k, k + 1])
        index = (self.signal_index[lo:hi] - self.offset[k]).tolist()
        return [
            Signal(index=i, rule=r)
            for i, r in zip(index, self.signal_rule[lo:hi].tolist(), strict=True)
        ]


def control_charts(
    values: npt.ArrayLike,
    lengths: npt.ArrayLike,
    *,
    limit_points: int | npt.ArrayLike,
    p_chart: bool | npt.ArrayLike = False,
    sizes: npt.ArrayLike | None = None,
    limit_point_rules: Collection[int] = LIMIT_POINT_RULES,
) -> SeriesControl:
    """Control charts and their Western Electric signals for K series at once.

    ``values`` (N,) holds the series back to back (finite, else ValueError); ``lengths``
    (K,) their numbers of points, in order (adding up to N). For each series:

    * the limits come from its first min(length, ``limit_points``) points (one number,
      or one per series; at least 2). A series with fewer than 2 points has no chart;
    * ``p_chart`` (one flag, or one per series) asks for a p-chart: ``values`` are then
      proportions and ``sizes`` (N,) their sample sizes (None or NaN where missing).
      A series gets its p-chart only if every one of its points, checked ones included,
      is a proportion 0 ≤ p ≤ 1 with a size ≥ 1; otherwise it falls back to an XmR
      chart of its values (``SeriesControl.is_p`` says which). ``sizes`` are ignored for XmR
      charts; ValueError if a p-chart is asked for without ``sizes``;
    * the points after the limit points are checked with Western Electric rules 1-4,
      the windows looking back into the limit points (never into another series), and
      the limit points themselves with ``limit_point_rules`` (rule 1), as
      ``series_signals(values, limits=..., start=n_limit, sizes=...)`` would. A p-chart
      checks each point against its own limits, pbar ± 3 sigma_i. A chart whose sigma is
      0 (MR_bar = 0; pbar = 0 or 1) has its limits on the centre line, so any point off
      it is a rule 1 signal (qcc); one whose sigma is not finite gives no signals.

    Per series the result is bit for bit that of ``xmr_limits``/``p_chart_limits`` on
    the limit points and ``series_signals`` on the whole series.
    """
    array = finite_array(values)
    segments = Segments.of(lengths, len(array))
    k = len(segments.lengths)
    limit = per_series(limit_points, k, "limit_points", whole=True)
    if np.any(limit < 2):
        raise ValueError("limit_points must be at least 2")
    wants_p = per_series(p_chart, k, "p_chart").astype(bool)
    from_first = set(limit_point_rules)
    if unknown := from_first - set(WESTERN_ELECTRIC_RULES):
        raise ValueError(f"unknown Western Electric rules: {sorted(unknown)}")
    if sizes is None:
        if np.any(wants_p):
            raise ValueError("a p-chart needs sizes")
        n = np.full(len(array), np.nan)
    else:
        n = np.asarray(sizes, dtype=np.float64)
        if n.shape != array.shape:
            raise ValueError(f"sizes must be one per value ({len(array)})")

    with np.errstate(invalid="ignore"):
        proportion = (array >= 0.0) & (array <= 1.0) & np.isfinite(n) & (n >= 1.0)
    is_p = wants_p & (segments.count(~proportion) == 0)
    n_limit = np.minimum(segments.lengths, limit)
    first = segments.offsets[:-1]
    limits = _limit_arrays(array, n, first, n_limit, is_p)

    # Each point's sigma: its series' sigma, or for a p-chart sigma_i for its own size.
    series = segments.series
    sigma = limits.sigma[series]
    p_points = is_p[series]
    with np.errstate(all="ignore"):
        sigma[p_points] = p_sigmas(limits.center[series[p_points]], n[p_points])
    index, rule = find_signals(
        array, segments, limits.center, sigma, n_limit, list(WESTERN_ELECTRIC_RULES), from_first
    )
    return SeriesControl(
        center=limits.center,
        sigma=limits.sigma,
        lcl=limits.lcl,
        ucl=limits.ucl,
        mr_bar=limits.mr_bar,
        size=limits.size,
        n_limit=n_limit,
        is_p=is_p,
        offset=first,
        signal_index=index,
        signal_series=series[index],
        signal_rule=rule,
    )


# --- One series --------------------------------------------------------------------------


def _one_series_limits(values: FloatArray, sizes: FloatArray | None) -> Limits | None:
    is_p = sizes is not None
    arrays = _limit_arrays(
        values,
        sizes if is_p else np.full(len(values), np.nan),
        np.zeros(1, dtype=np.int64),
        np.array([len(values)], dtype=np.int64),
        np.array([is_p]),
    )
    return _limits_at(arrays, 0, n_points=len(values), is_p=is_p)


def xmr_limits(values: npt.ArrayLike) -> Limits | None:
    """Individuals (XmR) chart limits: centre = mean, sigma = MR_bar / 1.128, centre ± 3 sigma.

    None with fewer than 2 values (no moving range) or if the limits overflow.
    A constant series gives sigma = 0 and LCL = centre = UCL.
    """
    array = finite_array(values)
    if len(array) < 2:
        return None
    return _one_series_limits(array, None)


def p_chart_limits(proportions: npt.ArrayLike, sizes: npt.ArrayLike) -> Limits | None:
    """p-chart limits from proportions p_i in [0, 1] and their sample sizes n_i ≥ 1.

    pbar = sum(p_i n_i) / sum(n_i): total defectives over total inspected. The summary
    limits are for the average size n_bar (``Limits.size``): sigma = sqrt(pbar (1 - pbar)
    / n_bar), LCL = max(0, pbar - 3 sigma), UCL = min(1, pbar + 3 sigma) — exact when all
    sizes are equal. With varying sizes, check each point against its own sigma_i from
    ``p_sigmas`` (``series_signals`` does). None with fewer than 2 points (the same
    minimum as the XmR chart) or if the sizes overflow. ValueError on an invalid
    proportion or size.
    """
    p = finite_array(proportions, "proportions")
    n = finite_array(sizes, "sizes")
    if len(p) != len(n):
        raise ValueError("proportions and sizes must have the same length")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("proportions must lie in [0, 1]")
    if np.any(n < 1):
        raise ValueError("sizes must be at least 1")
    if len(p) < 2:
        return None
    return _one_series_limits(p, n)


def p_sigmas(pbar: float | npt.ArrayLike, sizes: npt.ArrayLike) -> FloatArray:
    """sigma_i = sqrt(pbar(1-pbar)/n_i) for each sample size: the per-point sigma of a p-chart.

    ``pbar`` is one number, or one per size.
    """
    p = np.asarray(pbar, dtype=np.float64)
    n = np.asarray(sizes, dtype=np.float64)
    return np.sqrt(p * (1.0 - p) / n)


def p_point_limits(pbar: float, sizes: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """A p-chart's stepped limits, one (LCL_i, UCL_i) per sample size n_i:
    pbar ± 3 sqrt(pbar(1 - pbar)/n_i), clamped to [0, 1] (Montgomery ISQC §7.2.2,
    "variable sample size"; qcc ``limits.p``). Rule 1 checks each point against its own
    pair (``series_signals``, ``control_charts``)."""
    sigma = p_sigmas(pbar, sizes)
    return np.maximum(0.0, pbar - 3.0 * sigma), np.minimum(1.0, pbar + 3.0 * sigma)


def series_signals(
    values: npt.ArrayLike,
    *,
    limits: Limits,
    start: int,
    sizes: npt.ArrayLike | None = None,
    rules: Collection[int] = WESTERN_ELECTRIC_RULES,
    limit_point_rules: Collection[int] = LIMIT_POINT_RULES,
) -> list[Signal]:
    """Western Electric signals of a series whose first ``start`` points are the limit
    points of ``limits``, as ``western_electric``: ``values[start:]`` with ``rules``, and
    the limit points with those of ``limit_point_rules`` (rule 1) that are in ``rules``.

    A p-chart (``limits.size`` set) needs each point's sample size, so that each point
    is checked with its own sigma_i; an XmR chart takes none.
    """
    if (limits.size is None) != (sizes is None):
        raise ValueError("pass sizes for a p-chart, and only for a p-chart")
    sigma: float | FloatArray = limits.sigma if sizes is None else p_sigmas(limits.center, sizes)
    return western_electric(
        values,
        center=limits.center,
        sigma=sigma,
        start=start,
        rules=rules,
        rules_from_first=limit_point_rules,
    )
