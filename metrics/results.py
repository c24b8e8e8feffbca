"""Realized results, computed from data: `compute_results()` for every eligible target
(or one initiative's), as of a date.

Set-based from end to end: one pass over the measurements gives every target's
before/after count, mean and variance and the post-change series of the targets that
need a control chart (metrics.samples); Welch's test, the figures and the control charts
are computed for all targets at once with NumPy (metrics.figures, metrics.stats); the
rows are upserted in one statement, one per target and as-of date, so recomputing is
idempotent. Dates are local days (settings.TIME_ZONE).
"""

import datetime as dt
import json
from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from metrics import stats
from metrics.figures import Figures, figures
from metrics.gates import day_start
from metrics.models import Measurement, ResultSnapshot
from metrics.samples import CONTROL_STAGES, DEAD_STAGES, Samples, eligible_targets, fetch_samples

__all__ = ["CONTROL_STAGES", "DEAD_STAGES", "compute_results", "control_charts", "eligible_targets"]

FIGURE_FIELDS = [
    "n_before",
    "n_after",
    "baseline_mean",
    "current_mean",
    "improvement",
    "improvement_pct",
    "progress_pct",
    "welch_t",
    "welch_df",
    "p_value",
    "significant",
    "status",
    "realized_annual_benefit",
    "control",
    "computed_at",
]


def compute_results(
    *,
    initiative_id: int | None = None,
    as_of: dt.date | str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Compute and upsert results for every eligible target (or one initiative's) as of
    `as_of` (default today). Returns the number of result rows written.

    `progress(phase, done, total)`, if given, is called as the work advances."""
    progress = progress or (lambda phase, done, total: None)
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    as_of = as_of or timezone.localdate()
    until = day_start(as_of + dt.timedelta(days=1))

    samples = fetch_samples(until=until, with_series=True, initiative_id=initiative_id)
    progress("measurements read", len(samples), len(samples))
    if not len(samples):
        return 0
    result = figures(samples)
    charts = control_charts(samples, limit_points=settings.CONTROL_LIMIT_POINTS)
    progress("figures computed", len(samples), len(samples))
    with transaction.atomic():
        save(samples, result, charts, as_of=as_of)
    progress("saved", len(samples), len(samples))
    return len(samples)


def control_charts(samples: Samples, *, limit_points: int) -> dict[int, dict]:
    """The `control` figure of each charted target: limits from its first `limit_points`
    post-change points (all of them, provisional, when fewer; at least 2), and the
    Western Electric signals of the later points. A p-chart for proportions measured
    with sample sizes, else an individuals (XmR) chart."""
    charted = [pk for pk in samples.target_id if pk in samples.series]
    if not charted:
        return {}
    proportion = dict(zip(samples.target_id, samples.proportion.tolist(), strict=True))
    ids, values, sizes, lengths = [], [], [], []
    for pk in charted:
        point_ids, point_values, point_sizes = samples.series[pk]
        ids += point_ids
        values += point_values
        sizes += point_sizes
        lengths.append(len(point_values))
    # A p-chart for a proportion; stats falls back to XmR for a series with a point
    # outside 0–1 or without a sample size.
    result = stats.control_charts(
        np.array(values, dtype=np.float64),
        np.array(lengths, dtype=np.int64),
        limit_points=limit_points,
        p_chart=np.array([proportion[pk] for pk in charted], dtype=bool),
        sizes=np.array([np.nan if n is None else n for n in sizes], dtype=np.float64),
    )
    # Only the few points that signal need their timestamps: one query for them all.
    signal_ids = [ids[i] for i in result.signal_index.tolist()]
    observed = dict(Measurement.objects.filter(pk__in=signal_ids).values_list("pk", "observed_at"))
    signals: dict[int, list] = {}
    for i, k, rule in zip(
        result.signal_index.tolist(),
        result.signal_series.tolist(),
        result.signal_rule.tolist(),
        strict=True,
    ):
        signals.setdefault(k, []).append(
            {"observed_at": observed[ids[i]].isoformat(), "value": values[i], "rule": rule}
        )
    charts = {}
    center, sigma = result.center.tolist(), result.sigma.tolist()
    lcl, ucl, mr_bar = result.lcl.tolist(), result.ucl.tolist(), result.mr_bar.tolist()
    for k, pk in enumerate(charted):
        if not np.isfinite(center[k]):
            continue
        charts[pk] = {
            "center": center[k],
            "ucl": ucl[k],
            "lcl": lcl[k],
            "mr_bar": None if result.is_p[k] else mr_bar[k],
            "sigma": sigma[k],
            "provisional": lengths[k] < limit_points,
            "signals": signals.get(k, []),
        }
    return charts


# --- saving ------------------------------------------------------------------------------


def save(samples: Samples, result: Figures, charts: dict, *, as_of: dt.date) -> None:
    columns = {
        "target_id": samples.target_id,
        "as_of": [as_of] * len(samples),
        "n_before": samples.n_before.astype(int).tolist(),
        "n_after": samples.n_after.astype(int).tolist(),
        **{name: getattr(result, name) for name in FIGURE_FIELDS if hasattr(result, name)},
        "control": [charts.get(pk) for pk in samples.target_id],
        "computed_at": [timezone.now()] * len(samples),
    }
    if connection.vendor == "postgresql":
        _upsert_postgresql(columns)
    else:
        rows = [
            ResultSnapshot(**dict(zip(columns, values, strict=True)))
            for values in zip(*columns.values(), strict=True)
        ]
        ResultSnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["target", "as_of"],
            update_fields=FIGURE_FIELDS,
            batch_size=2000,
        )


# Column → array type. One statement for every row: the arrays travel bound as parameters
# (server-side binding), so nothing is quoted into SQL text in Python.
ARRAY_TYPES = {
    "target_id": "int8",
    "n_before": "int4",
    "n_after": "int4",
    "baseline_mean": "float8",
    "current_mean": "float8",
    "improvement": "float8",
    "improvement_pct": "float8",
    "progress_pct": "float8",
    "welch_t": "float8",
    "welch_df": "float8",
    "p_value": "float8",
    "significant": "bool",
    "status": "text",
    "realized_annual_benefit": "numeric",
    "control": "jsonb",
}


def _upsert_postgresql(columns: dict) -> None:
    import psycopg

    names = list(ARRAY_TYPES)
    arrays = ", ".join(f"%b::{ARRAY_TYPES[n]}[]" for n in names)
    sql = (
        f'INSERT INTO "metrics_resultsnapshot" ({", ".join(names)}, as_of, computed_at) '
        f"SELECT *, %b::date, %b::timestamptz FROM unnest({arrays}) "
        "ON CONFLICT (target_id, as_of) DO UPDATE SET "
        + ", ".join(f"{n} = EXCLUDED.{n}" for n in FIGURE_FIELDS)
    )
    control = [None if c is None else json.dumps(c) for c in columns["control"]]
    # In the order of the placeholders: the two shared values, then the arrays.
    params = [columns["as_of"][0], columns["computed_at"][0]]
    params += [control if n == "control" else columns[n] for n in names]
    connection.ensure_connection()
    # A plain psycopg cursor: server-side binding, arrays sent in binary (Django's cursor
    # binds on the client and would quote every element into the SQL text in Python).
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
