"""A scale data set for the benchmarks, generated inside PostgreSQL.

    python -m bench.generate --initiatives 1000 [--targets-per 3] [--measurements N]
                             [--intake N] [--rebuild]

or `build(initiatives=10_000, targets_per=3, measurements=1_000_000)` after `bench.db.setup()`.

Everything is `INSERT … SELECT … FROM generate_series(…)` in one transaction (no ORM
objects, no rows through Python): 1,000,000 measurements load in well under a minute. A
data set of the requested size with the same recipe is reused as is; `rebuild=True`
(`--rebuild`) regenerates it. Rows respect every CHECK constraint, and the mix is meant
to look like a real programme:

* initiatives across stages (`STAGE_MIX`): 10 % before the change (plan, measure; no
  `implemented_on`, so not eligible for results), 60 % live (do, check, improve), 30 %
  in control, act or completed, whose targets get control charts;
* `targets_per` targets each, over distinct KPIs from the seeded catalog (6 of its 21
  KPIs are proportions, so about 30 % of targets carry sample sizes), the first one
  primary; frozen baselines alternate between a window (its value the mean of the
  measurements in it) and a value entered by hand;
* measurements spread evenly over the targets (33 or 34 each by default), every 1–7
  days, half before the change and half on or after it (three quarters after it for
  initiatives in control, act or completed, so their charts have limits from 20 points
  and later points to check against them), normally distributed, with an effect after
  the change from −0.5 to +2 standard deviations (so every result status occurs). All of
  them fall before `AS_OF`, the as-of date the benchmarks use.

`intake` (default 0) adds that many ideas still in intake, with no targets: half
submitted (unscored), half in the backlog, scored over the whole 5×5 impact–effort grid
with estimates, so the backlog, the matrix and the triage queue have something to rank.
The results benchmark uses none; the HTTP benchmarks add 10 % (`bench.fixtures`).
"""

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass

SEED = 0.42
# The benchmarks compute results as of this date; every generated measurement is earlier.
AS_OF = dt.date(2025, 6, 30)
# Bump when the recipe changes, so an old data set of the same size is rebuilt.
RECIPE = "bench.generate v2"
# (stage, methodology, change live, share in twentieths of the initiatives)
STAGE_MIX = [
    ("plan", "pdca", False, 1),
    ("measure", "dmaic", False, 1),
    ("do", "pdca", True, 4),
    ("check", "pdca", True, 4),
    ("improve", "dmaic", True, 4),
    ("control", "dmaic", True, 2),
    ("act", "pdca", True, 2),
    ("completed", "pdca", True, 1),
    ("completed", "dmaic", True, 1),
]
AREA = "Bench area"
USER = "bench"
# The columns the raw INSERTs below write, in the order of their SELECTs. Every column
# that is NOT NULL without a database default must be among them, or the insert fails on
# a fresh database: `missing_columns()` checks it before anything is written, and
# tests/test_bench_generate.py checks it on every test run, so a new model field shows up
# there rather than in the next benchmark run.
INITIATIVE_COLUMNS = (
    "title", "problem_statement", "proposed_change", "root_cause", "control_plan",
    "decision_note", "rejection_reason", "pillar", "methodology", "stage", "held_from", "cycle",
    "impact", "effort", "estimated_annual_benefit", "estimated_cost", "confidence",
    "implemented_on", "created_at", "updated_at", "stage_entered_at",
    "area_id", "owner_id", "submitted_by_id",
)  # fmt: skip
TARGET_COLUMNS = (
    "initiative_id", "metric_id", "is_primary", "baseline_value", "baseline_start",
    "baseline_end", "baseline_source", "baseline_n", "frozen_at", "frozen_by_id",
    "target_value", "target_date", "value_per_unit", "benefit_type", "created_at",
    "latest_status",
)  # fmt: skip
MEASUREMENT_COLUMNS = (
    "target_id", "observed_at", "value", "sample_size", "source", "recorded_by_id", "created_at",
)  # fmt: skip


@dataclass(frozen=True)
class DataSet:
    initiatives: int  # intake included
    targets: int
    measurements: int
    built: bool  # False when an existing data set was reused
    seconds: float
    intake: int = 0


def default_measurements(initiatives: int) -> int:
    """100 per initiative: 1,000,000 for 10,000 initiatives (33–34 per target)."""
    return initiatives * 100


def build(
    initiatives: int = 10_000,
    targets_per: int = 3,
    measurements: int | None = None,
    *,
    intake: int = 0,
    rebuild: bool = False,
    verbose: bool = True,
) -> DataSet:
    """Make the benchmark database hold exactly this data set (reused if it already
    does). Needs `bench.db.setup()` first: it replaces every initiative in the database."""
    from django.db import connection, transaction

    from improvement.models import Area, Initiative
    from metrics.models import Measurement, Metric, Target

    if connection.vendor != "postgresql":
        sys.exit("bench.generate needs PostgreSQL.")
    if missing := missing_columns():
        sys.exit(f"bench.generate does not write {', '.join(missing)}: add it to its INSERTs.")
    measurements = default_measurements(initiatives) if measurements is None else measurements
    n_metrics = Metric.objects.count()
    if not 1 <= targets_per <= n_metrics:
        raise ValueError(f"targets_per must be 1 to {n_metrics} (one KPI per target)")
    if intake < 0:
        raise ValueError("intake must be 0 or more")
    signature = f"{RECIPE} seed={SEED} as_of={AS_OF} targets_per={targets_per}"
    if intake:
        # Only when asked for: a data set without intake keeps the signature it always had.
        signature += f" intake={intake}"
    wanted = (initiatives + intake, initiatives * targets_per, measurements)

    have = (Initiative.objects.count(), Target.objects.count(), Measurement.objects.count())
    same_recipe = Area.objects.filter(name=AREA, description=signature).exists()
    if have == wanted and same_recipe and not rebuild:
        if verbose:
            print(f"reusing the data set in {connection.settings_dict['NAME']}", file=sys.stderr)
        return DataSet(*wanted, built=False, seconds=0.0, intake=intake)

    # TRUNCATE … CASCADE below: never on a database whose initiatives someone else made.
    ours = Area.objects.filter(name=AREA, description__startswith="bench.generate").exists()
    if have[0] and not ours:
        sys.exit(
            f"{connection.settings_dict['NAME']} holds initiatives that bench.generate did not "
            "make; refusing to replace them. Use a database of its own (--database)."
        )
    log = _logger(verbose)
    started = time.perf_counter()
    with transaction.atomic():
        user, area = _user_and_area(signature)
        with connection.cursor() as cursor:
            _load(
                cursor,
                initiatives=initiatives,
                targets_per=targets_per,
                measurements=measurements,
                user_id=user.pk,
                area_id=area.pk,
                log=log,
            )
            if intake:
                _load_intake(cursor, intake=intake, user_id=user.pk, area_id=area.pk, log=log)
    # Outside the transaction (VACUUM cannot run in one): statistics for the planner, and
    # the visibility map and hint bits set now rather than by the first timed query.
    with connection.cursor() as cursor:
        for model in (Initiative, Target, Measurement):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
    log("vacuum analyze")
    seconds = time.perf_counter() - started
    return DataSet(*wanted, built=True, seconds=seconds, intake=intake)


def missing_columns() -> list[str]:
    """`table.column` for every column the raw INSERTs must write and do not (NOT NULL,
    no database default, not the generated id), and for every one they name that no
    longer exists."""
    from django.db.models import NOT_PROVIDED

    from improvement.models import Initiative
    from metrics.models import Measurement, Target

    missing = []
    for model, columns in (
        (Initiative, INITIATIVE_COLUMNS),
        (Target, TARGET_COLUMNS),
        (Measurement, MEASUREMENT_COLUMNS),
    ):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        required = {f.column for f in fields if not f.null and f.db_default is NOT_PROVIDED}
        existing = {f.column for f in fields}
        table = model._meta.db_table
        missing += [f"{table}.{c}" for c in sorted(required - set(columns))]
        missing += [f"{table}.{c} (no such column)" for c in columns if c not in existing]
    return missing


def _logger(verbose: bool):
    last = [time.perf_counter()]

    def log(step: str) -> None:
        now = time.perf_counter()
        if verbose:
            print(f"  {step:<32} {now - last[0]:7.2f} s", file=sys.stderr)
        last[0] = now

    return log


def _user_and_area(signature: str):
    from django.contrib.auth import get_user_model

    from improvement.models import Area

    user, created = get_user_model().objects.get_or_create(username=USER)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    area, _ = Area.objects.update_or_create(name=AREA, defaults={"description": signature})
    return user, area


def _load(cursor, *, initiatives, targets_per, measurements, user_id, area_id, log) -> None:
    from django.conf import settings

    from improvement.models import Initiative
    from metrics.models import Measurement, Metric, Target

    initiative_table = Initiative._meta.db_table
    target_table = Target._meta.db_table
    measurement_table = Measurement._meta.db_table
    params = {
        "n": initiatives,
        "per": targets_per,
        "total": measurements,
        "as_of": AS_OF,
        "tz": settings.TIME_ZONE,
        "user": user_id,
        "area": area_id,
        "metrics": list(Metric.objects.order_by("id").values_list("id", flat=True)),
    }
    # CASCADE empties everything hanging off initiatives (targets, measurements, results,
    # ledger, history); RESTART IDENTITY keeps ids small and repeatable.
    cursor.execute(f"TRUNCATE {initiative_table} RESTART IDENTITY CASCADE")
    cursor.execute("SELECT setseed(%s)", [SEED])
    log("truncate")

    buckets = [
        (stage, methodology, live)
        for stage, methodology, live, share in STAGE_MIX
        for _ in range(share)
    ]
    # The stage of initiative g is that of bucket g mod 20 (constants of this module).
    mix = ", ".join(
        f"({i}, '{stage}', '{methodology}', {'true' if live else 'false'})"
        for i, (stage, methodology, live) in enumerate(buckets)
    )
    cursor.execute(
        f"""
        INSERT INTO {initiative_table} ({", ".join(INITIATIVE_COLUMNS)})
        SELECT
            'Bench initiative ' || g,
            'Generated for the scale benchmark.',
            'A change to the process.',
            CASE WHEN s.live THEN 'Root cause found in the data.' ELSE '' END,
            CASE WHEN s.stage IN ('control', 'completed') THEN 'Control plan.' ELSE '' END,
            CASE WHEN s.stage IN ('act', 'completed') THEN 'Adopt.' ELSE '' END,
            '',
            (ARRAY['financial', 'operational', 'customer', 'innovation'])[1 + g %% 4],
            s.methodology, s.stage, '', 1,
            1 + g %% 5, 1 + (g / 5) %% 5, 1000 * (1 + g %% 50), 500 * (1 + g %% 20), 0.5,
            -- Live changes went live 180 to 419 days before the as-of date: early enough
            -- for every "after" point (up to 25 weekly ones) to fall before it.
            CASE WHEN s.live THEN %(as_of)s::date - (180 + (g * 7) %% 240) END,
            now(), now(), now(),
            %(area)s, %(user)s, %(user)s
        FROM generate_series(1, %(n)s) AS g
        JOIN (VALUES {mix}) AS s (bucket, stage, methodology, live)
            ON s.bucket = g %% {len(buckets)}
        """,
        params,
    )
    log(f"{initiatives:,} initiatives")

    # One row per target to be: the KPI and the parameters its measurements are drawn
    # from. `h` mixes the ids so neighbouring targets differ.
    cursor.execute(
        f"""
        CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
        WITH base AS (
            SELECT
                i.id AS initiative_id,
                k,
                i.implemented_on,
                (%(metrics)s::bigint[])[1 + (i.id + k) %% cardinality(%(metrics)s::bigint[])]
                    AS metric_id,
                (i.id * 7919 + k * 104729) %% 1000003 AS h,
                i.stage IN ('control', 'act', 'completed') AS controlled,
                row_number() OVER (ORDER BY i.id, k) - 1 AS rank
            FROM {initiative_table} i CROSS JOIN generate_series(0, %(per)s - 1) AS k
        ),
        sized AS (
            SELECT
                base.*,
                m.chart_kind = 'proportion' AS proportion,
                CASE WHEN m.direction = 'higher_is_better' THEN 1 ELSE -1 END AS sign,
                (1 + h %% 7)::integer AS step,
                -- the total spread evenly: the first (total mod targets) get one more
                (%(total)s / count(*) OVER ()
                    + CASE WHEN rank < %(total)s %% count(*) OVER () THEN 1 ELSE 0 END)::integer
                    AS n
            FROM base JOIN metrics_metric m ON m.id = base.metric_id
        )
        SELECT
            sized.*,
            -- a quarter of the points before the change for initiatives in control (so
            -- their charts have limits from 20 points and later points to check), else half
            CASE WHEN controlled THEN n / 4 ELSE n / 2 END AS n_before,
            coalesce(implemented_on, %(as_of)s::date - (n - n / 2 + 1) * step) AS anchor,
            implemented_on IS NOT NULL AS frozen,
            (initiative_id + k) %% 2 = 0 AS windowed,
            CASE WHEN proportion THEN 0.05 + (h %% 30) / 100.0 ELSE 20.0 + h %% 80 END AS mu,
            CASE WHEN proportion THEN 0.02 + (h %% 3) / 100.0
                 ELSE (20.0 + h %% 80) * (0.05 + (h %% 4) * 0.03) END AS sd,
            -- the change's effect in standard deviations, in the better direction
            ((h / 7) %% 6 - 1) * 0.5 AS effect,
            CASE WHEN proportion THEN (50 + (h * 13) %% 450)::integer END AS size
        FROM sized
        """,
        params,
    )
    log("target plan")

    cursor.execute(
        f"""
        INSERT INTO {target_table} ({", ".join(TARGET_COLUMNS)})
        SELECT
            initiative_id, metric_id, k = 0,
            -- a window baseline's value is set to the window's mean once the
            -- measurements exist; a manual one is a round number near the true mean
            CASE WHEN frozen THEN round(mu::numeric, 2)::float END,
            CASE WHEN windowed THEN anchor - n_before * step END,
            CASE WHEN windowed THEN greatest(anchor - n_before * step, anchor - 3 * step) END,
            CASE WHEN NOT frozen THEN '' WHEN windowed THEN 'window' ELSE 'manual' END,
            NULL,
            CASE WHEN frozen THEN now() END,
            CASE WHEN frozen THEN %(user)s::integer END,
            -- reached by changes of 1.5 standard deviations or more
            mu + sign * 1.5 * sd,
            %(as_of)s::date + 90,
            CASE WHEN k = 0 THEN CASE WHEN proportion THEN 50000 ELSE 125 END END,
            (ARRAY['hard', 'soft', 'avoidance'])[1 + h %% 3],
            now(),
            ''  -- latest_status: no result yet (the results job writes it)
        FROM bench_plan
        ORDER BY initiative_id, k
        """,
        params,
    )
    log(f"{initiatives * targets_per:,} targets")

    # Box-Muller: sqrt(-2 ln U1) cos(2 pi U2) is standard normal.
    cursor.execute(
        f"""
        INSERT INTO {measurement_table} ({", ".join(MEASUREMENT_COLUMNS)})
        SELECT
            t.id,
            ((p.anchor + (j - p.n_before) * p.step) + time '09:00') AT TIME ZONE %(tz)s,
            CASE WHEN p.proportion THEN least(1.0, greatest(0.0, x.mean + p.sd * x.z))
                 ELSE x.mean + p.sd * x.z END,
            p.size,
            'import',
            NULL,
            now()
        FROM bench_plan p
        JOIN {target_table} t USING (initiative_id, metric_id)
        CROSS JOIN LATERAL generate_series(0, p.n - 1) AS j
        CROSS JOIN LATERAL (
            SELECT
                p.mu + CASE WHEN p.frozen AND j >= p.n_before
                            THEN p.sign * p.effect * p.sd ELSE 0 END AS mean,
                sqrt(-2.0 * ln(1.0 - random())) * cos(2.0 * pi() * random()) AS z
        ) AS x
        """,
        params,
    )
    log(f"{measurements:,} measurements")

    # A window baseline is the mean of its window, as freezing it would have made it.
    cursor.execute(
        f"""
        UPDATE {target_table} t
        SET baseline_value = s.mean, baseline_n = s.n
        FROM (
            SELECT m.target_id, avg(m.value) AS mean, count(*) AS n
            FROM {measurement_table} m JOIN {target_table} w ON w.id = m.target_id
            WHERE w.baseline_source = 'window'
              AND m.observed_at >= (w.baseline_start + time '00:00') AT TIME ZONE %(tz)s
              AND m.observed_at < ((w.baseline_end + 1) + time '00:00') AT TIME ZONE %(tz)s
            GROUP BY m.target_id
        ) s
        WHERE t.id = s.target_id
        """,
        params,
    )
    log("window baselines")


def _load_intake(cursor, *, intake, user_id, area_id, log) -> None:
    """`intake` ideas after the others (so they get no targets): odd rows submitted and
    unscored, even rows in the backlog with scores over the whole grid and estimates."""
    from improvement.models import Initiative

    cursor.execute(
        f"""
        INSERT INTO {Initiative._meta.db_table} ({", ".join(INITIATIVE_COLUMNS)})
        SELECT
            'Bench idea ' || g,
            'Generated for the scale benchmark.',
            'A change to the process.',
            '', '', '', '',
            (ARRAY['financial', 'operational', 'customer', 'innovation'])[1 + g %% 4],
            CASE WHEN backlog THEN (ARRAY['pdca', 'dmaic'])[1 + (g / 2) %% 2] ELSE '' END,
            CASE WHEN backlog THEN 'backlog' ELSE 'submitted' END,
            '', 1,
            -- g / 2 walks the backlog's rows through all 25 (impact, effort) cells
            CASE WHEN backlog THEN 1 + (g / 2) %% 5 END,
            CASE WHEN backlog THEN 1 + (g / 10) %% 5 END,
            CASE WHEN backlog THEN 1000 * (1 + g %% 50) END,
            CASE WHEN backlog THEN 500 * (1 + g %% 20) END,
            CASE WHEN backlog THEN 0.25 * (1 + g %% 4) END,
            NULL,
            -- one an hour, newest last, so "oldest first" ties are broken by age
            now() - (%(n)s - g) * interval '1 hour',
            now(), now(),
            %(area)s, NULL, %(user)s
        FROM generate_series(1, %(n)s) AS g
        CROSS JOIN LATERAL (SELECT g %% 2 = 0 AS backlog) AS b
        """,
        {"n": intake, "area": area_id, "user": user_id},
    )
    log(f"{intake:,} ideas in intake")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--initiatives", type=int, default=10_000)
    parser.add_argument("--targets-per", type=int, default=3)
    parser.add_argument(
        "--measurements", type=int, help="total (default: 100 per initiative)", default=None
    )
    parser.add_argument(
        "--intake", type=int, default=0, help="extra ideas, submitted or in the backlog (0)"
    )
    parser.add_argument("--rebuild", action="store_true", help="regenerate even if it fits")
    parser.add_argument("--database", default=None, help="default: improvement_bench")
    args = parser.parse_args(argv)

    from bench import db

    db.setup(args.database or db.BENCH_DATABASE, command="python -m bench.generate")
    data = build(
        args.initiatives,
        args.targets_per,
        args.measurements,
        intake=args.intake,
        rebuild=args.rebuild,
    )
    what = f"built in {data.seconds:.1f} s" if data.built else "reused"
    print(
        f"{db.describe()}: {data.initiatives:,} initiatives ({data.intake:,} in intake), "
        f"{data.targets:,} targets, {data.measurements:,} measurements ({what})"
    )


if __name__ == "__main__":
    main()
