"""The daily reminders of action items: the day before an open action falls due, and on
the day, its assignee is reminded — once each.

Each reminder is claimed before it is sent: a conditional UPDATE that sets the action's
`reminded_before_on` / `reminded_due_on` only while it is still unset, in the same
transaction as the notification. Of two runs (a retry, the job queued twice) only one
claims a reminder, so running the job again sends nothing new. A due date changed
afterwards clears both (actions.services.update_action): the new date gets its own.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from actions.models import ActionItem, ActionStatus
from improvement import notifications
from improvement.models import CLOSED_STAGES, NotificationKind

# (the field recording the reminder, days before the due date, what the reminder says)
REMINDERS = (
    (
        "reminded_before_on",
        1,
        gettext_lazy("Your action “%(title)s” on “%(initiative)s” is due tomorrow (%(day)s)."),
    ),
    (
        "reminded_due_on",
        0,
        gettext_lazy("Your action “%(title)s” on “%(initiative)s” is due today (%(day)s)."),
    ),
)


def due_for_reminder(field: str, due_on: dt.date):
    """Open actions due on `due_on` not reminded of yet by `field`, on initiatives still
    being worked on (a completed or cancelled initiative's actions no longer change)."""
    return (
        ActionItem.objects.filter(
            status=ActionStatus.OPEN, due_on=due_on, **{f"{field}__isnull": True}
        )
        .exclude(initiative__stage__in=CLOSED_STAGES)
        .select_related("initiative")
        .order_by("id")
    )


def send_reminders(*, today: dt.date | None = None) -> int:
    """Remind the assignees of actions due tomorrow and today; returns how many
    reminders were sent (a second run the same day: 0)."""
    today = today or timezone.localdate()
    sent = 0
    for field, days_before, when in REMINDERS:
        due_on = today + dt.timedelta(days=days_before)
        for action in due_for_reminder(field, due_on):
            sent += _remind(action, field=field, due_on=due_on, today=today, when=when)
    return sent


def _remind(action: ActionItem, *, field: str, due_on: dt.date, today: dt.date, when: str) -> int:
    with transaction.atomic():
        claimed = ActionItem.objects.filter(
            pk=action.pk,
            status=ActionStatus.OPEN,
            due_on=due_on,
            **{f"{field}__isnull": True},
        ).update(**{field: today})
        if not claimed:
            return 0  # done, moved or reminded meanwhile
        initiative = action.initiative
        notifications.notify(
            initiative=initiative,
            kind=NotificationKind.REMINDER,
            # Written in the assignee's language (a function: improvement.notifications).
            message=lambda: (
                str(when)
                % {
                    "title": action.title,
                    "initiative": initiative.title,
                    "day": date_format(due_on),
                }
            ),
            user_ids=[action.assignee_id],
        )
    return 1
