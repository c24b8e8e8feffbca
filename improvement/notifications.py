"""Telling people what happened: in-app notifications, written in the caller's
transaction, and their emails — sent by a job after it commits, or gathered into the
recipient's daily digest, as each person chose for each topic (NotificationPreference).
A topic turned off writes no notification at all."""

from collections.abc import Callable, Mapping

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.services import languages_of
from config.celery import enqueue_on_commit
from improvement import events, outcomes, visibility
from improvement.models import (
    Delivery,
    Initiative,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationTopic,
    Stage,
    StageTransition,
)
from metrics.periods import day_start

# An email subject: one line, short enough for every mail client's list.
SUBJECT_LENGTH = 120

# How a person hears about a topic they have not chosen for: at once, as always — except
# the moves of an idea they submitted. A submitter follows the outcome, not each step of
# the work (issue 15: seven emails in four minutes), so those wait for the daily digest;
# the first measured result and the completion still come at once.
DEFAULT_DELIVERY = {NotificationTopic.IDEA_MOVED: Delivery.DIGEST}

# Digest rows whose email has not gone out (nor been given up on): the digest's work.
DIGEST_DUE = Q(digest=True, emailed_at__isnull=True, email_failed_at__isnull=True)
# The most notifications one digest email lists; the rest are on the notifications page.
DIGEST_LINES = 100
# The most of one notification's text a digest line shows.
DIGEST_LINE_LENGTH = 500


def one_line(text: str, limit: int) -> str:
    """`text` on one line — each run of whitespace, line breaks included, one space — and
    at most `limit` characters, an ellipsis marking a cut. (A line break in a header is
    what Django's BadHeaderError refuses: a title must never stop its emails.)"""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def email_subject(notification: Notification) -> str:
    """In the active language: the sending job activates the recipient's."""
    about = notification.initiative.title if notification.initiative else _("Improvement tracker")
    return one_line(_("[Improvement] %(about)s") % {"about": about}, SUBJECT_LENGTH)


def digest_email(rows: list[Notification]) -> tuple[str, str]:
    """The subject and text of one person's digest of `rows`, oldest first, in the active
    language (the sending job activates the recipient's)."""
    count = len(rows)
    updates = ngettext("%(count)d update", "%(count)d updates", count) % {"count": count}
    lines = [_("What happened since your last digest (%(updates)s):") % {"updates": updates}, ""]
    for row in rows[:DIGEST_LINES]:
        at = date_format(timezone.localtime(row.created_at), "DATETIME_FORMAT")
        lines.append(f"- {at}  {one_line(row.message, DIGEST_LINE_LENGTH)}")
    if count > DIGEST_LINES:
        more = count - DIGEST_LINES
        lines.append(
            ngettext(
                "- … and %(more)d more on your notifications page.",
                "- … and %(more)d more on your notifications page.",
                more,
            )
            % {"more": more}
        )
    lines += [
        "",
        _(
            "You get these once a day because of your notification settings; you can "
            "change them on the notifications page."
        ),
    ]
    subject = one_line(
        _("[Improvement] Your daily digest: %(updates)s") % {"updates": updates}, SUBJECT_LENGTH
    )
    return subject, "\n".join(lines)


# --- settings ------------------------------------------------------------------------------


def default_delivery(topic: str) -> str:
    return DEFAULT_DELIVERY.get(topic, Delivery.IMMEDIATELY)


def preferences(*, user) -> dict[str, str]:
    """How `user` hears about each topic, defaults filled in, in the topics' order."""
    saved = dict(NotificationPreference.objects.filter(user=user).values_list("topic", "delivery"))
    return {topic: saved.get(topic, default_delivery(topic)) for topic in NotificationTopic}


def save_preferences(*, user, choices: Mapping[str, str]) -> dict[str, str]:
    """Store how `user` wants to hear about each topic in `choices` (topic → delivery);
    topics left out keep their setting. Raises ValidationError naming every unknown topic
    or delivery, and then stores nothing. Returns all of the user's settings."""
    errors = {}
    for topic, delivery in choices.items():
        if topic not in NotificationTopic.values:
            errors[topic] = _("There is no such kind of notification.")
        elif delivery not in Delivery.values:
            allowed = ", ".join(Delivery.values)
            errors[topic] = _(
                "“%(delivery)s” is not a way to be told; choose one of %(allowed)s."
            ) % {
                "delivery": delivery,
                "allowed": allowed,
            }
    if errors:
        raise ValidationError(errors)
    # One upsert on the (user, topic) unique constraint: a second save, or two at once,
    # changes the rows rather than failing on them.
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, topic=topic, delivery=delivery)
            for topic, delivery in choices.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "topic"],
        update_fields=["delivery", "updated_at"],
    )
    return preferences(user=user)


def deliveries(topic_of: Mapping[int, str]) -> dict[int, str]:
    """How each recipient (id → the topic they would hear about) is to be told: their
    setting, else the default. One query however many recipients."""
    saved = {
        (user_id, topic): delivery
        for user_id, topic, delivery in NotificationPreference.objects.filter(
            user_id__in=list(topic_of), topic__in=set(topic_of.values())
        ).values_list("user_id", "topic", "delivery")
    }
    return {pk: saved.get((pk, topic), default_delivery(topic)) for pk, topic in topic_of.items()}


# --- notifying -----------------------------------------------------------------------------


def notify(
    *,
    initiative: Initiative | None,
    kind: str,
    message: str | Callable[[], str],
    user_ids,
    exclude=None,
    topics: Mapping[int, str] | None = None,
):
    """One in-app notification per distinct active recipient (never the person who
    acted) who has not turned the topic off, and one email job, once the transaction
    commits, for those who hear about it immediately; the others' email waits for their
    daily digest. A recipient's topic is the kind, unless `topics` (recipient → topic)
    says otherwise. `message` is the text, or a function that writes it in the active
    language: then each recipient's is written in their language (accounts.Profile).
    Returns the notifications written."""
    recipients = {pk for pk in user_ids if pk is not None} - {exclude}
    if not recipients:
        return []
    topics = topics or {}
    # Only people who may see the initiative hear about it (a private area's: its
    # members, reviewers and administrators — improvement.visibility), in the app and by
    # email alike.
    people = (
        get_user_model().objects.all() if initiative is None else visibility.audience(initiative)
    )
    active = (
        people.filter(pk__in=recipients, is_active=True).values_list("pk", flat=True).order_by("pk")
    )
    how = deliveries({pk: topics.get(pk, kind) for pk in active})
    text_for = _in_languages(
        message, [pk for pk, delivery in how.items() if delivery != Delivery.OFF]
    )
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                initiative=initiative,
                kind=kind,
                message=text_for[pk],
                digest=delivery == Delivery.DIGEST,
            )
            for pk, delivery in how.items()
            if delivery != Delivery.OFF
        ]
    )
    now = [row.pk for row in rows if not row.digest]
    if now:
        enqueue_on_commit("improvement.tasks.send_notification_emails", now)
    return rows


def _in_languages(message: str | Callable[[], str], user_ids: list[int]) -> dict[int, str]:
    """Each recipient's text: `message` as it is, or written once per language the
    recipients read (one query for their languages)."""
    if not callable(message):
        return dict.fromkeys(user_ids, message)
    language_of = languages_of(user_ids=user_ids)
    written = {}
    for language in set(language_of.values()):
        with translation.override(language):
            written[language] = message()
    return {pk: written[language_of[pk]] for pk in user_ids}


def _watchers(initiative: Initiative) -> list[int]:
    return list(initiative.watchers.values_list("pk", flat=True))


def stage_moved(*, transition: StageTransition) -> None:
    initiative = transition.initiative
    if transition.to_stage == Stage.COMPLETED:
        completed(transition=transition)
        return

    def message() -> str:
        text = _("“%(title)s” moved from %(from_stage)s to %(to_stage)s.") % {
            "title": initiative.title,
            "from_stage": Stage(transition.from_stage).label,
            "to_stage": Stage(transition.to_stage).label,
        }
        if transition.to_stage == Stage.REJECTED:
            if initiative.duplicate_of_id:
                text += " " + _(
                    "It duplicates “%(title)s”: its supporters now support that idea, and its "
                    "submitter follows it."
                ) % {"title": initiative.duplicate_of.title}
            else:
                text += " " + _("Reason: %(note)s") % {"note": transition.note}
        elif transition.note:
            text += " " + _("Note: %(note)s") % {"note": transition.note}
        return text

    # The submitter hears about the moves of their idea as its own topic — unless they
    # own it too, and it is their work they hear about.
    topics = {}
    if initiative.submitted_by_id != initiative.owner_id:
        topics[initiative.submitted_by_id] = NotificationTopic.IDEA_MOVED
    notify(
        initiative=initiative,
        kind=NotificationKind.STAGE_MOVED,
        message=message,
        user_ids=[initiative.submitted_by_id, initiative.owner_id, *_watchers(initiative)],
        exclude=transition.actor_id,
        topics=topics,
    )


def completed(*, transition: StageTransition) -> None:
    """The move to Completed, with the result it was completed on: the submitter, owner and
    watchers hear of it in place of the stage move."""
    initiative = transition.initiative
    result = outcomes.latest_primary_results(initiative_ids=[initiative.pk]).get(initiative.pk)

    def message() -> str:
        text = _("“%(title)s” is completed.") % {"title": initiative.title}
        if result is not None:
            text += " " + _("Result: %(result)s.") % {"result": outcomes.result_line(result)}
        if transition.note:
            text += " " + _("Note: %(note)s") % {"note": transition.note}
        return text

    notify(
        initiative=initiative,
        kind=NotificationKind.COMPLETED,
        message=message,
        user_ids=[initiative.submitted_by_id, initiative.owner_id, *_watchers(initiative)],
        exclude=transition.actor_id,
    )


def first_results(*, target_ids: list[int]) -> int:
    """Tell the submitter, owner and watchers of each initiative whose primary target —
    one of `target_ids`, read by outcomes.awaiting_first_result before the results job
    ran — now has its first measured result, and what it is. Returns how many initiatives
    were told about."""
    initiative_ids = outcomes.newly_measured(target_ids=target_ids)
    if not initiative_ids:
        return 0
    results = outcomes.latest_primary_results(initiative_ids=initiative_ids)
    told = 0
    for pk, result in results.items():
        with transaction.atomic():
            # Once per change: two results runs of one initiative at once both read it
            # as not measured yet. The row lock lines them up, and the second finds the
            # first one's notice. (A new PDCA cycle's change date is later: told again.)
            initiative = Initiative.objects.select_for_update().filter(pk=pk).first()
            if initiative is None or initiative.implemented_on is None:
                continue
            told_before = Notification.objects.filter(
                initiative=initiative,
                kind=NotificationKind.RESULT,
                created_at__gte=day_start(initiative.implemented_on),
            )
            if told_before.exists():
                continue
            notify(
                initiative=initiative,
                kind=NotificationKind.RESULT,
                message=lambda initiative=initiative, result=result: (
                    _("First measured result for “%(title)s”: %(result)s.")
                    % {"title": initiative.title, "result": outcomes.result_line(result)}
                ),
                user_ids=[initiative.submitted_by_id, initiative.owner_id, *_watchers(initiative)],
            )
            events.send_on_commit(
                events.result_computed, initiative_id=initiative.pk, result_id=result.pk
            )
            told += 1
    return told


# What an assignment says, per role (a role's name alone would not translate into a
# sentence: German needs "Verantwortliche(r)" and "Sponsor(in)" in different places).
ASSIGNED_AS = {
    "owner": gettext_lazy("You are now the owner of “%(title)s”."),
    "sponsor": gettext_lazy("You are now the sponsor of “%(title)s”."),
}


def assigned(*, initiative: Initiative, role: str, user_id: int, actor_id: int) -> None:
    notify(
        initiative=initiative,
        kind=NotificationKind.ASSIGNED,
        message=lambda: (
            str(ASSIGNED_AS.get(role, gettext_lazy("You are now the %(role)s of “%(title)s”.")))
            % {"role": role, "title": initiative.title}
        ),
        user_ids=[user_id],
        exclude=actor_id,
    )
