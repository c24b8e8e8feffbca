"""The results job's work list, kept by the write path: which targets need their result
recomputed.

Every write that changes what a result is computed from — a measurement recorded,
corrected or deleted; a target's fields; an initiative's change date or stage; a metric's
direction or kind — calls `inputs_changed()`, the one place that marks the targets stale
and queues their initiative's recompute. The nightly run then computes only the stale
targets and those whose result depends on the date alone (`due()`: an interim result on
the target's due date), instead of every target, and `settled()` takes the computed ones
off the list.
"""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Now

from config.celery import enqueue_on_commit
from metrics.models import ResultSnapshot, Target
from metrics.results import postgresql


def inputs_changed(
    *,
    initiative_ids: Iterable[int] = (),
    target_ids: Iterable[int] = (),
    metric_id: int | None = None,
    mark: bool = True,
) -> None:
    """Mark the targets of these initiatives, these targets and this metric's targets
    stale, in the caller's transaction (so the mark commits with the change, or neither
    does), and queue each of their initiatives' recompute for when it commits (if that
    is lost, the nightly run still finds the marks). `mark=False` only queues: for a
    deleted target, whose initiative's ledger rows follow."""
    initiative_ids, target_ids = set(initiative_ids), set(target_ids)
    which = Q(initiative_id__in=initiative_ids) | Q(pk__in=target_ids)
    if metric_id is not None:
        which |= Q(metric_id=metric_id)
    if mark:
        Target.objects.filter(which).update(results_stale_since=Now())
    if target_ids or metric_id is not None:
        initiative_ids |= set(
            Target.objects.filter(which).values_list("initiative_id", flat=True).distinct()
        )
    for initiative_id in sorted(initiative_ids):
        enqueue_on_commit("metrics.tasks.measure_results", initiative_id=initiative_id)


def due(as_of: dt.date) -> Q:
    """The targets an incremental run as of `as_of` computes: the stale ones, and those
    whose due date has come while their result in force is still interim (a result row
    dated before the due date is interim; one on or after it is final, and the switch is
    a change of figures, so the first run on or after the date writes one)."""
    final = ResultSnapshot.objects.filter(target=OuterRef("pk"), as_of__gte=OuterRef("target_date"))
    return Q(results_stale_since__isnull=False) | Q(target_date__lte=as_of) & ~Exists(final)


def settled(*, stale_since: dict[int, dt.datetime]) -> None:
    """Take the targets a run computed off the work list: clear the mark of each that the
    run read as stale (`stale_since`: target id → its mark as read with the samples) —
    unless it was marked again since, by a write the run did not see."""
    marks = {pk: at for pk, at in stale_since.items() if at is not None}
    if not marks:
        return
    if postgresql.in_use():
        postgresql.clear_stale(marks)
        return
    # Per target "before the millisecond after the mark read" (marks only grow): SQLite
    # keeps the database's own timestamps as text to the millisecond ("…:22.000"), which
    # the same instant sent as a parameter ("…:22") does not match, even as text ordered.
    tick = dt.timedelta(milliseconds=1)
    ids = list(marks)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        cleared = [
            When(pk=pk, results_stale_since__lt=marks[pk] + tick, then=Value(None)) for pk in batch
        ]
        Target.objects.filter(pk__in=batch).update(
            results_stale_since=Case(*cleared, default=F("results_stale_since"))
        )


# Targets per UPDATE: SQLite caps the parameters of a statement (three a target here).
BATCH = 250
