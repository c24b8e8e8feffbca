"""PostgreSQL's fast path for the results job: reading the samples and writing the result
rows, each in one or two statements, with every column of numbers travelling as a binary
array written and read by NumPy (metrics.results.pgarrays).

The contract is the ORM path's (metrics.results.samples, metrics.results.compute); the
whole suite runs on both databases and a property test holds them equal. Why it exists:
bench/README.md, "Results job" — at 1,000,000 measurements the ORM path's reads and
upsert are many times slower than these statements.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import numpy as np
import psycopg
from django.conf import settings
from django.db import connection, transaction

from improvement.models import CONTROL_STAGES, DEAD_STAGES
from metrics.results import pgarrays
from metrics.results.figures import FIGURE_FIELDS, NUMBER_FIELDS
from metrics.results.pgarrays import binary_array

if TYPE_CHECKING:  # the callers' types; they import this module
    from metrics.results.compute import ControlColumns
    from metrics.results.figures import Figures
    from metrics.results.samples import Samples

# --- reading the samples ------------------------------------------------------------------

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


def read_samples(*, until, after_from, with_series, **scope) -> tuple[list, dict]:
    """The samples' 16 columns (see metrics.results.samples._columns) and, when asked,
    the control-stage targets' series: {target id: (ids, values, sizes)}."""
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
    return cols, series


def observed_at(ids: list[int]) -> dict[int, dt.datetime]:
    """When each of these measurements was observed: the ids as one binary array
    parameter, rather than a placeholder each."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        pgarrays.register(cursor)
        cursor.execute(
            "SELECT id, observed_at FROM metrics_measurement WHERE id = ANY(%b::int8[])",
            [binary_array(ids, "int8")],
            binary=True,
        )
        return dict(cursor.fetchall())


# --- writing the results -------------------------------------------------------------------

# One statement for every row, each column one array parameter. The numbers travel as
# binary arrays written by NumPy (metrics.results.pgarrays); the server reads them by the casts.
# The status goes as a code into the list of the statuses present. The charted targets'
# numbers go as columns of their own, joined on the target, and the server assembles each
# `control` object from them: cheaper than encoding 9,000 JSON documents in Python for
# the server to parse again.
UPSERT_SQL = """
INSERT INTO metrics_resultsnapshot (
    target_id, n_before, n_after, baseline_mean, current_mean, improvement,
    improvement_pct, progress_pct, welch_t, welch_df, p_value, significant, status,
    realized_annual_benefit, control, as_of, computed_at
)
SELECT r.target_id, r.n_before, r.n_after, r.baseline_mean, r.current_mean, r.improvement,
       r.improvement_pct, r.progress_pct, r.welch_t, r.welch_df, r.p_value, r.significant,
       (%(statuses)b::text[])[r.status + 1], r.realized_annual_benefit,
       CASE WHEN c.target_id IS NOT NULL THEN jsonb_build_object(
           'center', c.center, 'ucl', c.ucl, 'lcl', c.lcl, 'mr_bar', c.mr_bar,
           'sigma', c.sigma, 'provisional', c.provisional,
           'signals', coalesce(c.signals, '[]'::jsonb)
       ) END,
       %(as_of)b::date, %(now)b::timestamptz
FROM unnest(
    %(target_id)b::int8[], %(n_before)b::int4[], %(n_after)b::int4[],
    %(baseline_mean)b::float8[], %(current_mean)b::float8[], %(improvement)b::float8[],
    %(improvement_pct)b::float8[], %(progress_pct)b::float8[], %(welch_t)b::float8[],
    %(welch_df)b::float8[], %(p_value)b::float8[], %(significant)b::bool[],
    %(status)b::int4[], %(realized_annual_benefit)b::numeric[]
) AS r(
    target_id, n_before, n_after, baseline_mean, current_mean, improvement,
    improvement_pct, progress_pct, welch_t, welch_df, p_value, significant, status,
    realized_annual_benefit
)
LEFT JOIN unnest(
    %(charted)b::int8[], %(center)b::float8[], %(ucl)b::float8[], %(lcl)b::float8[],
    %(mr_bar)b::float8[], %(sigma)b::float8[], %(provisional)b::bool[], %(signals)b::jsonb[]
) AS c(target_id, center, ucl, lcl, mr_bar, sigma, provisional, signals)
ON c.target_id = r.target_id
ON CONFLICT (target_id, as_of) DO UPDATE SET
""" + ", ".join(f"{name} = EXCLUDED.{name}" for name in FIGURE_FIELDS)

# The numbers of a `control` object, sent as columns.
CHART_NUMBERS = ["center", "ucl", "lcl", "mr_bar", "sigma"]


def upsert(
    samples: Samples, result: Figures, control: ControlColumns, *, as_of: dt.date, now: dt.datetime
) -> None:
    statuses, status = np.unique(result.status, return_inverse=True)
    params = {
        "as_of": as_of,
        "now": now,
        "target_id": binary_array(samples.target_id, "int8"),
        "n_before": binary_array(samples.n_before, "int4"),
        "n_after": binary_array(samples.n_after, "int4"),
        **{name: binary_array(getattr(result, name), "float8") for name in NUMBER_FIELDS},
        "significant": binary_array(result.significant, "bool", null=~result.tested),
        "statuses": statuses.tolist(),
        "status": binary_array(status, "int4"),
        "realized_annual_benefit": result.realized_annual_benefit,
        "charted": binary_array(control.target_id, "int8"),
        **{name: binary_array(getattr(control, name), "float8") for name in CHART_NUMBERS},
        "provisional": binary_array(control.provisional, "bool"),
        "signals": [json.dumps(signals) if signals else None for signals in control.signals],
    }
    connection.ensure_connection()
    # A plain psycopg cursor: server-side binding, parameters in binary (Django's cursor
    # binds on the client and would quote every element into the SQL text).
    with psycopg.Cursor(connection.connection) as cursor:
        pgarrays.register(cursor)
        cursor.execute(UPSERT_SQL, params)
