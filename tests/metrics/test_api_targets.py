"""`GET/POST /api/initiatives/{id}/targets/` and `GET/PATCH /api/targets/{id}/`."""

import datetime as dt

import pytest
from django.utils import timezone

from improvement.models import Stage
from metrics.models import BenefitType, Target
from tests.factories import (
    AdminFactory,
    MetricFactory,
    TargetFactory,
    TriagedInitiativeFactory,
)

TARGET_FIELDS = {
    "id",
    "initiative",
    "metric",
    "is_primary",
    "baseline_value",
    "baseline_start",
    "baseline_end",
    "baseline_source",
    "baseline_n",
    "is_frozen",
    "frozen_at",
    "frozen_by",
    "target_value",
    "target_date",
    "value_per_unit",
    "benefit_type",
}


@pytest.fixture
def initiative(db):
    return TriagedInitiativeFactory(stage=Stage.PLAN)


@pytest.fixture
def owner_client(api_as, initiative):
    return api_as(initiative.owner)


def new_target(of_metric, **overrides):
    return {
        "metric": of_metric.pk,
        "is_primary": True,
        "baseline_value": 12.5,
        "target_value": 8,
        "target_date": "2026-12-31",
        "value_per_unit": "1500.0000",
        "benefit_type": "soft",
        **overrides,
    }


def frozen_target(**fields):
    """Frozen from its January window, whose mean was 10."""
    return TargetFactory(
        frozen_at=timezone.now(),
        baseline_source="window",
        baseline_value=10.0,
        baseline_start=dt.date(2026, 1, 1),
        baseline_end=dt.date(2026, 1, 31),
        **fields,
    )


# --- create -------------------------------------------------------------------------------


def test_it_creates_a_target_with_every_contract_field(owner_client, initiative):
    metric = MetricFactory()

    response = owner_client.post(f"/api/initiatives/{initiative.pk}/targets/", new_target(metric))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == TARGET_FIELDS
    target = Target.objects.get(pk=body["id"])
    assert target.initiative == initiative
    assert target.metric == metric
    assert target.is_primary
    assert target.baseline_value == 12.5
    assert (target.baseline_start, target.baseline_end) == (None, None)
    assert (target.target_value, target.target_date) == (8.0, dt.date(2026, 12, 31))
    assert float(target.value_per_unit) == 1500
    assert target.benefit_type == BenefitType.SOFT
    assert not target.is_frozen


def test_it_creates_a_target_with_only_a_metric(owner_client, initiative):
    response = owner_client.post(
        f"/api/initiatives/{initiative.pk}/targets/", {"metric": MetricFactory().pk}
    )

    assert response.status_code == 201
    target = Target.objects.get(pk=response.json()["id"])
    assert (target.is_primary, target.baseline_value, target.benefit_type) == (False, None, "hard")


def test_it_keeps_a_reason_sent_with_a_new_target_in_its_history(owner_client, initiative):
    # Found by the schema fuzzer: the target fields carry `reason` (for corrections), and
    # a new target sent with one was a 500.
    response = owner_client.post(
        f"/api/initiatives/{initiative.pk}/targets/",
        {"metric": MetricFactory().pk, "reason": "Cost avoidance"},
    )

    assert response.status_code == 201
    target = Target.objects.get(pk=response.json()["id"])
    assert target.audit.get().history_change_reason == "Cost avoidance"


def test_it_ignores_read_only_fields_when_creating(owner_client, initiative):
    other = TriagedInitiativeFactory()

    response = owner_client.post(
        f"/api/initiatives/{initiative.pk}/targets/",
        new_target(MetricFactory(), initiative=other.pk, frozen_at="2026-01-01T00:00:00Z"),
    )

    assert response.status_code == 201
    target = Target.objects.get(pk=response.json()["id"])
    assert target.initiative == initiative
    assert not target.is_frozen


def test_it_refuses_a_patch_of_a_read_only_field(owner_client, initiative):
    target = TargetFactory(initiative=initiative)

    response = owner_client.patch(f"/api/targets/{target.pk}/", {"frozen_at": "2026-01-01"})

    assert response.status_code == 400
    assert "frozen_at" in response.json()
    target.refresh_from_db()
    assert not target.is_frozen


def test_it_answers_404_for_targets_of_an_unknown_initiative(api_as):
    response = api_as(AdminFactory()).post(
        "/api/initiatives/999999/targets/", new_target(MetricFactory())
    )

    assert response.status_code == 404
    assert not Target.objects.exists()


def test_it_refuses_a_baseline_window_ending_before_it_starts(owner_client, initiative):
    body = new_target(
        MetricFactory(), baseline_value=None, baseline_start="2026-02-01", baseline_end="2026-01-01"
    )

    response = owner_client.post(f"/api/initiatives/{initiative.pk}/targets/", body)

    assert response.status_code == 400
    assert list(response.json()) == ["baseline_end"]
    assert not Target.objects.exists()


def test_it_refuses_a_second_primary_target(owner_client, initiative):
    TargetFactory(initiative=initiative, is_primary=True)

    response = owner_client.post(
        f"/api/initiatives/{initiative.pk}/targets/", new_target(MetricFactory())
    )

    assert response.status_code == 400
    assert Target.objects.filter(initiative=initiative).count() == 1


def test_it_refuses_a_second_target_on_the_same_metric(owner_client, initiative):
    existing = TargetFactory(initiative=initiative, is_primary=False)

    response = owner_client.post(
        f"/api/initiatives/{initiative.pk}/targets/", new_target(existing.metric)
    )

    assert response.status_code == 400
    assert Target.objects.filter(initiative=initiative).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metric", 999999),
        ("baseline_value", "abc"),
        ("baseline_value", "NaN"),
        ("target_value", "Infinity"),
        ("target_value", "-Infinity"),
        ("baseline_start", "2026-13-45"),
        ("target_date", "tomorrow"),
        ("benefit_type", "imaginary"),
        ("value_per_unit", "lots"),
    ],
)
def test_it_refuses_a_bad_target_value(owner_client, initiative, field, value):
    response = owner_client.post(
        f"/api/initiatives/{initiative.pk}/targets/", new_target(MetricFactory(), **{field: value})
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Target.objects.exists()


def test_it_refuses_an_inactive_metric(owner_client, initiative):
    metric = MetricFactory(is_active=False)

    response = owner_client.post(f"/api/initiatives/{initiative.pk}/targets/", new_target(metric))

    assert response.status_code == 400
    assert list(response.json()) == ["metric"]
    assert not Target.objects.exists()


def test_it_refuses_an_infinite_raw_json_number(owner_client, initiative):
    metric = MetricFactory()
    body = f'{{"metric": {metric.pk}, "target_value": 1e400}}'

    response = owner_client.post(
        f"/api/initiatives/{initiative.pk}/targets/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["target_value"]
    assert not Target.objects.exists()


# --- list ---------------------------------------------------------------------------------


def test_it_lists_the_targets_of_one_initiative(api_as, user, initiative):
    first = TargetFactory(initiative=initiative, is_primary=True)
    second = TargetFactory(initiative=initiative, is_primary=False)
    TargetFactory()

    response = api_as(user).get(f"/api/initiatives/{initiative.pk}/targets/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in body["results"]] == [first.pk, second.pk]
    assert set(body["results"][0]) == TARGET_FIELDS


def test_it_answers_404_listing_targets_of_an_unknown_initiative(api_as, user):
    response = api_as(user).get("/api/initiatives/999999/targets/")

    assert response.status_code == 404


# --- one target ---------------------------------------------------------------------------


def test_it_reads_one_target(api_as, user):
    target = frozen_target()

    response = api_as(user).get(f"/api/targets/{target.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == TARGET_FIELDS
    assert (body["id"], body["is_frozen"], body["baseline_value"]) == (target.pk, True, 10.0)


def test_it_answers_404_for_an_unknown_target(api_as, user):
    response = api_as(user).get("/api/targets/999999/")

    assert response.status_code == 404


def test_it_edits_an_unfrozen_baseline(api_as):
    target = TargetFactory(baseline_value=10.0)

    response = api_as(target.initiative.owner).patch(
        f"/api/targets/{target.pk}/", {"baseline_value": 11.0}
    )

    assert response.status_code == 200
    assert response.json()["baseline_value"] == 11.0
    target.refresh_from_db()
    assert target.baseline_value == 11.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("baseline_value", 99.0),
        ("baseline_value", None),
        ("baseline_start", "2025-12-01"),
        ("baseline_end", "2026-01-15"),
    ],
)
def test_it_refuses_a_frozen_baseline_change(api_as, field, value):
    target = frozen_target()
    before = getattr(target, field)

    response = api_as(target.initiative.owner).patch(
        f"/api/targets/{target.pk}/", {field: value}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    target.refresh_from_db()
    assert getattr(target, field) == before


def test_it_refuses_a_frozen_baseline_change_even_to_an_admin_without_a_reason(api_as):
    target = frozen_target()

    response = api_as(AdminFactory()).patch(f"/api/targets/{target.pk}/", {"baseline_value": 1})

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    target.refresh_from_db()
    assert target.baseline_value == 10.0


def test_it_refuses_a_whole_patch_with_a_frozen_baseline_field(api_as):
    target = frozen_target(target_value=8.0)

    response = api_as(target.initiative.owner).patch(
        f"/api/targets/{target.pk}/", {"baseline_value": 1.0, "target_value": 7.0}
    )

    assert response.status_code == 400
    target.refresh_from_db()
    assert (target.baseline_value, target.target_value) == (10.0, 8.0)


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("target_date", "2027-06-30", dt.date(2027, 6, 30)),
        ("benefit_type", "avoidance", "avoidance"),
    ],
)
def test_it_still_edits_other_fields_of_a_frozen_target(api_as, field, value, stored):
    target = frozen_target()

    response = api_as(target.initiative.owner).patch(f"/api/targets/{target.pk}/", {field: value})

    assert response.status_code == 200
    target.refresh_from_db()
    assert getattr(target, field) == stored
    assert target.baseline_value == 10.0


def test_it_refuses_a_window_ending_before_the_saved_start(api_as):
    target = TargetFactory(
        baseline_value=None, baseline_start=dt.date(2026, 2, 1), baseline_end=dt.date(2026, 2, 28)
    )

    response = api_as(target.initiative.owner).patch(
        f"/api/targets/{target.pk}/", {"baseline_end": "2026-01-15"}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["baseline_end"]
    target.refresh_from_db()
    assert target.baseline_end == dt.date(2026, 2, 28)


def test_it_refuses_a_non_finite_target_value_on_edit(api_as):
    target = TargetFactory(target_value=8.0)

    response = api_as(target.initiative.owner).patch(
        f"/api/targets/{target.pk}/", {"target_value": "NaN"}
    )

    assert response.status_code == 400
    target.refresh_from_db()
    assert target.target_value == 8.0


def test_it_refuses_put_on_a_target(api_as):
    target = TargetFactory()

    response = api_as(AdminFactory()).put(f"/api/targets/{target.pk}/", {"target_value": 1})

    assert response.status_code == 405
    target.refresh_from_db()
    assert target.target_value == 8.0
