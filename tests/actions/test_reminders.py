"""The daily reminders: the day before and on the due day, once each, however often the
job runs; never for an action that is done, cancelled or on a closed initiative."""

import datetime as dt
import subprocess
import sys

import pytest
from django.conf import settings

from actions import reminders, services
from actions.models import ActionItem
from config.celery import EmbeddedBeat, app
from improvement import notifications
from improvement.models import Notification, NotificationKind, Stage
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def reminded() -> list[tuple[str, str]]:
    return [
        (n.recipient.username, n.message)
        for n in Notification.objects.filter(kind=NotificationKind.REMINDER).order_by("id")
    ]


def test_it_reminds_the_day_before_and_on_the_day_once_each(action, assignee, today):
    ActionItem.objects.filter(pk=action.pk).update(due_on=today + DAY)

    assert reminders.send_reminders(today=today) == 1
    assert reminders.send_reminders(today=today) == 0
    assert reminders.send_reminders(today=today + DAY) == 1
    assert reminders.send_reminders(today=today + DAY) == 0

    messages = reminded()
    assert [who for who, _ in messages] == ["assignee", "assignee"]
    assert "is due tomorrow" in messages[0][1] and "Brief the night shift" in messages[0][1]
    assert "is due today" in messages[1][1]
    action.refresh_from_db()
    assert (action.reminded_before_on, action.reminded_due_on) == (today, today + DAY)


def test_the_job_run_twice_sends_once(
    action, today, mailoutbox, django_capture_on_commit_callbacks
):
    ActionItem.objects.filter(pk=action.pk).update(due_on=today)
    task = app.tasks["actions.tasks.send_action_reminders"]

    with django_capture_on_commit_callbacks(execute=True):
        first = task.apply().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = task.apply().get()

    assert (first, second) == (1, 0)
    assert len(reminded()) == 1
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_it_does_not_remind_of_a_ticked_off_action(action, assignee, today, status):
    ActionItem.objects.filter(pk=action.pk).update(due_on=today + DAY)
    services.set_status(action=action, actor=assignee, status=status)

    assert reminders.send_reminders(today=today) == 0
    assert reminders.send_reminders(today=today + DAY) == 0
    assert reminded() == []


def test_it_does_not_remind_on_a_completed_initiative(action, today):
    ActionItem.objects.filter(pk=action.pk).update(due_on=today)
    action.initiative.stage = Stage.COMPLETED
    action.initiative.save(update_fields=["stage"])

    assert reminders.send_reminders(today=today) == 0


def test_it_does_not_remind_of_actions_due_later_or_long_ago(initiative, today):
    ActionItemFactory(initiative=initiative, due_on=today + 2 * DAY)
    ActionItemFactory(initiative=initiative, due_on=today - DAY)

    assert reminders.send_reminders(today=today) == 0


def test_a_new_due_date_is_reminded_again(action, owner, today):
    ActionItem.objects.filter(pk=action.pk).update(due_on=today)
    reminders.send_reminders(today=today)
    action.refresh_from_db()

    services.update_action(action=action, actor=owner, changes={"due_on": today + DAY})

    assert reminders.send_reminders(today=today) == 1
    assert len(reminded()) == 2


def test_it_respects_an_assignee_who_turned_reminders_off(action, assignee, today):
    ActionItem.objects.filter(pk=action.pk).update(due_on=today)
    notifications.save_preferences(user=assignee, choices={"reminder": "off"})

    reminders.send_reminders(today=today)
    reminders.send_reminders(today=today)

    assert reminded() == []
    action.refresh_from_db()
    assert action.reminded_due_on == today  # claimed all the same: not tried again


def test_it_is_on_the_daily_schedule_the_embedded_beat_runs(today):
    (name,) = [
        name
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] == "actions.tasks.send_action_reminders"
    ]
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    assert entry["task"] in app.tasks
    assert entry["options"]["expires"] < 24 * 3600
    # manage.py run_scheduler runs the same schedule in process, without a broker.
    beat = EmbeddedBeat(
        settings.CELERY_BEAT_SCHEDULE, started=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    )
    ran = []
    beat.tick(dt.datetime(2030, 1, 2, 12, tzinfo=dt.UTC), lambda name, entry: ran.append(name))
    assert name in ran


def test_a_fresh_process_knows_the_reminder_task():
    """The beat (or manage.py run_scheduler) looks the task up by name in a process of
    its own: actions' AppConfig.ready registers it there too."""
    script = (
        "import django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup();"
        "from config.celery import app;"
        "print('actions.tasks.send_action_reminders' in app.tasks)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == "True"
