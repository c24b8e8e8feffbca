"""`/api/initiatives/`: create, read, list (pagination, filters, ordering), edit input."""

import datetime as dt

import pytest

from improvement.models import Initiative, Methodology, Pillar, Stage
from tests.factories import (
    AdminFactory,
    AreaFactory,
    InitiativeFactory,
    ReviewerFactory,
    SupportFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

READ_FIELDS = {
    "id",
    "title",
    "problem_statement",
    "proposed_change",
    "root_cause",
    "control_plan",
    "decision_note",
    "rejection_reason",
    "duplicate_of",
    "campaign",
    "pillar",
    "area",
    "methodology",
    "stage",
    "held_from",
    "cycle",
    "submitted_by",
    "owner",
    "sponsor",
    "team",
    "watchers",
    "impact",
    "effort",
    "estimated_annual_benefit",
    "estimated_cost",
    "confidence",
    "quadrant",
    "ratio",
    "risk_adjusted_roi",
    "support_count",
    "implemented_on",
    "created_at",
    "updated_at",
    "stage_entered_at",
}


@pytest.fixture
def client(api_as, user):
    return api_as(user)


def idea(in_area, **overrides):
    return {
        "title": "Shorter queues",
        "problem_statement": "Customers wait 20 minutes.",
        "proposed_change": "Open a second desk at peak hours.",
        "area": in_area.pk,
        "pillar": "customer",
        **overrides,
    }


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- create ---------------------------------------------------------------------------


def test_it_creates_an_idea_in_submitted(client, user):
    area = AreaFactory()

    response = client.post("/api/initiatives/", idea(area))

    assert response.status_code == 201
    body = response.json()
    assert body["stage"] == "submitted"
    initiative = Initiative.objects.get(pk=body["id"])
    assert initiative.stage == Stage.SUBMITTED
    assert initiative.submitted_by == user
    assert initiative.title == "Shorter queues"
    assert initiative.area == area
    assert initiative.pillar == Pillar.CUSTOMER


def test_it_answers_a_create_with_the_full_initiative(client):
    response = client.post("/api/initiatives/", idea(AreaFactory()))

    assert response.status_code == 201
    assert set(response.json()) == READ_FIELDS


def test_it_creates_an_idea_without_a_proposed_change(client):
    body = idea(AreaFactory())
    del body["proposed_change"]

    response = client.post("/api/initiatives/", body)

    assert response.status_code == 201
    assert Initiative.objects.get(pk=response.json()["id"]).proposed_change == ""


@pytest.mark.parametrize("field", ["title", "problem_statement", "area", "pillar"])
def test_it_refuses_an_idea_missing_a_field(client, field):
    body = idea(AreaFactory())
    del body[field]

    response = client.post("/api/initiatives/", body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("pillar", "magic"), ("area", 999999), ("title", "")])
def test_it_refuses_an_idea_with_a_bad_value(client, field, value):
    response = client.post("/api/initiatives/", idea(AreaFactory(), **{field: value}))

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Initiative.objects.exists()


def test_it_refuses_a_stage_sent_with_a_new_idea(client):
    response = client.post("/api/initiatives/", idea(AreaFactory(), stage="completed"))

    assert response.status_code == 400
    assert list(response.json()) == ["stage"]
    assert not Initiative.objects.exists()


# --- read -------------------------------------------------------------------------------


def test_it_reads_one_initiative(client):
    initiative = TriagedInitiativeFactory(estimated_annual_benefit=1000, estimated_cost=100)
    initiative.team.add(UserFactory())
    SupportFactory(initiative=initiative)

    response = client.get(f"/api/initiatives/{initiative.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == READ_FIELDS
    assert body["id"] == initiative.pk
    assert body["stage"] == "backlog"
    assert body["quadrant"] == "quick_win"
    assert body["ratio"] == 2.0
    assert body["support_count"] == 1
    assert body["team"] == [initiative.team.get().pk]
    assert body["owner"] == initiative.owner_id


def test_it_answers_404_for_an_unknown_initiative(client):
    response = client.get("/api/initiatives/999999/")

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("suffix", ["moves/", "history/", "targets/", "transition/", "recompute/"])
def test_it_answers_404_under_an_unknown_initiative(client, suffix):
    method = client.post if suffix in ("transition/", "recompute/") else client.get

    response = method(f"/api/initiatives/999999/{suffix}", {"to": "plan"})

    assert response.status_code == 404


def test_it_refuses_put(api_as):
    initiative = InitiativeFactory()

    response = api_as(AdminFactory()).put(
        f"/api/initiatives/{initiative.pk}/", {"title": "Replaced"}
    )

    assert response.status_code == 405
    initiative.refresh_from_db()
    assert initiative.title != "Replaced"


def test_it_refuses_delete(api_as):
    initiative = InitiativeFactory()

    response = api_as(AdminFactory()).delete(f"/api/initiatives/{initiative.pk}/")

    assert response.status_code == 405
    assert Initiative.objects.filter(pk=initiative.pk).exists()


# --- list and pagination ---------------------------------------------------------------


def test_it_paginates_the_list(client):
    InitiativeFactory.create_batch(3)

    response = client.get("/api/initiatives/", {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    assert body["previous"] is None


def test_it_serves_the_second_page(client):
    InitiativeFactory.create_batch(3)

    response = client.get("/api/initiatives/", {"page_size": 2, "page": 2})

    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 1
    assert body["next"] is None
    assert body["previous"] is not None


def test_it_answers_404_past_the_last_page(client):
    InitiativeFactory()

    response = client.get("/api/initiatives/", {"page": 5})

    assert response.status_code == 404


def test_it_caps_the_page_size(client):
    InitiativeFactory.create_batch(3)

    response = client.get("/api/initiatives/", {"page_size": 100000})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_it_lists_newest_first_by_default(client):
    old = InitiativeFactory(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    new = InitiativeFactory(created_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))

    response = client.get("/api/initiatives/")

    assert response.status_code == 200
    assert ids(response) == [new.pk, old.pk]


# --- filters ----------------------------------------------------------------------------


def test_it_filters_by_stage(client):
    submitted = InitiativeFactory()
    TriagedInitiativeFactory()

    response = client.get("/api/initiatives/", {"stage": "submitted"})

    assert response.status_code == 200
    assert ids(response) == [submitted.pk]


def test_it_filters_by_several_stages(client):
    submitted = InitiativeFactory()
    backlog = TriagedInitiativeFactory()
    TriagedInitiativeFactory(stage=Stage.PLAN)

    response = client.get("/api/initiatives/?stage=submitted&stage=backlog&ordering=created_at")

    assert response.status_code == 200
    assert ids(response) == [submitted.pk, backlog.pk]


def test_it_filters_by_methodology(client):
    dmaic = TriagedInitiativeFactory(methodology=Methodology.DMAIC)
    TriagedInitiativeFactory(methodology=Methodology.PDCA)

    response = client.get("/api/initiatives/", {"methodology": "dmaic"})

    assert response.status_code == 200
    assert ids(response) == [dmaic.pk]


def test_it_filters_by_owner(client):
    mine = TriagedInitiativeFactory()
    TriagedInitiativeFactory()

    response = client.get("/api/initiatives/", {"owner": mine.owner_id})

    assert response.status_code == 200
    assert ids(response) == [mine.pk]


def test_it_filters_by_area(client):
    here = InitiativeFactory()
    InitiativeFactory()

    response = client.get("/api/initiatives/", {"area": here.area_id})

    assert response.status_code == 200
    assert ids(response) == [here.pk]


def test_it_filters_by_pillar(client):
    financial = InitiativeFactory(pillar=Pillar.FINANCIAL)
    InitiativeFactory(pillar=Pillar.CUSTOMER)

    response = client.get("/api/initiatives/", {"pillar": "financial"})

    assert response.status_code == 200
    assert ids(response) == [financial.pk]


def test_it_filters_by_quadrant(client):
    avoid = TriagedInitiativeFactory(impact=1, effort=5)
    TriagedInitiativeFactory(impact=5, effort=1)
    InitiativeFactory()  # unscored: no quadrant

    response = client.get("/api/initiatives/", {"quadrant": "avoid"})

    assert response.status_code == 200
    assert ids(response) == [avoid.pk]


def test_it_searches_title_problem_and_change(client):
    by_title = InitiativeFactory(title="Label printer jams")
    by_problem = InitiativeFactory(problem_statement="The printer is slow.")
    by_change = InitiativeFactory(proposed_change="Replace the PRINTER.")
    InitiativeFactory(title="Other", problem_statement="Other", proposed_change="Other")

    response = client.get("/api/initiatives/", {"search": "printer", "ordering": "created_at"})

    assert response.status_code == 200
    assert ids(response) == [by_title.pk, by_problem.pk, by_change.pk]


def test_it_searches_every_word(client):
    both = InitiativeFactory(title="Printer jams", problem_statement="On floor two.")
    InitiativeFactory(title="Printer jams", problem_statement="Elsewhere.")

    response = client.get("/api/initiatives/", {"search": "printer floor"})

    assert response.status_code == 200
    assert ids(response) == [both.pk]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("stage", "nowhere"),
        ("methodology", "six_sigma"),
        ("pillar", "magic"),
        ("quadrant", "sideways"),
        ("owner", "999999"),
        ("area", "999999"),
        ("ordering", "password"),
    ],
)
def test_it_refuses_a_bad_filter_value(client, param, value):
    InitiativeFactory()

    response = client.get("/api/initiatives/", {param: value})

    assert response.status_code == 400
    assert param in response.json()


def test_it_orders_by_a_field(client):
    b = TriagedInitiativeFactory(title="Bravo")
    a = TriagedInitiativeFactory(title="Alpha")

    response = client.get("/api/initiatives/", {"ordering": "title"})

    assert response.status_code == 200
    assert ids(response) == [a.pk, b.pk]


def test_it_orders_by_a_field_descending(client):
    low = TriagedInitiativeFactory(impact=1)
    high = TriagedInitiativeFactory(impact=5)

    response = client.get("/api/initiatives/", {"ordering": "-impact"})

    assert response.status_code == 200
    assert ids(response) == [high.pk, low.pk]


def test_it_orders_by_ratio(client):
    low = TriagedInitiativeFactory(impact=2, effort=4)
    high = TriagedInitiativeFactory(impact=4, effort=1)

    response = client.get("/api/initiatives/", {"ordering": "-ratio", "stage": "backlog"})

    assert response.status_code == 200
    assert ids(response) == [high.pk, low.pk]


# --- edit input (by someone allowed to edit) ----------------------------------------------


@pytest.fixture
def reviewer_client(api_as):
    return api_as(ReviewerFactory())


@pytest.mark.parametrize("value", [0, 6, "x", 2.5])
@pytest.mark.parametrize("field", ["impact", "effort"])
def test_it_refuses_a_score_outside_1_to_5(reviewer_client, field, value):
    initiative = InitiativeFactory(impact=3, effort=3)

    response = reviewer_client.patch(f"/api/initiatives/{initiative.pk}/", {field: value})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    initiative.refresh_from_db()
    assert (initiative.impact, initiative.effort) == (3, 3)


@pytest.mark.parametrize("value", [-0.1, 1.5, "sure"])
def test_it_refuses_a_confidence_outside_0_to_1(reviewer_client, value):
    initiative = InitiativeFactory()

    response = reviewer_client.patch(f"/api/initiatives/{initiative.pk}/", {"confidence": value})

    assert response.status_code == 400
    assert list(response.json()) == ["confidence"]
    initiative.refresh_from_db()
    assert initiative.confidence is None


@pytest.mark.parametrize("field", ["estimated_annual_benefit", "estimated_cost"])
def test_it_refuses_a_negative_estimate(reviewer_client, field):
    initiative = InitiativeFactory()

    response = reviewer_client.patch(f"/api/initiatives/{initiative.pk}/", {field: "-5"})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    initiative.refresh_from_db()
    assert getattr(initiative, field) is None


def test_it_refuses_an_unknown_owner(reviewer_client):
    initiative = InitiativeFactory()

    response = reviewer_client.patch(f"/api/initiatives/{initiative.pk}/", {"owner": 999999})

    assert response.status_code == 400
    assert list(response.json()) == ["owner"]
    initiative.refresh_from_db()
    assert initiative.owner is None


def test_it_refuses_an_inactive_owner(reviewer_client):
    initiative = InitiativeFactory()
    gone = UserFactory(is_active=False)

    response = reviewer_client.patch(f"/api/initiatives/{initiative.pk}/", {"owner": gone.pk})

    assert response.status_code == 400
    initiative.refresh_from_db()
    assert initiative.owner is None


def test_it_refuses_an_unknown_methodology(reviewer_client):
    initiative = InitiativeFactory()

    response = reviewer_client.patch(
        f"/api/initiatives/{initiative.pk}/", {"methodology": "six_sigma"}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["methodology"]
    initiative.refresh_from_db()
    assert initiative.methodology == ""


def test_it_refuses_changing_methodology_once_work_started(reviewer_client):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)

    response = reviewer_client.patch(f"/api/initiatives/{initiative.pk}/", {"methodology": "dmaic"})

    assert response.status_code == 400
    assert list(response.json()) == ["methodology"]
    initiative.refresh_from_db()
    assert initiative.methodology == Methodology.PDCA


@pytest.mark.parametrize("value", ["2026-13-45", "yesterday", "45/13/2026"])
def test_it_refuses_an_unparseable_implementation_date(api_as, value):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)

    response = api_as(initiative.owner).patch(
        f"/api/initiatives/{initiative.pk}/", {"implemented_on": value}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["implemented_on"]
    initiative.refresh_from_db()
    assert initiative.implemented_on is None


def test_it_refuses_a_patch_that_is_not_an_object(reviewer_client):
    initiative = InitiativeFactory()

    response = reviewer_client.patch(f"/api/initiatives/{initiative.pk}/", [1, 2], format="json")

    assert response.status_code == 400


def test_it_saves_every_valid_field_of_a_patch(reviewer_client):
    initiative = InitiativeFactory()
    owner, sponsor = UserFactory(), UserFactory()

    response = reviewer_client.patch(
        f"/api/initiatives/{initiative.pk}/",
        {
            "impact": 5,
            "effort": 1,
            "methodology": "dmaic",
            "owner": owner.pk,
            "sponsor": sponsor.pk,
            "estimated_annual_benefit": "12000.00",
            "estimated_cost": "2000.00",
            "confidence": "0.50",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["quadrant"] == "quick_win"
    assert body["risk_adjusted_roi"] == pytest.approx(2.0)
    initiative.refresh_from_db()
    assert (initiative.impact, initiative.effort, initiative.methodology) == (5, 1, "dmaic")
    assert (initiative.owner, initiative.sponsor) == (owner, sponsor)


def test_it_refuses_read_only_fields_in_a_patch(api_as):
    initiative = InitiativeFactory()

    response = api_as(AdminFactory()).patch(
        f"/api/initiatives/{initiative.pk}/", {"stage": "completed", "cycle": 9}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"stage", "cycle"}
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.cycle) == (Stage.SUBMITTED, 1)
