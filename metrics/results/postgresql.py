"""PostgreSQL's fast path for the results job: reading the samples and writing the result
rows, each in one or two statements, with every column of numbers travelling as a binary
array written and read by NumPy (metrics.results.pgarrays).

`in_use()` says whether it serves the connection; every caller asks it, nothing else
does, and a test switches it off to run the portable path on PostgreSQL. Its functions
mirror the ORM path's, column for column: `read_samples` (metrics.results.samples),
`baseline_series` and `observed_at` (the control charts), `upsert` (the result rows) and
`clear_stale` (the work list, metrics.results.stale). A test runs both paths on
PostgreSQL on random data and requires identical rows (tests/metrics/test_fast_path.py),
which also pins the binary array format against the server. Why it exists:
bench/README.md, "Results job" — at 1,000,000 measurements the ORM path's reads and
upsert are many times slower than these statements.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from improvement.models import CONTROL_STAGES, DEAD_STAGES
from metrics.models import ChartKind
from metrics.results import pgarrays
from metrics.results.figures import COMPARED_FIELDS, FIGURE_FIELDS, MONEY_FIELDS, NUMBER_FIELDS
from metrics.results.pgarrays import BinaryArray, binary_array

if TYPE_CHECKING:  # the callers' types; they import this module
    from metrics.results.compute import ControlColumns
    from metrics.results.figures import Figures
    from metrics.results.samples import Samples


def in_use() -> bool:
    """Whether this fast path serves the connection (the ORM path serves the others)."""
    return connection.vendor == "postgresql"


# --- computing in parallel ------------------------------------------------------------------

# The server runs a statement in one process, and the job computes its figures in one
# Python thread, which leaves a core idle on a machine with more. A whole run in process
# — every target, or a shard's id range — computes its two halves at once, each on its
# own connection, read, computed and written in its own transaction, as two shards
# would: one half's statements run while the other's figures are computed. Measured at
# 1,000,000 measurements on 2 cores (bench/README.md, "Results job"), three rounds of the
# first computation: 1.6–2.6 s rather than 2.7–2.9 s with the reads alone in halves;
# three or four parts on two threads were slower than halves. A Celery worker computes
# its shard on one connection: there the worker processes are the parallelism.

T = TypeVar("T")


def may_run_in_parallel() -> bool:
    """Not inside a transaction: the other connections would not see what it wrote (the
    tests' data, say), and their writes would not be undone with it."""
    return not connection.in_atomic_block


def in_parallel(work: Callable[[T], int], parts: Sequence[T]) -> list[int]:
    """`work(part)` of each part — each on a connection of its own, at once, when there are
    several parts — in the order of the parts."""
    if len(parts) < 2:
        return [work(part) for part in parts]

    def on_its_own_connection(part):
        try:
            return work(part)
        finally:  # the thread's connection, opened by the work
            connections[DEFAULT_DB_ALIAS].close()

    with ThreadPoolExecutor(len(parts), thread_name_prefix="results") as pool:
        return list(pool.map(on_its_own_connection, parts))


def id_halves(id_range: tuple[int, int] | None) -> list[tuple[int, int] | None]:
    """Two halves of the range of target ids (every target's, without one)."""
    if id_range is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id), max(id) FROM metrics_target")
            id_range = cursor.fetchone()
        if id_range[0] is None:
            return [None]
    first, last = id_range
    if first == last:
        return [id_range]
    middle = (first + last) // 2
    return [(first, middle), (middle + 1, last)]


# --- reading the samples ------------------------------------------------------------------

# Which targets: the eligible ones (see eligible_targets), in the caller's scope.
SCOPE_SQL = """
i.implemented_on IS NOT NULL
AND i.stage <> ALL(%(dead_stages)s)
AND (%(initiative_id)s::bigint IS NULL OR t.initiative_id = %(initiative_id)s)
AND (NOT %(primary_only)s OR t.is_primary)
AND (%(implemented_by)s::date IS NULL OR i.implemented_on <= %(implemented_by)s)
AND (%(id_from)s::bigint IS NULL OR t.id BETWEEN %(id_from)s AND %(id_to)s)
AND (%(target_ids)s::int8[] IS NULL OR t.id = ANY(%(target_ids)s::int8[]))
AND (%(due_as_of)s::date IS NULL OR t.results_stale_since IS NOT NULL
     OR (t.target_date <= %(due_as_of)s AND NOT EXISTS (
         SELECT FROM metrics_resultsnapshot r
         WHERE r.target_id = t.id AND r.as_of >= t.target_date)))
"""

HAS_WINDOW_SQL = "t.baseline_start IS NOT NULL AND t.baseline_end IS NOT NULL"

# One statement, so that the targets and the points are read from one snapshot:
#
# - the targets in scope (`t`), ranked by id, each with the bounds of its samples as
#   timestamps, computed once per target: "before" is the window, else everything before
#   local midnight of the change date; "after" runs from the change date (or the caller's
#   `after_from`, if later) up to `until`;
# - their columns (TARGET_COLUMNS of metrics.results.samples), one array each, and their
#   ranks (the arrays share one order, which the client sorts by rank: sorting 27,000
#   rows of text here spills past work_mem); a missing number is NaN, so the numbers
#   arrive as NumPy arrays;
# - every point of every sample (samples.Points): per target, two range scans of the
#   (target, observed_at) index, each in time order — the order the lag-1
#   autocorrelation needs, so nothing is sorted. Each point travels as its sample's index
#   (2 × rank, + 1 for "after": an int4) and its value; the sample sizes (an int4, 0 for
#   none) only of the proportion targets' points, the only ones they count for (the
#   read took 0.65 s rather than 0.84 s without the other 70 %: one aggregate's work per
#   point); the ids only of the charted targets' after points (for their signals). Each
#   in the points' order: the arrays are aggregated in one pass.
#
# Measured at 1,000,000 measurements (bench/README.md): about as fast as the parallel
# GROUP BY pass and the series read it replaced, which gave no order; a window function
# (LAG) over all the measurements, or per target, took several times longer. Every
# statistic is then NumPy's (metrics.stats.summarize_many), the same on both databases.
SAMPLES_SQL = f"""
WITH t AS MATERIALIZED (
    SELECT t.id, t.initiative_id, i.implemented_on, t.value_per_unit,
           coalesce(t.baseline_value, 'NaN') AS baseline_value,
           coalesce(t.target_value, 'NaN') AS target_value, t.target_date,
           {HAS_WINDOW_SQL} AS has_window, m.direction, m.chart_kind, i.stage,
           t.latest_status, t.results_stale_since,
           i.stage = ANY(%(control_stages)s) AS charted,
           (row_number() OVER (ORDER BY t.id) - 1)::int4 AS rank,
           CASE WHEN {HAS_WINDOW_SQL}
                THEN (t.baseline_start + time '00:00') AT TIME ZONE %(tz)s
                ELSE '-infinity' END AS before_from,
           CASE WHEN {HAS_WINDOW_SQL}
                THEN (t.baseline_end + 1 + time '00:00') AT TIME ZONE %(tz)s
                ELSE (i.implemented_on + time '00:00') AT TIME ZONE %(tz)s END AS before_to,
           greatest((i.implemented_on + time '00:00') AT TIME ZONE %(tz)s, %(after_from)s)
               AS after_from
    FROM metrics_target t
    JOIN improvement_initiative i ON i.id = t.initiative_id
    JOIN metrics_metric m ON m.id = t.metric_id
    WHERE {SCOPE_SQL}
)
SELECT targets.*, points.*
FROM (
    SELECT array_agg(t.id), array_agg(t.initiative_id), array_agg(t.implemented_on),
           array_agg(t.value_per_unit), array_agg(t.baseline_value), array_agg(t.target_value),
           array_agg(t.target_date), array_agg(t.has_window), array_agg(t.direction),
           array_agg(t.chart_kind), array_agg(t.stage), array_agg(t.latest_status),
           array_agg(t.results_stale_since), array_agg(t.rank)
    FROM t
) targets, (
    SELECT array_agg(t.rank * 2 + x.side), array_agg(x.value),
           array_agg(x.size) FILTER (WHERE t.chart_kind = %(proportion)s),
           array_agg(x.id) FILTER (WHERE %(with_series)s AND t.charted AND x.side = 1)
    FROM (SELECT * FROM t ORDER BY t.rank) t
    CROSS JOIN LATERAL (
        (SELECT 0 AS side, x.id, x.value, coalesce(x.sample_size, 0) AS size
         FROM metrics_measurement x
         WHERE x.target_id = t.id AND x.observed_at >= t.before_from
           AND x.observed_at < t.before_to
         ORDER BY x.observed_at)
        UNION ALL
        (SELECT 1 AS side, x.id, x.value, coalesce(x.sample_size, 0) AS size
         FROM metrics_measurement x
         WHERE x.target_id = t.id AND x.observed_at >= t.after_from
           AND x.observed_at < %(until)s
         ORDER BY x.observed_at)
    ) x
) points
"""


def read_samples(*, until, after_from, with_series, id_range=None, **scope) -> tuple[list, tuple]:
    """The target columns (TARGET_COLUMNS of metrics.results.samples) in id order, and the
    points of their samples: arrays (sample index, value; the sizes of the proportion
    targets' points, 0 for none; with `with_series`, the ids of the charted targets'
    after points)."""
    id_from, id_to = id_range or (None, None)
    params = {
        "id_from": id_from,
        "id_to": id_to,
        "tz": settings.TIME_ZONE,
        "dead_stages": list(DEAD_STAGES),
        "control_stages": list(CONTROL_STAGES),
        "proportion": ChartKind.PROPORTION,
        "until": until,
        "after_from": after_from,
        "with_series": with_series,
        **scope,
    }
    connection.ensure_connection()
    # A plain psycopg cursor with binary results: the columns arrive as NumPy arrays
    # (Django's cursor reads text).
    with transaction.atomic(), psycopg.Cursor(connection.connection) as cursor:
        pgarrays.register(cursor)
        # JIT compiling these sub-second queries costs more than it saves (~0.1 s at 1M rows).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(SAMPLES_SQL, params, binary=True)
        row = cursor.fetchone()
    k = len(row) - 5
    if row[0] is None:  # no target in scope
        targets = [[] for _ in range(k)]
    else:
        order = np.argsort(row[k])
        targets = [
            column[order] if isinstance(column, np.ndarray) else [column[i] for i in order]
            for column in row[:k]
        ]
    kinds = (np.int32, np.float64, np.int32, np.int64)  # no point at all: empty arrays
    sample, value, size, ids = (
        np.empty(0, dtype=kind) if column is None else column
        for column, kind in zip(row[k + 1 :], kinds, strict=True)
    )
    return targets, (sample, value, size, ids)


# The baseline phase of the charted targets (metrics.results.compute.baseline_series):
# per target, one range scan of the (target, observed_at) index up to local midnight of
# its change date, the targets in the caller's order; the points arrive in that order and
# are aggregated as they come, as in SAMPLES_SQL. The ORM's equivalent compares each
# point's local date with the change date, which no index serves: it read all 1,000,000
# measurements for the 9,000 charted targets' baseline points (the control charts took
# 1.6–2.1 s with it). Sorting inside each aggregate (`array_agg(… ORDER BY …)`) instead
# took 0.18–0.24 s rather than 0.10–0.14 s (bench.results_bench's data set, measured in
# one run).
BASELINE_SQL = """
SELECT array_agg(u.k), array_agg(x.id), array_agg(x.value), array_agg(x.size)
FROM (
    SELECT u.id, u.k, (i.implemented_on + time '00:00') AT TIME ZONE %(tz)s AS change_at
    FROM unnest(%(ids)b::int8[]) WITH ORDINALITY AS u(id, k)
    JOIN metrics_target t ON t.id = u.id
    JOIN improvement_initiative i ON i.id = t.initiative_id
    ORDER BY u.k
) u
CROSS JOIN LATERAL (
    SELECT x.id, x.value, coalesce(x.sample_size, 0) AS size
    FROM metrics_measurement x
    WHERE x.target_id = u.id AND x.observed_at < u.change_at
    ORDER BY x.observed_at
) x
"""


def baseline_series(target_ids: list[int]) -> tuple[np.ndarray, ...]:
    """(position in `target_ids`, from 1; id, value, size — 0 for none) of every
    measurement before each target's change date, grouped by target in the given order,
    oldest first."""
    connection.ensure_connection()
    with transaction.atomic(), psycopg.Cursor(connection.connection) as cursor:
        pgarrays.register(cursor)
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            BASELINE_SQL,
            {"ids": binary_array(target_ids, "int8"), "tz": settings.TIME_ZONE},
            binary=True,
        )
        row = cursor.fetchone()
    kinds = (np.int64, np.int64, np.float64, np.int32)
    return tuple(
        np.empty(0, dtype=kind) if column is None else column
        for column, kind in zip(row, kinds, strict=True)
    )


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
# The status and the test method go as codes into the lists of those present. The
# charts' figures go as columns too, one element per target (NULL where it has no
# chart), and the server assembles each `control` object, its baseline phase's nested
# one included, from them: cheaper than encoding 9,000 JSON documents in Python for the
# server to parse again (measured at 1,000,000 measurements: the phases' keys sent as
# JSON cost 0.08 s to encode and 0.05 s for the server to parse, of a 0.7 s write).
# Only the signals, a list of a few points or none, travel as JSON. Every array is
# aligned on the target, so the rows need no join — and no sort: at 27,000 rows of this
# width a join's sort spills past work_mem to disk. The arrays are unnested in the select
# list, where PostgreSQL walks them in step, row by row; in FROM (`unnest(a, b, …)`) it
# first copies each array into a table of its own: 0.6 s rather than 0.4 s for 27,000
# rows when nothing changed, 1.09 s rather than 0.78 s when every row is new (measured in
# one run, bench.results_bench's data set).
RESULT_COLUMNS = {
    "target_id": "int8",
    "n_before": "int4",
    "n_after": "int4",
    **dict.fromkeys(NUMBER_FIELDS, "float8"),
    "significant": "bool",
    "interim": "bool",
    "status": "int4",
    "test_method": "int4",
    # Money as whole cents: an int8 array NumPy writes, rather than a Decimal per value
    # for psycopg to adapt; the server divides exactly (numeric).
    **dict.fromkeys(MONEY_FIELDS, "int8"),
}
# The numbers of a `control` object, and the rest of it.
CHART_NUMBERS = ["center", "ucl", "lcl", "mr_bar", "sigma"]
# The numbers of its baseline phase's figure (ControlColumns.phases), prefixed "b_".
BASELINE_NUMBERS = ["center", "ucl", "lcl", "mr_bar", "sigma", "size"]
CHART_COLUMNS = {
    **dict.fromkeys(CHART_NUMBERS, "float8"),
    "provisional": "bool",
    "signals": "jsonb",
    # The keys added with the phases (ControlColumns.phases); `since` in days from 1970.
    "is_p": "bool",
    "size": "float8",
    "limit_points": "int4",
    "since": "int4",
    "b_is_p": "bool",  # NULL: no baseline figure
    **{f"b_{name}": "float8" for name in BASELINE_NUMBERS},
    "b_n_points": "int4",
    "b_signals": "jsonb",
}
EPOCH = dt.date(1970, 1, 1)
# Columns sent as a code into a list of texts (the list parameter named here).
CODED = {"status": "statuses", "test_method": "methods"}


def _selected(name: str) -> str:
    if name in CODED:
        return f"(%({CODED[name]})b::text[])[r.{name} + 1]"
    if name in MONEY_FIELDS:
        return f"r.{name}::numeric / 100"
    return f"r.{name}"


def cents(column: np.ndarray) -> BinaryArray:
    """A money column of whole cents (NaN for none) as an int8 array, NULL for none."""
    missing = ~np.isfinite(column)
    return binary_array(np.where(missing, 0, column).astype(np.int64), "int8", null=missing)


SENT = {**RESULT_COLUMNS, **CHART_COLUMNS}

UNNESTED = [f"unnest(%({name})b::{kind}[]) AS {name}" for name, kind in SENT.items()]

# A row is written only where a figure (COMPARED_FIELDS) differs from the target's result
# in force on the date (its newest row as of then): a row per change, each valid from its
# date, rather than one a night.
UPSERT_SQL = f"""
INSERT INTO metrics_resultsnapshot ({", ".join(RESULT_COLUMNS)}, control, as_of, computed_at)
SELECT n.* FROM (
    SELECT {", ".join(f"{_selected(name)} AS {name}" for name in RESULT_COLUMNS)},
           CASE WHEN r.center IS NOT NULL THEN jsonb_build_object(
               'center', r.center, 'ucl', r.ucl, 'lcl', r.lcl, 'mr_bar', r.mr_bar,
               'sigma', r.sigma, 'provisional', r.provisional,
               'signals', coalesce(r.signals, '[]'::jsonb),
               'chart', CASE WHEN r.is_p THEN 'p' ELSE 'xmr' END, 'size', r.size,
               'limit_points', r.limit_points, 'since', date '1970-01-01' + r.since,
               'baseline', CASE WHEN r.b_is_p IS NOT NULL THEN jsonb_build_object(
                   'chart', CASE WHEN r.b_is_p THEN 'p' ELSE 'xmr' END,
                   'center', r.b_center, 'ucl', r.b_ucl, 'lcl', r.b_lcl,
                   'mr_bar', r.b_mr_bar, 'sigma', r.b_sigma, 'size', r.b_size,
                   'n_points', r.b_n_points, 'signals', coalesce(r.b_signals, '[]'::jsonb)
               ) END
           ) END AS control,
           %(as_of)b::date AS as_of, %(now)b::timestamptz AS computed_at
    FROM (SELECT {", ".join(UNNESTED)}) r
) n
LEFT JOIN LATERAL (
    SELECT * FROM metrics_resultsnapshot p
    WHERE p.target_id = n.target_id AND p.as_of <= n.as_of
    ORDER BY p.as_of DESC LIMIT 1
) p ON true
WHERE p.id IS NULL
   OR ({", ".join(f"n.{name}" for name in COMPARED_FIELDS)})
      IS DISTINCT FROM ({", ".join(f"p.{name}" for name in COMPARED_FIELDS)})
   OR p.error <> ''
ON CONFLICT (target_id, as_of) DO UPDATE SET error = '',
""" + ", ".join(f"{name} = EXCLUDED.{name}" for name in FIGURE_FIELDS)


def upsert(
    samples: Samples, result: Figures, control: ControlColumns, *, as_of: dt.date, now: dt.datetime
) -> None:
    statuses, status = np.unique(result.status, return_inverse=True)
    methods, method = np.unique(result.test_method.astype(str), return_inverse=True)
    params = {
        "as_of": as_of,
        "now": now,
        "target_id": binary_array(samples.target_id, "int8"),
        "n_before": binary_array(samples.n_before, "int4"),
        "n_after": binary_array(samples.n_after, "int4"),
        **{name: binary_array(getattr(result, name), "float8") for name in NUMBER_FIELDS},
        "significant": binary_array(result.significant, "bool", null=~result.tested),
        "interim": binary_array(result.interim, "bool"),
        "statuses": statuses.tolist(),
        "status": binary_array(status, "int4"),
        "methods": methods.tolist(),
        "test_method": binary_array(method, "int4"),
        **{name: cents(getattr(result, name)) for name in MONEY_FIELDS},
        **chart_columns(samples, control),
    }
    connection.ensure_connection()
    # A plain psycopg cursor: server-side binding, parameters in binary (Django's cursor
    # binds on the client and would quote every element into the SQL text).
    with transaction.atomic(), psycopg.Cursor(connection.connection) as cursor:
        pgarrays.register(cursor)
        # Each target's result in force is one probe of the (target, as_of) index. On a
        # results table just emptied and vacuumed (reltuples 0, its pages still there) the
        # planner chose a sequential scan per target instead: 77 s rather than 1.7 s for
        # 27,000 targets (bench/README.md). For this statement only, no sequential scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL jit = off")  # as for the reads
        cursor.execute(UPSERT_SQL, params)
        # Back to the session's settings, for a caller's transaction that goes on.
        for name in ("enable_seqscan", "jit"):
            cursor.execute(f"RESET {name}")


def chart_columns(samples: Samples, control: ControlColumns) -> dict:
    """The charts' columns as parameters, one element per target of `samples`: NULL (or
    NaN) where the target has no chart, or its chart no baseline figure."""
    k = len(samples)
    index = {pk: i for i, pk in enumerate(samples.target_id)}
    at = np.array([index[pk] for pk in control.target_id], dtype=np.int64)
    uncharted = np.ones(k, dtype=bool)
    uncharted[at] = False

    def spread(values, element: str, fill=np.nan, null=None) -> BinaryArray:
        column = np.full(k, fill)
        column[at] = values
        return binary_array(column, element, null=null)

    since = [(day - EPOCH).days for day in control.since]
    columns = {
        **{name: spread(getattr(control, name), "float8") for name in CHART_NUMBERS},
        "provisional": spread(control.provisional, "bool", False, null=uncharted),
        "signals": _json_or_null(control.signals, at, k),
        "is_p": spread(control.is_p, "bool", False, null=uncharted),
        "size": spread(control.size, "float8"),
        "limit_points": spread(control.n_limit, "int4", 0, null=uncharted),
        "since": spread(since, "int4", 0, null=uncharted),
    }
    # The baseline phase's figures, where there is one: a column per key.
    figures = control.baseline
    has = np.array([figure is not None for figure in figures], dtype=bool)
    no_baseline = np.ones(k, dtype=bool)
    no_baseline[at[has]] = False
    columns["b_is_p"] = spread(
        [f is not None and f["chart"] == "p" for f in figures], "bool", False, null=no_baseline
    )
    for name in BASELINE_NUMBERS:
        values = [np.nan if f is None or f[name] is None else f[name] for f in figures]
        columns[f"b_{name}"] = spread(values, "float8")
    columns["b_n_points"] = spread(
        [f["n_points"] if f else 0 for f in figures], "int4", 0, null=no_baseline
    )
    columns["b_signals"] = _json_or_null([f and f["signals"] for f in figures], at, k)
    return columns


def _json_or_null(lists: list, at: np.ndarray, k: int) -> list[str | None]:
    """Each non-empty list as JSON at its target's position; NULL elsewhere."""
    found: list[str | None] = [None] * k
    for i, value in zip(at.tolist(), lists, strict=True):
        if value:
            found[i] = json.dumps(value)
    return found


# --- the results job's work list -----------------------------------------------------------

CLEAR_STALE_SQL = """
UPDATE metrics_target t SET results_stale_since = NULL
FROM unnest(%(ids)s::int8[], %(marks)s::timestamptz[]) AS u(id, mark)
WHERE t.id = u.id AND t.results_stale_since = u.mark
"""


def clear_stale(marks: dict[int, dt.datetime]) -> None:
    """Clear each target's mark (metrics.results.stale) where it is still the one given:
    one statement, rather than one per distinct mark as on the ORM path."""
    with connection.cursor() as cursor:
        cursor.execute(CLEAR_STALE_SQL, {"ids": list(marks), "marks": list(marks.values())})
