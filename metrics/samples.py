"""Reading the before/after samples of many targets at once, for the results job and the
quarterly ledger.

`fetch_samples()` returns every eligible target with the count, mean and variance of its
"before" sample (the baseline window when the target has one, else everything before
the change date) and of its "after" sample (from the change date, or `after_from` if
later, up to `until`), and — when asked — each control-stage target's post-change series.

Two implementations of one contract:
- PostgreSQL: two statements. The aggregate is one pass over the measurements, planned
  in parallel, with each target's bounds computed once as timestamps (local midnights);
  the series come from the (target, observed_at) index. Both answers arrive as NumPy
  arrays (metrics.pgarrays).
- Any other database (SQLite, the embedded default): the ORM, with the series streamed.
Both are exercised by the whole suite, which CI runs on each database.
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Q, Variance

from improvement.models import Stage
from metrics import pgarrays
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
        return _fetch_postgresql(
            until=until, after_from=after_from, with_series=with_series, **scope
        )
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


# --- PostgreSQL ----------------------------------------------------------------------------

# Which targets: the eligible ones (see eligible_targets), in the caller's scope.
SCOPE_SQL = """
i.implemented_on IS NOT NULL
AND i.stage <> ALL(%(dead_stages)s)
AND (%(initiative_id)s::bigint IS NULL OR t.initiative_id = %(initiative_id)s)
AND (NOT %(primary_only)s OR t.is_primary)
AND (%(implemented_by)s::date IS NULL OR i.implemented_on <= %(implemented_by)s)
"""

# Where a target's "after" sample starts: local midnight of its change date, or the
# caller's `after_from` if later.
AFTER_FROM_SQL = "greatest((i.implemented_on + time '00:00') AT TIME ZONE %(tz)s, %(after_from)s)"

# One pass over the measurements. The targets in scope (`t`) carry their bounds as
# timestamps, computed once per target rather than once per measurement; `t` is not
# materialized, so that PostgreSQL can spread the aggregate over parallel workers. The
# answer is one row of columns (NaN for a missing number), which arrive as NumPy arrays
# rather than as a Python object per value. The arrays are aggregated from an ordered
# subquery with nothing else at its level, so they share one order (see SERIES_SQL).
SAMPLES_SQL = f"""
WITH t AS NOT MATERIALIZED (
    SELECT t.id, t.initiative_id, t.metric_id, i.implemented_on, t.value_per_unit,
           t.baseline_value, t.target_value, i.stage, t.latest_status,
           CASE WHEN t.baseline_start IS NOT NULL AND t.baseline_end IS NOT NULL
                THEN (t.baseline_start + time '00:00') AT TIME ZONE %(tz)s END AS window_from,
           CASE WHEN t.baseline_start IS NOT NULL AND t.baseline_end IS NOT NULL
                THEN (t.baseline_end + 1 + time '00:00') AT TIME ZONE %(tz)s END AS window_to,
           {AFTER_FROM_SQL} AS after_from
    FROM metrics_target t
    JOIN improvement_initiative i ON i.id = t.initiative_id
    WHERE {SCOPE_SQL}
)
SELECT array_agg(r.id), array_agg(r.initiative_id), array_agg(r.implemented_on),
       array_agg(r.value_per_unit), array_agg(r.baseline_value), array_agg(r.target_value),
       array_agg(r.direction), array_agg(r.chart_kind), array_agg(r.stage),
       array_agg(r.n_before), array_agg(r.mean_before), array_agg(r.var_before),
       array_agg(r.n_after), array_agg(r.mean_after), array_agg(r.var_after),
       array_agg(r.latest_status)
FROM (
SELECT t.id, t.initiative_id, t.implemented_on, t.value_per_unit,
       coalesce(t.baseline_value, 'NaN') AS baseline_value,
       coalesce(t.target_value, 'NaN') AS target_value,
       m.direction, m.chart_kind, t.stage,
       coalesce(a.n_before, 0) AS n_before, coalesce(a.mean_before, 'NaN') AS mean_before,
       coalesce(a.var_before, 'NaN') AS var_before,
       coalesce(a.n_after, 0) AS n_after, coalesce(a.mean_after, 'NaN') AS mean_after,
       coalesce(a.var_after, 'NaN') AS var_after, t.latest_status
FROM t
JOIN metrics_metric m ON m.id = t.metric_id
LEFT JOIN (
    SELECT x.target_id,
           count(*) FILTER (WHERE f.before) AS n_before,
           avg(x.value) FILTER (WHERE f.before) AS mean_before,
           var_samp(x.value) FILTER (WHERE f.before) AS var_before,
           count(*) FILTER (WHERE f.after) AS n_after,
           avg(x.value) FILTER (WHERE f.after) AS mean_after,
           var_samp(x.value) FILTER (WHERE f.after) AS var_after
    FROM metrics_measurement x
    JOIN t ON t.id = x.target_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN t.window_from IS NOT NULL
                    THEN x.observed_at >= t.window_from AND x.observed_at < t.window_to
                    ELSE x.observed_at < t.after_from END AS before,
               x.observed_at >= t.after_from AND x.observed_at < %(until)s AS after
    ) f
    GROUP BY x.target_id
) a ON a.target_id = t.id
ORDER BY t.id
) r
"""

# The post-change series of the targets in control stages, oldest point first: each
# target's points read in order from the (target, observed_at) index. The arrays are
# aggregated from that ordered subquery with nothing else at its level, the form
# PostgreSQL's manual gives for ordered input; an ORDER BY inside each array_agg would
# sort every target's points three more times (~50 % slower at 9,000 targets).
SERIES_SQL = f"""
SELECT t.id, s.ids, s.vals, s.sizes
FROM metrics_target t
JOIN improvement_initiative i ON i.id = t.initiative_id
CROSS JOIN LATERAL (
    SELECT array_agg(x.id) AS ids, array_agg(x.value) AS vals, array_agg(x.size) AS sizes
    FROM (
        SELECT x.id, x.value, coalesce(x.sample_size::float8, 'NaN') AS size
        FROM metrics_measurement x
        WHERE x.target_id = t.id
          AND x.observed_at >= {AFTER_FROM_SQL} AND x.observed_at < %(until)s
        ORDER BY x.observed_at
    ) x
) s
WHERE i.stage = ANY(%(control_stages)s) AND {SCOPE_SQL} AND s.ids IS NOT NULL
"""


def _fetch_postgresql(*, until, after_from, with_series, **scope) -> Samples:
    params = {
        "tz": settings.TIME_ZONE,
        "dead_stages": list(DEAD_STAGES),
        "control_stages": list(CONTROL_STAGES),
        "until": until,
        "after_from": after_from,
        **scope,
    }
    connection.ensure_connection()
    # A plain psycopg cursor with binary results: the series arrive as NumPy arrays
    # (Django's cursor reads text).
    with transaction.atomic(), psycopg.Cursor(connection.connection) as cursor:
        pgarrays.register(cursor)
        # JIT compiling these sub-second queries costs more than it saves (~0.1 s at 1M rows).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(SAMPLES_SQL, params, binary=True)
        cols = cursor.fetchone()
        if cols[0] is None:  # no target in scope
            cols = [[] for _ in cols]
        series = {}
        if with_series:
            cursor.execute(SERIES_SQL, params, binary=True)
            series = {pk: (ids, values, sizes) for pk, ids, values, sizes in cursor}
    return _columns(cols, series)


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
