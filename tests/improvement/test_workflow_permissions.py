"""Who may move: triage moves are reviewers'; stage moves the owner's, the sponsor's or a
reviewer's; administrators anything. A forbidden move changes nothing."""

import pytest

from improvement import workflow
from improvement.models import Methodology, Stage
from tests.factories import (
    AdminFactory,
    ReadyInitiativeFactory,
    ReviewerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TRIAGE_MOVES = [
    (Stage.SUBMITTED, Stage.BACKLOG),
    (Stage.SUBMITTED, Stage.REJECTED),
    (Stage.BACKLOG, Stage.REJECTED),
]
# One of each other kind: forward, gated forward, loop, back, hold, resume, cancel.
STAGE_MOVES = [
    (Stage.BACKLOG, Stage.PLAN),
    (Stage.PLAN, Stage.DO),
    (Stage.ACT, Stage.PLAN),
    (Stage.DO, Stage.PLAN),
    (Stage.CHECK, Stage.ON_HOLD),
    (Stage.ON_HOLD, Stage.DO),
    (Stage.ACT, Stage.CANCELLED),
]


def ids(value) -> str:
    return "→".join(value) if isinstance(value, tuple) else value


def at(source):
    """A PDCA initiative meeting every gate from `source`, with a sponsor and a team."""
    held_from = Stage.DO if source == Stage.ON_HOLD else ""
    initiative = ReadyInitiativeFactory(
        methodology=Methodology.PDCA, stage=source, held_from=held_from, sponsor=UserFactory()
    )
    initiative.team.add(UserFactory())
    return initiative


def person(role: str, initiative):
    match role:
        case "owner":
            return initiative.owner
        case "sponsor":
            return initiative.sponsor
        case "submitter":
            return initiative.submitted_by
        case "team member":
            return initiative.team.get()
        case "contributor":
            return UserFactory()
        case "reviewer":
            return ReviewerFactory()
        case "superuser":
            return AdminFactory()
    raise ValueError(role)


@pytest.mark.parametrize("move", TRIAGE_MOVES, ids=ids)
@pytest.mark.parametrize("role", ["reviewer", "superuser"])
def test_it_lets_reviewers_and_administrators_triage(role, move):
    source, to = move
    initiative = at(source)
    actor = person(role, initiative)

    moved = workflow.move(initiative=initiative, to=to, actor=actor, note="Not for now.")

    assert moved.stage == to
    initiative.refresh_from_db()
    assert initiative.stage == to
    assert initiative.history.get().actor == actor


@pytest.mark.parametrize("move", TRIAGE_MOVES, ids=ids)
@pytest.mark.parametrize("role", ["owner", "sponsor", "submitter", "team member", "contributor"])
def test_it_forbids_triage_to_everyone_else(role, move, assert_not_moved):
    source, to = move
    initiative = at(source)

    with pytest.raises(workflow.MoveForbidden):
        workflow.move(
            initiative=initiative, to=to, actor=person(role, initiative), note="Not for now."
        )

    assert_not_moved(initiative, source)


@pytest.mark.parametrize("move", STAGE_MOVES, ids=ids)
@pytest.mark.parametrize("role", ["owner", "sponsor", "reviewer", "superuser"])
def test_it_lets_the_owner_sponsor_reviewers_and_administrators_move_stages(role, move):
    source, to = move
    initiative = at(source)
    actor = person(role, initiative)

    moved = workflow.move(initiative=initiative, to=to, actor=actor, note="Rework.")

    assert moved.stage == to
    initiative.refresh_from_db()
    assert initiative.stage == to
    assert initiative.history.get().actor == actor


@pytest.mark.parametrize("move", STAGE_MOVES, ids=ids)
@pytest.mark.parametrize("role", ["team member", "submitter", "contributor"])
def test_it_forbids_stage_moves_to_everyone_else(role, move, assert_not_moved):
    source, to = move
    initiative = at(source)

    with pytest.raises(workflow.MoveForbidden):
        workflow.move(initiative=initiative, to=to, actor=person(role, initiative), note="Rework.")

    assert_not_moved(initiative, source)


@pytest.mark.parametrize("factory", [ReviewerFactory, AdminFactory], ids=["reviewer", "superuser"])
def test_it_forbids_a_deactivated_reviewer_or_administrator(factory, assert_not_moved):
    initiative = at(Stage.SUBMITTED)

    with pytest.raises(workflow.MoveForbidden):
        workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=factory(is_active=False))

    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_checks_the_right_to_move_before_the_gate(assert_not_moved):
    initiative = at(Stage.PLAN)
    initiative.targets.update(baseline_value=None)

    with pytest.raises(workflow.MoveForbidden):
        workflow.move(initiative=initiative, to=Stage.DO, actor=UserFactory())

    assert_not_moved(initiative, Stage.PLAN)
