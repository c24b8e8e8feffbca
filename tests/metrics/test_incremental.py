"""Incremental results (issue 16): the write path keeps the work list, the nightly run
computes only what is on it (and interim results whose due date came), a row is written
only where a figure changed, and the outcome is the full recompute's, row for row.
"""

import datetime as dt
import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from improvement import services as improvement_services
from metrics import services
from metrics.models import Measurement, ResultSnapshot, Target
from metrics.results import stale
from metrics.results.compute import compute_results
from metrics.results.shards import plan
from tests.factories import (
    LiveInitiativeFactory,
    MetricFactory,
    ReviewerFactory,
    TargetFactory,
    record_series,
)
from tests.metrics.parity import CHANGE, load_world, plain, worlds

pytestmark = pytest.mark.django_db

SKIP = {"id", "target", "computed_at"}


def stale_ids() -> set[int]:
    return set(
        Target.objects.filter(results_stale_since__isnull=False).values_list("pk", flat=True)
    )


@pytest.fixture
def two_targets(db):
    """Two measured targets of one live initiative, both computed (off the work list)."""
    initiative = LiveInitiativeFactory(implemented_on=CHANGE)
    first, second = (
        TargetFactory(initiative=initiative, is_primary=primary, baseline_value=20.0)
        for primary in (True, False)
    )
    for target in (first, second):
        record_series(target, first=CHANGE - dt.timedelta(days=5), values=[20, 21, 19, 20, 22])
        record_series(target, first=CHANGE, values=[15, 14, 16, 15])
    compute_results(as_of=CHANGE + dt.timedelta(days=10))
    assert stale_ids() == set()
    return first, second


def test_a_new_target_starts_on_the_work_list(db):
    target = TargetFactory()

    assert stale_ids() == {target.pk}


def test_a_corrected_measurement_marks_exactly_its_target(two_targets):
    first, _second = two_targets
    point = first.measurements.order_by("observed_at").last()

    services.correct_measurement(
        measurement=point, actor=ReviewerFactory(), changes={"value": 9.0}, reason="Typo."
    )

    assert stale_ids() == {first.pk}


def test_recorded_and_deleted_measurements_mark_their_target(two_targets):
    first, second = two_targets
    owner = first.initiative.owner
    at = dt.datetime.combine(CHANGE + dt.timedelta(days=6), dt.time(12), dt.UTC)

    services.record_measurements(
        actor=owner, items=[{"target": second, "observed_at": at, "value": 14.0}]
    )
    assert stale_ids() == {second.pk}

    compute_results(as_of=CHANGE + dt.timedelta(days=10))
    point = first.measurements.order_by("observed_at").last()
    services.delete_measurement(measurement=point, actor=ReviewerFactory(), reason="Duplicate.")
    assert stale_ids() == {first.pk}


def test_a_target_change_marks_it_and_an_initiative_change_marks_all_of_its(two_targets):
    first, second = two_targets
    services.update_target(
        target=second, actor=second.initiative.owner, changes={"target_value": 10.0}
    )
    assert stale_ids() == {second.pk}

    compute_results(as_of=CHANGE + dt.timedelta(days=10))
    improvement_services.update_initiative(
        initiative=first.initiative,
        actor=ReviewerFactory(),
        changes={"implemented_on": CHANGE + dt.timedelta(days=1)},
        reason="The change went in a day later.",
    )
    assert stale_ids() == {first.pk, second.pk}


def test_a_failed_write_leaves_no_mark(two_targets):
    first, _ = two_targets
    with pytest.raises(RuntimeError), transaction.atomic():
        stale.inputs_changed(target_ids=[first.pk])
        raise RuntimeError

    assert stale_ids() == set()


def test_a_mark_made_after_the_run_read_the_target_stays(two_targets, monkeypatch):
    """A write the run did not see keeps its target on the list."""
    first, _ = two_targets
    stale.inputs_changed(target_ids=[first.pk])
    real = stale.settled

    def write_meanwhile(**kwargs):
        Target.objects.filter(pk=first.pk).update(
            results_stale_since=dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
        )
        real(**kwargs)

    monkeypatch.setattr(stale, "settled", write_meanwhile)
    compute_results(as_of=CHANGE + dt.timedelta(days=10), full=False)

    assert stale_ids() == {first.pk}


def test_a_run_writes_a_row_only_where_a_figure_changed(two_targets):
    first, _second = two_targets
    rows = ResultSnapshot.objects.count()

    compute_results(as_of=CHANGE + dt.timedelta(days=11))  # full, nothing changed
    assert ResultSnapshot.objects.count() == rows

    record_series(first, first=CHANGE + dt.timedelta(days=4), values=[30])
    stale.inputs_changed(target_ids=[first.pk])
    computed = compute_results(as_of=CHANGE + dt.timedelta(days=12), full=False)

    assert computed == 1
    new = ResultSnapshot.objects.filter(as_of=CHANGE + dt.timedelta(days=12))
    assert list(new.values_list("target_id", flat=True)) == [first.pk]
    assert ResultSnapshot.objects.count() == rows + 1


def test_an_interim_result_becomes_final_on_its_due_date_without_new_data(two_targets):
    first, _second = two_targets
    due = CHANGE + dt.timedelta(days=20)
    Target.objects.filter(pk=first.pk).update(target_date=due)
    compute_results(as_of=CHANGE + dt.timedelta(days=11))  # interim now
    assert first.results.order_by("-as_of").first().interim is True

    assert compute_results(as_of=due - dt.timedelta(days=1), full=False) == 0
    assert compute_results(as_of=due, full=False) == 1

    result = first.results.order_by("-as_of").first()
    assert (result.as_of, result.interim) == (due, False)


def test_the_shards_cover_the_work_list_in_id_ranges(db):
    targets = [TargetFactory(initiative=LiveInitiativeFactory()) for _ in range(5)]
    ids = [t.pk for t in targets]

    assert plan(as_of=CHANGE, full=True, shard_size=2) == [
        (ids[0], ids[1], None),
        (ids[2], ids[3], None),
        (ids[4], ids[4], None),
    ]
    Target.objects.filter(pk__in=ids[1:4]).update(results_stale_since=None)
    # Incremental: the work list's own ids, two a shard.
    assert plan(as_of=CHANGE, full=False, shard_size=2) == [(ids[0], ids[4], [ids[0], ids[4]])]


def test_a_metric_change_in_the_admin_marks_its_targets(admin_client, two_targets):
    first, _ = two_targets
    other = TargetFactory(metric=MetricFactory())
    Target.objects.filter(pk=other.pk).update(results_stale_since=None)
    metric = first.metric
    data = {
        "name": metric.name,
        "unit": metric.unit,
        "direction": "higher_is_better"
        if metric.direction != "higher_is_better"
        else "lower_is_better",
        "pillar": metric.pillar,
        "chart_kind": metric.chart_kind,
        "is_active": "on",
        "description": metric.description,
    }

    response = admin_client.post(f"/admin/metrics/metric/{metric.pk}/change/", data)

    assert response.status_code == 302
    assert stale_ids() == set(metric.targets.values_list("pk", flat=True))


# --- incremental = full, on random worlds ------------------------------------------------------

DAYS = [CHANGE + dt.timedelta(days=d) for d in (20, 45, 90, 126)]
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def run_world(world: list[dict], *, full: bool, seed: int) -> list[dict]:
    """The world's data arriving day by day — each day's points recorded, some corrected
    or deleted, through the work list as the write path keeps it — with a run each day,
    full or incremental; every result row written, by target index. Rolled back."""
    rng = random.Random(seed)
    with transaction.atomic():
        points = [spec.pop("points") for spec in world]
        for spec in world:
            spec["points"] = []
        targets = load_world(world)
        for spec, target_points in zip(world, points, strict=True):
            spec["points"] = target_points
        seen = [0] * len(targets)
        for day in DAYS:
            for k, target in enumerate(targets):
                due = [p for p in points[k] if dt.date.fromisoformat(p[0][:10]) <= day]
                new = due[seen[k] :]
                seen[k] = len(due)
                Measurement.objects.bulk_create(
                    Measurement(
                        target=target,
                        observed_at=dt.datetime.fromisoformat(at),
                        value=value,
                        sample_size=size,
                    )
                    for at, value, size in new
                )
                old = list(target.measurements.all())
                if old and rng.random() < 0.3:
                    rng.choice(old).delete()
                    new = True
                if new:
                    stale.inputs_changed(target_ids=[target.pk], mark=True)
            compute_results(as_of=day, full=full)
        index = {t.pk: k for k, t in enumerate(targets)}
        rows = sorted(
            (
                {**plain(r, SKIP), "k": index[r["target_id"]]}
                for r in ResultSnapshot.objects.filter(target__in=targets).values()
            ),
            key=lambda r: (r["k"], r["as_of"]),
        )
        transaction.set_rollback(True)
    return rows


@EXAMPLES
@given(world=worlds, seed=st.integers(min_value=0, max_value=1000))
def test_incremental_runs_give_the_full_recomputes_rows(world, seed):
    import copy

    full = run_world(copy.deepcopy(world), full=True, seed=seed)
    incremental = run_world(copy.deepcopy(world), full=False, seed=seed)

    assert incremental == full
    assert full  # every world has a result


# --- the API's latest result and result as of a date ---------------------------------------


def test_the_api_gives_the_result_in_force_on_a_date(two_targets, api_as):
    first, _ = two_targets
    computed = CHANGE + dt.timedelta(days=10)
    record_series(first, first=CHANGE + dt.timedelta(days=4), values=[30])
    stale.inputs_changed(target_ids=[first.pk])
    changed = CHANGE + dt.timedelta(days=15)
    compute_results(as_of=changed, full=False)
    client = api_as(first.initiative.owner)
    url = f"/api/targets/{first.pk}/results/"

    latest = client.get(url)
    between = client.get(url, {"as_of": (changed - dt.timedelta(days=1)).isoformat()})
    before = client.get(url, {"as_of": (computed - dt.timedelta(days=1)).isoformat()})
    bad = client.get(url, {"as_of": "yesterday"})

    assert (latest.status_code, latest.json()["as_of"]) == (200, changed.isoformat())
    assert latest.json()["n_after"] == 5
    assert (between.status_code, between.json()["as_of"]) == (200, computed.isoformat())
    assert between.json()["n_after"] == 4
    assert before.status_code == 404
    assert bad.status_code == 400
    assert "as_of" in bad.json()
