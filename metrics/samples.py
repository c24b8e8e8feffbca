"""Reading the before/after samples of many targets at once, for the results job and the
quarterly ledger.

`fetch_samples()` returns every eligible target with the count, mean and variance of its
"before" sample (the baseline window when the target has one, else everything before
the change date) and of its "after" sample (from the change date, or `after_from` if
later, up to `until`), and — when asked — each control-stage target's post-change series.

Two implementations of one contract:
- PostgreSQL: one SQL pass. Each target's bounds are computed once as timestamps (local
  midnight of its dates), so the measurement scan compares timestamps, groups by target
  id alone, and gathers the control series in the same pass.
- Any other database (SQLite, the embedded default): the ORM, with the series streamed.
Both are exercised by the whole suite, which CI runs on each database.
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Q, Variance

from improvement.models import Stage
from metrics.gates import IN_WINDOW
from metrics.models import ChartKind, Direction, Measurement, Target

# Targets whose initiative has not gone live, or never will, have no results.
DEAD_STAGES = (Stage.SUBMITTED, Stage.BACKLOG, Stage.REJECTED, Stage.CANCELLED)
# Stages whose targets get a control chart.
CONTROL_STAGES = (Stage.CONTROL, Stage.ACT, Stage.COMPLETED)


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
    # Per target: (measurement ids, values, sample sizes) after the change, oldest first;
    # filled for control-stage targets when series were asked for.
    series: dict[int, tuple[list, list, list]] = field(default_factory=dict)

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
        return _fetch_postgresql(
            until=until, after_from=after_from, with_series=with_series, **scope
        )
    return _fetch_orm(until=until, after_from=after_from, with_series=with_series, **scope)


def _columns(rows: list[tuple], series: dict) -> Samples:
    """Samples from rows of (target id, initiative id, implemented_on, value_per_unit,
    baseline, target, direction, chart kind, stage, n_b, mean_b, var_b, n_a, mean_a, var_a)."""
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(15)]

    def numbers(i):
        return np.array([np.nan if v is None else float(v) for v in cols[i]], dtype=np.float64)

    return Samples(
        target_id=list(cols[0]),
        initiative_id=list(cols[1]),
        implemented_on=list(cols[2]),
        value_per_unit=list(cols[3]),
        baseline=numbers(4),
        target=numbers(5),
        lower_is_better=np.array([d == Direction.LOWER_IS_BETTER for d in cols[6]], dtype=bool),
        proportion=np.array([k == ChartKind.PROPORTION for k in cols[7]], dtype=bool),
        controlled=np.array([s in CONTROL_STAGES for s in cols[8]], dtype=bool),
        n_before=numbers(9),
        mean_before=numbers(10),
        var_before=numbers(11),
        n_after=numbers(12),
        mean_after=numbers(13),
        var_after=numbers(14),
        series=series,
    )


# --- PostgreSQL ----------------------------------------------------------------------------

SAMPLES_SQL = """
WITH t AS (
    SELECT t.id, t.initiative_id, i.implemented_on, t.value_per_unit, t.baseline_value,
           t.target_value, m.direction, m.chart_kind, i.stage,
           i.stage = ANY(%(control_stages)s) AND %(with_series)s AS charted,
           -- Local midnights, computed once per target rather than once per measurement.
           CASE WHEN t.baseline_start IS NOT NULL AND t.baseline_end IS NOT NULL
                THEN (t.baseline_start + time '00:00') AT TIME ZONE %(tz)s END AS window_from,
           CASE WHEN t.baseline_start IS NOT NULL AND t.baseline_end IS NOT NULL
                THEN (t.baseline_end + 1 + time '00:00') AT TIME ZONE %(tz)s END AS window_to,
           (i.implemented_on + time '00:00') AT TIME ZONE %(tz)s AS change_at
    FROM metrics_target t
    JOIN improvement_initiative i ON i.id = t.initiative_id
    JOIN metrics_metric m ON m.id = t.metric_id
    WHERE i.implemented_on IS NOT NULL
      AND i.stage <> ALL(%(dead_stages)s)
      AND (%(initiative_id)s::bigint IS NULL OR t.initiative_id = %(initiative_id)s)
      AND (NOT %(primary_only)s OR t.is_primary)
      AND (%(implemented_by)s::date IS NULL OR i.implemented_on <= %(implemented_by)s)
),
a AS (
    SELECT x.target_id,
           count(*) FILTER (WHERE f.before) AS n_before,
           avg(x.value) FILTER (WHERE f.before) AS mean_before,
           var_samp(x.value) FILTER (WHERE f.before) AS var_before,
           count(*) FILTER (WHERE f.after) AS n_after,
           avg(x.value) FILTER (WHERE f.after) AS mean_after,
           var_samp(x.value) FILTER (WHERE f.after) AS var_after,
           array_agg(x.id ORDER BY x.observed_at) FILTER (WHERE f.after AND t.charted) AS ids,
           array_agg(x.value ORDER BY x.observed_at) FILTER (WHERE f.after AND t.charted)
               AS vals,
           array_agg(x.sample_size ORDER BY x.observed_at) FILTER (WHERE f.after AND t.charted)
               AS sizes
    FROM metrics_measurement x
    JOIN t ON t.id = x.target_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN t.window_from IS NOT NULL
                    THEN x.observed_at >= t.window_from AND x.observed_at < t.window_to
                    ELSE x.observed_at < t.change_at END AS before,
               x.observed_at >= greatest(t.change_at, %(after_from)s)
                   AND x.observed_at < %(until)s AS after
    ) f
    GROUP BY x.target_id
)
SELECT t.id, t.initiative_id, t.implemented_on, t.value_per_unit, t.baseline_value,
       t.target_value, t.direction, t.chart_kind, t.stage,
       coalesce(a.n_before, 0), a.mean_before, a.var_before,
       coalesce(a.n_after, 0), a.mean_after, a.var_after, a.ids, a.vals, a.sizes
FROM t LEFT JOIN a ON a.target_id = t.id
ORDER BY t.id
"""


def _fetch_postgresql(*, until, after_from, with_series, **scope) -> Samples:
    params = {
        "tz": settings.TIME_ZONE,
        "dead_stages": list(DEAD_STAGES),
        "control_stages": list(CONTROL_STAGES),
        "with_series": with_series,
        "until": until,
        "after_from": after_from,
        **scope,
    }
    import psycopg

    connection.ensure_connection()
    # A plain psycopg cursor with binary results: the series arrays arrive as machine
    # numbers instead of text to parse (Django's cursor reads text).
    with transaction.atomic(), psycopg.Cursor(connection.connection) as cursor:
        # JIT compiling this sub-second query costs more than it saves (~0.1 s at 1M rows).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(SAMPLES_SQL, params, binary=True)
        rows = cursor.fetchall()
    series = {row[0]: (row[15], row[16], row[17]) for row in rows if row[15]}
    return _columns([row[:15] for row in rows], series)


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
        )
    )
    series = {}
    if with_series:
        charted = [row[0] for row in rows if row[8] in CONTROL_STAGES]
        series = dict(_stream_series(charted, until=until)) if charted else {}
    return _columns(rows, series)


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
        yield target_id, (list(ids), list(values), list(sizes))
