"""Recording 5-whys and causes: what the services write, and that a refusal writes
nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from improvement.models import Stage
from problem_solving import services
from problem_solving.models import Cause, FiveWhy, WhyStep
from problem_solving.services import Why
from tests.factories import ReviewerFactory, UserFactory
from tests.problem_solving.factories import CauseFactory

pytestmark = pytest.mark.django_db


def whys_of(chain) -> list[tuple]:
    return list(
        chain.steps.order_by("position").values_list(
            "position", "answer", "is_root_cause", "verified"
        )
    )


def test_it_creates_a_chain_with_its_whys_in_order(analyzing, owner):
    chain = services.create_five_why(
        initiative=analyzing,
        actor=owner,
        problem="  Late orders.  ",
        steps=[Why(" Picking waits. "), Why("One printer.", True, True)],
    )

    assert chain.problem == "Late orders."
    assert chain.created_by == owner
    assert whys_of(chain) == [(1, "Picking waits.", False, False), (2, "One printer.", True, True)]
    assert chain.audit.first().history_user == owner


def test_it_rewrites_the_whys_in_place_keeping_ids(analyzing, owner):
    chain = services.create_five_why(
        initiative=analyzing,
        actor=owner,
        problem="P",
        steps=[Why("A", True), Why("B"), Why("C")],
    )
    first_id = chain.steps.get(position=1).pk

    services.update_five_why(chain=chain, actor=owner, steps=[Why("A"), Why("C", True, True)])

    assert whys_of(chain) == [(1, "A", False, False), (2, "C", True, True)]
    assert chain.steps.get(position=1).pk == first_id


def test_it_moves_the_root_cause_from_one_why_to_another(analyzing, owner):
    chain = services.create_five_why(
        initiative=analyzing, actor=owner, problem="P", steps=[Why("A", True), Why("B")]
    )

    services.update_five_why(chain=chain, actor=owner, steps=[Why("A"), Why("B", True)])

    assert whys_of(chain) == [(1, "A", False, False), (2, "B", True, False)]


@pytest.mark.parametrize(
    "steps, message",
    [
        ([Why("A", True), Why("B", True)], "one why as the root cause"),
        ([Why("A", False, True)], "only the root cause is verified"),
        ([Why("")], "write the answer"),
        ([Why("x" * 301)], "300 characters"),
        ([Why(f"{n}") for n in range(8)], "at most 7"),
        ([Why("nul\x00")], "NUL"),
    ],
)
def test_it_refuses_a_bad_chain_and_writes_nothing(analyzing, owner, steps, message):
    with pytest.raises(ValidationError) as refused:
        services.create_five_why(initiative=analyzing, actor=owner, problem="P", steps=steps)

    assert message in " ".join(refused.value.message_dict["steps"])
    assert not FiveWhy.objects.exists()
    assert not WhyStep.objects.exists()


def test_a_refused_update_leaves_the_chain_as_it_was(analyzing, owner):
    chain = services.create_five_why(
        initiative=analyzing, actor=owner, problem="P", steps=[Why("A")]
    )

    with pytest.raises(ValidationError):
        services.update_five_why(
            chain=chain, actor=owner, problem="New", steps=[Why("A", True), Why("B", True)]
        )

    chain.refresh_from_db()
    assert chain.problem == "P"
    assert whys_of(chain) == [(1, "A", False, False)]


def test_it_refuses_an_empty_problem(analyzing, owner):
    with pytest.raises(ValidationError) as refused:
        services.create_five_why(initiative=analyzing, actor=owner, problem="  ")

    assert "problem" in refused.value.message_dict
    assert not FiveWhy.objects.exists()


def test_it_deletes_a_chain_and_its_whys(analyzing, owner):
    chain = services.create_five_why(
        initiative=analyzing, actor=owner, problem="P", steps=[Why("A")]
    )

    services.delete_five_why(chain=chain, actor=owner)

    assert not FiveWhy.objects.exists()
    assert not WhyStep.objects.exists()


def test_it_adds_changes_and_deletes_a_cause(analyzing, owner):
    cause = services.add_cause(
        initiative=analyzing, actor=owner, category="machine", text=" Worn die ", evidence=""
    )
    assert (cause.category, cause.text, cause.verified) == ("machine", "Worn die", False)

    services.update_cause(
        cause=cause, actor=owner, changes={"verified": True, "evidence": "Wear gauge log."}
    )
    cause.refresh_from_db()
    assert (cause.verified, cause.evidence) == (True, "Wear gauge log.")

    services.delete_cause(cause=cause, actor=owner)
    assert not Cause.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [({"category": "money"}, "category"), ({"text": ""}, "text"), ({"stage": "x"}, "stage")],
)
def test_it_refuses_a_bad_cause_change_and_keeps_the_cause(analyzing, owner, changes, field):
    cause = CauseFactory(initiative=analyzing, category="method", text="Kept")

    with pytest.raises(ValidationError) as refused:
        services.update_cause(cause=cause, actor=owner, changes=changes)

    assert field in refused.value.message_dict
    cause.refresh_from_db()
    assert (cause.category, cause.text) == ("method", "Kept")


def test_a_stranger_may_not_add_a_cause(analyzing):
    with pytest.raises(PermissionDenied):
        services.add_cause(initiative=analyzing, actor=UserFactory(), category="man", text="X")

    assert not Cause.objects.exists()


def test_after_the_gate_a_reviewer_corrects_with_a_reason(analyzing, owner):
    cause = CauseFactory(initiative=analyzing, verified=True)
    analyzing.stage = Stage.IMPROVE
    analyzing.save()
    reviewer = ReviewerFactory()

    with pytest.raises(PermissionDenied):
        services.update_cause(cause=cause, actor=owner, changes={"text": "Owner's change"})
    with pytest.raises(ValidationError) as refused:
        services.update_cause(cause=cause, actor=reviewer, changes={"text": "No reason"})
    assert "reason" in refused.value.message_dict
    services.update_cause(
        cause=cause, actor=reviewer, changes={"text": "Corrected"}, reason="Typo in the cause."
    )

    cause.refresh_from_db()
    assert cause.text == "Corrected"
    assert cause.audit.first().history_change_reason == "Typo in the cause."
    assert cause.audit.first().history_user == reviewer
