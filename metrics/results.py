"""Realized results, computed from data: `compute_results()` for every eligible target
(or one initiative's), as of a date.

Set-based from end to end, in a fixed number of statements however many targets: one
pass over the measurements gives every target's before/after count, mean and variance,
and the targets that need a control chart get their post-change series
(metrics.samples); Welch's test, the figures and the control charts are computed for all
targets at once with NumPy (metrics.figures, metrics.stats); the rows are upserted in
one statement, one per target and as-of date, so recomputing is idempotent; each
target's latest_status follows where it changed. Dates are local days
(settings.TIME_ZONE).
"""

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field

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


@dataclass
class Charts:
    """The control charts of many targets as columns, one element per charted target;
    `get(pk)` gives one target's `control` figure."""

    target_id: list[int]
    center: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    mr_bar: np.ndarray  # NaN for a p-chart, which has none
    sigma: np.ndarray
    provisional: np.ndarray
    signals: list[list[dict]]
    _index: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.target_id)

    def get(self, pk: int) -> dict | None:
        if not self._index:
            self._index.update((pk, i) for i, pk in enumerate(self.target_id))
        i = self._index.get(pk)
        if i is None:
            return None
        mr_bar = float(self.mr_bar[i])
        return {
            "center": float(self.center[i]),
            "ucl": float(self.ucl[i]),
            "lcl": float(self.lcl[i]),
            "mr_bar": None if math.isnan(mr_bar) else mr_bar,
            "sigma": float(self.sigma[i]),
            "provisional": bool(self.provisional[i]),
            "signals": self.signals[i],
        }


def control_charts(samples: Samples, *, limit_points: int) -> Charts:
    """The `control` figure of each charted target: limits from its first `limit_points`
    post-change points (all of them, provisional, when fewer; at least 2), and the
    Western Electric signals of the later points. A p-chart for proportions measured
    with sample sizes, else an individuals (XmR) chart."""
    charted = [pk for pk in samples.target_id if pk in samples.series]
    if not charted:
        empty = np.empty(0)
        return Charts([], empty, empty, empty, empty, empty, empty.astype(bool), [])
    proportion = dict(zip(samples.target_id, samples.proportion.tolist(), strict=True))
    ids, values, sizes = (
        np.concatenate([samples.series[pk][part] for pk in charted]) for part in range(3)
    )
    lengths = np.array([len(samples.series[pk][0]) for pk in charted], dtype=np.int64)
    # A p-chart for a proportion; stats falls back to XmR for a series with a point
    # outside 0–1 or without a sample size.
    result = stats.control_charts(
        values,
        lengths,
        limit_points=limit_points,
        p_chart=np.array([proportion[pk] for pk in charted], dtype=bool),
        sizes=sizes,
    )
    # Only the few points that signal need their timestamps: one query for them all.
    signal_ids = ids[result.signal_index].tolist()
    observed = observed_at(signal_ids) if signal_ids else {}
    signals: list[list[dict]] = [[] for _ in charted]
    for pk, value, k, rule in zip(
        signal_ids,
        values[result.signal_index].tolist(),
        result.signal_series.tolist(),
        result.signal_rule.tolist(),
        strict=True,
    ):
        signals[k].append({"observed_at": observed[pk].isoformat(), "value": value, "rule": rule})
    # At least 2 points make a chart.
    keep = np.flatnonzero(np.isfinite(result.center))
    return Charts(
        target_id=[charted[k] for k in keep.tolist()],
        center=result.center[keep],
        ucl=result.ucl[keep],
        lcl=result.lcl[keep],
        mr_bar=np.where(result.is_p, np.nan, result.mr_bar)[keep],
        sigma=result.sigma[keep],
        provisional=(lengths < limit_points)[keep],
        signals=[signals[k] for k in keep.tolist()],
    )


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


def save(samples: Samples, result: Figures, charts: Charts, *, as_of: dt.date) -> None:
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


def _upsert(samples: Samples, result: Figures, charts: Charts, *, as_of, now) -> None:
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


def _upsert_postgresql(
    samples: Samples, result: Figures, charts: Charts, *, as_of: dt.date, now: dt.datetime
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
        "charted": binary_array(charts.target_id, "int8"),
        **{name: binary_array(getattr(charts, name), "float8") for name in CHART_NUMBERS},
        "provisional": binary_array(charts.provisional, "bool"),
        "signals": [json.dumps(signals) if signals else None for signals in charts.signals],
    }
    connection.ensure_connection()
    # A plain psycopg cursor: server-side binding, parameters in binary (Django's cursor
    # binds on the client and would quote every element into the SQL text).
    with psycopg.Cursor(connection.connection) as cursor:
        pgarrays.register(cursor)
        cursor.execute(UPSERT_SQL, params)
