"""Every invariant of an initiative's life is a database constraint."""

from decimal import Decimal

import pytest

from improvement.models import Initiative, Methodology, Notification, Stage, StageTransition
from tests.constraints import assert_insert_refused, assert_refused
from tests.factories import (
    CommentFactory,
    InitiativeFactory,
    NotificationFactory,
    StageTransitionFactory,
    SupportFactory,
    TriagedInitiativeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "bad",
    [
        {"impact": 0},
        {"impact": 6},
        {"effort": 0},
        {"effort": 6},
        {"confidence": Decimal("-0.01")},
        {"confidence": Decimal("1.01")},
        {"estimated_annual_benefit": Decimal("-1")},
        {"estimated_cost": Decimal("-1")},
        {"stage": "bogus"},
        {"pillar": "bogus"},
        {"methodology": "bogus"},
        {"cycle": 0},
    ],
    ids=repr,
)
def test_it_refuses_an_out_of_range_initiative(bad):
    initiative = TriagedInitiativeFactory()
    assert_refused(Initiative.objects.filter(pk=initiative.pk), **bad)


def test_it_refuses_a_pdca_stage_on_a_dmaic_initiative():
    initiative = TriagedInitiativeFactory(methodology=Methodology.DMAIC)
    assert_refused(Initiative.objects.filter(pk=initiative.pk), stage=Stage.PLAN)


def test_it_refuses_a_dmaic_stage_on_a_pdca_initiative():
    initiative = TriagedInitiativeFactory(methodology=Methodology.PDCA)
    assert_refused(Initiative.objects.filter(pk=initiative.pk), stage=Stage.DEFINE)


def test_it_refuses_a_methodology_stage_before_a_methodology_is_chosen():
    initiative = InitiativeFactory()
    assert_refused(Initiative.objects.filter(pk=initiative.pk), stage=Stage.DO)


def test_it_refuses_on_hold_without_a_stage_to_resume_to():
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    assert_refused(Initiative.objects.filter(pk=initiative.pk), stage=Stage.ON_HOLD)


def test_it_refuses_a_resume_stage_on_an_initiative_not_on_hold():
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    assert_refused(Initiative.objects.filter(pk=initiative.pk), held_from=Stage.PLAN)


def test_it_refuses_a_resume_stage_that_is_not_active():
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    assert_refused(
        Initiative.objects.filter(pk=initiative.pk), stage=Stage.ON_HOLD, held_from=Stage.BACKLOG
    )


def test_it_accepts_on_hold_with_a_stage_to_resume_to():
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    Initiative.objects.filter(pk=initiative.pk).update(stage=Stage.ON_HOLD, held_from=Stage.PLAN)
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.held_from) == (Stage.ON_HOLD, Stage.PLAN)


def test_it_refuses_a_rejection_without_a_reason():
    initiative = InitiativeFactory()
    assert_refused(Initiative.objects.filter(pk=initiative.pk), stage=Stage.REJECTED)


def test_it_accepts_a_rejection_as_a_duplicate():
    original = InitiativeFactory()
    initiative = InitiativeFactory()
    Initiative.objects.filter(pk=initiative.pk).update(stage=Stage.REJECTED, duplicate_of=original)
    initiative.refresh_from_db()
    assert initiative.duplicate_of == original


def test_it_refuses_an_initiative_duplicating_itself():
    initiative = InitiativeFactory()
    assert_refused(Initiative.objects.filter(pk=initiative.pk), duplicate_of=initiative.pk)


def test_it_refuses_a_history_row_that_does_not_change_stage():
    assert_insert_refused(StageTransitionFactory, from_stage=Stage.PLAN, to_stage=Stage.PLAN)


def test_it_refuses_a_history_row_with_an_unknown_stage():
    assert_insert_refused(StageTransitionFactory, to_stage="bogus")


def test_it_refuses_a_history_row_with_cycle_zero():
    assert_insert_refused(StageTransitionFactory, cycle=0)


def test_it_never_rewrites_or_deletes_history():
    transition = StageTransitionFactory(note="first")
    transition.note = "rewritten"
    with pytest.raises(ValueError, match="immutable"):
        transition.save()
    with pytest.raises(ValueError, match="immutable"):
        transition.delete()
    assert StageTransition.objects.get().note == "first"


def test_it_refuses_a_second_support_from_the_same_user():
    support = SupportFactory()
    assert_insert_refused(SupportFactory, initiative=support.initiative, user=support.user)


def test_it_refuses_an_empty_comment():
    assert_insert_refused(CommentFactory, body="")


def test_it_refuses_an_unknown_notification_kind():
    notification = NotificationFactory()
    assert_refused(Notification.objects.filter(pk=notification.pk), kind="bogus")
