import os
import uuid

import pytest

from config.celery import app, broker_health
from tests.faults.support import (
    REDIS_SERVER,
    RedisServer,
    Worker,
    reset_broker_connections,
    worker_database_url,
)


@pytest.fixture
def redis_server():
    """A running Redis of this test's own; killed at the end whatever happened."""
    if REDIS_SERVER is None:
        pytest.skip("needs the redis-server program")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def broker(celery_eager):
    """`broker(url)`: from now on the Celery app publishes to `url` instead of running
    tasks in-process (the autouse `celery_eager` fixture forces that for every other
    test). Everything is put back at the end."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def use(url: str) -> None:
        app.conf.broker_url = url
        app.conf.task_always_eager = False
        reset_broker_connections()
        broker_health.reset()

    yield use
    reset_broker_connections()
    broker_health.reset()
    for key, value in saved.items():
        app.conf[key] = value


@pytest.fixture
def workers(transactional_db):
    """`workers.start(name, queue=…, broker=…, **env)` → a running Worker against the test
    database. Every worker is stopped (killed if it will not stop) before the database is
    flushed: this fixture depends on transactional_db, so it is torn down first."""

    class Workers:
        def __init__(self):
            self.started: list[Worker] = []

        def start(self, name: str, *, queue: str, broker: str, **extra_env) -> Worker:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": worker_database_url(),
                "REDIS_URL": broker,
                **extra_env,
            }
            worker = Worker(name=f"{name}-{uuid.uuid4().hex[:8]}", queue=queue, env=env)
            self.started.append(worker)
            return worker

    pool = Workers()
    try:
        yield pool
    finally:
        for worker in pool.started:
            worker.stop()
