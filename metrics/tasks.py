"""Celery jobs for numbers. Each takes ids, calls one service, and is safe to repeat."""

import datetime as dt

from celery import chord, current_app, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from improvement import notifications
from improvement.outcomes import awaiting_first_result
from metrics.ledger.rollup import rollup_open_quarters, rollup_quarter
from metrics.results.compute import compute_results
from metrics.results.shards import Shard, compute_shard, plan
from metrics.results.sustainment import watch

# Worth retrying: the database connection dropped or the server was briefly away.
TRANSIENT = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(soft_time_limit=8 * 60, time_limit=10 * 60, **RETRY)
def measure_results(
    initiative_id: int | None = None, as_of: str | None = None, full: bool = False
) -> int:
    """Results for one initiative (queued after its data or stage changed), or the
    nightly run: the targets on the work list (metrics.results.stale) — every eligible
    target with `full` — in shards, then the open quarters' ledger rows. Returns the
    number of targets computed for one initiative, of shards queued for the nightly run.

    For one initiative it also rolls up that initiative's rows of the open quarters (a
    closed one is left as it is), so the ledger follows its data and stage at once rather
    than after the next nightly rollup — cheap for one initiative, and the same with a
    worker as in process. (The ledger does not read the results: both are computed from
    the measurements.)

    A primary target measured for the first time (a test ran) is news for the idea's
    submitter and owner: which ones are told apart by reading, before the run, those not
    measured yet."""
    if initiative_id is None:
        return start_results(as_of=as_of, full=full)
    awaiting = awaiting_first_result(initiative_id=initiative_id)
    written = compute_results(initiative_id=initiative_id, as_of=as_of)
    rollup_open_quarters(initiative_id=initiative_id)
    notifications.first_results(target_ids=awaiting)
    return written


def start_results(*, as_of: str | None = None, full: bool = False) -> int:
    """Queue the run's shards as one Celery chord whose callback rolls up the ledger; in
    process (no broker) run them one after another. Returns the number of shards."""
    today = timezone.localdate().isoformat()
    # The work list is today's: a run for another date computes every target.
    full = full or (as_of is not None and as_of != today)
    as_of = as_of or today
    shards = plan(as_of=dt.date.fromisoformat(as_of), full=full)
    if current_app.conf.task_always_eager:  # no broker: one after another, here
        results_done([measure_shard(*shard, as_of=as_of, full=full) for shard in shards])
        return len(shards)
    route = {"queue": settings.RESULTS_QUEUE} if settings.RESULTS_QUEUE else {}
    tasks = [measure_shard.si(*shard, as_of=as_of, full=full).set(**route) for shard in shards]
    done = results_done.s().set(**route)
    if tasks:
        chord(tasks)(done)
    else:
        done.delay([])
    return len(shards)


# A shard is acknowledged when it is done, not when received: if its worker dies, the
# broker hands it to another (reject_on_worker_lost), which computes it again.
@shared_task(
    soft_time_limit=8 * 60,
    time_limit=10 * 60,
    reject_on_worker_lost=True,
    ignore_result=False,  # the chord counts its shards' results
    **RETRY,
)
def measure_shard(
    first: int, last: int, ids: list[int] | None = None, *, as_of: str, full: bool = False
) -> int:
    """One shard of the nightly run (metrics.results.shards.Shard): the targets `ids`,
    or every eligible one with an id first..last. Safe to repeat: rows are written only
    where a figure changed."""
    awaiting = awaiting_first_result(id_range=(first, last))
    # In a worker, on one connection; in process (no broker), its halves at once.
    in_process = measure_shard.request.called_directly
    computed = compute_shard(Shard(first, last, ids), as_of=as_of, full=full, parallel=in_process)
    notifications.first_results(target_ids=awaiting)
    return computed


@shared_task(soft_time_limit=8 * 60, time_limit=10 * 60, **RETRY)
def results_done(computed: list[int]) -> int:
    """After the last shard: the open quarters' ledger rows. Returns the targets computed."""
    rollup_open_quarters()
    return sum(computed)


@shared_task(soft_time_limit=8 * 60, time_limit=10 * 60, **RETRY)
def quarterly_rollup() -> int:
    return rollup_open_quarters()


@shared_task(soft_time_limit=8 * 60, time_limit=10 * 60, **RETRY)
def sustainment_watch() -> int:
    return watch()


@shared_task(soft_time_limit=5 * 60, time_limit=10 * 60, **RETRY)
def rollup_ledger_row(year: int, quarter: int, initiative_id: int) -> int:
    """One initiative's ledger row of one quarter, queued from the review desk; writes
    nothing once the quarter is closed."""
    return rollup_quarter(year=year, quarter=quarter, initiative_id=initiative_id)
