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
import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from metrics import pgarrays, stats
from metrics.figures import NUMBER_FIELDS, Figures, figures
from metrics.gates import day_start
from metrics.models import Measurement, ResultSnapshot, Target
from metrics.pgarrays import binary_array
from metrics.samples import CONTROL_STAGES, DEAD_STAGES, Samples, eligible_targets, fetch_samples

__all__ = ["CONTROL_STAGES", "DEAD_STAGES", "compute_results", "control_charts", "eligible_targets"]

# What a recomputation rewrites of an existing row.
FIGURE_FIELDS = [
    "n_before",
    "n_after",
    *NUMBER_FIELDS,
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
    ids, values, sizes = (
        np.concatenate([samples.series[pk][part] for pk in charted]) for part in range(3)
    )
    lengths = [len(samples.series[pk][0]) for pk in charted]
    # A p-chart for a proportion; stats falls back to XmR for a series with a point
    # outside 0–1 or without a sample size.
    result = stats.control_charts(
        values,
        np.array(lengths, dtype=np.int64),
        limit_points=limit_points,
        p_chart=np.array([proportion[pk] for pk in charted], dtype=bool),
        sizes=sizes,
    )
    # Only the few points that signal need their timestamps: one query for them all.
    signal_ids = ids[result.signal_index].tolist()
    observed = observed_at(signal_ids)
    signals: dict[int, list] = {}
    for pk, value, k, rule in zip(
        signal_ids,
        values[result.signal_index].tolist(),
        result.signal_series.tolist(),
        result.signal_rule.tolist(),
        strict=True,
    ):
        signals.setdefault(k, []).append(
            {"observed_at": observed[pk].isoformat(), "value": value, "rule": rule}
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


def observed_at(ids: list[int]) -> dict[int, dt.datetime]:
    """When each of these measurements was observed."""
    if connection.vendor != "postgresql":
        return dict(Measurement.objects.filter(pk__in=ids).values_list("pk", "observed_at"))
    connection.ensure_connection()
    # The ids as one binary array parameter, rather than a placeholder each.
    with psycopg.Cursor(connection.connection) as cursor:
        pgarrays.register(cursor)
        cursor.execute(
            "SELECT id, observed_at FROM metrics_measurement WHERE id = ANY(%b::int8[])",
            [binary_array(ids, "int8")],
            binary=True,
        )
        return dict(cursor.fetchall())


# --- saving ------------------------------------------------------------------------------


def save(samples: Samples, result: Figures, charts: dict, *, as_of: dt.date) -> None:
    """Upsert the results, and each target's latest_status where this date is its newest
    result's and the status changed."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        _upsert_postgresql(samples, result, charts, as_of=as_of, now=now)
    else:
        _upsert(samples, result, charts, as_of=as_of, now=now)
    keep_latest_status(samples, result, as_of=as_of)


# Targets per UPDATE: SQLite caps the parameters of a statement.
STATUS_BATCH = 500


def keep_latest_status(samples: Samples, result: Figures, *, as_of: dt.date) -> None:
    """Set latest_status where it changed (most runs: on few targets, or none) and
    `as_of` is not older than the target's newest result."""
    changed: dict[str, list[int]] = {}
    for pk, before, now in zip(
        samples.target_id, samples.latest_status, result.status.tolist(), strict=True
    ):
        if before != now:
            changed.setdefault(now, []).append(pk)
    newer = ResultSnapshot.objects.filter(target=OuterRef("pk"), as_of__gt=as_of)
    for status, ids in changed.items():
        for start in range(0, len(ids), STATUS_BATCH):
            batch = ids[start : start + STATUS_BATCH]
            Target.objects.filter(pk__in=batch).exclude(Exists(newer)).update(latest_status=status)


def _upsert(samples: Samples, result: Figures, charts: dict, *, as_of, now) -> None:
    rows = [
        ResultSnapshot(
            target_id=pk,
            as_of=as_of,
            n_before=int(samples.n_before[i]),
            n_after=int(samples.n_after[i]),
            control=charts.get(pk),
            computed_at=now,
            **result.row(i),
        )
        for i, pk in enumerate(samples.target_id)
    ]
    ResultSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["target", "as_of"],
        update_fields=FIGURE_FIELDS,
        batch_size=2000,
    )


# One statement for every row, each column one array parameter. The numbers travel as
# binary arrays written by NumPy (metrics.pgarrays); the server reads them by the casts.
# The server also assembles each `control` object from its numbers: cheaper than
# encoding 9,000 JSON documents in Python for the server to parse again.
UPSERT_SQL = """
INSERT INTO metrics_resultsnapshot (
    target_id, n_before, n_after, baseline_mean, current_mean, improvement,
    improvement_pct, progress_pct, welch_t, welch_df, p_value, significant, status,
    realized_annual_benefit, control, as_of, computed_at
)
SELECT r.target_id, r.n_before, r.n_after, r.baseline_mean, r.current_mean, r.improvement,
       r.improvement_pct, r.progress_pct, r.welch_t, r.welch_df, r.p_value, r.significant,
       r.status, r.realized_annual_benefit,
       CASE WHEN r.center IS NOT NULL THEN jsonb_build_object(
           'center', r.center, 'ucl', r.ucl, 'lcl', r.lcl, 'mr_bar', r.mr_bar,
           'sigma', r.sigma, 'provisional', r.provisional,
           'signals', coalesce(r.signals, '[]'::jsonb)
       ) END,
       %(as_of)b::date, %(now)b::timestamptz
FROM unnest(
    %(target_id)b::int8[], %(n_before)b::int4[], %(n_after)b::int4[],
    %(baseline_mean)b::float8[], %(current_mean)b::float8[], %(improvement)b::float8[],
    %(improvement_pct)b::float8[], %(progress_pct)b::float8[], %(welch_t)b::float8[],
    %(welch_df)b::float8[], %(p_value)b::float8[], %(significant)b::bool[],
    %(status)b::text[], %(realized_annual_benefit)b::numeric[],
    %(center)b::float8[], %(ucl)b::float8[], %(lcl)b::float8[], %(mr_bar)b::float8[],
    %(sigma)b::float8[], %(provisional)b::bool[], %(signals)b::jsonb[]
) AS r(
    target_id, n_before, n_after, baseline_mean, current_mean, improvement,
    improvement_pct, progress_pct, welch_t, welch_df, p_value, significant, status,
    realized_annual_benefit, center, ucl, lcl, mr_bar, sigma, provisional, signals
)
ON CONFLICT (target_id, as_of) DO UPDATE SET
""" + ", ".join(f"{name} = EXCLUDED.{name}" for name in FIGURE_FIELDS)

# The numbers of a `control` object, sent as columns (NaN where there is no chart).
CHART_NUMBERS = ["center", "ucl", "lcl", "mr_bar", "sigma"]


def _upsert_postgresql(
    samples: Samples, result: Figures, charts: dict, *, as_of: dt.date, now: dt.datetime
) -> None:
    chart = [charts.get(pk) for pk in samples.target_id]
    params = {
        "as_of": as_of,
        "now": now,
        "target_id": binary_array(samples.target_id, "int8"),
        "n_before": binary_array(samples.n_before, "int4"),
        "n_after": binary_array(samples.n_after, "int4"),
        **{name: binary_array(getattr(result, name), "float8") for name in NUMBER_FIELDS},
        "significant": binary_array(result.significant, "bool", null=~result.tested),
        "status": result.status.tolist(),
        "realized_annual_benefit": result.realized_annual_benefit,
        **{
            name: binary_array(np.array([c and c[name] for c in chart], dtype=np.float64), "float8")
            for name in CHART_NUMBERS
        },
        "provisional": binary_array(
            np.array([bool(c and c["provisional"]) for c in chart]),
            "bool",
            null=np.array([c is None for c in chart]),
        ),
        "signals": [json.dumps(c["signals"]) if c and c["signals"] else None for c in chart],
    }
    connection.ensure_connection()
    # A plain psycopg cursor: server-side binding, parameters in binary (Django's cursor
    # binds on the client and would quote every element into the SQL text).
    with psycopg.Cursor(connection.connection) as cursor:
        pgarrays.register(cursor)
        cursor.execute(UPSERT_SQL, params)
