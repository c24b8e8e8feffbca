"""The action item's invariants, which the database holds whichever path writes."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from actions.models import ActionEvent, ActionItem, EventKind
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db


def refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemFactory(**fields)


def test_it_refuses_a_status_that_does_not_exist():
    refused(status="half-done", closed_at=timezone.now())


def test_it_refuses_a_stage_that_is_not_a_working_stage():
    refused(stage="backlog")


def test_it_refuses_an_empty_title():
    refused(title="")


def test_it_refuses_a_closed_action_without_its_closing_time():
    refused(status="done", closed_at=None)


def test_it_refuses_an_open_action_with_a_closing_time():
    refused(status="open", closed_at=timezone.now())


def test_it_is_overdue_only_while_open_and_past_its_due_date(today):
    late = ActionItemFactory(due_on=today - dt.timedelta(days=1))
    due_today = ActionItemFactory(due_on=today)
    done_late = ActionItemFactory(due_on=today - dt.timedelta(days=1), status="done")

    assert late.is_overdue(today)
    assert not due_today.is_overdue(today)
    assert not done_late.is_overdue(today)
    assert list(ActionItem.objects.overdue(today)) == [late]


def test_it_lists_by_due_date_then_id(today):
    later = ActionItemFactory(due_on=today + dt.timedelta(days=3))
    first = ActionItemFactory(due_on=today)
    second = ActionItemFactory(due_on=today)

    assert list(ActionItem.objects.all()) == [first, second, later]


def test_its_events_are_immutable(action, owner):
    event = ActionEvent.objects.create(
        action=action,
        initiative=action.initiative,
        kind=EventKind.CREATED,
        actor=owner,
        assignee=action.assignee,
    )

    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_an_assignment_event_names_whom(action, owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionEvent.objects.create(
            action=action, initiative=action.initiative, kind=EventKind.ASSIGNED, actor=owner
        )
