"""The action items' gate: leaving Do (PDCA) or Improve (DMAIC) needs every action of
that stage done or cancelled — refused with the open ones named, then passed."""

import datetime as dt

import pytest
from django.urls import reverse

from actions import services
from improvement import workflow
from improvement.models import Methodology, Stage, StageTransition
from tests.factories import ActionItemFactory, ReadyInitiativeFactory

pytestmark = pytest.mark.django_db

LEAVING = [
    (Methodology.PDCA, Stage.DO, Stage.CHECK),
    (Methodology.DMAIC, Stage.IMPROVE, Stage.CONTROL),
]


def ids(case) -> str:
    return f"{case[1]}→{case[2]}"


@pytest.fixture(params=LEAVING, ids=ids)
def case(request, owner):
    methodology, source, to = request.param
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source, owner=owner)
    return initiative, source, to


def refused(initiative, to, actor) -> list[workflow.Unmet]:
    with pytest.raises(workflow.MoveRefused) as refusal:
        workflow.move(initiative=initiative, to=to, actor=actor)
    return refusal.value.unmet


def test_an_open_action_of_the_stage_blocks_leaving_it_until_ticked_off(case, owner, today):
    initiative, source, to = case
    first = ActionItemFactory(initiative=initiative, stage=source, title="Train the team")
    second = ActionItemFactory(
        initiative=initiative, stage=source, title="Update the work instruction"
    )

    unmet = refused(initiative, to, owner)

    assert [u.code for u in unmet] == ["stage_actions_open"]
    assert "“Train the team”, “Update the work instruction”" in unmet[0].message
    assert Stage(source).label in unmet[0].message
    initiative.refresh_from_db()
    assert initiative.stage == source
    assert not StageTransition.objects.exists()

    services.set_status(action=first, actor=owner, status="done")
    services.set_status(action=second, actor=owner, status="cancelled")
    moved = workflow.move(initiative=initiative, to=to, actor=owner)

    assert moved.stage == to


def test_actions_of_other_stages_or_none_do_not_block(case, owner):
    initiative, _, to = case
    other = Stage.PLAN if initiative.methodology == Methodology.PDCA else Stage.ANALYZE
    ActionItemFactory(initiative=initiative, stage=other)
    ActionItemFactory(initiative=initiative, stage="")

    assert workflow.move(initiative=initiative, to=to, actor=owner).stage == to


def test_it_names_three_and_counts_the_rest(owner):
    initiative = ReadyInitiativeFactory(methodology=Methodology.PDCA, stage=Stage.DO, owner=owner)
    for i in range(5):
        ActionItemFactory(
            initiative=initiative,
            stage=Stage.DO,
            title=f"Step {i}",
            due_on=dt.date(2030, 1, 1) + dt.timedelta(days=i),
        )

    (unmet,) = refused(initiative, Stage.CHECK, owner)

    assert unmet.message.endswith("“Step 0”, “Step 1”, “Step 2” and 2 more.")


@pytest.mark.parametrize("to", [Stage.PLAN, Stage.ON_HOLD, Stage.CANCELLED])
def test_going_back_holding_or_cancelling_is_not_blocked(owner, to):
    """Only the move forward finishes the stage's work."""
    initiative = ReadyInitiativeFactory(methodology=Methodology.PDCA, stage=Stage.DO, owner=owner)
    ActionItemFactory(initiative=initiative, stage=Stage.DO)

    moved = workflow.move(initiative=initiative, to=to, actor=owner, note="Rethink.")

    assert moved.stage == to


def test_the_page_lists_it_with_a_link_to_the_actions(web_as, owner):
    initiative = ReadyInitiativeFactory(methodology=Methodology.PDCA, stage=Stage.DO, owner=owner)
    ActionItemFactory(initiative=initiative, stage=Stage.DO, title="Train the team")

    response = web_as(owner).get(reverse("improvement:initiative", args=[initiative.pk]))

    content = response.content.decode()
    step = next(s for s in response.context["moves"] if s.to == Stage.CHECK)
    assert not step.allowed
    assert [(c.href, "Train the team" in c.message) for c in step.unmet] == [("#actions", True)]
    assert '<a href="#actions">Mark the Do stage' in content
    assert 'id="actions"' in content
    assert workflow.fixed_by(workflow.Unmet("stage_actions_open", "")) == workflow.ACTIONS


def test_the_api_answers_409_naming_it(api_as, owner):
    initiative = ReadyInitiativeFactory(
        methodology=Methodology.DMAIC, stage=Stage.IMPROVE, owner=owner
    )
    ActionItemFactory(initiative=initiative, stage=Stage.IMPROVE, title="Re-image the laptops")
    api = api_as(owner)
    url = reverse("initiative-transition", args=[initiative.pk])

    response = api.post(url, {"to": "control"}, format="json")

    assert response.status_code == 409
    assert [u["code"] for u in response.json()["unmet"]] == ["stage_actions_open"]
    moves = api.get(reverse("initiative-moves", args=[initiative.pk])).json()
    control = next(m for m in moves if m["to"] == "control")
    assert control["allowed"] is False
