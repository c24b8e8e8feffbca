"""Celery jobs for numbers. Each takes ids, calls one service, and is safe to repeat."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from improvement import notifications
from improvement.outcomes import awaiting_first_result
from metrics.ledger.rollup import rollup_open_quarters, rollup_quarter
from metrics.results.compute import compute_results
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
def measure_results(initiative_id: int | None = None, as_of: str | None = None) -> int:
    """Results for one initiative (queued after its data or stage changed) or all
    (nightly); returns the number of results written.

    For one initiative it also rolls up that initiative's rows of the open quarters (a
    closed one is left as it is), so the ledger follows its data and stage at once rather
    than after the next nightly rollup — cheap for one initiative, and the same with a
    worker as in process. (The ledger does not read the results: both are computed from
    the measurements.)

    A primary target measured for the first time (a test ran) is news for the idea's
    submitter and owner: which ones are told apart by reading, before the run, those not
    measured yet."""
    awaiting = awaiting_first_result(initiative_id=initiative_id)
    written = compute_results(initiative_id=initiative_id, as_of=as_of)
    if initiative_id is not None:
        rollup_open_quarters(initiative_id=initiative_id)
    notifications.first_results(target_ids=awaiting)
    return written


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
