"""The nightly results run as a Celery chord of shards through real workers and Redis
(issue 16): the shards share the work, the ledger rollup runs after the last one, and a
shard whose worker process is killed is delivered again and gives the same rows.

Needs REDIS_URL and PostgreSQL, as tests/metrics/test_celery_worker.py (CI runs it so).
"""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager

import pytest

from config.celery import app
from improvement.models import Stage
from metrics.models import QuarterlyResult, ResultSnapshot, Target
from metrics.results.compute import compute_results
from metrics.tasks import start_results
from tests.factories import LiveInitiativeFactory, TargetFactory, record_series
from tests.metrics.test_celery_worker import (
    REPO_ROOT,
    forget_queue,
    pytestmark,  # noqa: F401  (Redis, PostgreSQL, committed data)
    worker_database_url,
    worker_log,
)

CHANGE = dt.date(2026, 3, 2)
AS_OF = "2026-04-30"
WAIT_SECONDS = 60


@contextmanager
def worker(settings, *, pool: str, imports: list[str] = (), env: dict | None = None):
    """A worker of `pool` consuming a queue of its own, which the results run's tasks are
    sent to (RESULTS_QUEUE) while it runs; yields (process, log)."""
    queue = f"test-shards-{uuid.uuid4().hex}"
    settings.RESULTS_QUEUE = queue
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}"]
    command += ["--concurrency=1", "-l", "warning", "-Q", queue, "-n", f"{queue}@%h"]
    for module in imports:
        command += ["-I", module]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        **(env or {}),
    }
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield process, log
        finally:
            app.conf.task_always_eager = eager
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            forget_queue(queue)


@pytest.fixture
def programme(settings):
    """Six measured targets of three live initiatives, on the work list; shards of 2."""
    settings.RESULTS_SHARD_SIZE = 2
    targets = []
    for _ in range(3):
        initiative = LiveInitiativeFactory(stage=Stage.CHECK, implemented_on=CHANGE)
        for primary in (True, False):
            target = TargetFactory(initiative=initiative, is_primary=primary, baseline_value=10.0)
            record_series(target, first=CHANGE - dt.timedelta(days=4), values=[10, 11, 9, 10])
            record_series(target, first=CHANGE, values=[8, 7, 9, 8, 7])
            targets.append(target)
    return targets


def rows() -> list[tuple]:
    fields = [f.attname for f in ResultSnapshot._meta.concrete_fields]
    fields = [f for f in fields if f not in ("id", "computed_at")]
    return sorted(ResultSnapshot.objects.values_list(*fields))


def wait_until(done, process, log) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not done():
        assert process.poll() is None, f"the worker exited:\n{worker_log(log)}"
        assert time.monotonic() < deadline, f"not done after {WAIT_SECONDS} s:\n{worker_log(log)}"
        time.sleep(0.2)


def all_settled() -> bool:
    return not Target.objects.filter(results_stale_since__isnull=False).exists()


def test_the_nightly_run_is_a_chord_of_shards_then_the_ledger(programme, settings):
    with worker(settings, pool="solo") as (process, log):
        shards = start_results(as_of=AS_OF)

        assert shards == 3
        wait_until(lambda: all_settled() and QuarterlyResult.objects.exists(), process, log)
    assert ResultSnapshot.objects.count() == 6
    assert set(QuarterlyResult.objects.values_list("target_id", flat=True)) >= {
        t.pk for t in programme if t.is_primary
    }


def test_a_killed_shard_is_delivered_again_and_gives_the_same_rows(programme, settings, tmp_path):
    marker = tmp_path / "killed"
    with worker(
        settings,
        pool="prefork",
        imports=["tests.metrics.shard_killer"],
        env={"SHARD_KILL_MARKER": str(marker)},
    ) as (process, log):
        start_results(as_of=AS_OF)
        wait_until(lambda: all_settled() and QuarterlyResult.objects.exists(), process, log)
        assert marker.exists(), "no shard was killed"
    sharded = rows()

    ResultSnapshot.objects.all().delete()
    compute_results(as_of=dt.date.fromisoformat(AS_OF))  # in process, whole
    assert rows() == sharded
