"""Reading the before/after samples of many targets at once, for the results job and the
quarterly ledger.

`fetch_samples()` returns every eligible target with the count, mean and variance of its
"before" sample (the baseline window when the target has one, else everything before
the change date) and of its "after" sample (from the change date, or `after_from` if
later, up to `until`), and — when asked — each control-stage target's post-change series.

Two implementations of one contract:
- PostgreSQL: two statements, in metrics.results.postgresql.
- Any other database (SQLite, the embedded default): the ORM, here, with the series
  streamed.
Both are exercised by the whole suite, which CI runs on each database.
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db import connection
from django.db.models import Avg, Count, F, Q, Variance

from improvement.models import CONTROL_STAGES, DEAD_STAGES
from metrics.models import IN_WINDOW, ChartKind, Direction, Measurement, Target
from metrics.results import postgresql


@dataclass
class Samples:
    """Column arrays, one element per target (NaN for a missing number)."""

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
    # Per target: arrays of measurement ids, values and sample sizes (NaN for none) after
    # the change, oldest first; filled for control-stage targets when series were asked for.
    series: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.target_id)


def eligible_targets(*, initiative_id=None, primary_only=False, implemented_by=None):
    targets = Target.objects.filter(initiative__implemented_on__isnull=False).exclude(
        initiative__stage__in=DEAD_STAGES
    )
    if initiative_id is not None:
        targets = targets.filter(initiative_id=initiative_id)
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
) -> Samples:
    scope = {
        "initiative_id": initiative_id,
        "primary_only": primary_only,
        "implemented_by": implemented_by,
    }
    if connection.vendor == "postgresql":
        cols, series = postgresql.read_samples(
            until=until, after_from=after_from, with_series=with_series, **scope
        )
        return _columns(cols, series)
    return _fetch_orm(until=until, after_from=after_from, with_series=with_series, **scope)


def _columns(cols: list, series: dict) -> Samples:
    """Samples from 16 columns: target id, initiative id, implemented_on, value_per_unit,
    baseline, target, direction, chart kind, stage, n_b, mean_b, var_b, n_a, mean_a,
    var_a, latest status (sequences or arrays; a missing number None or NaN)."""

    def values(i):
        return cols[i].tolist() if isinstance(cols[i], np.ndarray) else list(cols[i])

    def numbers(i):
        return np.array(cols[i], dtype=np.float64)  # None becomes NaN

    def text(i):
        return np.array(cols[i], dtype=str)

    return Samples(
        target_id=values(0),
        initiative_id=values(1),
        implemented_on=values(2),
        value_per_unit=values(3),
        baseline=numbers(4),
        target=numbers(5),
        lower_is_better=text(6) == Direction.LOWER_IS_BETTER,
        proportion=text(7) == ChartKind.PROPORTION,
        controlled=np.isin(text(8), CONTROL_STAGES),
        n_before=numbers(9),
        mean_before=numbers(10),
        var_before=numbers(11),
        n_after=numbers(12),
        mean_after=numbers(13),
        var_after=numbers(14),
        latest_status=values(15),
        series=series,
    )


# --- the ORM (SQLite) ----------------------------------------------------------------------


def _fetch_orm(*, until, after_from, with_series, **scope) -> Samples:
    has_window = Q(baseline_start__isnull=False, baseline_end__isnull=False)
    before = IN_WINDOW | (
        ~has_window & Q(measurements__observed_at__date__lt=F("initiative__implemented_on"))
    )
    after = Q(
        measurements__observed_at__date__gte=F("initiative__implemented_on"),
        measurements__observed_at__lt=until,
    )
    if after_from is not None:
        after &= Q(measurements__observed_at__gte=after_from)
    value = "measurements__value"
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
            "metric__direction",
            "metric__chart_kind",
            "initiative__stage",
        )
        .annotate(
            n_before=Count(value, filter=before),
            mean_before=Avg(value, filter=before),
            var_before=Variance(value, filter=before, sample=True),
            n_after=Count(value, filter=after),
            mean_after=Avg(value, filter=after),
            var_after=Variance(value, filter=after, sample=True),
            latest=F("latest_status"),
        )
    )
    series = {}
    if with_series:
        charted = [row[0] for row in rows if row[8] in CONTROL_STAGES]
        series = dict(_stream_series(charted, until=until)) if charted else {}
    return _columns(list(zip(*rows, strict=True)) if rows else [[]] * 16, series)


def _stream_series(target_ids: list[int], *, until: dt.datetime):
    """(target id, (ids, values, sizes)) of post-change points, target by target, without
    holding every measurement in memory at once."""
    points = (
        Measurement.objects.filter(
            target_id__in=target_ids,
            observed_at__date__gte=F("target__initiative__implemented_on"),
            observed_at__lt=until,
        )
        .order_by("target_id", "observed_at")
        .values_list("target_id", "id", "value", "sample_size")
        .iterator(chunk_size=5000)
    )
    for target_id, group in itertools.groupby(points, key=lambda p: p[0]):
        _, ids, values, sizes = zip(*group, strict=True)
        yield (
            target_id,
            (
                np.array(ids, dtype=np.int64),
                np.array(values, dtype=np.float64),
                np.array(sizes, dtype=np.float64),  # None becomes NaN
            ),
        )
