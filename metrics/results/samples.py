"""Reading the before/after samples of many targets at once, for the results job and the
quarterly ledger.

`fetch_samples()` returns every eligible target with the summary of its "before" sample
and of its "after" sample, and — when asked — each control-stage target's post-change
series:

- "before" is the baseline window when the target has one, else everything before the
  change date — the same in every quarter of the ledger;
- "after" runs from the change date (or `after_from`, if later) up to `until`.

A summary (metrics.stats.SampleColumns) is a sample's size, mean, variance, range,
pooled counts for proportions and lag-1 autocorrelation. Both databases read the same
thing — each sample's points in their order of observation — and one NumPy
implementation summarises them (metrics.stats.summarize_many), so the same data give the
same figures, to the last bit, on either database; only the reading differs:
- PostgreSQL: one statement, in metrics.results.postgresql;
- any other database (SQLite, the embedded default): the ORM, here, streamed.
The whole suite runs on both, and a property test holds them equal
(tests/metrics/test_parity.py).
"""

import array
import datetime as dt
import itertools
from dataclasses import dataclass, field, fields
from decimal import Decimal

import numpy as np
from django.db import connection
from django.db.models import F, Q

from improvement.models import CONTROL_STAGES, DEAD_STAGES
from metrics import stats
from metrics.models import ChartKind, Direction, Measurement, Target
from metrics.results import postgresql, stale


@dataclass
class Samples:
    """Column arrays, one element per target (NaN for a missing number).

    `before` and `after` hold each sample's full summary; the n/mean/var columns repeat
    their first figures. A caller that summarises samples itself may give only those
    (the summary is then filled in from them: no range, counts or autocorrelation)."""

    target_id: list[int]
    initiative_id: list[int]
    implemented_on: list[dt.date]
    value_per_unit: list[Decimal | None]
    baseline: np.ndarray
    target: np.ndarray
    lower_is_better: np.ndarray
    proportion: np.ndarray
    controlled: np.ndarray
    n_before: np.ndarray
    mean_before: np.ndarray
    var_before: np.ndarray
    n_after: np.ndarray
    mean_after: np.ndarray
    var_after: np.ndarray
    # The status of each target's newest stored result ("" before the first).
    latest_status: list[str] = field(default_factory=list)
    # Each target's mark on the results job's work list as read (metrics.results.stale).
    stale_since: list[dt.datetime | None] = field(default_factory=list)
    # Per target: arrays of measurement ids, values and sample sizes (NaN for none) after
    # the change, oldest first; filled for control-stage targets when series were asked for.
    series: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    # Whether the target has a baseline window (then "before" is the window's data).
    has_window: np.ndarray | None = None
    # The target's due date (None for none): before it a result is interim.
    target_date: list[dt.date | None] | None = None
    before: stats.SampleColumns | None = None
    after: stats.SampleColumns | None = None

    def __post_init__(self):
        k = len(self.target_id)
        if self.has_window is None:
            self.has_window = np.zeros(k, dtype=bool)
        if self.target_date is None:
            self.target_date = [None] * k
        if self.before is None:
            self.before = _partial(self.n_before, self.mean_before, self.var_before)
        if self.after is None:
            self.after = _partial(self.n_after, self.mean_after, self.var_after)

    def __len__(self) -> int:
        return len(self.target_id)


def _partial(n, mean, var) -> stats.SampleColumns:
    """A summary known only by its size, mean and variance."""
    n = np.asarray(n, dtype=np.float64)
    nan = np.full(len(n), np.nan)
    return stats.SampleColumns(
        n=n,
        mean=np.asarray(mean, dtype=np.float64),
        var=np.asarray(var, dtype=np.float64),
        min=nan,
        max=nan,
        sized=np.zeros(len(n)),
        events=np.zeros(len(n)),
        trials=np.zeros(len(n)),
        r1=nan,
    )


def eligible_targets(
    *,
    initiative_id=None,
    primary_only=False,
    implemented_by=None,
    id_range=None,
    target_ids=None,
    due_as_of=None,
):
    """The targets with a result: their initiative has a change date and is alive. Narrowed
    to an initiative, to primary targets, to changes made by a date, to an id range (a
    shard: both ends included), or to those an incremental run as of a date computes."""
    targets = Target.objects.filter(initiative__implemented_on__isnull=False).exclude(
        initiative__stage__in=DEAD_STAGES
    )
    if initiative_id is not None:
        targets = targets.filter(initiative_id=initiative_id)
    if id_range is not None:
        targets = targets.filter(pk__range=id_range)
    if target_ids is not None:
        targets = targets.filter(pk__in=target_ids)
    if due_as_of is not None:
        targets = targets.filter(stale.due(due_as_of))
    if primary_only:
        targets = targets.filter(is_primary=True)
    if implemented_by is not None:
        targets = targets.filter(initiative__implemented_on__lte=implemented_by)
    return targets


def fetch_samples(
    *,
    until: dt.datetime,
    after_from: dt.datetime | None = None,
    with_series: bool = False,
    initiative_id: int | None = None,
    primary_only: bool = False,
    implemented_by: dt.date | None = None,
    id_range: tuple[int, int] | None = None,
    target_ids: list[int] | None = None,
    due_as_of: dt.date | None = None,
) -> Samples:
    scope = {
        "initiative_id": initiative_id,
        "primary_only": primary_only,
        "implemented_by": implemented_by,
        "id_range": id_range,
        "target_ids": target_ids,
        "due_as_of": due_as_of,
    }
    if connection.vendor == "postgresql":
        targets, (sample, value, size, charted_ids) = postgresql.read_samples(
            until=until, after_from=after_from, with_series=with_series, **scope
        )
        ids = np.zeros(len(sample), dtype=np.int64)
        if with_series:
            # The ids came for the charted targets' after points only, in the points' order.
            charted = np.isin(np.array(targets[10], dtype=str), CONTROL_STAGES)
            ids[charted[sample // 2] & (sample % 2 == 1)] = charted_ids
        # The sizes came for the proportion targets' points only, likewise.
        sizes = np.full(len(sample), np.nan)
        sizes[_proportion(targets)[sample // 2]] = size
        points = Points(
            sample=sample.astype(np.int64),
            id=ids,
            value=value,
            size=np.where(sizes == 0, np.nan, sizes),  # sizes are ≥ 1; 0 stands for none
        )
    else:
        targets = _targets_orm(**scope)
        points = _points_orm(targets[0], until=until, after_from=after_from, **scope)
        # A sample size counts for a proportion only: the others' are left out, as the
        # PostgreSQL reader leaves them out.
        points.size[~_proportion(targets)[points.sample // 2]] = np.nan
    return _samples_of_points(targets, points, with_series=with_series)


def _proportion(targets: list) -> np.ndarray:
    """Whether each target (of the TARGET_COLUMNS read) measures a proportion."""
    return np.array(targets[9], dtype=str) == ChartKind.PROPORTION


# Target columns, in this order, as both readers give them.
TARGET_COLUMNS = [
    "id",
    "initiative_id",
    "implemented_on",
    "value_per_unit",
    "baseline_value",
    "target_value",
    "target_date",
    "has_window",
    "direction",
    "chart_kind",
    "stage",
    "latest_status",
    "results_stale_since",
]


@dataclass
class Points:
    """Every point of every sample, one element each, grouped by sample: `sample` is the
    sample's index — 2k for the before sample of the k-th target read, 2k + 1 for its
    after sample — and within a sample the points are in their order of observation.
    `id` is 0 where not read, `size` NaN for none."""

    sample: np.ndarray
    id: np.ndarray
    value: np.ndarray
    size: np.ndarray

    def grouped(self) -> "Points":
        """The points sorted by sample, keeping each sample's order (the readers give them
        so already; a plan that interleaved targets would be put right here)."""
        if len(self.sample) < 2 or bool(np.all(self.sample[1:] >= self.sample[:-1])):
            return self
        order = np.argsort(self.sample, kind="stable")
        return Points(*(getattr(self, f.name)[order] for f in fields(self)))


def _samples_of_points(targets: list, points: Points, *, with_series: bool) -> Samples:
    """Samples from the target columns and the points of their samples, summarised by
    NumPy; the control-stage targets' series are their after samples."""
    k = len(targets[0])
    points = points.grouped()
    lengths = np.bincount(points.sample, minlength=2 * k)
    summary = stats.summarize_many(points.value, lengths, points.size)
    before = _take(summary, slice(0, None, 2))
    after = _take(summary, slice(1, None, 2))
    series = {}
    if with_series:
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        controlled = np.isin(np.array(targets[10], dtype=str), CONTROL_STAGES)
        for i in np.flatnonzero(controlled & (after.n > 0)).tolist():
            part = slice(offsets[2 * i + 1], offsets[2 * i + 2])
            series[int(targets[0][i])] = (points.id[part], points.value[part], points.size[part])
    return _samples(targets, before, after, series)


def _samples(
    targets: list, before: stats.SampleColumns, after: stats.SampleColumns, series: dict
) -> Samples:
    """Samples from the target columns (TARGET_COLUMNS: sequences or arrays, a missing
    number None or NaN) and the summaries of their samples."""

    def values(i):
        return targets[i].tolist() if isinstance(targets[i], np.ndarray) else list(targets[i])

    def numbers(i):
        return np.array(targets[i], dtype=np.float64)  # None becomes NaN

    def text(i):
        return np.array(targets[i], dtype=str)

    return Samples(
        target_id=values(0),
        initiative_id=values(1),
        implemented_on=values(2),
        value_per_unit=values(3),
        baseline=numbers(4),
        target=numbers(5),
        target_date=values(6),
        has_window=np.array(targets[7], dtype=bool),
        lower_is_better=text(8) == Direction.LOWER_IS_BETTER,
        proportion=text(9) == ChartKind.PROPORTION,
        controlled=np.isin(text(10), CONTROL_STAGES),
        latest_status=values(11),
        stale_since=values(12),
        n_before=before.n,
        mean_before=before.mean,
        var_before=before.var,
        n_after=after.n,
        mean_after=after.mean,
        var_after=after.var,
        before=before,
        after=after,
        series=series,
    )


def subset(samples: Samples, part: np.ndarray) -> Samples:
    """The targets at positions `part` (an index array) of `samples`, as Samples."""
    picked = part.tolist()
    ids = {samples.target_id[i] for i in picked}
    columns = {}
    for f in fields(samples):
        value = getattr(samples, f.name)
        if isinstance(value, stats.SampleColumns):
            columns[f.name] = _take(value, part)
        elif isinstance(value, dict):
            columns[f.name] = {pk: v for pk, v in value.items() if pk in ids}
        elif isinstance(value, np.ndarray):
            columns[f.name] = value[part]
        else:
            columns[f.name] = [value[i] for i in picked] if value else value
    return Samples(**columns)


def _take(columns: stats.SampleColumns, part) -> stats.SampleColumns:
    return stats.SampleColumns(**{f.name: getattr(columns, f.name)[part] for f in fields(columns)})


# --- the ORM (SQLite) ----------------------------------------------------------------------

HAS_WINDOW = Q(baseline_start__isnull=False, baseline_end__isnull=False)


def _targets_orm(**scope) -> list:
    rows = list(
        eligible_targets(**scope)
        .order_by("pk")
        .values_list(
            "pk",
            "initiative_id",
            "initiative__implemented_on",
            "value_per_unit",
            "baseline_value",
            "target_value",
            "target_date",
            "baseline_start",
            "baseline_end",
            "metric__direction",
            "metric__chart_kind",
            "initiative__stage",
            "latest_status",
            "results_stale_since",
        )
    )
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(14)]
    start, end = columns.pop(7), columns.pop(7)
    columns.insert(7, [s is not None and e is not None for s, e in zip(start, end, strict=True)])
    return columns


def _points_orm(read_ids: list[int], *, until, after_from, **scope) -> Points:
    """The points of the before and after samples of these targets (the eligible ones, in
    id order): two streamed queries (the samples may overlap, for a window after the
    change), each in target and time order. A target created since they were read is
    left out."""
    window = Q(
        target__baseline_start__isnull=False,
        target__baseline_end__isnull=False,
        observed_at__date__gte=F("target__baseline_start"),
        observed_at__date__lte=F("target__baseline_end"),
    )
    no_window = Q(target__baseline_start__isnull=True) | Q(target__baseline_end__isnull=True)
    before = window | (no_window & Q(observed_at__date__lt=F("target__initiative__implemented_on")))
    after = Q(observed_at__date__gte=F("target__initiative__implemented_on"), observed_at__lt=until)
    if after_from is not None:
        after &= Q(observed_at__gte=after_from)
    in_scope = Measurement.objects.filter(target__in=eligible_targets(**scope).values("pk"))
    parts = [_stream(in_scope.filter(before)), _stream(in_scope.filter(after))]
    ids = np.array(read_ids, dtype=np.int64)
    columns = []
    for side, (target, pk, value, size) in enumerate(parts):
        rank = np.searchsorted(ids, target)
        known = rank < len(ids)
        known[known] = ids[rank[known]] == target[known]
        columns.append((rank[known] * 2 + side, pk[known], value[known], size[known]))
    return Points(*(np.concatenate([part[i] for part in columns]) for i in range(4)))


def _stream(measurements) -> tuple[np.ndarray, ...]:
    """(target id, id, value, size) columns of these measurements, in target and time
    order, read in chunks into compact arrays rather than a Python object per row."""
    columns = [array.array("q"), array.array("q"), array.array("d"), array.array("d")]
    rows = (
        measurements.order_by("target_id", "observed_at")
        .values_list("target_id", "id", "value", "sample_size")
        .iterator(chunk_size=5000)
    )
    while chunk := list(itertools.islice(rows, 5000)):
        target, pk, value, size = zip(*chunk, strict=True)
        columns[0].extend(target)
        columns[1].extend(pk)
        columns[2].extend(value)
        columns[3].extend(np.nan if s is None else s for s in size)
    dtypes = {"q": np.int64, "d": np.float64}
    return tuple(np.frombuffer(c, dtype=dtypes[c.typecode]) for c in columns)
