"""Benchmark of the results job (`metrics.results.compute_results`) at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.results_bench

On the scale data set (`bench.generate`: 10,000 initiatives, 30,000 targets, 1,000,000
measurements, in the database `improvement_bench` on DATABASE_URL's server) it times, in
one run:

  (a) the full recompute, `compute_results(as_of=…)` for every eligible target — both a
      first computation of the date (inserts, as the nightly job does) and a recompute of
      it (every row updated); the checks use the slower of the two;
  (b) one reference SQL query computing the same before/after count, mean and variance
      per target over the same tables with the same conditions, fetched into Python:
      what one plain set-based query costs;
  (c) the plain per-target ORM loop (fetch the target's measurements, statistics in
      Python, `update_or_create`) on a random 1 % of the targets, extrapolated.

After a warm-up, --repeat (3) rounds of (a) and (b) run interleaved, so a change in the
machine's load hits both alike; the best time of each counts.

Targets: full ≤ 2 × reference, naive ≥ 20 × full, peak memory ≤ 300 MB (tracemalloc
peak and the growth of the process's max RSS during a computation). Exits 1 when one is
missed, unless --no-fail.
"""

import argparse
import datetime as dt
import math
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

TARGET_FULL_VS_REFERENCE = 2.0
TARGET_NAIVE_VS_FULL = 20.0
TARGET_MEMORY_MB = 300.0
MB = 1024 * 1024
# --tiny: every step once on 100 initiatives, in a database dropped first, in seconds. It
# shows the benchmark still runs end to end (CI runs it with --no-fail), not the figures.
TINY = {"database": "improvement_bench_tiny", "initiatives": 100, "repeat": 1, "sample": 0.03}
TINY_HELP = "100 initiatives, one round, in improvement_bench_tiny (dropped first)"


def max_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MB


def timed(fn: Callable[[], object], *, repeat: int, before: Callable[[], None] | None = None):
    """Seconds of each of `repeat` calls of `fn` (after `before()`, which is not timed)."""
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


# --- (a) the job ---------------------------------------------------------------------------


class Phases:
    """Wall-clock phases of one compute_results run, from its progress callback. A full
    run computes its two halves at once, so each phase ends when the later half's does
    and the phases of the two halves overlap."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.marks: dict[str, tuple[float, float]] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        first = self.marks.get(phase, (now, now))[0]
        self.marks[phase] = (first, now)

    def report(self, end: float) -> list[tuple[str, float]]:
        read = self.marks["measurements read"][1]
        computed = self.marks.get("figures computed", (read, read))[1]
        return [
            ("one pass over the measurements", read - self.start),
            ("Welch, figures, control charts", computed - read),
            ("upsert", end - computed),
        ]


def sent_statements(fn: Callable[[], object]) -> list[str]:
    """The first words of every statement `fn` sends, through Django's cursor or a plain
    psycopg one (the job uses both)."""
    import psycopg

    sent = []
    execute = psycopg.Cursor.execute

    def recording(cursor, query, *args, **kwargs):
        sent.append(" ".join(str(query).split()[:3]))
        return execute(cursor, query, *args, **kwargs)

    psycopg.Cursor.execute = recording
    try:
        fn()
    finally:
        psycopg.Cursor.execute = execute
    return sent


def run_full(as_of: dt.date, progress=None) -> int:
    from metrics.results.compute import compute_results

    return compute_results(as_of=as_of, progress=progress)


def forget_results(as_of: dt.date) -> None:
    """Remove the date's results, so the next run computes it for the first time."""
    from django.db import connection

    from metrics.models import ResultSnapshot

    ResultSnapshot.objects.filter(as_of=as_of).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {ResultSnapshot._meta.db_table}")


# --- (b) the reference query -----------------------------------------------------------------

REFERENCE_SQL = """
SELECT
    t.id,
    count(m.value) FILTER (WHERE {before}),
    avg(m.value) FILTER (WHERE {before}),
    var_samp(m.value) FILTER (WHERE {before}),
    count(m.value) FILTER (WHERE {after}),
    avg(m.value) FILTER (WHERE {after}),
    var_samp(m.value) FILTER (WHERE {after})
FROM metrics_target t
JOIN improvement_initiative i ON i.id = t.initiative_id
LEFT JOIN (
    SELECT target_id, value, observed_at, (observed_at AT TIME ZONE %(tz)s)::date AS day
    FROM metrics_measurement
) m ON m.target_id = t.id
WHERE i.implemented_on IS NOT NULL AND i.stage <> ALL (%(dead)s)
GROUP BY t.id
""".format(
    # The baseline window when the target has one, else before the change date.
    before="""CASE WHEN t.baseline_start IS NOT NULL AND t.baseline_end IS NOT NULL
            THEN m.day BETWEEN t.baseline_start AND t.baseline_end
            ELSE m.day < i.implemented_on END""",
    # From the change date to the end of the as-of date.
    after="m.day >= i.implemented_on AND m.observed_at < %(until)s",
)


def run_reference(as_of: dt.date) -> list[tuple]:
    from django.db import connection
    from django.utils import timezone

    from improvement.models import DEAD_STAGES
    from metrics.periods import day_start

    params = {
        "tz": timezone.get_current_timezone_name(),
        "dead": list(DEAD_STAGES),
        "until": day_start(as_of + dt.timedelta(days=1)),
    }
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, params)
        return cursor.fetchall()


def check_agreement(reference: list[tuple], as_of: dt.date) -> str | None:
    """None if the job's stored counts and after-means match the reference query's."""
    from metrics.models import ResultSnapshot

    stored = {
        pk: (nb, na, mean)
        for pk, nb, na, mean in ResultSnapshot.objects.filter(as_of=as_of).values_list(
            "target_id", "n_before", "n_after", "current_mean"
        )
    }
    if len(stored) != len(reference):
        return f"{len(stored):,} results stored, reference has {len(reference):,} targets"
    for pk, nb, _, _, na, mean_after, _ in reference:
        got = stored.get(pk)
        if got is None or got[:2] != (nb, na):
            return f"target {pk}: counts {got and got[:2]} vs reference {(nb, na)}"
        if (mean_after is None) != (got[2] is None) or (
            mean_after is not None and not math.isclose(got[2], mean_after, rel_tol=1e-9)
        ):
            return f"target {pk}: current mean {got[2]} vs reference {mean_after}"
    return None


# --- (c) the naive loop ----------------------------------------------------------------------


def run_naive(target_ids: list[int], as_of: dt.date) -> None:
    """What the job would be without set-based SQL: per target, load it, its initiative, its
    metric and its measurements through the ORM, compute in Python, update_or_create."""
    import numpy as np
    from django.conf import settings
    from django.utils import timezone

    from improvement.models import CONTROL_STAGES
    from metrics import stats
    from metrics.models import ChartKind, ResultSnapshot, Target
    from metrics.periods import day_start
    from metrics.results.compute import control_columns
    from metrics.results.figures import figures
    from metrics.results.samples import Samples

    def column(value):
        return np.array([np.nan if value is None else float(value)])

    until = day_start(as_of + dt.timedelta(days=1))
    for target in Target.objects.filter(pk__in=target_ids):
        initiative, metric = target.initiative, target.metric
        change = initiative.implemented_on
        has_window = target.baseline_start is not None and target.baseline_end is not None
        before, after = [], []
        for m in target.measurements.all():
            day = timezone.localdate(m.observed_at)
            if has_window:
                in_before = target.baseline_start <= day <= target.baseline_end
            else:
                in_before = day < change
            if in_before:
                before.append(m)
            if day >= change and m.observed_at < until:
                after.append(m)
        b = stats.summarize([m.value for m in before])
        a = stats.summarize([m.value for m in after])
        one = Samples(
            target_id=[target.pk],
            initiative_id=[initiative.pk],
            implemented_on=[change],
            value_per_unit=[target.value_per_unit],
            baseline=column(target.baseline_value),
            target=column(target.target_value),
            lower_is_better=np.array([metric.lower_is_better]),
            proportion=np.array([metric.chart_kind == ChartKind.PROPORTION]),
            controlled=np.array([initiative.stage in CONTROL_STAGES]),
            n_before=column(b.n),
            mean_before=column(b.mean),
            var_before=column(b.variance),
            n_after=column(a.n),
            mean_after=column(a.mean),
            var_after=column(a.variance),
            series={
                target.pk: (
                    np.array([m.pk for m in after], dtype=np.int64),
                    np.array([m.value for m in after], dtype=np.float64),
                    np.array([m.sample_size for m in after], dtype=np.float64),
                )
            }
            if initiative.stage in CONTROL_STAGES
            else {},
        )
        result = figures(one).row(0)
        control = control_columns(one, limit_points=settings.CONTROL_LIMIT_POINTS).get(target.pk)
        ResultSnapshot.objects.update_or_create(
            target=target,
            as_of=as_of,
            defaults={
                "n_before": b.n,
                "n_after": a.n,
                "control": control,
                "computed_at": timezone.now(),
                **result,
            },
        )


# --- the run --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.results_bench",
        description="Time compute_results against a reference query and a naive loop.",
    )
    parser.add_argument("--database", default=None, help="default: improvement_bench")
    parser.add_argument("--initiatives", type=int, default=10_000)
    parser.add_argument("--targets-per", type=int, default=3)
    parser.add_argument("--measurements", type=int, default=None, help="default: 1,000,000")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the data set")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--sample", type=float, default=0.01, help="naive-loop share (0.01)")
    parser.add_argument("--seed", type=int, default=1, help="of the naive-loop sample")
    parser.add_argument("--no-fail", action="store_true", help="report only; always exit 0")
    parser.add_argument("--tiny", action="store_true", help=f"smoke run: {TINY_HELP}")
    args = parser.parse_args(argv)
    if args.tiny:  # the tiny defaults, under anything given explicitly
        parser.set_defaults(**TINY)
        args = parser.parse_args(argv)

    from bench import db, generate

    if args.tiny:
        db.drop(args.database)
    db.setup(args.database or db.BENCH_DATABASE)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from improvement.models import CONTROL_STAGES
    from metrics.results.samples import eligible_targets

    out = lambda *a: print(*a, flush=True)  # noqa: E731
    load_start = os.getloadavg()[0]
    out(f"database: {db.describe()}")
    data = generate.build(
        args.initiatives, args.targets_per, args.measurements, rebuild=args.rebuild
    )
    as_of = generate.AS_OF
    eligible = list(eligible_targets().order_by("pk").values_list("pk", flat=True))
    controlled = eligible_targets().filter(initiative__stage__in=CONTROL_STAGES).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('metrics_measurement'))")
        table_size = cursor.fetchone()[0]
    generated = f"generated in {data.seconds:.1f} s" if data.built else "reused"
    out(
        f"data set: {data.initiatives:,} initiatives, {data.targets:,} targets, "
        f"{data.measurements:,} measurements ({table_size}; {generated}); "
        f"{len(eligible):,} targets eligible, {controlled:,} with control charts; "
        f"as of {as_of}"
    )

    # Memory first, on a cold start of the job: max RSS only grows, so its growth during
    # this first computation is what the job needed on top of the process so far.
    forget_results(as_of)
    rss_before = max_rss_mb()
    written = run_full(as_of)
    rss_growth = max_rss_mb() - rss_before
    out(f"warm-up: {written:,} results written; max RSS grew {rss_growth:.1f} MB")
    run_reference(as_of)  # warm-up

    # Interleaved, so that a change in the machine's load hits (a) and (b) alike.
    fresh, recompute, reference, phases = [], [], [], []

    def phased() -> None:
        p = Phases()
        run_full(as_of, progress=p)
        phases.append(p.report(time.perf_counter()))

    for i in range(args.repeat):
        fresh += timed(phased, repeat=1, before=lambda: forget_results(as_of))
        recompute += timed(lambda: run_full(as_of), repeat=1)
        reference += timed(lambda: run_reference(as_of), repeat=1)
        out(
            f"round {i + 1}: (a) first computation {fresh[-1]:.2f} s, recompute "
            f"{recompute[-1]:.2f} s; (b) reference {reference[-1]:.2f} s"
        )
    fresh_phases = phases[fresh.index(min(fresh))]

    # Separate, untimed runs: tracemalloc slows Python allocation down, and query capture
    # forces the debug cursor.
    tracemalloc.start()
    run_full(as_of)
    traced_peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    with CaptureQueriesContext(connection) as queries:
        statements = sent_statements(lambda: run_full(as_of))
    n_transaction = sum(
        q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
        for q in queries.captured_queries
    )
    disagreement = check_agreement(run_reference(as_of), as_of)

    k = max(1, round(len(eligible) * args.sample))
    sample = sorted(random.Random(args.seed).sample(eligible, k))
    (naive_sample,) = timed(lambda: run_naive(sample, as_of), repeat=1)
    naive = naive_sample * len(eligible) / k
    out(f"(c) naive loop: {naive_sample:.2f} s for {k:,} targets")

    full = max(min(fresh), min(recompute))
    ratio_reference = full / min(reference)
    ratio_naive = naive / full
    memory = max(traced_peak, rss_growth)
    checks = [
        ("full / reference", f"{ratio_reference:.2f}×", f"≤ {TARGET_FULL_VS_REFERENCE:g}×",
         ratio_reference <= TARGET_FULL_VS_REFERENCE),
        ("naive / full", f"{ratio_naive:.1f}×", f"≥ {TARGET_NAIVE_VS_FULL:g}×",
         ratio_naive >= TARGET_NAIVE_VS_FULL),
        ("peak memory", f"{memory:.0f} MB", f"≤ {TARGET_MEMORY_MB:g} MB",
         memory <= TARGET_MEMORY_MB),
        ("figures agree with the reference", disagreement or "yes", "", disagreement is None),
    ]  # fmt: skip

    def best_median(times: list[float]) -> str:
        return f"{min(times):8.2f} s  (median {statistics.median(times):.2f} s)"

    load_end = os.getloadavg()[0]
    out("")
    out(
        f"machine: {os.cpu_count()} CPUs, load average {load_start:.1f} at the start, "
        f"{load_end:.1f} at the end (timings are wall-clock: compare on a quiet machine)"
    )
    out(f"{'':4}{'what':<46}{'time':>10}")
    out(f"(a) compute_results, first computation         {best_median(fresh)}")
    out(f"    compute_results, recompute (none changed)  {best_median(recompute)}")
    for name, seconds in fresh_phases:
        out(f"      {name:<41}{seconds:8.2f} s")
    out(f"(b) reference query (fetchall)                 {best_median(reference)}")
    out(
        f"(c) naive ORM loop, extrapolated               {naive:8.2f} s  "
        f"({naive_sample:.2f} s for {k:,} targets × {len(eligible) / k:.1f})"
    )
    out(
        f"    statements sent by compute_results         {len(statements):8d}  "
        f"(+ {n_transaction} BEGIN/COMMIT): {', '.join(statements)}"
    )
    out(f"    tracemalloc peak during compute_results    {traced_peak:8.1f} MB")
    out(f"    max RSS growth during compute_results      {rss_growth:8.1f} MB")
    out("")
    out(f"{'check':<34}{'measured':>12}{'target':>12}  result")
    for name, measured, target, ok in checks:
        out(f"{name:<34}{measured:>12}{target:>12}  {'PASS' if ok else 'FAIL'}")
    failed = [name for name, *_, ok in checks if not ok]
    if failed and not args.no_fail:
        out(f"FAIL: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
