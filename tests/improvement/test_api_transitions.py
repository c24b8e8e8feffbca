"""`/moves/`, `/transition/` and `/history/`: the workflow through the API."""

import datetime as dt

import pytest

from improvement.models import Methodology, Stage, StageTransition
from tests.factories import (
    InitiativeFactory,
    ReviewerFactory,
    StageTransitionFactory,
    SupportFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)


@pytest.fixture
def reviewer_client(api_as, reviewer):
    return api_as(reviewer)


def move(client, initiative, to, **extra):
    return client.post(f"/api/initiatives/{initiative.pk}/transition/", {"to": to, **extra})


def by_target(response) -> dict:
    return {option["to"]: option for option in response.json()}


# --- moves ------------------------------------------------------------------------------


def test_it_lists_every_move_from_the_current_stage(reviewer_client):
    initiative = InitiativeFactory()

    response = reviewer_client.get(f"/api/initiatives/{initiative.pk}/moves/")

    assert response.status_code == 200
    assert sorted(by_target(response)) == ["backlog", "rejected"]


def test_it_describes_each_move_with_to_allowed_and_unmet(reviewer_client):
    initiative = InitiativeFactory()

    response = reviewer_client.get(f"/api/initiatives/{initiative.pk}/moves/")

    assert response.status_code == 200
    for option in response.json():
        assert {"to", "allowed", "unmet"} <= set(option)
        for unmet in option["unmet"]:
            assert set(unmet) == {"code", "message"}


def test_it_names_the_unmet_conditions_of_a_move(reviewer_client):
    initiative = InitiativeFactory()

    response = reviewer_client.get(f"/api/initiatives/{initiative.pk}/moves/")

    backlog = by_target(response)["backlog"]
    assert backlog["allowed"] is False
    assert [u["code"] for u in backlog["unmet"]] == [
        "impact_missing",
        "effort_missing",
        "methodology_missing",
    ]


def test_it_marks_a_move_that_needs_a_note(reviewer_client):
    initiative = InitiativeFactory()

    response = reviewer_client.get(f"/api/initiatives/{initiative.pk}/moves/")

    rejected = by_target(response)["rejected"]
    assert rejected["allowed"] is True
    assert rejected["needs_note"] is True


def test_it_tells_a_contributor_they_may_not_triage(api_as):
    initiative = InitiativeFactory(impact=3, effort=3, methodology=Methodology.PDCA)

    response = api_as(initiative.submitted_by).get(f"/api/initiatives/{initiative.pk}/moves/")

    assert response.status_code == 200
    backlog = by_target(response)["backlog"]
    assert backlog["allowed"] is False
    assert [u["code"] for u in backlog["unmet"]] == ["not_permitted"]


def test_it_offers_only_the_first_stage_of_the_methodology(api_as):
    initiative = TriagedInitiativeFactory(methodology=Methodology.DMAIC)

    response = api_as(initiative.owner).get(f"/api/initiatives/{initiative.pk}/moves/")

    assert response.status_code == 200
    assert "define" in by_target(response)
    assert "plan" not in by_target(response)


def test_it_does_not_paginate_the_moves(reviewer_client):
    initiative = InitiativeFactory()

    response = reviewer_client.get(f"/api/initiatives/{initiative.pk}/moves/")

    assert isinstance(response.json(), list)


# --- transition -------------------------------------------------------------------------


def test_it_moves_and_answers_with_the_initiative(reviewer_client):
    initiative = InitiativeFactory(impact=4, effort=2, methodology=Methodology.PDCA)

    response = move(reviewer_client, initiative, "backlog")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == initiative.pk
    assert body["stage"] == "backlog"
    assert "quadrant" in body
    initiative.refresh_from_db()
    assert initiative.stage == Stage.BACKLOG


def test_it_writes_one_history_row_per_move(reviewer, reviewer_client):
    initiative = InitiativeFactory(impact=4, effort=2, methodology=Methodology.PDCA)

    response = move(reviewer_client, initiative, "backlog", note="Good one.")

    assert response.status_code == 200
    row = StageTransition.objects.get(initiative=initiative)
    assert (row.from_stage, row.to_stage, row.actor, row.note) == (
        "submitted",
        "backlog",
        reviewer,
        "Good one.",
    )


def test_it_answers_a_refused_move_with_409_and_every_unmet_condition(reviewer_client):
    initiative = InitiativeFactory()

    response = move(reviewer_client, initiative, "backlog")

    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "unmet"}
    assert isinstance(body["detail"], str)
    assert [set(u) for u in body["unmet"]] == [{"code", "message"}] * 3
    assert [u["code"] for u in body["unmet"]] == [
        "impact_missing",
        "effort_missing",
        "methodology_missing",
    ]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED
    assert not StageTransition.objects.exists()


def test_it_answers_a_move_that_does_not_exist_with_409(reviewer_client):
    initiative = InitiativeFactory()

    response = move(reviewer_client, initiative, "completed")

    assert response.status_code == 409
    assert [u["code"] for u in response.json()["unmet"]] == ["move_not_allowed"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_answers_a_forbidden_move_with_403_and_a_detail(api_as):
    initiative = InitiativeFactory(impact=4, effort=2, methodology=Methodology.PDCA)

    response = move(api_as(initiative.submitted_by), initiative, "backlog")

    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert response.json()["detail"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED
    assert not StageTransition.objects.exists()


def test_it_checks_the_right_to_move_before_the_gates(api_as):
    initiative = InitiativeFactory()  # unscored: the gate would refuse too

    response = move(api_as(UserFactory()), initiative, "backlog")

    assert response.status_code == 403


@pytest.mark.parametrize("to", ["nowhere", "", "BACKLOG", None])
def test_it_refuses_an_unknown_stage_code(reviewer_client, to):
    initiative = InitiativeFactory(impact=4, effort=2, methodology=Methodology.PDCA)

    response = reviewer_client.post(
        f"/api/initiatives/{initiative.pk}/transition/", {"to": to}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["to"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_refuses_a_transition_without_to(reviewer_client):
    initiative = InitiativeFactory(impact=4, effort=2, methodology=Methodology.PDCA)

    response = reviewer_client.post(f"/api/initiatives/{initiative.pk}/transition/", {})

    assert response.status_code == 400
    assert list(response.json()) == ["to"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_rejects_with_a_reason(reviewer_client):
    initiative = InitiativeFactory()

    response = move(reviewer_client, initiative, "rejected", note="Already done in 2024.")

    assert response.status_code == 200
    assert response.json()["rejection_reason"] == "Already done in 2024."
    initiative.refresh_from_db()
    assert initiative.stage == Stage.REJECTED
    assert initiative.rejection_reason == "Already done in 2024."


def test_it_refuses_a_rejection_without_a_reason(reviewer_client):
    initiative = InitiativeFactory()

    response = move(reviewer_client, initiative, "rejected", note="  ")

    assert response.status_code == 409
    assert [u["code"] for u in response.json()["unmet"]] == ["reason_missing"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_rejects_as_a_duplicate_and_moves_the_support(reviewer_client):
    original = InitiativeFactory()
    duplicate = InitiativeFactory()
    supporter = SupportFactory(initiative=duplicate).user

    response = move(reviewer_client, duplicate, "rejected", duplicate_of=original.pk)

    assert response.status_code == 200
    assert response.json()["duplicate_of"] == original.pk
    duplicate.refresh_from_db()
    assert duplicate.stage == Stage.REJECTED
    assert duplicate.duplicate_of == original
    assert list(original.supports.values_list("user", flat=True)) == [supporter.pk]
    assert duplicate.submitted_by in original.watchers.all()


def test_it_refuses_a_duplicate_of_an_unknown_idea(reviewer_client):
    initiative = InitiativeFactory()

    response = move(reviewer_client, initiative, "rejected", duplicate_of=999999)

    assert response.status_code == 400
    assert list(response.json()) == ["duplicate_of"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_refuses_a_duplicate_of_itself(reviewer_client):
    initiative = InitiativeFactory()

    response = move(reviewer_client, initiative, "rejected", duplicate_of=initiative.pk)

    assert response.status_code == 409
    assert [u["code"] for u in response.json()["unmet"]] == ["duplicate_of_self"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_refuses_a_note_longer_than_5000_characters(reviewer_client):
    initiative = InitiativeFactory()

    response = move(reviewer_client, initiative, "rejected", note="x" * 5001)

    assert response.status_code == 400
    assert list(response.json()) == ["note"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_refuses_a_rework_move_without_a_note(api_as):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)

    response = move(api_as(initiative.owner), initiative, "plan")

    assert response.status_code == 409
    assert [u["code"] for u in response.json()["unmet"]] == ["note_missing"]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.DO


def test_it_moves_back_for_rework_with_a_note(api_as):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)

    response = move(api_as(initiative.owner), initiative, "plan", note="Baseline was wrong.")

    assert response.status_code == 200
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN


def test_it_holds_and_resumes_to_the_stage_it_left(api_as):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)
    client = api_as(initiative.owner)

    held = move(client, initiative, "on_hold")
    resumed = move(client, initiative, "do")

    assert (held.status_code, resumed.status_code) == (200, 200)
    assert held.json()["held_from"] == "do"
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.held_from) == (Stage.DO, "")


def test_it_freezes_baselines_on_plan_to_do(api_as):
    target = TargetFactory(initiative=TriagedInitiativeFactory(stage=Stage.PLAN))
    owner = target.initiative.owner

    response = move(api_as(owner), target.initiative, "do")

    assert response.status_code == 200
    target.refresh_from_db()
    assert target.is_frozen
    assert target.frozen_by == owner


def test_it_refuses_plan_to_do_without_baselines(api_as):
    target = TargetFactory(
        initiative=TriagedInitiativeFactory(stage=Stage.PLAN), baseline_value=None
    )

    response = move(api_as(target.initiative.owner), target.initiative, "do")

    assert response.status_code == 409
    assert [u["code"] for u in response.json()["unmet"]] == ["baseline_missing"]
    target.refresh_from_db()
    assert not target.is_frozen


def test_it_loops_act_to_plan_into_the_next_cycle(api_as):
    initiative = TriagedInitiativeFactory(stage=Stage.ACT, decision_note="Adapt: try B.")

    response = move(api_as(initiative.owner), initiative, "plan")

    assert response.status_code == 200
    assert response.json()["cycle"] == 2
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.cycle, initiative.decision_note) == (Stage.PLAN, 2, "")


# --- history ----------------------------------------------------------------------------


def test_it_lists_the_history_with_the_contract_fields(api_as, user):
    initiative = InitiativeFactory(impact=4, effort=2, methodology=Methodology.PDCA)
    reviewer = ReviewerFactory(first_name="Rita", last_name="Review")
    move(api_as(reviewer), initiative, "backlog", note="Scored.")

    response = api_as(user).get(f"/api/initiatives/{initiative.pk}/history/")

    assert response.status_code == 200
    [row] = response.json()
    assert {"from", "to", "actor", "at", "note", "cycle"} <= set(row)
    assert (row["from"], row["to"], row["actor"], row["note"], row["cycle"]) == (
        "submitted",
        "backlog",
        reviewer.pk,
        "Scored.",
        1,
    )
    assert row["actor_name"] == "Rita Review"


def test_it_lists_the_history_oldest_first(api_as, user):
    initiative = TriagedInitiativeFactory()
    later = StageTransitionFactory(
        initiative=initiative, at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), to_stage="rejected"
    )
    earlier = StageTransitionFactory(
        initiative=initiative, at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    )

    response = api_as(user).get(f"/api/initiatives/{initiative.pk}/history/")

    assert response.status_code == 200
    assert [row["to"] for row in response.json()] == [earlier.to_stage, later.to_stage]


def test_it_lists_only_this_initiatives_history(api_as, user):
    initiative = TriagedInitiativeFactory()
    StageTransitionFactory()

    response = api_as(user).get(f"/api/initiatives/{initiative.pk}/history/")

    assert response.status_code == 200
    assert response.json() == []
