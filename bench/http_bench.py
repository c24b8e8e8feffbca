"""HTTP benchmark: latency and SQL queries per request of the main API endpoints and
pages, served by gunicorn on PostgreSQL, at two sizes of data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.http_bench

For each size (1,000 then 10,000 initiatives, plus 10 % more ideas in intake; each in a
database of its own, `improvement_bench_1k` and `improvement_bench_10k`, built once by
`bench.generate` and reused), in a child process of its own:

1. results are computed once (as of the generator's date), so the pages show them;
2. the user is a reviewer and the owner of the worst-case initiative (in control, the
   most measurements): its page shows every panel;
3. SQL queries per request: one request per endpoint through Django's test client in
   process, after a warm-up request, with the same user;
4. latency: gunicorn (`-w 2 --threads 1`, DEBUG off) on a free port; after a warm-up,
   --rounds rounds, each sending one request to every endpoint in a shuffled order, one
   at a time, so a change in the machine's load hits every endpoint alike. The client
   (requests) times each request to the end of its body.

The floor is `GET /api/me/`, a trivial authenticated JSON view, measured with each kind
of authentication: API endpoints (token) are compared with it under a token, pages
(session cookie from signing in through the login form) under the session.

Targets: every endpoint's p95 ≤ 5 × its floor's p95; ≤ 10 queries per request; no more
queries at the larger size than at the smaller. An endpoint over the query target has
its SQL listed; one over the latency target is profiled in process (SQL versus Python,
the slowest statements, the functions that take the time). Exits 1 when a target is
missed, unless --no-fail.
"""

import argparse
import functools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench import profiling, server

TARGET_RATIO = 5.0
TARGET_QUERIES = 10
SQL_CHARS = 100
# --tiny: every step once at 100 and 300 initiatives, in databases dropped first, in
# seconds. It shows the benchmark still runs end to end (CI runs it with --no-fail); its
# figures mean nothing.
TINY = {"sizes": "100,300", "rounds": 10, "warmup": 2}


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    path: str  # "{initiative}" is the showcase initiative's id
    auth: str  # "token" (API) or "session" (pages)
    floor: bool = False


ENDPOINTS = [
    Endpoint("api_me", "GET /api/me/ (floor)", "/api/me/", "token", floor=True),
    Endpoint("api_initiatives", "GET /api/initiatives/", "/api/initiatives/", "token"),
    Endpoint("api_backlog", "GET /api/backlog/", "/api/backlog/", "token"),
    Endpoint("api_matrix", "GET /api/matrix/", "/api/matrix/", "token"),
    Endpoint(
        "api_initiative", "GET /api/initiatives/{id}/", "/api/initiatives/{initiative}/", "token"
    ),
    Endpoint("web_me", "GET /api/me/ (floor)", "/api/me/", "session", floor=True),
    Endpoint("dashboard", "dashboard  /", "/", "session"),
    Endpoint("initiative_page", "initiative page  /initiatives/{id}/", "/initiatives/{initiative}/",
             "session"),
    Endpoint("matrix_page", "matrix page  /matrix/", "/matrix/", "session"),
    Endpoint("list_page", "initiatives list page  /initiatives/", "/initiatives/", "session"),
]  # fmt: skip
FLOOR = {e.auth: e.key for e in ENDPOINTS if e.floor}


# --- in the child: one size ------------------------------------------------------------------


def measure(initiatives: int, *, rounds: int, warmup: int, workers: int, rebuild: bool) -> dict:
    from bench import db, fixtures

    out = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    database = fixtures.database_for(initiatives)
    db.setup(database, command="make bench")
    load_start = os.getloadavg()[0]
    started = time.perf_counter()
    data = fixtures.prepare(initiatives, rebuild=rebuild)
    user, password, token, initiative = fixtures.http_user()
    out(
        f"[{database}] {data.initiatives:,} initiatives ({data.intake:,} in intake), "
        f"{data.targets:,} targets, {data.measurements:,} measurements "
        f"({'built' if data.built else 'reused'}; ready in {time.perf_counter() - started:.1f} s);"
        f" initiative #{initiative}"
    )
    paths = {e.key: e.path.format(initiative=initiative) for e in ENDPOINTS}

    queries = {e.key: count_queries(e, paths[e.key], user, token) for e in ENDPOINTS}
    log = server.OUT / f"gunicorn-http-{database}.log"
    with server.gunicorn(dict(os.environ), workers=workers, log=log) as running:
        base = running.base
        api = server.http_session()
        api.headers["Authorization"] = f"Token {token}"
        web = server.http_session()
        server.log_in(web, base, username=user.username, password=password)
        out(f"[{database}] timing {rounds} rounds of {len(ENDPOINTS)} endpoints on {base}")
        samples = time_requests(
            base, {"token": api, "session": web}, paths, rounds=rounds, warmup=warmup
        )
    rows = {}
    for e in ENDPOINTS:
        p50, p95 = percentile(samples[e.key], 50), percentile(samples[e.key], 95)
        rows[e.key] = {"p50": p50, "p95": p95, **queries[e.key]}
    for e in ENDPOINTS:
        rows[e.key]["ratio"] = rows[e.key]["p95"] / rows[FLOOR[e.auth]]["p95"]
    for e in ENDPOINTS:
        if rows[e.key]["ratio"] > TARGET_RATIO:
            out(f"[{database}] profiling {e.label}")
            request = functools.partial(get_ok, test_client(e.auth, user, token), paths[e.key])
            rows[e.key]["profile"] = profiling.profile(request)
    return {
        "initiatives": data.initiatives,
        "intake": data.intake,
        "targets": data.targets,
        "measurements": data.measurements,
        "database": database,
        "initiative": initiative,
        "rounds": rounds,
        "workers": workers,
        "load": [load_start, os.getloadavg()[0]],
        "endpoints": rows,
    }


def test_client(auth: str, user, token: str):
    from django.test import Client

    from bench.fixtures import session_backend

    if auth == "token":
        return Client(headers={"Authorization": f"Token {token}"})
    client = Client()
    client.force_login(user, backend=session_backend())
    return client


def get_ok(client, path: str):
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} in process: HTTP {response.status_code}")
    return response


def count_queries(endpoint: Endpoint, path: str, user, token: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = test_client(endpoint.auth, user, token)
    get_ok(client, path)  # warm-up: caches filled once per process are not per request
    with CaptureQueriesContext(connection) as captured:
        get_ok(client, path)
    return {
        "queries": len(captured.captured_queries),
        "sql": [profiling.describe_sql(q["sql"]) for q in captured.captured_queries],
    }


def time_requests(base: str, clients: dict, paths: dict, *, rounds: int, warmup: int) -> dict:
    """Milliseconds of each request, per endpoint; a response other than 200 stops the run
    (a redirect to the login page would otherwise time the wrong page)."""
    order = list(ENDPOINTS)
    rng = random.Random(7)
    samples: dict[str, list[float]] = {e.key: [] for e in ENDPOINTS}
    for i in range(warmup + rounds):
        rng.shuffle(order)
        for e in order:
            url = base + paths[e.key]
            start = time.perf_counter()
            response = clients[e.auth].get(url, allow_redirects=False, timeout=120)
            body = response.content  # read to the end
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"GET {url}: HTTP {response.status_code} {body[:200]!r}")
            if i >= warmup:
                samples[e.key].append(elapsed)
    return samples


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# --- in the parent: every size, the table ----------------------------------------------------


def label(initiatives: int) -> str:
    return f"{initiatives // 1000}k" if initiatives % 1000 == 0 else f"{initiatives:,}"


def report(results: dict[int, dict], sizes: list[int]) -> tuple[list[str], list[str], bool]:
    """The console table, the same as Markdown, and whether every target is met."""
    first, last = sizes[0], sizes[-1]
    labels = [label(s) for s in sizes]
    lines, md = [], []
    head_q = "  ".join(f"{lb:>4}" for lb in labels)
    head_t = "  ".join(f"{'p50 / p95 ' + lb:>17}" for lb in labels)
    head_r = "  ".join(f"{lb:>6}" for lb in labels)
    n = len(sizes)
    lines.append(
        f"{'endpoint':<38}{'auth':<9}{'queries':>{6 * n}}   "
        f"{'latency, ms':^{19 * n}}  {'p95 ÷ floor':>{8 * n}}"
    )
    lines.append(f"{'':<38}{'':<9}  {head_q}  {head_t}  {head_r}")
    md.append(
        "| endpoint | auth | "
        + " | ".join(f"queries {lb}" for lb in labels)
        + " | "
        + " | ".join(f"p50 / p95 ms {lb}" for lb in labels)
        + " | "
        + " | ".join(f"p95 ÷ floor {lb}" for lb in labels)
        + " |"
    )
    md.append("|---|---|" + "---:|" * (3 * len(sizes)))
    failures = []
    for e in ENDPOINTS:
        rows = [results[s]["endpoints"][e.key] for s in sizes]
        q = "  ".join(f"{r['queries']:>4}" for r in rows)
        t = "  ".join(f"{r['p50']:>7.1f} / {r['p95']:>7.1f}" for r in rows)
        ratio = "  ".join(f"{r['ratio']:>5.1f}×" for r in rows)
        lines.append(f"{e.label:<38}{e.auth:<9}  {q}  {t}  {ratio}")
        md.append(
            f"| {e.label.replace('  ', ' ')} | {e.auth} | "
            + " | ".join(str(r["queries"]) for r in rows)
            + " | "
            + " | ".join(f"{r['p50']:.1f} / {r['p95']:.1f}" for r in rows)
            + " | "
            + " | ".join(f"{r['ratio']:.1f}×" for r in rows)
            + " |"
        )
        for s, r in zip(sizes, rows, strict=True):
            if not e.floor and r["ratio"] > TARGET_RATIO:
                failures.append(("latency", e, s))
            if r["queries"] > TARGET_QUERIES:
                failures.append(("queries", e, s))
        if rows[-1]["queries"] > rows[0]["queries"]:
            failures.append(("growth", e, last))

    def names(kind: str) -> str:
        found = [f"{e.label.split('  ')[0]} ({label(s)})" for k, e, s in failures if k == kind]
        return ", ".join(found) if found else ""

    checks = [
        (f"every p95 ≤ {TARGET_RATIO:g}× its floor's", names("latency")),
        (f"≤ {TARGET_QUERIES} queries per request", names("queries")),
        (f"no growth in queries {label(first)} → {label(last)}", names("growth")),
    ]
    lines.append("")
    md.append("")
    md.append("| target | result |")
    md.append("|---|---|")
    for name, missed in checks:
        verdict = f"FAIL: {missed}" if missed else "PASS"
        lines.append(f"{name:<40}{verdict}")
        md.append(f"| {name} | {'**' + verdict + '**' if missed else verdict} |")
    return lines, md, not failures


def details(results: dict[int, dict], sizes: list[int]) -> list[str]:
    """The SQL of every endpoint over the query target, and the profile of every one over
    the latency target."""
    lines = []
    for e in ENDPOINTS:
        over = [s for s in sizes if results[s]["endpoints"][e.key]["queries"] > TARGET_QUERIES]
        if over:
            s = over[-1]
            r = results[s]["endpoints"][e.key]
            lines.append(f"\n{e.label.split('  ')[0]}: {r['queries']} queries ({label(s)}):")
            lines += [f"  {i:2}. {sql}" for i, sql in enumerate(r["sql"], 1)]
    for s in sizes:
        for e in ENDPOINTS:
            r = results[s]["endpoints"][e.key]
            p = r.get("profile")
            if not p:
                continue
            rendering = (
                f"; template rendering {p['templates'][0]['ms']:.1f} ms (SQL its querysets "
                "run included)"
                if p["templates"]
                else ""
            )
            lines.append(
                f"\n{e.label.split('  ')[0]} at {label(s)}: p95 {r['p95']:.1f} ms = "
                f"{r['ratio']:.1f}× the floor. In process: {p['wall_ms']:.1f} ms a request; "
                f"SQL {p['sql_ms']:.1f} ms in {r['queries']} queries{rendering}."
            )
            lines.append("  slowest SQL (ms per request):")
            lines += [f"    {q['ms']:7.1f} ms  {q['sql']}" for q in p["slowest_sql"]]
            if p["plan"]:
                lines.append("  the slowest one, EXPLAIN ANALYZE:")
                lines += [f"    {row}" for row in p["plan"] if "Buffers:" not in row]
            if p["templates"]:
                lines.append("  templates (inclusive, ms per request):")
                lines += [
                    f"    {t['ms']:7.1f} ms  {t['renders']:>7} renders  {t['template']}"
                    for t in p["templates"]
                ]
            lines.append("  own time (profiled, ms per request):")
            lines += [
                f"    {f['own_ms']:7.1f} ms  {f['calls']:>7} calls  {f['function']}"
                for f in p["own_time"]
            ]
            lines.append("  project code, cumulative (profiled):")
            lines += [
                f"    {f['cumulative_ms']:7.1f} ms  {f['calls']:>7} calls  {f['function']}"
                for f in p["project_cumulative"]
            ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.http_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", default="1000,10000", help="initiatives (1000,10000)")
    parser.add_argument("--rounds", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds first (20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the data sets")
    parser.add_argument("--no-fail", action="store_true", help="report only; always exit 0")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # the child's size
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)  # the child's JSON
    parser.add_argument(
        "--tiny", action="store_true", help="smoke run: 100 and 300 initiatives, 10 rounds"
    )
    args = parser.parse_args(argv)
    if args.tiny:  # the tiny defaults, under anything given explicitly
        parser.set_defaults(**TINY)
        args = parser.parse_args(argv)
    options = ["--rounds", str(args.rounds), "--warmup", str(args.warmup)]
    options += ["--workers", str(args.workers)] + (["--rebuild"] if args.rebuild else [])

    if args.measure:
        result = measure(
            args.measure,
            rounds=args.rounds,
            warmup=args.warmup,
            workers=args.workers,
            rebuild=args.rebuild,
        )
        args.out.write_text(json.dumps(result, indent=1))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    if urlsplit(os.environ.get("DATABASE_URL", "")).scheme not in ("postgres", "postgresql"):
        sys.exit(
            "The HTTP benchmark needs PostgreSQL. Set DATABASE_URL to a PostgreSQL server, "
            "e.g.\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench\n"
            "It works in databases of its own (improvement_bench_1k, improvement_bench_10k)."
        )
    if args.tiny:
        from bench import db, fixtures

        db.drop(*(fixtures.database_for(size) for size in sizes))
    env = server.production_env()
    server.OUT.mkdir(parents=True, exist_ok=True)
    server.collectstatic(env)
    results = {}
    for size in sizes:
        path = server.OUT / f"http-{label(size)}.json"
        child = [sys.executable, "-m", "bench.http_bench", "--measure", str(size)]
        done = subprocess.run([*child, "--out", str(path), *options], env=env, cwd=server.ROOT)
        if done.returncode:
            print(f"the {label(size)} run failed (exit {done.returncode})", file=sys.stderr)
            return done.returncode
        results[size] = json.loads(path.read_text())

    out = lambda *a: print(*a, flush=True)  # noqa: E731
    out("")
    for size in sizes:
        r = results[size]
        out(
            f"{label(size)}: {r['database']}, {r['initiatives']:,} initiatives "
            f"({r['intake']:,} in intake), {r['targets']:,} targets, {r['measurements']:,} "
            f"measurements; initiative #{r['initiative']}; gunicorn -w {r['workers']}; "
            f"{r['rounds']} requests per endpoint; load average {r['load'][0]:.1f} at the "
            f"start, {r['load'][1]:.1f} at the end ({os.cpu_count()} CPUs)"
        )
    out("")
    lines, md, ok = report(results, sizes)
    for line in lines + details(results, sizes):
        out(line)
    (server.OUT / "http_bench.md").write_text("\n".join(md) + "\n")
    out(f"\nMarkdown table: {server.OUT / 'http_bench.md'}")
    if not ok and not args.no_fail:
        out("FAIL")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
