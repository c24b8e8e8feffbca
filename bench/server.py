"""Serving the app for the HTTP benchmarks as production does, and talking to it.

gunicorn with DEBUG off (WhiteNoise's manifest storage, so `collectstatic` first), a random
SECRET_KEY, no Redis (jobs run in-process, as with the embedded default) and console
email. Only `SECURE_SSL_REDIRECT=0` differs from production (and the log level): there is
no TLS on 127.0.0.1, and with it on every request would be answered by a redirect. The
session and CSRF cookies stay `Secure`; the client sends them back over plain http all
the same (`http_session`).
"""

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"  # git-ignored: logs, CSV, the load test's users
# Variables of the caller's environment that would change what is measured.
DROPPED = ("REDIS_URL", "EMAIL_URL", "SECURE_PROXY_SSL_HEADER", "PROXY_COUNT", "LOG_LEVEL")


def production_env() -> dict:
    """This environment for gunicorn, and for the in-process set-up that must share its
    new random SECRET_KEY (sessions and their auth hashes are signed with it)."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        # testserver: the in-process Django test client that counts queries.
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="0",
        # Django logs every 4xx as a warning; the benchmarks report errors themselves.
        LOG_LEVEL="ERROR",
    )
    return env


def collectstatic(env: dict) -> None:
    """WhiteNoise's manifest, without which a page with DEBUG off fails to render.

    Skipped when the manifest exists and a dry run finds no static file changed since:
    the real run compresses every file again (gzip and brotli), most of a minute of CPU
    each time, which `make bench-tiny` would otherwise spend twice."""
    command = [sys.executable, "manage.py", "collectstatic", "--noinput"]
    if (ROOT / "staticfiles" / "staticfiles.json").exists():  # settings.STATIC_ROOT
        dry = subprocess.run(
            [*command, "--dry-run"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        if re.search(r"\b0 static files copied", dry.stdout):
            return
    subprocess.run([*command, "--verbosity", "0"], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Running:
    base: str  # http://127.0.0.1:PORT
    pid: int  # gunicorn's master


@contextlib.contextmanager
def gunicorn(env: dict, *, workers: int, log: Path, timeout: float = 60.0) -> Iterator[Running]:
    """Run `gunicorn config.wsgi` on a free port of 127.0.0.1 until the block ends. Its
    output goes to `log`."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", "1",
        "--timeout", "60",
    ]  # fmt: skip
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, timeout=timeout, log=log)
        yield Running(base, process.pid)
    finally:
        # TERM: gunicorn's graceful stop (workers finish their request, then exit).
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(*, gunicorn_pid: int, database: str) -> dict[str, float]:
    """CPU time used so far by gunicorn's workers and by the PostgreSQL backends connected
    to `database` (by pid, so a delta can skip processes that came or went)."""
    import psutil

    used = {}
    for worker in psutil.Process(gunicorn_pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):
            times = worker.cpu_times()
            used[f"gunicorn {worker.pid}"] = times.user + times.system
    for process in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            title = " ".join(process.info["cmdline"] or [])
            if title.startswith("postgres:") and f" {database} " in title:
                times = process.cpu_times()
                used[f"postgres {process.pid}"] = times.user + times.system
    return used


def wait_until_up(base: str, process: subprocess.Popen, *, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}; see {log}")
        # Refused until the socket is bound; slow while the workers boot on a busy machine.
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            # 401 without credentials: the app is up and answering.
            if requests.get(f"{base}/api/me/", timeout=10).status_code == 401:
                return
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within {timeout:.0f} s; see {log}")


def keep_over_http(cookies) -> None:
    """Clear the `Secure` flag of every cookie in a requests jar, so it is sent back over
    plain http: the server is on 127.0.0.1 without TLS while its session and CSRF cookies
    are `Secure`, as in production. (A jar policy would not do: requests copies the
    session's cookies into a fresh jar, with the default policy, for every request.)"""
    for cookie in cookies:
        cookie.secure = False


class PlainHttpSession(requests.Session):
    """A requests session that sends the site's `Secure` cookies back over http."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        keep_over_http(self.cookies)
        return response


def http_session() -> requests.Session:
    return PlainHttpSession()


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1)


def log_in(session: requests.Session, base: str, *, username: str, password: str) -> None:
    """Sign in through the login form, as a person does (one right password: django-axes
    counts only failures)."""
    form = session.get(f"{base}/accounts/login/", timeout=30)
    form.raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": csrf_token(form.text),
            "next": "/",
        },
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"signing in as {username} failed: HTTP {response.status_code}")
