"""The results job through a real Celery worker and Redis, the way production runs it.

Needs REDIS_URL and PostgreSQL (CI runs the suite so): the worker is another process,
so the test data must be committed (transaction=True) to a database it can reach — the
in-memory SQLite test database is invisible to it.
"""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.result import EagerResult
from django.db import connection

from config.celery import app
from improvement.models import Stage
from metrics.models import ResultSnapshot
from metrics.tasks import measure_results
from tests.factories import LiveInitiativeFactory, TargetFactory, record_series

REPO_ROOT = Path(__file__).resolve().parents[2]
CHANGE = dt.date(2026, 3, 2)
WAIT_SECONDS = 30

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="needs a Redis broker: set REDIS_URL (CI sets redis://127.0.0.1:6379/0)",
    ),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the worker process cannot see SQLite's in-memory test database",
    ),
    # The flush after a transactional test empties the data migrations' rows too;
    # serialized_rollback puts them back for whichever transactional test runs next.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def worker_database_url() -> str:
    """A URL for the test database this process uses, for the worker to connect to."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def worker_queue(transactional_db):
    """Start a worker consuming a queue of its own; yield (queue name, process, log file).
    The worker is stopped before the database is flushed (this fixture depends on
    transactional_db), and killed if it will not stop."""
    queue = f"test-results-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["--concurrency=1", "-l", "warning", "-Q", queue, "-n", f"{queue}@%h"]
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # this test needs the broker, not an in-process run
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield queue, process, log
        finally:
            app.conf.task_always_eager = eager
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            forget_queue(queue)


def forget_queue(queue: str) -> None:
    """Drop what kombu keeps in Redis for the queue, so runs leave nothing behind."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


def worker_log(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-4000:]


def test_it_computes_results_in_a_worker(worker_queue, api_as):
    queue, process, log = worker_queue
    initiative = LiveInitiativeFactory(stage=Stage.CHECK)
    # Due at the change: a final look (α = 0.05); one-sample against the typed 10.
    target = TargetFactory(
        initiative=initiative, baseline_value=10.0, target_value=8.0, target_date=CHANGE
    )
    record_series(target, first=CHANGE - dt.timedelta(days=4), values=[10, 11, 9, 10])
    record_series(target, first=CHANGE, values=[8, 7, 9, 8])

    queued = measure_results.apply_async(kwargs={"initiative_id": initiative.pk}, queue=queue)

    assert not isinstance(queued, EagerResult)
    deadline = time.monotonic() + WAIT_SECONDS
    while not ResultSnapshot.objects.filter(target=target).exists():
        assert process.poll() is None, f"the worker exited:\n{worker_log(log)}"
        assert time.monotonic() < deadline, f"no result after {WAIT_SECONDS} s:\n{worker_log(log)}"
        time.sleep(0.2)
    response = api_as(initiative.owner).get(f"/api/targets/{target.pk}/results/")
    assert response.status_code == 200
    result = response.json()
    assert (result["n_before"], result["n_after"]) == (4, 4)
    assert result["current_mean"] == pytest.approx(8.0)
    assert result["improvement"] == pytest.approx(2.0)  # lower is better: 10 → 8
    assert result["status"] == "achieved"  # target 8 reached, significantly
