"""Load test: 50 concurrent users for 2 minutes, mixed reads and writes, against gunicorn
on PostgreSQL (the scenario is bench/locustfile.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.load

1. The benchmark database of the chosen size (`improvement_bench_10k` by default) is made
   or reused by `bench.generate`, then copied to `improvement_load` (`CREATE DATABASE …
   TEMPLATE`, a few seconds), so the writes of a run never change the data set the HTTP
   benchmark measures, and every run starts from the same data.
2. In the copy: results, one person per simulated user (each the owner of initiatives of
   its own, every fifth a reviewer) with an API token and a signed-in session, written to
   bench/out/load-users.json.
3. gunicorn with DEBUG off, 2 × CPUs + 1 sync workers; no Redis, so the results job that
   a new measurement queues runs in the request, as with the embedded default.
4. locust, headless; then the totals and each request type's count, failures, rate and
   percentiles, the rows the writes made, and the CPU time gunicorn's workers and the
   database's backends used per request (sampled every second), which unlike latency does
   not depend on what else the machine is running.

Exits 1 if a request failed (a wrong status counts), unless --no-fail.
"""

import argparse
import csv
import os
import resource
import subprocess
import sys
import time
from urllib.parse import unquote, urlsplit

from bench import server

LOAD_DATABASE = "improvement_load"
# --tiny: a few users for a few seconds on 100 initiatives, in databases dropped first.
# It shows the load test still runs end to end (CI runs it with --no-fail), not a figure.
TINY = {"initiatives": 100, "users": 5, "spawn_rate": 5, "duration": "10s", "workers": 2}


def clone(source: str, target: str) -> None:
    """DROP and CREATE `target` as a copy of `source` (which must have no connections)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(os.environ["DATABASE_URL"])
    params = {
        "dbname": "postgres",
        "host": parts.hostname,
        "port": parts.port,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(target)))
        try:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(target), sql.Identifier(source)
                )
            )
        except psycopg.errors.ObjectInUse:
            sys.exit(f"{source} is in use (is `make bench` running?): it cannot be copied now.")


def prepare(users: int) -> dict:
    """In the copy (Django set up on it): results, people, what to browse."""
    import json

    from bench import fixtures

    fixtures.ensure_results()
    setup = {
        "people": fixtures.load_users(users),
        "browse": fixtures.browse_ids(),
        "area": fixtures.area_id(),
        # The API list pages the integrations ask for: 5, and 2 per stage (every one of
        # these stages has 50 initiatives or more at 1,000); fewer on a tiny data set.
        "pages": fixtures.api_pages(5),
        "stage_pages": {
            stage: fixtures.api_pages(2, stage=stage)
            for stage in ("do", "check", "improve", "control", "backlog")
        },
    }
    path = server.OUT / "load-users.json"
    path.write_text(json.dumps(setup))
    return {"path": path, "people": setup["people"]}


def warm_up(base: str, person: dict, *, rounds: int) -> None:
    """A few requests to the main pages and endpoints first, so that every worker has its
    templates loaded and its database connection open before the timed run."""
    web = server.http_session()
    web.cookies.set("sessionid", person["session"])
    api = server.http_session()
    api.headers["Authorization"] = f"Token {person['token']}"
    pk = person["initiatives"][0]["id"]
    for _ in range(rounds):
        for client, path in [
            (web, "/"), (web, "/initiatives/"), (web, f"/initiatives/{pk}/"), (web, "/matrix/"),
            (web, "/ideas/new/"), (api, "/api/initiatives/"), (api, f"/api/initiatives/{pk}/"),
            (api, "/api/backlog/"), (api, "/api/matrix/"),
        ]:  # fmt: skip
            response = client.get(base + path, allow_redirects=False, timeout=60)
            if response.status_code != 200:
                sys.exit(f"warm-up: GET {path} answered HTTP {response.status_code}")


def written(people: list[dict]) -> dict[str, int]:
    """Rows the run's writes made in the copy."""
    from improvement.models import Initiative, StageTransition
    from metrics.models import Measurement

    names = [p["username"] for p in people]
    return {
        "ideas": Initiative.objects.filter(submitted_by__username__in=names).count(),
        "measurements": Measurement.objects.filter(recorded_by__username__in=names).count(),
        "stage moves": StageTransition.objects.filter(actor__username__in=names).count(),
    }


def read_stats(path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--initiatives", type=int, default=10_000, help="data set (10000)")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started a second")
    parser.add_argument("--duration", default="2m", help="locust's --run-time (2m)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--wait", default="1,2", help="think time, min,max seconds (1,2)")
    parser.add_argument("--no-fail", action="store_true", help="report only; always exit 0")
    parser.add_argument(
        "--tiny", action="store_true", help="smoke run: 5 users for 10 s, 100 initiatives"
    )
    args = parser.parse_args(argv)
    if args.tiny:  # the tiny defaults, under anything given explicitly
        parser.set_defaults(**TINY)
        args = parser.parse_args(argv)

    if urlsplit(os.environ.get("DATABASE_URL", "")).scheme not in ("postgres", "postgresql"):
        sys.exit(
            "The load test needs PostgreSQL. Set DATABASE_URL to a PostgreSQL server, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make load\n"
            f"It works on a copy of a benchmark database, {LOAD_DATABASE}."
        )
    from bench import db, fixtures

    out = lambda *a: print(*a, flush=True)  # noqa: E731
    load_start = os.getloadavg()[0]
    source = fixtures.database_for(args.initiatives)
    if args.tiny:
        db.drop(source, LOAD_DATABASE)
    # The data set, in a process of its own: Django is then set up here on the copy.
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--initiatives", str(args.initiatives),
         "--intake", str(fixtures.intake_for(args.initiatives)), "--database", source],
        cwd=server.ROOT, check=True,
    )  # fmt: skip
    clone(source, LOAD_DATABASE)
    out(f"copied {source} to {LOAD_DATABASE}")

    # The SECRET_KEY that signs the sessions made here is gunicorn's too.
    os.environ.update(server.production_env())
    db.setup(LOAD_DATABASE, command="make load")
    setup = prepare(args.users)
    before = written(setup["people"])
    server.collectstatic(dict(os.environ))

    prefix = server.OUT / "load"
    log = server.OUT / "gunicorn-load.log"
    env = {**os.environ, "BENCH_LOAD_USERS": str(setup["path"]), "BENCH_LOAD_WAIT": args.wait}
    with (
        open(server.OUT / "load-locust.log", "w") as locust_log,
        server.gunicorn(dict(os.environ), workers=args.workers, log=log) as running,
    ):
        base = running.base
        warm_up(base, setup["people"][0], rounds=2 * args.workers)
        # CPU seconds, so the cost of a request can be told apart from the machine's load.
        cpu_before = server.cpu_seconds(gunicorn_pid=running.pid, database=LOAD_DATABASE)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        out(
            f"locust: {args.users} users (spawned {args.spawn_rate:g}/s) for {args.duration} "
            f"against {base} (gunicorn -w {args.workers}, {LOAD_DATABASE})"
        )
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", "bench/locustfile.py", "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.duration,
             "--host", base, "--csv", str(prefix), "--only-summary",
             "--stop-timeout", "30", "--loglevel", "WARNING"],
            cwd=server.ROOT, env=env, stdout=locust_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        # Sampled every second: a PostgreSQL backend ends when gunicorn recycles its
        # connection (CONN_MAX_AGE), taking its CPU time with it.
        cpu = dict(cpu_before)
        while locust.poll() is None:
            cpu.update(server.cpu_seconds(gunicorn_pid=running.pid, database=LOAD_DATABASE))
            time.sleep(1)
        seconds = time.monotonic() - started
        cpu.update(server.cpu_seconds(gunicorn_pid=running.pid, database=LOAD_DATABASE))
        # gunicorn is not reaped yet: the children's usage that grew is locust's.
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = {
        kind: sum(t - cpu_before.get(k, 0.0) for k, t in cpu.items() if k.startswith(kind))
        for kind in ("gunicorn", "postgres")
    }
    used["locust"] = (children.ru_utime + children.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    after = written(setup["people"])
    load_end = os.getloadavg()[0]

    stats = read_stats(f"{prefix}_stats.csv")
    rows = [r for r in stats if r["Name"] != "Aggregated"]
    total = next(r for r in stats if r["Name"] == "Aggregated")
    out("")
    out(
        f"machine: {os.cpu_count()} CPUs, load average {load_start:.1f} at the start, "
        f"{load_end:.1f} at the end; data set {source} ({args.initiatives:,} initiatives)"
    )
    out(f"{'request':<44}{'count':>7}{'fail':>6}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'p99 ms':>8}")  # fmt: skip
    for r in [*sorted(rows, key=lambda r: -int(r["Request Count"])), total]:
        if r is total:
            name = "all requests"
        elif r["Name"].startswith(("GET ", "POST ")):
            name = r["Name"]
        else:
            name = f"{r['Type']} {r['Name']}"
        out(
            f"{name:<44}{int(r['Request Count']):>7}{int(r['Failure Count']):>6}"
            f"{float(r['Requests/s']):>8.1f}{r['50%']:>8}{r['95%']:>8}{r['99%']:>8}"
        )
    failures = int(total["Failure Count"])
    made = {k: after[k] - before[k] for k in after}
    out("")
    out(
        f"total {int(total['Request Count']):,} requests, {failures} failures, "
        f"{float(total['Requests/s']):.1f} req/s, p95 {total['95%']} ms; the writes made "
        + ", ".join(f"{n:,} {k}" for k, n in made.items())
    )
    requests = max(1, int(total["Request Count"]))
    per_request = {k: used[k] * 1000 / requests for k in ("gunicorn", "postgres")}
    out(
        f"CPU over the {seconds:.0f} s run: gunicorn workers {used['gunicorn']:.0f} s, "
        f"PostgreSQL {used['postgres']:.0f} s, locust {used['locust']:.0f} s "
        f"({sum(used.values()) / seconds:.2f} of {os.cpu_count()} cores); per request "
        f"{per_request['gunicorn']:.0f} ms in gunicorn + {per_request['postgres']:.0f} ms in "
        f"PostgreSQL, so {os.cpu_count()} cores given to the server alone would serve about "
        f"{os.cpu_count() * 1000 / sum(per_request.values()):.0f} req/s of this mix"
    )
    for row in read_stats(f"{prefix}_failures.csv"):
        out(f"  {row['Occurrences']:>5} × {row['Method']} {row['Name']}: {row['Error'][:200]}")
    if failures or locust.returncode:
        out(f"locust's output: {server.OUT / 'load-locust.log'}; the server's: {log}")
    if (failures or locust.returncode) and not args.no_fail:
        out("FAIL")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
