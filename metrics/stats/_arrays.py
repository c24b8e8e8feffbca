"""Array helpers shared by the statistics: input checks, the exact mean, and the layout
of many series stored back to back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def finite_array(values: npt.ArrayLike, what: str = "values") -> FloatArray:
    """``values`` as a one-dimensional float array; ValueError on NaN or ±inf."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} must be finite")
    return array


def row_means(rows: FloatArray) -> FloatArray:
    """The mean of each row of a 2-D array (at least one column).

    Bit for bit ``np.mean`` of each row, except that a constant row has exactly its value
    as mean (``np.mean([0.1] * 3)`` is 0.1 + 1 ulp), so a constant series sits on its own
    centre line and compares equal to another constant series.
    """
    means = np.add.reduce(rows, axis=1) / rows.shape[1]
    return np.where(rows.max(axis=1) == rows.min(axis=1), rows[:, 0], means)


def per_series(x: npt.ArrayLike, k: int, what: str, *, whole: bool = False) -> npt.NDArray:
    """``x`` (one value, or one per series) as an array of shape (k,); with ``whole``,
    as int64, ValueError unless every value is a whole number."""
    array = np.asarray(x)
    try:
        array = np.broadcast_to(array, (k,))
    except ValueError:
        raise ValueError(f"{what} must be one value or one per series ({k})") from None
    if not whole:
        return array.copy()
    counts = array.astype(np.int64)
    if not np.array_equal(counts, array):
        raise ValueError(f"{what} must be whole numbers")
    return counts


@dataclass(frozen=True)
class Segments:
    """K series stored back to back in one array of N points.

    ``offsets[k]`` is where series k starts (``offsets[K]`` = N); ``series[i]`` is the
    series of point i and ``position[i]`` its index within that series.
    """

    lengths: IntArray
    offsets: IntArray
    series: IntArray
    position: IntArray

    @classmethod
    def of(cls, lengths: npt.ArrayLike, n_points: int) -> Segments:
        """Segments of the given lengths; ValueError unless they are non-negative whole
        numbers adding up to ``n_points``."""
        raw = np.asarray(lengths)
        if raw.ndim != 1:
            raise ValueError("lengths must be one-dimensional")
        counts = per_series(raw, len(raw), "lengths", whole=True)
        if np.any(counts < 0):
            raise ValueError("lengths must not be negative")
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        if offsets[-1] != n_points:
            raise ValueError(f"lengths add up to {offsets[-1]}, not to the {n_points} values")
        series = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        position = np.arange(n_points, dtype=np.int64) - offsets[series]
        return cls(lengths=counts, offsets=offsets, series=series, position=position)

    def count(self, flags: BoolArray) -> IntArray:
        """How many points of each series are flagged (0 for an empty series)."""
        running = np.zeros(len(flags) + 1, dtype=np.int64)
        np.cumsum(flags, out=running[1:])
        return running[self.offsets[1:]] - running[self.offsets[:-1]]
