"""A worker killed with SIGKILL in the middle of the nightly recompute (one shard of it,
here every target): another worker runs the shard again, and the results are those of an
uninterrupted run, one row per target and date.

How the job comes back (kombu's Redis transport, acks_late): a worker that takes a
message moves it from the queue's list into the `unacked` hash, with the time in the
`unacked_index` sorted set, and deletes it from there only when the task has finished
(`acks_late`). A worker killed with SIGKILL never acknowledges nor hands the message
back (a warm shutdown would). Any worker's transport moves messages unacknowledged for
longer than `visibility_timeout` back to their queue — when it starts consuming
(`restore_visible` from `on_poll_init`), then about every 100 s — so the next worker
to start runs the job again. Production's timeout is 11 minutes (CELERY_VISIBILITY_TIMEOUT); the
workers here use 2 s, and the second one is started once that has passed.

How the kill lands mid-job, deterministically: the test holds an EXCLUSIVE lock on the
results table from a connection of its own. The first worker computes every figure, then
blocks in the INSERT … ON CONFLICT of the results; the test sees that in
pg_stat_activity and kills the worker there. Its database session is still waiting for
the lock (PostgreSQL notices a vanished client only when it next talks to it); once the
test releases the lock, the INSERT runs inside bulk_create's transaction, whose COMMIT
never comes, so PostgreSQL rolls it back when it finds the client gone. (Were the rows
written in several transactions, some could stay: the test only asks that each row be
the earlier run's or a right one.)

Half of the targets already have a row for the date (an earlier run that day, before the
last measurements): neither run may add a second row for them; the second run updates
them in place.

Runs on PostgreSQL with a Redis of the test's own (so the `unacked` keys it inspects,
and the 2 s timeout, concern this test alone).
"""

import contextlib
import datetime as dt
import random
import time
import uuid

import pytest
from django.db.models import Count

from improvement.models import Methodology, Stage
from metrics.models import ChartKind, Direction, ResultSnapshot
from metrics.results.compute import compute_results
from metrics.results.figures import FIGURE_FIELDS
from metrics.tasks import measure_shard
from tests.factories import (
    InitiativeFactory,
    LiveInitiativeFactory,
    MetricFactory,
    TargetFactory,
    record_series,
)
from tests.faults.support import (
    needs_postgres,
    needs_redis_server,
    postgres_connection,
    wait_until,
)

pytestmark = [
    *needs_postgres(
        "the workers are other processes, which cannot see SQLite's in-memory test database"
    ),
    needs_redis_server,
    # The flush after a transactional test empties the data migrations' rows too;
    # serialized_rollback puts them back for whichever transactional test runs next.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AS_OF = dt.date(2026, 6, 30)
CHANGE = dt.date(2026, 3, 2)
VISIBILITY_TIMEOUT = 2
BLOCKED_RESULTS_INSERT = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'
      AND query ILIKE '%insert%into%metrics_resultsnapshot%'
"""


def build_programme(seed: int = 7) -> set[int]:
    """Initiatives of every kind the job meets; returns the ids of the eligible targets."""
    rng = random.Random(seed)

    def noisy(center: float, n: int, spread: float = 1.0) -> list[float]:
        return [round(center + rng.uniform(-spread, spread), 3) for _ in range(n)]

    eligible = set()
    for i in range(3):
        # PDCA in check: a primary target that improved, a second one with money attached.
        check = LiveInitiativeFactory(stage=Stage.CHECK, implemented_on=CHANGE)
        primary = TargetFactory(initiative=check, baseline_value=10.0, target_value=8.0)
        record_series(primary, first=CHANGE - dt.timedelta(days=12), values=noisy(10, 12))
        record_series(primary, first=CHANGE, values=noisy(8 - i * 0.5, 15))
        money = TargetFactory(
            initiative=check,
            is_primary=False,
            metric=MetricFactory(direction=Direction.HIGHER_IS_BETTER),
            baseline_value=50.0,
            target_value=60.0,
            value_per_unit="120.50",
        )
        record_series(money, first=CHANGE - dt.timedelta(days=5), values=noisy(50, 5, 3))
        record_series(money, first=CHANGE, values=noisy(49 + i * 4, 6, 3))

        # DMAIC in control: a baseline window and enough points for limits and signals.
        control = LiveInitiativeFactory(
            methodology=Methodology.DMAIC, stage=Stage.CONTROL, implemented_on=CHANGE
        )
        charted = TargetFactory(
            initiative=control,
            baseline_value=30.0,  # as frozen from the window
            baseline_source="window",
            baseline_start=CHANGE - dt.timedelta(days=20),
            baseline_end=CHANGE - dt.timedelta(days=1),
        )
        record_series(charted, first=CHANGE - dt.timedelta(days=20), values=noisy(30, 20, 2))
        record_series(charted, first=CHANGE, values=[*noisy(25, 24, 1), 40, 41, 39])

        # Completed, a proportion with sample sizes (p-chart).
        completed = LiveInitiativeFactory(stage=Stage.COMPLETED, implemented_on=CHANGE)
        rate = TargetFactory(
            initiative=completed,
            metric=MetricFactory(chart_kind=ChartKind.PROPORTION, unit="%"),
            baseline_value=0.2,
            target_value=0.1,
        )
        record_series(rate, first=CHANGE, values=noisy(0.12, 22, 0.04), sample_size=200)

        # Live but nothing measured since the change: a `no_data` row.
        quiet = TargetFactory(initiative=LiveInitiativeFactory(stage=Stage.DO))
        eligible |= {primary.pk, money.pk, charted.pk, rate.pk, quiet.pk}

        # Not live or dead: no row at all.
        TargetFactory(initiative=InitiativeFactory())
        cancelled = TargetFactory(
            initiative=LiveInitiativeFactory(stage=Stage.CANCELLED, implemented_on=CHANGE)
        )
        record_series(cancelled, first=CHANGE, values=noisy(5, 4))
    return eligible


def figures_by_target() -> dict[int, dict]:
    """Every result row's figures (all but when it was computed), by target."""
    fields = [f for f in FIGURE_FIELDS if f != "computed_at"]
    return {
        row["target_id"]: {f: row[f] for f in fields}
        for row in ResultSnapshot.objects.filter(as_of=AS_OF).values("target_id", *fields)
    }


def test_it_recomputes_the_same_results_when_a_worker_is_killed_mid_job(
    redis_server, broker, workers
):
    eligible = build_programme()
    # What an uninterrupted run gives, computed here in-process, then forgotten.
    assert compute_results(as_of=AS_OF) == len(eligible)
    expected = figures_by_target()
    assert set(expected) == eligible
    assert {f["status"] for f in expected.values()} >= {"no_data", "achieved", "improving"}
    assert any(f["control"] and f["control"]["signals"] for f in expected.values())
    # An earlier run today left stale rows for half of the targets; the rest have none.
    stale = sorted(eligible)[::2]
    ResultSnapshot.objects.filter(target_id__in=stale).update(
        n_after=0, current_mean=None, improvement=None, status="no_data", control=None
    )
    ResultSnapshot.objects.exclude(target_id__in=stale).delete()
    before = {r.target_id: r for r in ResultSnapshot.objects.all()}
    earlier = figures_by_target()

    queue = f"fault-results-{uuid.uuid4().hex}"
    broker(redis_server.url)
    redis = redis_server.client()
    timeout = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    with (
        contextlib.closing(postgres_connection()) as watcher,
        contextlib.closing(postgres_connection(autocommit=False)) as locker,
    ):
        locker.execute("LOCK TABLE metrics_resultsnapshot IN EXCLUSIVE MODE")
        first = workers.start("first", queue=queue, broker=redis_server.url, **timeout)

        # The nightly run's work, as one shard of every target (metrics.results.shards).
        shard = (min(eligible), max(eligible))
        job = measure_shard.apply_async(
            args=shard, kwargs={"as_of": AS_OF.isoformat(), "full": True}, queue=queue
        )

        wait_until(
            lambda: first.says(f"[{job.id}] received"),
            what="the first worker takes the job",
            explain=first.explain,
        )
        blocked = wait_until(
            lambda: watcher.execute(BLOCKED_RESULTS_INSERT).fetchone(),
            what="the first worker computes every figure and starts writing them",
            explain=first.explain,
        )
        first.kill()

        # Taken, never acknowledged: the message waits in `unacked`, not in the queue.
        assert redis.llen(queue) == 0
        assert redis.hlen("unacked") == 1
        assert job.id in redis.hvals("unacked")[0].decode()

        locker.rollback()  # the dead worker's INSERT runs, but nobody commits it
        wait_until(
            lambda: (
                not watcher.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", blocked
                ).fetchone()
            ),
            what="the dead worker's database session ends",
        )
    # Whatever the dead worker left (here: nothing, its transaction was rolled back), each
    # row is the earlier run's or a right one, and there is one per target.
    after_kill = figures_by_target()
    assert ResultSnapshot.objects.count() == len(after_kill)
    assert all(f in (earlier.get(t), expected[t]) for t, f in after_kill.items())

    # The redelivery needs the message older than the visibility timeout.
    [(_, taken_at)] = redis.zrange("unacked_index", 0, -1, withscores=True)
    time.sleep(max(0.0, taken_at + VISIBILITY_TIMEOUT + 0.2 - time.time()))
    second = workers.start("second", queue=queue, broker=redis_server.url, **timeout)
    wait_until(
        lambda: second.says(f"[{job.id}] succeeded"),
        what="the second worker runs the job again",
        explain=lambda: second.explain() + "\n" + first.explain(),
    )

    # Acknowledged this time: nothing left to redeliver. The worker logs the success
    # before it acknowledges (a late ack), so the acknowledgement is waited for.
    wait_until(lambda: redis.hlen("unacked") == 0, what="the second worker acknowledges the job")
    assert redis.llen(queue) == 0
    # One row per target and date: the second run updated the rows in place.
    assert ResultSnapshot.objects.count() == len(eligible)
    assert not (
        ResultSnapshot.objects.values("target_id", "as_of").annotate(n=Count("id")).filter(n__gt=1)
    )
    rewritten = {r.target_id: r for r in ResultSnapshot.objects.all()}
    assert {t: rewritten[t].pk for t in stale} == {t: before[t].pk for t in stale}
    # A row is rewritten only where a figure changed (a target with no data already had
    # the right row).
    changed = {t for t in stale if earlier[t] != expected[t]}
    assert changed
    assert all(rewritten[t].computed_at > before[t].computed_at for t in changed)
    assert all(rewritten[t].computed_at == before[t].computed_at for t in set(stale) - changed)
    # … with exactly the figures of the uninterrupted run.
    assert figures_by_target() == expected
