"""actions.services: the one write path, with its rules, events and notifications."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from actions import services
from actions.models import ActionEvent, ActionItem
from improvement import notifications
from improvement.models import Methodology, Notification, NotificationKind, Stage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def add(initiative, actor, **fields):
    values = {
        "title": "Order the bins",
        "assignee": fields.pop("assignee", actor),
        "due_on": dt.date(2030, 1, 15),
        "stage": Stage.DO,
    }
    return services.create_action(initiative=initiative, actor=actor, **{**values, **fields})


def assert_nothing_written():
    assert not ActionItem.objects.exists()
    assert not ActionEvent.objects.exists()
    assert not Notification.objects.exists()


# --- creating ---------------------------------------------------------------------------------


def test_it_creates_an_open_action_with_its_event(initiative, owner, assignee):
    action = add(initiative, owner, assignee=assignee, title="  Order the bins  ")

    action.refresh_from_db()
    assert (action.title, action.status, action.stage) == ("Order the bins", "open", "do")
    assert (action.assignee, action.created_by, action.closed_at) == (assignee, owner, None)
    event = ActionEvent.objects.get()
    assert (event.kind, event.actor, event.assignee, event.initiative) == (
        "created",
        owner,
        assignee,
        initiative,
    )


def test_it_tells_the_assignee(initiative, owner, assignee):
    add(initiative, owner, assignee=assignee)

    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (assignee, NotificationKind.ASSIGNED)
    assert "Order the bins" in notification.message
    assert "2030-01-15" in notification.message


def test_it_does_not_tell_someone_who_assigned_themselves(initiative, owner):
    add(initiative, owner, assignee=owner)

    assert not Notification.objects.exists()


def test_it_respects_an_assignee_who_turned_assignments_off(initiative, owner, assignee):
    notifications.save_preferences(user=assignee, choices={"assigned": "off"})

    add(initiative, owner, assignee=assignee)

    assert ActionItem.objects.count() == 1
    assert not Notification.objects.exists()


def test_it_refuses_an_inactive_assignee(initiative, owner):
    gone = UserFactory(is_active=False)

    with pytest.raises(ValidationError) as refused:
        add(initiative, owner, assignee=gone)

    assert "assignee" in refused.value.message_dict
    assert_nothing_written()


def test_it_refuses_a_stage_of_the_other_methodology(initiative, owner):
    with pytest.raises(ValidationError) as refused:
        add(initiative, owner, stage=Stage.IMPROVE)

    assert "stage" in refused.value.message_dict
    assert_nothing_written()


def test_it_refuses_a_stage_before_the_methodology_is_chosen(owner):
    from tests.factories import InitiativeFactory

    idea = InitiativeFactory(owner=owner)

    with pytest.raises(ValidationError):
        add(idea, owner, stage=Stage.DO)
    assert_nothing_written()


def test_it_refuses_a_blank_or_overlong_title(initiative, owner):
    for title in ("   ", "x" * 201):
        with pytest.raises(ValidationError) as refused:
            add(initiative, owner, title=title)
        assert "title" in refused.value.message_dict
    assert_nothing_written()


@pytest.mark.parametrize("stage", [Stage.COMPLETED, Stage.CANCELLED])
def test_it_refuses_actions_on_a_closed_initiative(initiative, owner, stage):
    initiative.stage = stage
    initiative.save(update_fields=["stage"])

    with pytest.raises(ValidationError, match="no longer change"):
        add(initiative, owner, stage="")
    assert_nothing_written()


def test_it_accepts_a_dmaic_stage_on_a_dmaic_initiative(owner):
    from tests.factories import TriagedInitiativeFactory

    dmaic = TriagedInitiativeFactory(
        stage=Stage.IMPROVE, methodology=Methodology.DMAIC, owner=owner
    )

    action = add(dmaic, owner, stage=Stage.IMPROVE)

    assert action.stage == "improve"


# --- editing ----------------------------------------------------------------------------------


def test_it_reassigns_and_tells_the_new_assignee(action, owner, member):
    services.update_action(action=action, actor=owner, changes={"assignee": member})

    action.refresh_from_db()
    assert action.assignee == member
    event = ActionEvent.objects.get()
    assert (event.kind, event.assignee, event.actor) == ("assigned", member, owner)
    assert Notification.objects.get().recipient == member


def test_it_records_what_changed(action, owner, today):
    new_due = today + dt.timedelta(days=30)

    services.update_action(
        action=action,
        actor=owner,
        changes={"title": "Brief both shifts", "due_on": new_due, "stage": ""},
    )

    action.refresh_from_db()
    assert (action.title, action.due_on, action.stage) == ("Brief both shifts", new_due, "")
    event = ActionEvent.objects.get()
    assert event.kind == "changed"
    assert "title: “Brief the night shift” → “Brief both shifts”" in event.detail
    assert f"due date: {action.due_on - dt.timedelta(days=23):%Y-%m-%d} → {new_due:%Y-%m-%d}" in (
        event.detail
    )
    assert "stage: Do → none" in event.detail
    assert not Notification.objects.exists()


def test_a_new_due_date_gets_its_own_reminders(action, owner, today):
    ActionItem.objects.filter(pk=action.pk).update(reminded_before_on=today, reminded_due_on=today)
    action.refresh_from_db()

    services.update_action(
        action=action, actor=owner, changes={"due_on": today + dt.timedelta(days=9)}
    )

    action.refresh_from_db()
    assert (action.reminded_before_on, action.reminded_due_on) == (None, None)


def test_it_changes_nothing_when_nothing_differs(action, owner):
    services.update_action(
        action=action,
        actor=owner,
        changes={"title": action.title, "assignee": action.assignee, "due_on": action.due_on},
    )

    assert not ActionEvent.objects.exists()
    assert not Notification.objects.exists()


def test_a_refused_edit_changes_nothing(action, owner):
    gone = UserFactory(is_active=False)

    with pytest.raises(ValidationError):
        services.update_action(
            action=action, actor=owner, changes={"title": "New title", "assignee": gone}
        )

    action.refresh_from_db()
    assert action.title == "Brief the night shift"
    assert not ActionEvent.objects.exists()


def test_it_refuses_to_edit_the_status_or_other_fields(action, owner):
    with pytest.raises(ValidationError):
        services.update_action(action=action, actor=owner, changes={"status": "done"})

    action.refresh_from_db()
    assert action.status == "open"


# --- ticking off ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_it_ticks_an_action_off(action, assignee, status):
    services.set_status(action=action, actor=assignee, status=status)

    action.refresh_from_db()
    assert action.status == status
    assert action.closed_at is not None
    assert ActionEvent.objects.get().kind == status


def test_it_reopens_a_ticked_action(action, assignee):
    services.set_status(action=action, actor=assignee, status="done")

    services.set_status(action=action, actor=assignee, status="open")

    action.refresh_from_db()
    assert (action.status, action.closed_at) == ("open", None)
    assert list(ActionEvent.objects.values_list("kind", flat=True)) == ["done", "reopened"]


def test_ticking_twice_writes_one_event(action, assignee):
    services.set_status(action=action, actor=assignee, status="done")
    services.set_status(action=action, actor=assignee, status="done")

    assert ActionEvent.objects.count() == 1


def test_it_refuses_a_status_that_does_not_exist(action, assignee):
    with pytest.raises(ValidationError):
        services.set_status(action=action, actor=assignee, status="finished")

    action.refresh_from_db()
    assert action.status == "open"


def test_it_refuses_to_tick_on_a_completed_initiative(action, assignee):
    action.initiative.stage = Stage.COMPLETED
    action.initiative.save(update_fields=["stage"])

    with pytest.raises(ValidationError):
        services.set_status(action=action, actor=assignee, status="done")

    action.refresh_from_db()
    assert action.status == "open"


def test_the_service_checks_the_role_itself(action, outsider, initiative):
    with pytest.raises(PermissionDenied):
        services.set_status(action=action, actor=outsider, status="done")
    with pytest.raises(PermissionDenied):
        services.update_action(action=action, actor=outsider, changes={"title": "Mine now"})
    with pytest.raises(PermissionDenied):
        add(initiative, outsider)

    action.refresh_from_db()
    assert (action.status, action.title) == ("open", "Brief the night shift")
    assert ActionItem.objects.count() == 1
