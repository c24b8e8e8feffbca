"""Realized results, computed from data: `compute_results()` for every eligible target
(or one initiative's), as of a date.

Set-based from end to end, in a fixed number of statements however many targets: one
ordered read of the measurements gives every target's before and after samples, summarised
by NumPy, and the series of the targets that need a control chart
(metrics.results.samples); the tests, the figures and the control charts are computed
for all targets at once with NumPy (metrics.results.figures, metrics.stats);
the rows are upserted in one statement, one per target and as-of date, so recomputing
is idempotent; each target's latest_status follows where it changed. Dates are local
days (settings.TIME_ZONE).
"""

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from metrics import stats
from metrics.models import Measurement, ResultSnapshot, Target
from metrics.periods import day_start
from metrics.results import postgresql
from metrics.results.figures import FIGURE_FIELDS, Figures, figures
from metrics.results.samples import Samples, fetch_samples


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
    result = figures(samples, look=as_of)
    control = control_columns(samples, limit_points=settings.CONTROL_LIMIT_POINTS)
    progress("figures computed", len(samples), len(samples))
    with transaction.atomic():
        save(samples, result, control, as_of=as_of)
    progress("saved", len(samples), len(samples))
    return len(samples)


@dataclass
class ControlColumns:
    """The `control` figure (limits and signals) of many targets as columns, one element
    per charted target; `get(pk)` gives one target's `control` figure as stored."""

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


def control_columns(samples: Samples, *, limit_points: int) -> ControlColumns:
    """The `control` figure of each charted target: limits from its first `limit_points`
    post-change points (all of them, provisional, when fewer; at least 2), and the
    Western Electric signals of the later points. A p-chart for proportions measured
    with sample sizes, else an individuals (XmR) chart."""
    charted = [pk for pk in samples.target_id if pk in samples.series]
    if not charted:
        empty = np.empty(0)
        return ControlColumns([], empty, empty, empty, empty, empty, empty.astype(bool), [])
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
    return ControlColumns(
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
    if connection.vendor == "postgresql":
        return postgresql.observed_at(ids)
    return dict(Measurement.objects.filter(pk__in=ids).values_list("pk", "observed_at"))


# --- saving ------------------------------------------------------------------------------


def save(samples: Samples, result: Figures, control: ControlColumns, *, as_of: dt.date) -> None:
    """Upsert the results, and each target's latest_status where this date is its newest
    result's and the status changed."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        postgresql.upsert(samples, result, control, as_of=as_of, now=now)
    else:
        _upsert(samples, result, control, as_of=as_of, now=now)
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


def _upsert(samples: Samples, result: Figures, control: ControlColumns, *, as_of, now) -> None:
    rows = [
        ResultSnapshot(
            target_id=pk,
            as_of=as_of,
            n_before=int(samples.n_before[i]),
            n_after=int(samples.n_after[i]),
            control=control.get(pk),
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
