"""Telling people what happened: in-app notifications, written in the caller's
transaction, and their emails, sent by a job after it commits."""

from django.contrib.auth import get_user_model

from config.celery import enqueue_on_commit
from improvement.models import Initiative, Notification, NotificationKind, Stage, StageTransition

# An email subject: one line, short enough for every mail client's list.
SUBJECT_LENGTH = 120


def one_line(text: str, limit: int) -> str:
    """`text` on one line — each run of whitespace, line breaks included, one space — and
    at most `limit` characters, an ellipsis marking a cut. (A line break in a header is
    what Django's BadHeaderError refuses: a title must never stop its emails.)"""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def email_subject(notification: Notification) -> str:
    about = notification.initiative.title if notification.initiative else "Improvement tracker"
    return one_line(f"[Improvement] {about}", SUBJECT_LENGTH)


def notify(*, initiative: Initiative | None, kind: str, message: str, user_ids, exclude=None):
    """One in-app notification per distinct recipient (never the person who acted),
    and one email job for all of them once the transaction commits."""
    recipients = {pk for pk in user_ids if pk is not None} - {exclude}
    if not recipients:
        return []
    active = get_user_model().objects.filter(pk__in=recipients, is_active=True)
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient_id=pk, initiative=initiative, kind=kind, message=message)
            for pk in active.values_list("pk", flat=True).order_by("pk")
        ]
    )
    enqueue_on_commit("improvement.tasks.send_notification_emails", [row.pk for row in rows])
    return rows


def stage_moved(*, transition: StageTransition) -> None:
    initiative = transition.initiative
    message = (
        f"“{initiative.title}” moved from {Stage(transition.from_stage).label} "
        f"to {Stage(transition.to_stage).label}."
    )
    if transition.to_stage == Stage.REJECTED:
        if initiative.duplicate_of_id:
            message += (
                f" It duplicates “{initiative.duplicate_of.title}”: its supporters now support"
                " that idea, and its submitter follows it."
            )
        else:
            message += f" Reason: {transition.note}"
    elif transition.note:
        message += f" Note: {transition.note}"
    watchers = initiative.watchers.values_list("pk", flat=True)
    notify(
        initiative=initiative,
        kind=NotificationKind.STAGE_MOVED,
        message=message,
        user_ids=[initiative.submitted_by_id, initiative.owner_id, *watchers],
        exclude=transition.actor_id,
    )


def assigned(*, initiative: Initiative, role: str, user_id: int, actor_id: int) -> None:
    notify(
        initiative=initiative,
        kind=NotificationKind.ASSIGNED,
        message=f"You are now the {role} of “{initiative.title}”.",
        user_ids=[user_id],
        exclude=actor_id,
    )
