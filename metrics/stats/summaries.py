"""The summary of each of many samples stored back to back: size, mean, variance, range,
pooled counts (for proportions) and lag-1 autocorrelation — everything the tests need,
from one pass of NumPy over the values.

Equal values are summarised exactly: a sample whose minimum equals its maximum has that
value as its mean (not the value ± 1 ulp a sum and a division can give) and a variance
of exactly 0, so two equal constant samples compare equal on every database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrics.stats._arrays import FloatArray, Segments
from metrics.stats.autocorrelation import lag1_of_deviations


@dataclass(frozen=True)
class SampleColumns:
    """One element per sample: ``n``; ``mean``, ``min``, ``max`` (NaN when n = 0);
    ``var`` (ddof 1, NaN when n < 2); ``sized`` (points with a sample size), ``events``
    (Σ value·size over them) and ``trials`` (Σ size); ``r1`` (lag-1 autocorrelation,
    NaN for fewer than 3 points or no variation)."""

    n: FloatArray
    mean: FloatArray
    var: FloatArray
    min: FloatArray
    max: FloatArray
    sized: FloatArray
    events: FloatArray
    trials: FloatArray
    r1: FloatArray


def summarize_many(
    values: npt.ArrayLike, lengths: npt.ArrayLike, sizes: npt.ArrayLike | None = None
) -> SampleColumns:
    """Summaries of K samples stored back to back (``values`` (N,), ``lengths`` (K,), in
    their order of observation for r₁), with each point's sample size (NaN for none)."""
    x = np.asarray(values, dtype=np.float64)
    segments = Segments.of(lengths, len(x))
    k = len(segments.lengths)
    size = np.full(len(x), np.nan) if sizes is None else np.asarray(sizes, dtype=np.float64)
    n = segments.lengths.astype(np.float64)
    nan = np.full(k, np.nan)
    mean, var, low, high = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    sized, events, trials = np.zeros(k), np.zeros(k), np.zeros(k)
    filled = np.flatnonzero(segments.lengths > 0)
    if len(filled):
        # reduceat over the starts of the non-empty samples only: an empty sample's start
        # would repeat its neighbour's.
        starts = segments.offsets[filled]
        count = n[filled]
        low[filled] = np.minimum.reduceat(x, starts)
        high[filled] = np.maximum.reduceat(x, starts)
        constant = low[filled] == high[filled]
        mean[filled] = np.where(constant, low[filled], np.add.reduceat(x, starts) / count)
        # Two passes (deviations from the mean), not Σx² − n·x̄²: no cancellation.
        deviation = x - np.repeat(mean[filled], segments.lengths[filled])
        squares = np.add.reduceat(deviation * deviation, starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            var[filled] = np.where(
                count >= 2, np.where(constant, 0.0, squares / (count - 1)), np.nan
            )
        has_size = np.isfinite(size)
        sized[filled] = np.add.reduceat(has_size.astype(np.float64), starts)
        events[filled] = np.add.reduceat(np.where(has_size, x * size, 0.0), starts)
        trials[filled] = np.add.reduceat(np.where(has_size, size, 0.0), starts)
        r1 = lag1_of_deviations(deviation, segments)
    else:
        r1 = nan.copy()
    return SampleColumns(
        n=n,
        mean=mean,
        var=var,
        min=low,
        max=high,
        sized=sized,
        events=events,
        trials=trials,
        r1=r1,
    )
