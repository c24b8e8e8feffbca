"""The weekly stale reminder: owners of active initiatives that have not moved for
STALE_DAYS get one reminder, in the app and by email, at most once in six days."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from improvement.models import Methodology, Notification, NotificationKind, Stage
from improvement.reminders import remind_stale
from improvement.tasks import send_stale_reminders
from tests.factories import TriagedInitiativeFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def initiative_in(stage=Stage.DO, *, moved_days_ago=40, **fields):
    methodology = Methodology.DMAIC if stage in (Stage.ANALYZE, Stage.CONTROL) else Methodology.PDCA
    return TriagedInitiativeFactory(
        stage=stage, methodology=methodology, stage_entered_at=days_ago(moved_days_ago), **fields
    )


def test_it_reminds_the_owner_of_a_stale_initiative():
    initiative = initiative_in(Stage.DO, moved_days_ago=40)

    sent = remind_stale()

    assert sent == 1
    reminder = Notification.objects.get()
    assert reminder.kind == NotificationKind.REMINDER
    assert reminder.recipient == initiative.owner
    assert reminder.initiative == initiative
    assert "in Do for 40 days" in reminder.message


@pytest.mark.parametrize("stage", [Stage.PLAN, Stage.ANALYZE, Stage.CONTROL])
def test_it_reminds_in_every_active_stage(stage):
    initiative_in(stage, moved_days_ago=31)

    sent = remind_stale()

    assert sent == 1
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 1


def test_it_does_not_remind_about_a_recent_move():
    initiative_in(Stage.DO, moved_days_ago=29)

    sent = remind_stale()

    assert sent == 0
    assert not Notification.objects.exists()


def test_it_follows_the_stale_days_setting(settings):
    settings.STALE_DAYS = 7
    initiative_in(Stage.DO, moved_days_ago=8)

    sent = remind_stale()

    assert sent == 1


@pytest.mark.parametrize(
    ("stage", "fields"),
    [
        (Stage.BACKLOG, {}),
        (Stage.COMPLETED, {}),
        (Stage.SUBMITTED, {}),
        (Stage.CANCELLED, {}),
        (Stage.REJECTED, {"rejection_reason": "Out of scope."}),
        (Stage.ON_HOLD, {"held_from": Stage.DO}),
    ],
)
def test_it_does_not_remind_about_an_inactive_initiative(stage, fields):
    initiative_in(stage, moved_days_ago=90, **fields)

    sent = remind_stale()

    assert sent == 0
    assert not Notification.objects.exists()


def test_an_initiative_in_progress_always_has_an_owner_to_remind():
    with pytest.raises(IntegrityError), transaction.atomic():
        initiative_in(Stage.DO, moved_days_ago=40, owner=None)

    assert remind_stale() == 0
    assert not Notification.objects.exists()


def test_it_reminds_once_when_run_twice():
    initiative_in(Stage.DO, moved_days_ago=40)
    remind_stale()

    sent = remind_stale()

    assert sent == 0
    assert Notification.objects.count() == 1


def test_it_reminds_again_a_week_later():
    initiative = initiative_in(Stage.DO, moved_days_ago=40)
    remind_stale()
    Notification.objects.update(created_at=days_ago(7))

    sent = remind_stale()

    assert sent == 1
    assert Notification.objects.filter(initiative=initiative).count() == 2


def test_it_does_not_count_other_notifications_as_a_reminder():
    initiative = initiative_in(Stage.DO, moved_days_ago=40)
    Notification.objects.create(
        recipient=initiative.owner,
        initiative=initiative,
        kind=NotificationKind.COMMENT,
        message="New comment.",
    )

    sent = remind_stale()

    assert sent == 1
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 1


def test_it_emails_the_reminder_through_the_weekly_task(
    celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    initiative = initiative_in(Stage.DO, moved_days_ago=40)

    with django_capture_on_commit_callbacks(execute=True):
        sent = send_stale_reminders.delay().get()

    assert sent == 1
    assert [mail.to for mail in mailoutbox] == [[initiative.owner.email]]
    assert "has been in Do for 40 days" in mailoutbox[0].body
    assert Notification.objects.get().emailed_at is not None
