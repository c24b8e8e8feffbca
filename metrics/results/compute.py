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
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone

from improvement.models import CONTROL_STAGES
from metrics import stats
from metrics.models import Measurement, ResultSnapshot, ResultStatus, Target
from metrics.periods import day_start
from metrics.results import postgresql, stale
from metrics.results.figures import (
    COMPARED_FIELDS,
    FIGURE_FIELDS,
    MONEY_FIELDS,
    NUMBER_FIELDS,
    Figures,
    figures,
)
from metrics.results.samples import (
    Samples,
    _stream,
    fetch_samples,
    subset,
)

logger = logging.getLogger(__name__)


def compute_results(
    *,
    initiative_id: int | None = None,
    as_of: dt.date | str | None = None,
    id_range: tuple[int, int] | None = None,
    target_ids: list[int] | None = None,
    full: bool = True,
    parallel: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Compute results for every eligible target — or one initiative's, or those of an id
    range (a shard, both ends included), or these `target_ids` — as of `as_of` (default
    today), and write a row where a figure changed. With `full=False`, only the targets on
    the work list (metrics.results.stale) are computed. Returns the number of targets computed.

    A whole run (every target, or an id range, with `full`) on PostgreSQL outside a
    transaction computes its two halves at once, each on its own connection
    (metrics.results.postgresql.in_parallel), unless `parallel` is False.
    `progress(phase, done, total)`, if given, is called as the work advances."""
    progress = progress or (lambda phase, done, total: None)
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    as_of = as_of or timezone.localdate()
    whole = full and initiative_id is None and target_ids is None
    if parallel and whole and postgresql.in_use() and postgresql.may_run_in_parallel():
        halves = postgresql.id_halves(id_range)
        return sum(
            postgresql.in_parallel(
                lambda half: _compute(as_of=as_of, id_range=half, progress=progress), halves
            )
        )
    return _compute(
        as_of=as_of,
        initiative_id=initiative_id,
        id_range=id_range,
        target_ids=target_ids,
        full=full,
        progress=progress,
    )


def _compute(
    *,
    as_of: dt.date,
    initiative_id: int | None = None,
    id_range: tuple[int, int] | None = None,
    target_ids: list[int] | None = None,
    full: bool = True,
    progress: Callable[[str, int, int], None],
) -> int:
    samples = fetch_samples(
        until=day_start(as_of + dt.timedelta(days=1)),
        with_series=True,
        initiative_id=initiative_id,
        id_range=id_range,
        target_ids=target_ids,
        due_as_of=None if full or target_ids is not None else as_of,
    )
    progress("measurements read", len(samples), len(samples))
    problems = data_problems(samples)
    good = subset(samples, np.flatnonzero([pk not in problems for pk in samples.target_id]))
    try:
        _compute_and_save(good, as_of=as_of, progress=progress)
    except Exception:
        logger.exception("Results as of %s failed as a batch; computing target by target", as_of)
        problems |= _one_by_one(good, as_of=as_of)
    if problems:
        save_errors(problems, as_of=as_of)
    stale.settled(stale_since=dict(zip(samples.target_id, samples.stale_since, strict=True)))
    progress("saved", len(samples), len(samples))
    return len(samples)


def _compute_and_save(samples: Samples, *, as_of: dt.date, progress=None) -> None:
    if not len(samples):
        return
    result = figures(samples, look=as_of)
    control = control_columns(samples, limit_points=settings.CONTROL_LIMIT_POINTS)
    if progress:
        progress("figures computed", len(samples), len(samples))
    with transaction.atomic():
        save(samples, result, control, as_of=as_of)


def _one_by_one(samples: Samples, *, as_of: dt.date) -> dict[int, str]:
    """Each target alone, in its own savepoint; returns why each failing one failed."""
    failed = {}
    for i, pk in enumerate(samples.target_id):
        try:
            _compute_and_save(subset(samples, np.array([i])), as_of=as_of)
        except Exception as exc:
            logger.exception("Results of target %s as of %s failed", pk, as_of)
            failed[pk] = f"Its data could not be computed ({type(exc).__name__}: {exc})"[:500]
    return failed


def data_problems(samples: Samples) -> dict[int, str]:
    """Targets whose data no rule should have let in (a row written around the services
    and the model, e.g. by raw SQL), with why: a proportion measured outside 0–1."""
    before, after = samples.before, samples.after
    with np.errstate(invalid="ignore"):
        low = np.fmin(before.min, after.min)
        high = np.fmax(before.max, after.max)
        bad = samples.proportion & ((low < 0) | (high > 1))
    return {
        samples.target_id[i]: (
            "A measurement outside 0–1 on a proportion metric "
            f"(from {low[i]:g} to {high[i]:g}): correct or delete it."
        )
        for i in np.flatnonzero(bad).tolist()
    }


def save_errors(problems: dict[int, str], *, as_of: dt.date) -> None:
    """A result row with status `error` and why, for each of these targets."""
    now = timezone.now()
    blank = dict.fromkeys((*NUMBER_FIELDS, *MONEY_FIELDS))
    for pk, message in problems.items():
        ResultSnapshot.objects.update_or_create(
            target_id=pk,
            as_of=as_of,
            defaults={
                **blank,
                "n_before": 0,
                "n_after": 0,
                "significant": None,
                "interim": None,
                "test_method": "",
                "control": None,
                "status": ResultStatus.ERROR,
                "error": message,
                "computed_at": now,
            },
        )
    newer = ResultSnapshot.objects.filter(target=OuterRef("pk"), as_of__gt=as_of)
    Target.objects.filter(pk__in=list(problems)).exclude(Exists(newer)).update(
        latest_status=ResultStatus.ERROR
    )


@dataclass
class ControlColumns:
    """The `control` figure (limits and signals) of many targets as columns, one element
    per charted target; `get(pk)` gives one target's `control` figure as stored.

    The first columns are the post-change phase's chart, the figure's original keys;
    `phases(i)` gives the keys added since (the API changes only additively): the
    chart's kind, average size and number of limit points, the change date the phase
    starts on, and the baseline phase's own chart."""

    target_id: list[int]
    center: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    mr_bar: np.ndarray  # NaN for a p-chart, which has none
    sigma: np.ndarray
    provisional: np.ndarray
    signals: list[list[dict]]
    is_p: np.ndarray | None = None
    size: np.ndarray | None = None  # the average sample size of a p-chart; NaN for XmR
    n_limit: np.ndarray | None = None
    since: list[dt.date] = field(default_factory=list)
    baseline: list[dict | None] = field(default_factory=list)
    _index: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.target_id)

    def get(self, pk: int) -> dict | None:
        if not self._index:
            self._index.update((pk, i) for i, pk in enumerate(self.target_id))
        i = self._index.get(pk)
        if i is None:
            return None
        return {
            "center": float(self.center[i]),
            "ucl": float(self.ucl[i]),
            "lcl": float(self.lcl[i]),
            "mr_bar": _number(self.mr_bar[i]),
            "sigma": float(self.sigma[i]),
            "provisional": bool(self.provisional[i]),
            "signals": self.signals[i],
            **self.phases(i),
        }

    def phases(self, i: int) -> dict:
        """The keys of the i-th figure that describe its phases."""
        return {
            "chart": "p" if self.is_p[i] else "xmr",
            "size": _number(self.size[i]),
            "limit_points": int(self.n_limit[i]),
            "since": self.since[i].isoformat(),
            "baseline": self.baseline[i],
        }


def _number(x: float) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def control_columns(samples: Samples, *, limit_points: int) -> ControlColumns:
    """The `control` figure of each charted target, a chart per phase (Minitab's
    "stages", qcc's phase I / phase II):

    - the post-change phase (from the change date on): limits from its first
      `limit_points` points (all of them, provisional, when fewer; at least 2), drawn
      over this phase only; its limit points checked with rule 1, the later points with
      Western Electric rules 1-4 (metrics.stats.control_charts);
    - the baseline phase (before the change date): its own centre line (at least 2
      points), and its own limits from all its points when it has at least
      `limit_points`, its points checked against them with rule 1.

    A p-chart for proportions measured with sample sizes — each point checked against
    its own limits p̄ ± 3√(p̄(1−p̄)/nᵢ) — else an individuals (XmR) chart; the kind is
    chosen per phase."""
    charted = [pk for pk in samples.target_id if pk in samples.series]
    if not charted:
        empty = np.empty(0)
        return ControlColumns(
            target_id=[],
            center=empty,
            ucl=empty,
            lcl=empty,
            mr_bar=empty,
            sigma=empty,
            provisional=empty.astype(bool),
            signals=[],
            is_p=empty.astype(bool),
            size=empty,
            n_limit=empty.astype(np.int64),
        )
    proportion = dict(zip(samples.target_id, samples.proportion.tolist(), strict=True))
    implemented_on = dict(zip(samples.target_id, samples.implemented_on, strict=True))
    wants_p = np.array([proportion[pk] for pk in charted], dtype=bool)
    ids, values, sizes = (
        np.concatenate([samples.series[pk][part] for pk in charted]) for part in range(3)
    )
    lengths = np.array([len(samples.series[pk][0]) for pk in charted], dtype=np.int64)
    # A p-chart for a proportion; stats falls back to XmR for a series with a point
    # outside 0–1 or without a sample size.
    after = stats.control_charts(
        values, lengths, limit_points=limit_points, p_chart=wants_p, sizes=sizes
    )
    b_ids, b_values, b_sizes, b_lengths = baseline_series(charted)
    # The baseline phase: limits from all its points (a finished phase, as Minitab's
    # stages), kept only where there are at least `limit_points` of them.
    before = stats.control_charts(
        b_values,
        b_lengths,
        limit_points=np.maximum(b_lengths, 2),
        p_chart=wants_p,
        sizes=b_sizes,
    )
    limited = b_lengths >= limit_points
    b_signal = before.signal_index[limited[before.signal_series]]

    # Only the few points that signal need their timestamps: one query for them all.
    signal_ids = ids[after.signal_index].tolist() + b_ids[b_signal].tolist()
    observed = observed_at(signal_ids) if signal_ids else {}
    signals = _signal_lists(after, after.signal_index, ids, values, observed)
    b_signals = _signal_lists(before, b_signal, b_ids, b_values, observed)
    baseline = _baseline_figures(before, limited=limited, signals=b_signals)
    # At least 2 points make a chart.
    keep = np.flatnonzero(np.isfinite(after.center))
    return ControlColumns(
        target_id=[charted[k] for k in keep.tolist()],
        center=after.center[keep],
        ucl=after.ucl[keep],
        lcl=after.lcl[keep],
        mr_bar=np.where(after.is_p, np.nan, after.mr_bar)[keep],
        sigma=after.sigma[keep],
        provisional=(lengths < limit_points)[keep],
        signals=[signals[k] for k in keep.tolist()],
        is_p=after.is_p[keep],
        size=after.size[keep],
        n_limit=after.n_limit[keep],
        since=[implemented_on[charted[k]] for k in keep.tolist()],
        baseline=[baseline[k] for k in keep.tolist()],
    )


def _signal_lists(
    chart: stats.SeriesControl, index: np.ndarray, ids: np.ndarray, values: np.ndarray, observed
) -> list[list[dict]]:
    """Each series' signals among the points at `index` of `chart`, as stored."""
    signals: list[list[dict]] = [[] for _ in range(len(chart))]
    position = np.searchsorted(chart.signal_index, index)
    for pk, value, k, rule in zip(
        ids[index].tolist(),
        values[index].tolist(),
        chart.signal_series[position].tolist(),
        chart.signal_rule[position].tolist(),
        strict=True,
    ):
        signals[k].append({"observed_at": observed[pk].isoformat(), "value": value, "rule": rule})
    return signals


def _baseline_figures(
    chart: stats.SeriesControl, *, limited: np.ndarray, signals: list[list[dict]]
) -> list[dict | None]:
    """Each baseline phase's figure: None with fewer than 2 points; its centre line; its
    limits (else None) and signals when it has enough points. The columns are read as
    lists once: `has_chart` is computed over every series at each access, which per
    figure made this 0.3 s for 9,000 charts."""
    has_chart, is_p, limited = chart.has_chart.tolist(), chart.is_p.tolist(), limited.tolist()
    center, ucl, lcl, mr_bar, sigma, size = (
        getattr(chart, name).tolist()
        for name in ("center", "ucl", "lcl", "mr_bar", "sigma", "size")
    )
    n_points = chart.n_limit.tolist()
    found: list[dict | None] = []
    for k in range(len(chart)):
        if not has_chart[k]:
            found.append(None)
            continue
        p, limit = is_p[k], limited[k]
        found.append(
            {
                "chart": "p" if p else "xmr",
                "center": center[k],
                "ucl": ucl[k] if limit else None,
                "lcl": lcl[k] if limit else None,
                "mr_bar": mr_bar[k] if limit and not p else None,
                "sigma": sigma[k] if limit else None,
                "size": size[k] if p else None,
                "n_points": n_points[k],
                "signals": signals[k],
            }
        )
    return found


# Above this many charted targets the baseline read filters by stage rather than by a
# list of ids: SQLite caps the parameters of one statement.
BASELINE_ID_LIST = 500


def baseline_series(target_ids: list[int]) -> tuple[np.ndarray, ...]:
    """The baseline phase of these targets — every measurement before the change date,
    oldest first — as (ids, values, sizes, lengths): the series back to back in the
    order of `target_ids`, NaN for no size. One query, after the samples' read: a
    measurement recorded in between is a baseline point the samples did not see, which
    changes no result."""
    if postgresql.in_use():
        position, pk, value, size = postgresql.baseline_series(target_ids)
        lengths = np.bincount(position - 1, minlength=len(target_ids)).astype(np.int64)
        return pk, value, np.where(size == 0, np.nan, size).astype(np.float64), lengths
    before = Measurement.objects.filter(
        observed_at__date__lt=F("target__initiative__implemented_on")
    )
    if len(target_ids) <= BASELINE_ID_LIST:
        before = before.filter(target_id__in=target_ids)
    else:
        before = before.filter(target__initiative__stage__in=CONTROL_STAGES)
    target, pk, value, size = _stream(before)  # in target and time order
    wanted = np.array(target_ids, dtype=np.int64)
    sorter = np.argsort(wanted, kind="stable")
    at = np.searchsorted(wanted, target, sorter=sorter)
    known = at < len(wanted)
    known[known] = wanted[sorter[at[known]]] == target[known]
    rank = sorter[at[known]]
    order = np.argsort(rank, kind="stable")
    lengths = np.bincount(rank, minlength=len(wanted)).astype(np.int64)
    return pk[known][order], value[known][order], size[known][order], lengths


def observed_at(ids: list[int]) -> dict[int, dt.datetime]:
    """When each of these measurements was observed."""
    if postgresql.in_use():
        return postgresql.observed_at(ids)
    return dict(Measurement.objects.filter(pk__in=ids).values_list("pk", "observed_at"))


# --- saving ------------------------------------------------------------------------------


def save(samples: Samples, result: Figures, control: ControlColumns, *, as_of: dt.date) -> None:
    """Write each target's result as of `as_of` where a figure differs from its result in
    force on that date, and each target's latest_status where this date is its newest
    result's and the status changed."""
    now = timezone.now()
    if postgresql.in_use():
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
            error="",
            **result.row(i),
        )
        for i, pk in enumerate(samples.target_id)
    ]
    in_force = results_in_force(samples.target_id, as_of=as_of)
    changed = [row for row in rows if _differs(row, in_force.get(row.target_id))]
    ResultSnapshot.objects.bulk_create(
        changed,
        update_conflicts=True,
        unique_fields=["target", "as_of"],
        update_fields=[*FIGURE_FIELDS, "error"],
        batch_size=2000,
    )


def _differs(row: ResultSnapshot, previous: ResultSnapshot | None) -> bool:
    if previous is None or previous.error:
        return True
    return any(getattr(row, name) != getattr(previous, name) for name in COMPARED_FIELDS)


def results_in_force(target_ids: list[int], *, as_of: dt.date) -> dict[int, ResultSnapshot]:
    """Each target's result in force on `as_of`: its newest row as of then."""
    found = {}
    for start in range(0, len(target_ids), STATUS_BATCH):
        batch = target_ids[start : start + STATUS_BATCH]
        newest = ResultSnapshot.objects.filter(target=OuterRef("pk"), as_of__lte=as_of).order_by(
            "-as_of"
        )
        ids = Target.objects.filter(pk__in=batch).values(latest=Subquery(newest.values("pk")[:1]))
        for row in ResultSnapshot.objects.filter(pk__in=ids):
            found[row.target_id] = row
    return found
