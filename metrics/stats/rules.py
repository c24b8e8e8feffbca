"""Western Electric rules 1-4, exactly as qcc 3.0 ``R/rules.R``, for many series at once.

``rules_many`` is the one implementation; ``western_electric`` is it for one series.

A chart whose sigma is 0 (an XmR chart with MR_bar = 0, a p-chart with pbar = 0 or 1)
has its limits on its centre line, as in qcc (``limits.xbar.one``, ``limits.p``): any
point off the centre is beyond them, a rule 1 signal. Only a sigma that is negative or
not finite (limits that overflowed) makes a chart degenerate, with no signals.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrics.stats._arrays import FloatArray, IntArray, Segments, finite_array, per_series

WESTERN_ELECTRIC_RULES = (1, 2, 3, 4)

# rule: (window, points needed in the window, zone in sigmas; 0 = side of the centre).
_RULE_PATTERNS = {1: (1, 1, 3.0), 2: (3, 2, 2.0), 3: (5, 4, 1.0), 4: (8, 8, 0.0)}


@dataclass(frozen=True)
class Signal:
    """Point ``index`` of the series completes the pattern of Western Electric ``rule``."""

    index: int
    rule: int


def _checked_rules(rules: Collection[int]) -> list[int]:
    unknown = set(rules) - set(_RULE_PATTERNS)
    if unknown:
        raise ValueError(f"unknown Western Electric rules: {sorted(unknown)}")
    return sorted(set(rules))


def rules_many(
    values: npt.ArrayLike,
    lengths: npt.ArrayLike,
    *,
    center: npt.ArrayLike,
    sigma: npt.ArrayLike,
    start: npt.ArrayLike = 0,
    rules: Collection[int] = WESTERN_ELECTRIC_RULES,
    rules_from_first: Collection[int] = (),
) -> tuple[IntArray, IntArray]:
    """Western Electric signals of K series at once; returns ``(index, rule)`` arrays.

    ``values`` (N,) holds the series back to back, ``lengths`` (K,) their sizes in order;
    ``center`` is one per series, ``sigma`` one per point (a p-chart's sigma_i; for one
    sigma per series pass ``np.repeat(sigma, lengths)``) or a single number; ``start``
    (one per series, or one for all) is the first index within each series to report,
    except for the rules in ``rules_from_first``, reported from each series' first point
    (a control chart checks its limit points with rule 1: ``control.LIMIT_POINT_RULES``).
    ``index`` are the positions in ``values`` of the points that signal, ascending;
    ``rule`` is the lowest rule each of them breaks. Per series this is exactly
    ``western_electric`` (see there for the rules); windows never cross series.
    """
    array = finite_array(values)
    segments = Segments.of(lengths, len(array))
    k = len(segments.lengths)
    centers = per_series(center, k, "center").astype(np.float64)
    try:
        sigmas = np.broadcast_to(np.asarray(sigma, dtype=np.float64), array.shape)
    except ValueError:
        raise ValueError(f"sigma must be one number or one per point ({len(array)})") from None
    starts = per_series(start, k, "start", whole=True)
    if np.any(starts < 0):
        raise ValueError("start must not be negative")
    checked = _checked_rules(rules)
    from_first = set(_checked_rules(rules_from_first)) & set(checked)
    return find_signals(array, segments, centers, sigmas, starts, checked, from_first)


def find_signals(
    values: FloatArray,
    segments: Segments,
    center: FloatArray,
    sigma: FloatArray,
    start: IntArray,
    rules: list[int],
    from_first: Collection[int] = (),
) -> tuple[IntArray, IntArray]:
    """``rules_many`` on checked input: ``center`` and ``start`` (K,), ``sigma`` (N,),
    ``rules`` ascending, ``from_first`` the rules reported from each series' first point."""
    series, position = segments.series, segments.position
    with np.errstate(all="ignore"):
        # A chart with a non-finite centre, or a sigma that is negative or not finite at
        # any point (limits that overflowed), is degenerate: it gives no signals. A sigma
        # of 0 is not: the limits sit on the centre line (qcc), so any point off it is
        # beyond them.
        bad_sigma = ~(np.isfinite(sigma) & (sigma >= 0))
        usable = np.isfinite(center) & (segments.count(bad_sigma) == 0)
        reported = usable[series] & (position >= start[series])
        everywhere = usable[series]
        centers = center[series]

        rule_of = np.zeros(len(values), dtype=np.int64)
        for rule in reversed(rules):  # the lowest rule last, so that it wins
            window, count, zone = _RULE_PATTERNS[rule]
            # Compare values with centre ± k sigma, the same expression as the limits, so a
            # point exactly on a limit is not beyond it.
            above = values > centers + zone * sigma
            below = values < centers - zone * sigma
            hits = _completes(above, window, count) | _completes(below, window, count)
            checked = everywhere if rule in from_first else reported
            # Full windows only, within the series: none before its window-th point.
            rule_of[hits & checked & (position >= window - 1)] = rule
    index = np.flatnonzero(rule_of)
    return index, rule_of[index]


def _completes(flags: npt.NDArray[np.bool_], window: int, count: int) -> npt.NDArray[np.bool_]:
    """Points that are flagged themselves and end a window (of the points back to back,
    possibly crossing series: the caller masks those) with ≥ count flags."""
    if window == 1:
        return flags
    if len(flags) < window:
        return np.zeros(len(flags), dtype=bool)
    running = np.zeros(len(flags) + 1, dtype=np.int64)
    np.cumsum(flags, out=running[1:])
    totals = np.zeros(len(flags), dtype=np.int64)
    totals[window - 1 :] = running[window:] - running[: len(flags) - window + 1]
    return flags & (totals >= count)


def western_electric(
    values: npt.ArrayLike,
    *,
    center: float,
    sigma: float | npt.ArrayLike,
    start: int = 0,
    rules: Collection[int] = WESTERN_ELECTRIC_RULES,
    rules_from_first: Collection[int] = (),
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
    phase-I points the limits came from followed by the points to check. The rules in
    ``rules_from_first`` are reported from index 0 (a chart's limit points are checked
    with rule 1, as in qcc and Minitab).

    ``sigma`` is one number or one per point (a p-chart with varying sizes). A point
    that breaks several rules is reported once, with the lowest rule number (qcc's
    "most serious violation"); pass ``rules=(k,)`` to ask about one rule. A chart with
    sigma = 0 (a constant phase I, a p-chart with pbar = 0) has its limits on the centre
    line: any point off it breaks rule 1. A negative or non-finite sigma gives no signals.

    This is ``rules_many`` for one series.
    """
    array = finite_array(values)
    if start < 0:
        raise ValueError("start must not be negative")
    checked_rules = _checked_rules(rules)
    from_first = set(_checked_rules(rules_from_first)) & set(checked_rules)
    sig = np.broadcast_to(np.asarray(sigma, dtype=np.float64), array.shape)
    index, rule = find_signals(
        array,
        Segments.of([len(array)], len(array)),
        np.array([center], dtype=np.float64),
        sig,
        np.array([start], dtype=np.int64),
        checked_rules,
        from_first,
    )
    return [Signal(index=i, rule=r) for i, r in zip(index.tolist(), rule.tolist(), strict=True)]


# The rules in words, as the pages name them (translated where shown).
RULE_WORDS = {
    1: "a point beyond the 3σ control limits",
    2: "2 of 3 points in a row beyond 2σ on the same side of the centre line",
    3: "4 of 5 points in a row beyond 1σ on the same side of the centre line",
    4: "8 points in a row on one side of the centre line",
}
