"""What the parity tests share (tests/metrics/test_parity.py): random "worlds" of targets
and measurements, loading one into the database, running the production path on it, and
reading back every figure of every result and ledger row.

Run as a program (`python -m tests.metrics.parity`), it is the SQLite side of the
PostgreSQL parity test: it sets up an in-memory SQLite database, then reads one world
per line (JSON) on its standard input and answers each with that world's figures
(JSON), computed on SQLite exactly as the app computes them.
"""

import datetime as dt
import json
import sys
from decimal import Decimal

from hypothesis import strategies as st

AS_OF = dt.date(2026, 6, 30)
CHANGE = dt.date(2026, 3, 2)
# The quarters the ledger is rolled up for: the change is in Q1, the as-of date ends Q2.
QUARTERS = [(2026, 1), (2026, 2)]

# What the comparison leaves out: keys, timestamps of the run, the reviewers' fields.
RESULT_SKIP = {"id", "target", "computed_at"}
LEDGER_SKIP = {
    "id",
    "initiative",
    "target",
    "updated_at",
    "validated_benefit",
    "review_note",
    "reviewed_at",
    "reviewed_by",
}


# --- worlds ------------------------------------------------------------------------------

# Values on a coarse grid, so that ties, constants and equal means are common.
individual_values = st.integers(min_value=0, max_value=60).map(lambda i: i / 4)


@st.composite
def proportion_point(draw):
    size = draw(st.sampled_from([5, 10, 40, 100, 250]))
    return [draw(st.integers(min_value=0, max_value=size)) / size, size]


@st.composite
def sample(draw, *, days: list[int], proportion: bool, sized: bool, constant: bool):
    """Points on the given day offsets from the change, at any time of day."""
    if proportion and sized:
        make = proportion_point()
    elif proportion:
        make = st.integers(min_value=0, max_value=20).map(lambda i: [i / 20, None])
    else:
        make = individual_values.map(lambda v: [v, None])
    first = draw(make)
    points = []
    for day in days:
        value, size = first if constant else draw(make)
        minute = draw(st.sampled_from([0, 1, 12 * 60, 23 * 60 + 59]))
        at = dt.datetime.combine(CHANGE + dt.timedelta(days=day), dt.time(), dt.UTC)
        points.append([(at + dt.timedelta(minutes=minute)).isoformat(), value, size])
    return points


@st.composite
def target(draw):
    proportion = draw(st.booleans())
    sized = proportion and draw(st.booleans())
    kind = draw(st.sampled_from(["window", "typed", "neither", "both"]))
    before_days = sorted(draw(st.sets(st.integers(min_value=-40, max_value=-1), max_size=14)))
    after_days = sorted(draw(st.sets(st.integers(min_value=0, max_value=125), max_size=14)))
    constant = draw(st.booleans()) if draw(st.booleans()) else False
    before = draw(sample(days=before_days, proportion=proportion, sized=sized, constant=constant))
    after = draw(sample(days=after_days, proportion=proportion, sized=sized, constant=constant))
    window = None
    if kind in ("window", "both"):
        start = draw(st.integers(min_value=-40, max_value=-1))
        end = draw(st.integers(min_value=start, max_value=-1))
        window = [(CHANGE + dt.timedelta(days=d)).isoformat() for d in (start, end)]
    baseline = None
    if kind in ("typed", "both"):
        baseline = (
            draw(st.integers(min_value=0, max_value=20)) / 20
            if proportion
            else draw(individual_values)
        )
    due = draw(st.sampled_from([None, "2026-02-01", "2026-05-15", "2026-06-30", "2026-09-30"]))
    per_unit = draw(st.sampled_from([None, "1000", "-250.5", "0.0125"]))
    return {
        "stage": draw(st.sampled_from(["check", "control"])),
        "direction": draw(st.sampled_from(["higher_is_better", "lower_is_better"])),
        "chart_kind": "proportion" if proportion else "individuals",
        "baseline": baseline,
        "window": window,
        "target_value": draw(st.sampled_from([None, 0.0, 0.5, 12.0])),
        "target_date": due,
        "value_per_unit": per_unit,
        "points": before + after,
    }


worlds = st.lists(target(), min_size=1, max_size=6)


# --- loading and computing -----------------------------------------------------------------


def load_world(world: list[dict]) -> list:
    """Write the world's rows (one initiative per target, its primary target) and return
    the targets in the world's order."""
    from django.contrib.auth import get_user_model

    from improvement.models import Area, Initiative, Methodology, Pillar
    from metrics.models import Measurement, Metric, Target

    user, _ = get_user_model().objects.get_or_create(username="parity")
    area, _ = Area.objects.get_or_create(name="Parity")
    targets = []
    for k, spec in enumerate(world):
        initiative = Initiative.objects.create(
            title=f"Parity {k}",
            problem_statement="p",
            proposed_change="c",
            pillar=Pillar.OPERATIONAL,
            area=area,
            submitted_by=user,
            owner=user,
            stage=spec["stage"],
            methodology=Methodology.PDCA if spec["stage"] == "check" else Methodology.DMAIC,
            impact=3,
            effort=3,
            implemented_on=CHANGE,
        )
        metric = Metric.objects.create(
            name=f"Parity metric {initiative.pk}",
            unit="u",
            direction=spec["direction"],
            pillar=Pillar.OPERATIONAL,
            chart_kind=spec["chart_kind"],
        )
        window = spec["window"] or [None, None]
        target = Target.objects.create(
            initiative=initiative,
            metric=metric,
            is_primary=True,
            baseline_value=spec["baseline"],
            baseline_start=window[0] and dt.date.fromisoformat(window[0]),
            baseline_end=window[1] and dt.date.fromisoformat(window[1]),
            # A window is the baseline source ("both": a frozen window's stored value
            # beside its data, which the results measure against).
            baseline_source="window" if spec["window"] else "",
            target_value=spec["target_value"],
            target_date=spec["target_date"] and dt.date.fromisoformat(spec["target_date"]),
            value_per_unit=spec["value_per_unit"] and Decimal(spec["value_per_unit"]),
        )
        Measurement.objects.bulk_create(
            Measurement(
                target=target,
                observed_at=dt.datetime.fromisoformat(at),
                value=value,
                sample_size=size,
            )
            for at, value, size in spec["points"]
        )
        targets.append(target)
    return targets


def compute_world(world: list[dict]) -> dict:
    """Load the world, run the results job and the ledger rollup as the app does, and
    return every figure (see `figures_of`)."""
    from metrics.ledger.rollup import rollup_quarter
    from metrics.results.compute import compute_results

    targets = load_world(world)
    compute_results(as_of=AS_OF)
    for year, quarter in QUARTERS:
        rollup_quarter(year=year, quarter=quarter)
    return figures_of(targets)


def figures_of(targets: list) -> dict:
    """{"results": [one dict per target], "ledger": {"k year quarter": dict}}, JSON-ready:
    every field but the keys and timestamps."""
    from metrics.models import QuarterlyResult, ResultSnapshot

    index = {t.pk: k for k, t in enumerate(targets)}
    results = {
        index[r["target_id"]]: plain(r, RESULT_SKIP)
        for r in ResultSnapshot.objects.filter(target__in=targets, as_of=AS_OF).values()
    }
    ledger = {
        f"{index[r['target_id']]} {r['year']} {r['quarter']}": plain(r, LEDGER_SKIP)
        for r in QuarterlyResult.objects.filter(target__in=targets).values()
    }
    return {"results": [results.get(k) for k in range(len(targets))], "ledger": ledger}


def plain(row: dict, skip: set) -> dict:
    out = {}
    for name, value in row.items():
        if name in skip or name.removesuffix("_id") in skip:
            continue
        if isinstance(value, Decimal | dt.date):
            value = str(value)
        out[name] = value
    return json.loads(json.dumps(out))


# --- the SQLite side, as a program -----------------------------------------------------------


def serve() -> None:
    """Answer worlds read from stdin, one JSON line each, on a fresh in-memory SQLite
    database; each world is rolled back after its answer."""
    import django
    from django.conf import settings
    from django.db import connection, transaction

    django.setup()
    assert connection.vendor == "sqlite", "the parity worker is the SQLite side"
    settings.DATABASES["default"].setdefault("TEST", {})["MIGRATE"] = False
    # Tables straight from the models: the migrations' data (the KPI catalog, groups) is
    # not needed, and building them this way takes a second rather than half a minute.
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        with transaction.atomic():
            answer = compute_world(json.loads(line))
            transaction.set_rollback(True)
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    serve()
