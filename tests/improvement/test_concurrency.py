"""Two people moving the same initiative at once: the row lock lets exactly one through.

Each thread has its own database connection, so these need real transactions
(`transaction=True`) and a database that threads can share: PostgreSQL. The flush after
a transactional test empties every table, data migrations' rows included (the Reviewers
group, the KPI catalog); `serialized_rollback` reloads them before each of these tests,
whichever transactional test ran before.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from improvement import workflow
from improvement.models import Initiative, Stage, StageTransition
from tests.factories import ReadyInitiativeFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: row locks are what is tested, and SQLite's in-memory "
        "test database cannot be shared between threads",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT = 10  # seconds; a deadlocked test fails instead of hanging


def run_in_threads(*jobs) -> list:
    """Run each job in its own thread (so on its own connection); what each returned or
    raised, in order."""
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        try:
            outcomes[index] = job()
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()  # this thread's connections only

    threads = [threading.Thread(target=run, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 3)
    assert not any(thread.is_alive() for thread in threads), "a mover never finished"
    return outcomes


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocking(pid: int) -> None:
    """Block until the session `pid` waits for a lock this thread's session holds: then
    the two moves truly overlap. (pg_blocking_pids is live; pg_stat_activity would show
    a snapshot frozen for the rest of this transaction.)"""
    deadline = time.monotonic() + TIMEOUT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))", [pid])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second move never waited for the row lock")


def split(outcomes) -> tuple[list, list]:
    moved = [o for o in outcomes if isinstance(o, Initiative)]
    refused = [o for o in outcomes if not isinstance(o, Initiative)]
    return moved, refused


def test_it_makes_a_second_mover_wait_for_the_lock_and_then_refuses_it():
    initiative = ReadyInitiativeFactory(stage=Stage.BACKLOG, sponsor=UserFactory())
    owner, sponsor = initiative.owner, initiative.sponsor
    both_ready = threading.Barrier(2, timeout=TIMEOUT)
    row_locked = threading.Event()
    second_pid = []

    def first():
        # Holds the row lock while the second move starts, then moves itself.
        with transaction.atomic():
            Initiative.objects.select_for_update().get(pk=initiative.pk)
            row_locked.set()
            both_ready.wait()
            wait_until_blocking(second_pid[0])
            return workflow.move(initiative=initiative, to=Stage.PLAN, actor=owner)

    def second():
        assert row_locked.wait(TIMEOUT)
        second_pid.append(backend_pid())
        both_ready.wait()
        return workflow.move(initiative=initiative, to=Stage.PLAN, actor=sponsor)

    outcome_first, outcome_second = run_in_threads(first, second)

    assert isinstance(outcome_first, Initiative), outcome_first
    assert isinstance(outcome_second, workflow.MoveRefused), outcome_second
    assert [u.code for u in outcome_second.unmet] == ["move_not_allowed"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN
    assert list(StageTransition.objects.values_list("from_stage", "to_stage", "actor")) == [
        (Stage.BACKLOG, Stage.PLAN, owner.pk)
    ]


@pytest.mark.parametrize("attempt", range(5))
def test_it_lets_exactly_one_of_two_simultaneous_moves_through(attempt):
    initiative = ReadyInitiativeFactory(stage=Stage.BACKLOG, sponsor=UserFactory())
    start = threading.Barrier(2, timeout=TIMEOUT)

    def move_as(actor):
        def job():
            start.wait()
            return workflow.move(initiative=initiative, to=Stage.PLAN, actor=actor)

        return job

    outcomes = run_in_threads(move_as(initiative.owner), move_as(initiative.sponsor))

    moved, refused = split(outcomes)
    assert len(moved) == 1, outcomes
    assert len(refused) == 1 and isinstance(refused[0], workflow.MoveRefused), outcomes
    assert [u.code for u in refused[0].unmet] == ["move_not_allowed"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN
    assert StageTransition.objects.filter(initiative=initiative).count() == 1
