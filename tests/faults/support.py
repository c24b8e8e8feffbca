"""What the fault tests share: a Redis server of the test's own (to stop and start at will
without touching the machine's shared one), Celery workers as subprocesses against the
test database, a direct PostgreSQL connection beside Django's, and polling.

A worker is another process, so everything it reads must be committed to a database it
can reach: tests that start one use `transaction=True` and PostgreSQL (the in-memory
SQLite test database is invisible to other processes).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app

REPO_ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")
WAIT_SECONDS = 30

needs_redis_server = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="needs the redis-server program, to run a Redis of the test's own that it can "
    "stop and start (apt-get install redis-server; CI installs it)",
)


def needs_postgres(why: str) -> list:
    """Marks for a test that runs on PostgreSQL only, saying `why` when skipped."""
    return [
        pytest.mark.postgres,
        pytest.mark.skipif(
            connection.vendor != "postgresql",
            reason=f"needs PostgreSQL (DATABASE_URL=postgres://…; CI's first pass): {why}",
        ),
    ]


def wait_until(condition, *, what: str, timeout: float = WAIT_SECONDS, explain=lambda: ""):
    """Poll `condition()` until it returns something truthy and return that; fail naming
    `what` (and whatever `explain()` adds, e.g. a worker's log) after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s\n{explain()}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server on a free local port, without persistence: `kill()` is an outage
    (what was queued is lost, as with any Redis run without persistence), `start()`
    brings it back on the same port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.clients = []

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--loglevel", "warning"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self.is_up, what=f"redis-server answering on port {self.port}", timeout=10)

    def is_up(self) -> bool:
        import redis

        try:
            with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
                return client.ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """SIGKILL: the server vanishes as in a crash; its clients' sockets are reset."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # also ends a paused (stopped) process
            self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: the server hangs with its connections open — the kernel still accepts
        connections and requests, but nothing is answered (a paused VM, a partition)."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self):
        """A redis-py client (it reconnects by itself after a restart); closed by
        `close()`."""
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=5)
        self.clients.append(client)
        return client

    def close(self) -> None:
        self.kill()
        for client in self.clients:
            client.close()


def reset_broker_connections() -> None:
    """Celery keeps a connection pool and a producer pool for the broker URL it first
    used, taken from kombu's registry of pools by URL; empty the registry (closing every
    pooled connection) and forget both, so that the next publish connects to whatever
    `app.conf.broker_url` says now. Closing a pool without dropping it from the registry
    would leave it there, closed, for the next test to get."""
    kombu_pools.reset()
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


def worker_database_url() -> str:
    """A URL for the test database this process uses, for a worker to connect to."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def postgres_connection(*, autocommit: bool = True):
    """A psycopg connection of the test's own to the test database, beside Django's: to
    lock a table, watch pg_stat_activity, end another session."""
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=autocommit,
    )


class Worker:
    """A `celery worker --pool=solo` subprocess logging at INFO (each task's "received"
    and "succeeded" lines) to a temporary file."""

    def __init__(self, *, name: str, queue: str, env: dict):
        self.name = name
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by stop())
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
        command += ["--concurrency=1", "-l", "info", "-Q", queue, "-n", f"{name}@%h"]
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def explain(self) -> str:
        code = self.process.poll()
        return f"--- worker {self.name} (exit code {code}) ---\n{self.output()[-6000:]}"

    def says(self, text: str) -> bool:
        """Whether the log has `text` yet; fails at once if the worker died without it."""
        if text in self.output():
            return True
        if self.process.poll() is not None:
            pytest.fail(f"worker {self.name} exited before logging {text!r}\n{self.explain()}")
        return False

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no handing messages back."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
