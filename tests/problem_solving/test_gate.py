"""The DMAIC Analyze → Improve gate takes a verified root cause from the 5-why or the
fishbone, as well as the root cause in words."""

import pytest

from improvement import workflow
from improvement.models import Stage
from problem_solving import services
from problem_solving.models import Category
from problem_solving.services import Why
from tests.problem_solving.factories import CauseFactory, FiveWhyFactory, WhyStepFactory

pytestmark = pytest.mark.django_db


def test_it_blocks_improve_without_any_root_cause(analyzing, owner, assert_not_moved):
    with pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=analyzing, to=Stage.IMPROVE, actor=owner)

    assert [u.code for u in refused.value.unmet] == ["root_cause_missing"]
    assert "fishbone" in refused.value.unmet[0].message
    assert_not_moved(analyzing, Stage.ANALYZE)


def test_it_blocks_improve_with_unverified_causes_and_an_unverified_root(analyzing, owner):
    CauseFactory(initiative=analyzing, verified=False)
    chain = FiveWhyFactory(initiative=analyzing)
    WhyStepFactory(chain=chain, position=1, is_root_cause=True, verified=False)

    with pytest.raises(workflow.MoveRefused):
        workflow.move(initiative=analyzing, to=Stage.IMPROVE, actor=owner)

    analyzing.refresh_from_db()
    assert analyzing.stage == Stage.ANALYZE


def test_it_passes_with_a_verified_fishbone_cause(analyzing, owner):
    services.add_cause(
        initiative=analyzing,
        actor=owner,
        category=Category.MATERIAL,
        text="Thin steel",
        verified=True,
    )

    workflow.move(initiative=analyzing, to=Stage.IMPROVE, actor=owner)

    analyzing.refresh_from_db()
    assert analyzing.stage == Stage.IMPROVE


def test_it_passes_with_a_verified_five_why_root_cause(analyzing, owner):
    services.create_five_why(
        initiative=analyzing,
        actor=owner,
        problem="Scrap is high.",
        steps=[Why("Edges crack."), Why("Coils at the top of the tolerance.", True, True)],
    )

    workflow.move(initiative=analyzing, to=Stage.IMPROVE, actor=owner)

    analyzing.refresh_from_db()
    assert analyzing.stage == Stage.IMPROVE


def test_it_still_passes_with_the_root_cause_in_words(analyzing, owner):
    analyzing.root_cause = "Two in-trays."
    analyzing.save()

    workflow.move(initiative=analyzing, to=Stage.IMPROVE, actor=owner)

    analyzing.refresh_from_db()
    assert analyzing.stage == Stage.IMPROVE


def test_another_initiatives_verified_cause_does_not_count(analyzing, owner):
    CauseFactory(verified=True)  # on another initiative

    with pytest.raises(workflow.MoveRefused):
        workflow.move(initiative=analyzing, to=Stage.IMPROVE, actor=owner)


def test_the_moves_listed_show_the_gate_met_once_a_cause_is_verified(analyzing, owner):
    cause = CauseFactory(initiative=analyzing, verified=False)
    before = {o.to: o.allowed for o in workflow.options(initiative=analyzing, user=owner)}
    services.update_cause(cause=cause, actor=owner, changes={"verified": True})

    after = {o.to: o.allowed for o in workflow.options(initiative=analyzing, user=owner)}

    assert before[Stage.IMPROVE] is False
    assert after[Stage.IMPROVE] is True
