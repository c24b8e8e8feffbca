"""`workflow.options()`: every move from the current stage, whether this user may make it
now, what is unmet, and whether it needs a note (notes are not known yet, so a gate that
only asks for a note shows as `needs_note`, never as unmet)."""

import pytest

from improvement import workflow
from improvement.models import Methodology, Stage
from tests.factories import (
    InitiativeFactory,
    ReadyInitiativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def listed(initiative, user) -> dict:
    """{to: (allowed, unmet codes, needs_note)}, for comparing whole listings."""
    return {
        option.to: (option.allowed, [u.code for u in option.unmet], option.needs_note)
        for option in workflow.options(initiative=initiative, user=user)
    }


def test_it_lists_the_triage_moves_of_a_submitted_idea_for_a_reviewer(reviewer):
    initiative = InitiativeFactory(stage=Stage.SUBMITTED)

    options = listed(initiative, reviewer)

    assert options == {
        Stage.BACKLOG: (False, ["impact_missing", "effort_missing", "methodology_missing"], False),
        Stage.REJECTED: (True, [], True),
    }


def test_it_lists_only_the_methodologys_first_stage_from_the_backlog(reviewer):
    initiative = ReadyInitiativeFactory(methodology=Methodology.DMAIC, owner=None)

    options = listed(initiative, reviewer)

    assert options == {
        Stage.DEFINE: (False, ["owner_missing"], False),
        Stage.REJECTED: (True, [], True),
    }


def test_it_lists_every_move_from_act_for_the_owner():
    initiative = ReadyInitiativeFactory(stage=Stage.ACT, decision_note="")

    options = listed(initiative, initiative.owner)

    assert options == {
        Stage.PLAN: (False, ["decision_note_missing"], False),
        Stage.COMPLETED: (False, ["decision_note_missing"], False),
        Stage.CHECK: (True, [], True),
        Stage.ON_HOLD: (True, [], False),
        Stage.CANCELLED: (True, [], True),
    }


def test_it_lists_every_move_from_control_for_the_sponsor():
    sponsor = UserFactory()
    initiative = ReadyInitiativeFactory(
        methodology=Methodology.DMAIC, stage=Stage.CONTROL, sponsor=sponsor, control_plan=""
    )

    options = listed(initiative, sponsor)

    assert options == {
        Stage.COMPLETED: (False, ["control_plan_missing"], False),
        Stage.IMPROVE: (True, [], True),
        Stage.ON_HOLD: (True, [], False),
        Stage.CANCELLED: (True, [], True),
    }


def test_it_lists_only_the_resume_to_the_stage_it_left_and_cancel_when_on_hold():
    initiative = ReadyInitiativeFactory(stage=Stage.ON_HOLD, held_from=Stage.CHECK)

    options = listed(initiative, initiative.owner)

    assert options == {
        Stage.CHECK: (True, [], False),
        Stage.CANCELLED: (True, [], True),
    }


@pytest.mark.parametrize("stage", [Stage.COMPLETED, Stage.CANCELLED])
def test_it_lists_no_move_from_an_end(stage, admin_user):
    initiative = ReadyInitiativeFactory(stage=stage)

    assert workflow.options(initiative=initiative, user=admin_user) == []


def test_it_lists_no_move_from_a_rejected_idea(admin_user):
    initiative = InitiativeFactory(stage=Stage.REJECTED, rejection_reason="No.")

    assert workflow.options(initiative=initiative, user=admin_user) == []


def test_it_marks_triage_not_permitted_for_the_owner():
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)

    options = listed(initiative, initiative.owner)

    assert options == {
        Stage.BACKLOG: (False, ["not_permitted"], False),
        Stage.REJECTED: (False, ["not_permitted"], True),
    }


def test_it_marks_every_stage_move_not_permitted_for_another_contributor_with_its_gates():
    initiative = ReadyInitiativeFactory(stage=Stage.ACT, decision_note="")

    options = listed(initiative, UserFactory())

    assert options == {
        Stage.PLAN: (False, ["not_permitted", "decision_note_missing"], False),
        Stage.COMPLETED: (False, ["not_permitted", "decision_note_missing"], False),
        Stage.CHECK: (False, ["not_permitted"], True),
        Stage.ON_HOLD: (False, ["not_permitted"], False),
        Stage.CANCELLED: (False, ["not_permitted"], True),
    }


def test_it_explains_not_permitted_in_words():
    initiative = ReadyInitiativeFactory(stage=Stage.PLAN)
    team_member = UserFactory()
    initiative.team.add(team_member)

    options = workflow.options(initiative=initiative, user=team_member)

    messages = {option.to: option.unmet[0].message for option in options}
    assert messages[Stage.DO] == "Only the owner, the sponsor or a reviewer can move this."


def test_it_agrees_with_move_on_what_is_allowed(reviewer):
    initiative = ReadyInitiativeFactory(stage=Stage.PLAN)
    initiative.targets.update(baseline_value=None)
    [do] = [o for o in workflow.options(initiative=initiative, user=reviewer) if o.to == "do"]

    with pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=initiative, to=Stage.DO, actor=reviewer)

    assert refused.value.unmet == do.unmet
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN
