"""A close and a rollup (or a review) of the same quarter at once: the quarter lock makes
the second wait, and then it sees the quarter closed and writes nothing.

Needs real transactions on separate connections: PostgreSQL (see
tests/improvement/test_concurrency.py for the harness this mirrors)."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from metrics.ledger import review, rollup
from metrics.models import QuarterClose, QuarterClosed, QuarterlyResult
from tests.factories import LiveInitiativeFactory, ReviewerFactory, TargetFactory, record_series
from tests.improvement.test_concurrency import (
    TIMEOUT,
    backend_pid,
    run_in_threads,
    wait_until_blocking,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: locks are what is tested, and SQLite's in-memory test "
        "database cannot be shared between threads",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def live_target():
    target = TargetFactory(
        initiative=LiveInitiativeFactory(implemented_on=dt.date(2026, 2, 10)),
        baseline_value=20.0,
        target_value=12.0,
        value_per_unit=Decimal("1000"),
    )
    record_series(target, first=dt.date(2026, 2, 10), values=[15, 16, 14, 15])
    return target


def close_while_second_waits(second_job):
    """Thread 1 takes the quarter lock, waits until thread 2 (running `second_job`) is
    blocked on it, then closes the quarter and commits. Returns what each returned."""
    reviewer = ReviewerFactory()
    locked = threading.Event()
    second_pid = []

    def first():
        with transaction.atomic():
            rollup.lock_quarter(2026, 1)
            locked.set()
            wait_until_blocking(_wait_for(second_pid))
            return review.close_quarter(
                year=2026, quarter=1, actor=reviewer, confirm_unreviewed=True
            )

    def second():
        assert locked.wait(TIMEOUT)
        second_pid.append(backend_pid())
        return second_job()

    return run_in_threads(first, second)


def _wait_for(box: list) -> int:
    """The second thread's backend pid, once it has one."""
    deadline = time.monotonic() + TIMEOUT
    while not box:
        assert time.monotonic() < deadline, "the second job never started"
        time.sleep(0.01)
    return box[0]


def test_it_makes_a_first_rollup_wait_for_a_close_of_a_quarter_with_no_rows():
    # No rows yet, so no row to lock: the advisory lock is what makes the rollup wait.
    live_target()

    closed, written = close_while_second_waits(lambda: rollup.rollup_quarter(year=2026, quarter=1))

    assert isinstance(closed, QuarterClose), closed
    assert written == 0
    assert not QuarterlyResult.objects.exists()


def test_it_makes_a_review_wait_for_a_close_and_then_refuses_it():
    live_target()
    rollup.rollup_quarter(year=2026, quarter=1)
    row = QuarterlyResult.objects.get()
    reviewer = ReviewerFactory()

    closed, refused = close_while_second_waits(
        lambda: review.mark_reviewed(rows=[row], actor=reviewer)
    )

    assert isinstance(closed, QuarterClose), closed
    assert isinstance(refused, QuarterClosed), refused
    row.refresh_from_db()
    assert row.reviewed_at is None
