"""Benchmark of a measurement batch: `POST /api/measurements/` with 5,000 items, refused
and accepted.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.batch_bench

A batch used to be checked item by item — one query per item — before anyone asked
whether the caller may record on its targets: a contributor's 5,000 items on someone
else's target took 6.3 s to be refused, and two such requests stalled a 2-worker
gunicorn. Now the batch's size is checked first, then every target is read in one query
and the caller's role on each checked, and only then the items, in a fixed number of
queries (metrics.services.record_measurements, metrics.api.MeasurementViewSet.create).

Works in a database of its own on DATABASE_URL's server, `improvement_bench_batch`
(`--database`), created and migrated if missing, holding the generator's data set at
1,000 initiatives (`bench.generate`: 3,000 targets, 100,000 measurements, reused run
after run), so the duplicate check reads a real index. Two people: `bench-batch-owner`,
the owner of one initiative, and `bench-batch-contributor`, on no team. Requests go
through Django's whole stack in process (test client, an API token, DEBUG off); the
results job a batch queues is taken by a stub, as a broker would take it (it runs in a
worker, not in the request), and timed apart for information.

What it times, after one warm-up of each, in --repeat (3) interleaved rounds, the best
time counting:

  (a) refused: the contributor's 5,000 items on the owner's target → 403;
  (b) accepted: the owner's 5,000 items on their target → 201 (deleted after each
      round, untimed);
  (r1) reference: `GET /api/me/`, a trivial authenticated request;
  (r2) reference: `Measurement.objects.bulk_create()` of the same 5,000 rows, in a
      transaction, as the accepted batch writes them — the floor of any way to save them.

Queries are counted in separate runs, at 50 and at 5,000 items.

Targets: (a) < 1 s and (b) < 1 s; (a) ≤ 20 × (r1) and (b) ≤ 3 × (r2), which hold on a
busy machine too; the same number of queries at 50 and at 5,000 items, refused and
accepted. Exits 1 when one is missed, unless --no-fail.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

TARGET_SECONDS = 1.0
# Against the references of the same run, which a busy machine slows down alike: a refusal
# costs a few trivial requests, an accepted batch a few times the bare INSERT.
TARGET_REFUSED_VS_ME = 20.0
TARGET_ACCEPTED_VS_BULK_CREATE = 3.0
ITEMS = 5000
OWNER = "bench-batch-owner"
CONTRIBUTOR = "bench-batch-contributor"
# After the generator's data (which ends by bench.generate.AS_OF, 2025-06-30) and after
# every change date, so in no frozen baseline; in the past, since a measurement dated
# after today is refused. One minute apart.
FIRST = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
DATABASE = "improvement_bench_batch"
# --tiny: every step once on 100 initiatives, in a database dropped first, in seconds. It
# shows the benchmark still runs end to end (CI runs it with --no-fail), not the figures.
TINY = {"database": "improvement_bench_batch_tiny", "initiatives": 100, "repeat": 1}
TINY_HELP = "100 initiatives, one round, in improvement_bench_batch_tiny (dropped first)"


def production_like_env() -> None:
    """DEBUG off (as production; with it on, Django would keep every query's SQL), a
    random SECRET_KEY, the test client's host allowed, no broker and only errors logged
    (every 403 would otherwise be a warning). The same as the HTTP benchmarks' server."""
    from bench import server

    env = server.production_env()
    for name in server.DROPPED:
        os.environ.pop(name, None)
    os.environ.update(env)


def person(username: str) -> tuple[object, str]:
    """The user (created if missing, never a reviewer) and a new API token."""
    from django.contrib.auth import get_user_model

    from accounts import tokens

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": "Bench", "last_name": username}
    )
    _, token = tokens.issue(user)
    return user, token


def owners_target(owner):
    """The first primary target of a live initiative, whose owner becomes `owner` (the
    generator's initiatives all belong to its own user)."""
    from improvement.models import Initiative, Stage
    from metrics.models import Target

    target = (
        Target.objects.filter(is_primary=True, initiative__stage=Stage.DO)
        .select_related("initiative")
        .order_by("pk")
        .first()
    )
    Initiative.objects.filter(pk=target.initiative_id).update(owner=owner)
    return target


def batch(target_id: int, n: int) -> bytes:
    body = [
        {
            "target": target_id,
            "observed_at": (FIRST + dt.timedelta(minutes=i)).isoformat(),
            "value": 10 + (i % 7) / 10,
        }
        for i in range(n)
    ]
    return json.dumps(body).encode()


def forget_batch(target_id: int) -> None:
    from metrics.models import Measurement

    Measurement.objects.filter(target_id=target_id, observed_at__gte=FIRST).delete()


def client_for(token: str):
    from django.test import Client

    return Client(headers={"Authorization": f"Token {token}"})


def post(client, body: bytes, status: int):
    response = client.post("/api/measurements/", body, content_type="application/json")
    if response.status_code != status:
        raise RuntimeError(
            f"POST /api/measurements/: HTTP {response.status_code}, expected {status}: "
            f"{response.content[:300]!r}"
        )
    return response


def get_me(client):
    response = client.get("/api/me/")
    if response.status_code != 200:
        raise RuntimeError(f"GET /api/me/: HTTP {response.status_code}")
    return response


def bulk_create_same_rows(target_id: int, n: int, recorder) -> None:
    """What the accepted batch writes, straight through the ORM: the floor."""
    from django.db import transaction

    from metrics.models import Measurement, MeasurementSource

    rows = [
        Measurement(
            target_id=target_id,
            observed_at=FIRST + dt.timedelta(minutes=i),
            value=10 + (i % 7) / 10,
            source=MeasurementSource.API,
            recorded_by=recorder,
        )
        for i in range(n)
    ]
    with transaction.atomic():
        Measurement.objects.bulk_create(rows)


def timed(fn: Callable[[], object], before: Callable[[], None] | None = None) -> float:
    if before:
        before()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def count_queries(fn: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


class QueuedJobs:
    """Stands in for the broker: takes the results jobs a batch queues on commit."""

    def __init__(self) -> None:
        from metrics.tasks import measure_results

        self.task = measure_results
        self.taken: list[dict] = []
        self.task.apply_async = lambda args=(), kwargs=None, **options: self.taken.append(
            kwargs or {}
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.batch_bench",
        description="Time a 5,000-item measurement batch, refused and accepted.",
    )
    parser.add_argument("--database", default=DATABASE, help=f"default: {DATABASE}")
    parser.add_argument("--initiatives", type=int, default=1000, help="data set size (1000)")
    parser.add_argument("--items", type=int, default=ITEMS, help=f"batch size ({ITEMS})")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the data set")
    parser.add_argument("--no-fail", action="store_true", help="report only; always exit 0")
    parser.add_argument("--tiny", action="store_true", help=f"smoke run: {TINY_HELP}")
    args = parser.parse_args(argv)
    if args.tiny:  # the tiny defaults, under anything given explicitly
        parser.set_defaults(**TINY)
        args = parser.parse_args(argv)

    production_like_env()
    import logging
    import warnings

    from bench import db, generate

    # WhiteNoise warns that static files were never collected (nothing static is served).
    warnings.filterwarnings("ignore", message="No directory at")

    if args.tiny:
        db.drop(args.database)
    db.setup(args.database, command="python -m bench.batch_bench")
    # Each refused batch is a 403, which Django logs as a warning (after django.setup(),
    # which configures logging).
    logging.getLogger("django.request").setLevel(logging.ERROR)

    out = lambda *a: print(*a, flush=True)  # noqa: E731
    load_start = os.getloadavg()[0]
    out(f"database: {db.describe()}")
    data = generate.build(args.initiatives, rebuild=args.rebuild)
    generated = f"generated in {data.seconds:.1f} s" if data.built else "reused"
    out(
        f"data set: {data.initiatives:,} initiatives, {data.targets:,} targets, "
        f"{data.measurements:,} measurements ({generated})"
    )

    owner, owner_token = person(OWNER)
    _, contributor_token = person(CONTRIBUTOR)
    target = owners_target(owner)
    forget_batch(target.pk)  # a run that stopped half-way
    jobs = QueuedJobs()
    as_owner, as_contributor = client_for(owner_token), client_for(contributor_token)
    body = batch(target.pk, args.items)

    def refused():
        post(as_contributor, body, 403)

    def accepted():
        post(as_owner, body, 201)

    def me():
        get_me(as_owner)

    def floor():
        bulk_create_same_rows(target.pk, args.items, owner)

    def forget():
        forget_batch(target.pk)

    # Warm-up: caches filled once per process (URL resolvers, serializers) are not a
    # request's cost.
    refused()
    accepted()
    forget()
    me()
    floor()
    forget()
    times: dict[str, list[float]] = {"refused": [], "accepted": [], "me": [], "floor": []}
    for i in range(args.repeat):
        times["refused"].append(timed(refused))
        times["accepted"].append(timed(accepted, before=forget))
        times["me"].append(timed(me))
        times["floor"].append(timed(floor, before=forget))
        forget()
        out(
            f"round {i + 1}: (a) refused {times['refused'][-1]:.3f} s, (b) accepted "
            f"{times['accepted'][-1]:.3f} s; (r1) GET /api/me/ {times['me'][-1] * 1000:.1f} ms, "
            f"(r2) bulk_create {times['floor'][-1]:.3f} s"
        )

    # Queries, in runs of their own (capturing forces the debug cursor).
    small = batch(target.pk, 50)
    queries = {
        "refused 50": count_queries(lambda: post(as_contributor, small, 403)),
        f"refused {args.items:,}": count_queries(refused),
        "accepted 50": count_queries(lambda: post(as_owner, small, 201)),
    }
    forget()
    queries[f"accepted {args.items:,}"] = count_queries(accepted)
    queued = len(jobs.taken)

    # The job the accepted batch queued, for information: a worker runs it, not the request.
    from metrics.results.compute import compute_results

    job_seconds = timed(lambda: compute_results(initiative_id=target.initiative_id))
    forget()

    best = {name: min(values) for name, values in times.items()}
    load_end = os.getloadavg()[0]

    def line(label: str, values: list[float]) -> str:
        return f"{label:<52}{min(values):8.3f} s  (median {statistics.median(values):.3f} s)"

    out("")
    out(
        f"machine: {os.cpu_count()} CPUs, load average {load_start:.1f} at the start, "
        f"{load_end:.1f} at the end (timings are wall-clock: compare on a quiet machine)"
    )
    out(line(f"(a) refused: {args.items:,} items, someone else's target", times["refused"]))
    out(line(f"(b) accepted: {args.items:,} items on the owner's target", times["accepted"]))
    out(line("(r1) GET /api/me/ (a trivial authenticated request)", times["me"]))
    out(line(f"(r2) bulk_create of the same {args.items:,} rows", times["floor"]))
    refused_vs_me = best["refused"] / best["me"]
    accepted_vs_floor = best["accepted"] / best["floor"]
    out(
        f"    queries: {', '.join(f'{name}: {n}' for name, n in queries.items())}; "
        f"results jobs queued: {queued}"
    )
    out(f"    the queued results job, run once (in a worker, not the request): {job_seconds:.3f} s")
    checks = [
        ("(a) refused", f"{best['refused']:.3f} s", f"< {TARGET_SECONDS:g} s",
         best["refused"] < TARGET_SECONDS),
        ("(b) accepted", f"{best['accepted']:.3f} s", f"< {TARGET_SECONDS:g} s",
         best["accepted"] < TARGET_SECONDS),
        ("(a) refused / (r1) GET /api/me/", f"{refused_vs_me:.1f}×",
         f"≤ {TARGET_REFUSED_VS_ME:g}×", refused_vs_me <= TARGET_REFUSED_VS_ME),
        ("(b) accepted / (r2) bulk_create", f"{accepted_vs_floor:.1f}×",
         f"≤ {TARGET_ACCEPTED_VS_BULK_CREATE:g}×",
         accepted_vs_floor <= TARGET_ACCEPTED_VS_BULK_CREATE),
        ("queries, refused: 50 = all",
         f"{queries['refused 50']} / {queries[f'refused {args.items:,}']}", "equal",
         queries["refused 50"] == queries[f"refused {args.items:,}"]),
        ("queries, accepted: 50 = all",
         f"{queries['accepted 50']} / {queries[f'accepted {args.items:,}']}", "equal",
         queries["accepted 50"] == queries[f"accepted {args.items:,}"]),
    ]  # fmt: skip
    out("")
    out(f"{'check':<34}{'measured':>16}{'target':>10}  result")
    for name, measured, target_text, ok in checks:
        out(f"{name:<34}{measured:>16}{target_text:>10}  {'PASS' if ok else 'FAIL'}")
    failed = [name for name, *_, ok in checks if not ok]
    if failed and not args.no_fail:
        out(f"FAIL: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
