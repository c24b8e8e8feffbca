"""Weekly nudge: owners of initiatives that have not moved for settings.STALE_DAYS."""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from improvement import notifications
from improvement.models import ACTIVE_STAGES, Initiative, Notification, NotificationKind


def stale_initiatives():
    """Active initiatives with an owner, no move for STALE_DAYS, and no reminder in the
    last six days (so a retried or repeated weekly run reminds once)."""
    now = timezone.now()
    recent_reminder = Notification.objects.filter(
        initiative=OuterRef("pk"),
        kind=NotificationKind.REMINDER,
        created_at__gte=now - dt.timedelta(days=6),
    )
    return Initiative.objects.filter(
        stage__in=ACTIVE_STAGES,
        owner__isnull=False,
        stage_entered_at__lt=now - dt.timedelta(days=settings.STALE_DAYS),
    ).exclude(Exists(recent_reminder))


def remind_stale() -> int:
    sent = 0
    for initiative in stale_initiatives().only(
        "pk", "title", "stage", "owner_id", "stage_entered_at"
    ):
        days = (timezone.now() - initiative.stage_entered_at).days
        notifications.notify(
            initiative=initiative,
            kind=NotificationKind.REMINDER,
            # Written in the owner's language (a function: improvement.notifications).
            message=lambda initiative=initiative, days=days: (
                _(
                    "“%(title)s” has been in %(stage)s for %(days)s days. Move it "
                    "on, put it on hold, or say what blocks it."
                )
                % {"title": initiative.title, "stage": initiative.get_stage_display(), "days": days}
            ),
            user_ids=[initiative.owner_id],
        )
        sent += 1
    return sent
