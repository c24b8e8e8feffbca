"""The authorization matrix of the API, case by case: who may do what to an initiative.

Actors: anonymous, the submitter (a contributor), another contributor, the owner, the
sponsor, a team member, a reviewer and an administrator. Every refused write is checked
to have changed nothing."""

import datetime as dt

import pytest

from improvement.models import Initiative, Methodology, Stage, StageTransition
from metrics.models import Measurement, Target
from tests.factories import (
    AdminFactory,
    AreaFactory,
    MetricFactory,
    ReviewerFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

ACTORS = ["anonymous", "submitter", "contributor", "owner", "sponsor", "team", "reviewer", "admin"]


def matrix(allowed: set[str], ok: int, refused: int = 403, actors=ACTORS):
    """(actor, expected status) for every actor: `ok` for `allowed`, 401 for anonymous,
    `refused` for the rest."""
    params = []
    for actor in actors:
        if actor in allowed:
            status = ok
        elif actor == "anonymous":
            status = 401
        else:
            status = refused
        params.append(pytest.param(actor, status, id=f"{actor}-{status}"))
    return params


EVERYONE = set(ACTORS) - {"anonymous"}
# Per-field cases leave anonymous out: the per-action cases cover it once.
SIGNED_IN = ACTORS[1:]


@pytest.fixture
def people(db):
    return {
        "anonymous": None,
        "submitter": UserFactory(),
        "contributor": UserFactory(),
        "owner": UserFactory(),
        "sponsor": UserFactory(),
        "team": UserFactory(),
        "reviewer": ReviewerFactory(),
        "admin": AdminFactory(),
    }


@pytest.fixture
def initiative_at(people):
    """`initiative_at(stage, **fields)` → an initiative with every role filled."""

    def make(stage=Stage.BACKLOG, **fields):
        initiative = TriagedInitiativeFactory(
            stage=stage,
            submitted_by=people["submitter"],
            owner=people["owner"],
            sponsor=people["sponsor"],
            impact=3,
            effort=3,
            **fields,
        )
        initiative.team.add(people["team"])
        return initiative

    return make


@pytest.fixture
def as_actor(api_as, people):
    return lambda actor: api_as(people[actor])


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "status"), matrix(EVERYONE, 200))
def test_it_lets_everyone_signed_in_read_the_list(as_actor, initiative_at, actor, status):
    initiative = initiative_at()

    response = as_actor(actor).get("/api/initiatives/")

    assert response.status_code == status
    if status == 200:
        assert [row["id"] for row in response.json()["results"]] == [initiative.pk]


@pytest.mark.parametrize(("actor", "status"), matrix(EVERYONE, 200))
def test_it_lets_everyone_signed_in_read_an_initiative(as_actor, initiative_at, actor, status):
    initiative = initiative_at()

    response = as_actor(actor).get(f"/api/initiatives/{initiative.pk}/")

    assert response.status_code == status


# --- creating an idea ---------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "status"), matrix(EVERYONE, 201))
def test_it_lets_everyone_signed_in_submit_an_idea(as_actor, people, actor, status):
    area = AreaFactory()

    response = as_actor(actor).post(
        "/api/initiatives/",
        {"title": "New", "problem_statement": "P.", "area": area.pk, "pillar": "customer"},
    )

    assert response.status_code == status
    created = Initiative.objects.filter(title="New")
    if status == 201:
        assert created.get().submitted_by == people[actor]
    else:
        assert not created.exists()


# --- editing the idea -----------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "status"), matrix({"submitter", "reviewer", "admin"}, 200))
def test_it_lets_submitter_and_reviewer_edit_a_submitted_idea(
    as_actor, initiative_at, actor, status
):
    initiative = initiative_at(Stage.SUBMITTED, title="Before")

    response = as_actor(actor).patch(f"/api/initiatives/{initiative.pk}/", {"title": "After"})

    assert response.status_code == status
    initiative.refresh_from_db()
    assert initiative.title == ("After" if status == 200 else "Before")


@pytest.mark.parametrize(("actor", "status"), matrix({"reviewer", "admin"}, 200))
def test_it_lets_only_reviewers_edit_an_idea_in_the_backlog(as_actor, initiative_at, actor, status):
    initiative = initiative_at(Stage.BACKLOG, title="Before")

    response = as_actor(actor).patch(f"/api/initiatives/{initiative.pk}/", {"title": "After"})

    assert response.status_code == status
    initiative.refresh_from_db()
    assert initiative.title == ("After" if status == 200 else "Before")


@pytest.mark.parametrize(("actor", "status"), matrix({"admin"}, 200))
def test_it_lets_only_admins_edit_the_idea_once_work_started(
    as_actor, initiative_at, actor, status
):
    initiative = initiative_at(Stage.PLAN, title="Before")

    response = as_actor(actor).patch(f"/api/initiatives/{initiative.pk}/", {"title": "After"})

    assert response.status_code == status
    initiative.refresh_from_db()
    assert initiative.title == ("After" if status == 200 else "Before")


def test_it_names_the_fields_a_caller_may_not_edit(as_actor, initiative_at):
    initiative = initiative_at(Stage.SUBMITTED)

    response = as_actor("contributor").patch(
        f"/api/initiatives/{initiative.pk}/", {"title": "After", "impact": 5}
    )

    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert "impact" in response.json()["detail"]
    assert "title" in response.json()["detail"]


def test_it_refuses_a_whole_patch_when_one_field_is_not_the_callers(as_actor, initiative_at):
    initiative = initiative_at(Stage.SUBMITTED, title="Before")

    response = as_actor("submitter").patch(
        f"/api/initiatives/{initiative.pk}/", {"title": "After", "impact": 5}
    )

    assert response.status_code == 403
    initiative.refresh_from_db()
    assert (initiative.title, initiative.impact) == ("Before", 3)


# --- triage fields ---------------------------------------------------------------------------

TRIAGE_FIELDS = [
    "impact",
    "effort",
    "methodology",
    "owner",
    "sponsor",
    "estimated_annual_benefit",
    "estimated_cost",
    "confidence",
]


def triage_value(field, people):
    """A valid new value for `field` (different from what `initiative_at` sets) and how
    the database then reads."""
    newcomer = UserFactory()
    return {
        "impact": (5, 5),
        "effort": (1, 1),
        "methodology": ("dmaic", "dmaic"),
        "owner": (newcomer.pk, newcomer.pk),
        "sponsor": (newcomer.pk, newcomer.pk),
        "estimated_annual_benefit": ("5000.00", 5000),
        "estimated_cost": ("100.00", 100),
        "confidence": ("0.80", 0.8),
    }[field]


def db_value(initiative, field):
    if field in ("owner", "sponsor"):
        return getattr(initiative, f"{field}_id")
    value = getattr(initiative, field)
    decimal = field in ("estimated_annual_benefit", "estimated_cost", "confidence")
    return float(value) if decimal and value is not None else value


@pytest.mark.parametrize(("actor", "status"), matrix({"reviewer", "admin"}, 200, actors=SIGNED_IN))
@pytest.mark.parametrize("field", TRIAGE_FIELDS)
def test_it_lets_only_reviewers_edit_triage_fields(
    as_actor, people, initiative_at, field, actor, status
):
    initiative = initiative_at(Stage.SUBMITTED)
    before = db_value(initiative, field)
    sent, stored = triage_value(field, people)

    response = as_actor(actor).patch(f"/api/initiatives/{initiative.pk}/", {field: sent})

    assert response.status_code == status
    initiative.refresh_from_db()
    assert db_value(initiative, field) == (stored if status == 200 else before)


# --- execution fields ------------------------------------------------------------------------

EXECUTION_VALUES = {
    "root_cause": ("Worn rollers.", "Worn rollers."),
    "implemented_on": ("2026-03-01", dt.date(2026, 3, 1)),
    "control_plan": ("Weekly audit.", "Weekly audit."),
    "decision_note": ("Adopt.", "Adopt."),
}


@pytest.mark.parametrize(
    ("actor", "status"), matrix({"owner", "sponsor", "admin"}, 200, actors=SIGNED_IN)
)
@pytest.mark.parametrize("field", list(EXECUTION_VALUES))
def test_it_lets_only_owner_and_sponsor_edit_execution_fields(
    as_actor, initiative_at, field, actor, status
):
    initiative = initiative_at(Stage.DO)
    before = getattr(initiative, field)
    sent, stored = EXECUTION_VALUES[field]

    response = as_actor(actor).patch(f"/api/initiatives/{initiative.pk}/", {field: sent})

    assert response.status_code == status
    initiative.refresh_from_db()
    assert getattr(initiative, field) == (stored if status == 200 else before)


# --- moves ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "status"), matrix({"reviewer", "admin"}, 200))
def test_it_lets_only_reviewers_triage(as_actor, initiative_at, actor, status):
    initiative = initiative_at(Stage.SUBMITTED, methodology=Methodology.PDCA)

    response = as_actor(actor).post(
        f"/api/initiatives/{initiative.pk}/transition/", {"to": "backlog"}
    )

    assert response.status_code == status
    initiative.refresh_from_db()
    assert initiative.stage == (Stage.BACKLOG if status == 200 else Stage.SUBMITTED)
    assert StageTransition.objects.filter(initiative=initiative).count() == (status == 200)


@pytest.mark.parametrize(("actor", "status"), matrix({"reviewer", "admin"}, 200))
def test_it_lets_only_reviewers_reject(as_actor, initiative_at, actor, status):
    initiative = initiative_at(Stage.BACKLOG)

    response = as_actor(actor).post(
        f"/api/initiatives/{initiative.pk}/transition/", {"to": "rejected", "note": "No."}
    )

    assert response.status_code == status
    initiative.refresh_from_db()
    assert initiative.stage == (Stage.REJECTED if status == 200 else Stage.BACKLOG)


@pytest.mark.parametrize(
    ("actor", "status"), matrix({"owner", "sponsor", "reviewer", "admin"}, 200)
)
def test_it_lets_owner_sponsor_and_reviewers_make_stage_moves(
    as_actor, initiative_at, actor, status
):
    initiative = initiative_at(Stage.BACKLOG)

    response = as_actor(actor).post(f"/api/initiatives/{initiative.pk}/transition/", {"to": "plan"})

    assert response.status_code == status
    initiative.refresh_from_db()
    assert initiative.stage == (Stage.PLAN if status == 200 else Stage.BACKLOG)
    assert StageTransition.objects.filter(initiative=initiative).count() == (status == 200)


@pytest.mark.parametrize(
    ("actor", "status"), matrix({"owner", "sponsor", "reviewer", "admin"}, 200)
)
def test_it_lets_owner_sponsor_and_reviewers_put_on_hold(as_actor, initiative_at, actor, status):
    initiative = initiative_at(Stage.DO)

    response = as_actor(actor).post(
        f"/api/initiatives/{initiative.pk}/transition/", {"to": "on_hold"}
    )

    assert response.status_code == status
    initiative.refresh_from_db()
    assert initiative.stage == (Stage.ON_HOLD if status == 200 else Stage.DO)


# --- targets -------------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "status"), matrix({"owner", "team", "admin"}, 201))
def test_it_lets_only_owner_team_and_admins_add_targets(as_actor, initiative_at, actor, status):
    initiative = initiative_at(Stage.PLAN)
    metric = MetricFactory()

    response = as_actor(actor).post(
        f"/api/initiatives/{initiative.pk}/targets/",
        {"metric": metric.pk, "is_primary": True, "baseline_value": 10, "target_value": 8},
    )

    assert response.status_code == status
    assert Target.objects.filter(initiative=initiative).count() == (status == 201)


@pytest.mark.parametrize(("actor", "status"), matrix({"owner", "team", "admin"}, 200))
def test_it_lets_only_owner_team_and_admins_edit_targets(as_actor, initiative_at, actor, status):
    target = TargetFactory(initiative=initiative_at(Stage.PLAN), target_value=8.0)

    response = as_actor(actor).patch(f"/api/targets/{target.pk}/", {"target_value": 7.5})

    assert response.status_code == status
    target.refresh_from_db()
    assert target.target_value == (7.5 if status == 200 else 8.0)


# --- measurements --------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "status"), matrix({"owner", "team", "admin"}, 201))
def test_it_lets_only_owner_team_and_admins_record_measurements(
    as_actor, initiative_at, actor, status
):
    target = TargetFactory(initiative=initiative_at(Stage.DO))

    response = as_actor(actor).post(
        "/api/measurements/",
        {"target": target.pk, "observed_at": "2026-04-01T09:00:00Z", "value": 9.1},
    )

    assert response.status_code == status
    if status == 403:
        assert f"#{target.pk}" in response.json()["detail"]
    assert Measurement.objects.filter(target=target).count() == (status == 201)


@pytest.mark.parametrize(("actor", "status"), matrix({"owner", "team", "admin"}, 201))
def test_it_lets_only_owner_team_and_admins_record_a_batch(as_actor, initiative_at, actor, status):
    target = TargetFactory(initiative=initiative_at(Stage.DO))
    items = [
        {"target": target.pk, "observed_at": f"2026-04-0{day}T09:00:00Z", "value": 9.1}
        for day in (1, 2)
    ]

    response = as_actor(actor).post("/api/measurements/", items)

    assert response.status_code == status
    assert Measurement.objects.filter(target=target).count() == (2 if status == 201 else 0)


# --- recompute -----------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "status"), matrix({"owner", "team", "reviewer", "admin"}, 202))
def test_it_lets_owner_team_and_reviewers_recompute(
    as_actor, initiative_at, actor, status, django_capture_on_commit_callbacks
):
    initiative = initiative_at(Stage.CHECK)

    with django_capture_on_commit_callbacks() as callbacks:
        response = as_actor(actor).post(f"/api/initiatives/{initiative.pk}/recompute/")

    assert response.status_code == status
    assert len(callbacks) == (1 if status == 202 else 0)
