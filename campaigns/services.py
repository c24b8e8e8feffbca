"""Opening, changing and closing campaigns: the one write path of the web pages, the API,
the admin, the daily job and the demo. Reviewers (and administrators) run campaigns;
everyone signed in submits ideas to an open one (improvement.services.submit_idea)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import Campaign
from improvement import notifications, roles
from improvement.models import NotificationKind

# The fields a reviewer gives when opening a campaign and may change while it runs.
CAMPAIGN_FIELDS = ("title", "question", "description", "area", "pillar", "opens_on", "closes_on")


def may_run_campaigns(user) -> bool:
    """Open, change and close campaigns: reviewers, and so administrators (roles)."""
    return roles.is_reviewer(user)


def _check_runner(actor) -> None:
    if not may_run_campaigns(actor):
        raise PermissionDenied(_("Only reviewers open, change and close campaigns."))


def check_close_date(closes_on: dt.date, *, today: dt.date) -> None:
    """A campaign still to run closes today or later. (That it closes on or after it
    opens is the model's constraint, checked by full_clean.)"""
    if closes_on < today:
        raise ValidationError(
            {"closes_on": _("This day is past: a campaign must close today or later.")}
        )


def open_campaign(*, actor, **fields) -> Campaign:
    """A new campaign from `fields` (CAMPAIGN_FIELDS). Raises PermissionDenied unless the
    actor is a reviewer, ValidationError naming each bad field; then saves nothing."""
    _check_runner(actor)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "A campaign has no such field."))
    campaign = Campaign(created_by=actor, **fields)
    campaign.full_clean()
    check_close_date(campaign.closes_on, today=timezone.localdate())
    campaign.save()
    return campaign


def update_campaign(*, campaign: Campaign, actor, changes: dict) -> Campaign:
    """Apply `changes` (field → value, CAMPAIGN_FIELDS only) to a campaign that is not
    closed; all of them or, on any refusal, none."""
    _check_runner(actor)
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("This field cannot be changed.")))
    if campaign.closed_at is not None:
        raise ValidationError(_("This campaign is closed: it can no longer be changed."))
    if not changes:
        return campaign
    with transaction.atomic():
        # The row as it is now, locked: a close at the same moment goes first or waits.
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.closed_at is not None:
            raise ValidationError(_("This campaign is closed: it can no longer be changed."))
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.full_clean()
        if "closes_on" in changes:
            check_close_date(locked.closes_on, today=timezone.localdate())
        locked.save(update_fields=list(changes))
    for field in changes:
        setattr(campaign, field, getattr(locked, field))
    return campaign


def close_campaign(*, campaign: Campaign, actor=None) -> bool:
    """Close the campaign now and tell each person who submitted an idea to it, once.
    `actor` is the reviewer closing it, or None for the daily job. Returns False, and
    does nothing, when it was already closed: so a second close — a double click, the
    job after a reviewer, two job runs — never tells anyone twice."""
    if actor is not None:
        _check_runner(actor)
    with transaction.atomic():
        now = timezone.now()
        # The claim: a conditional UPDATE, so of two closes at once exactly one writes
        # the row (and the notifications, in the same transaction); the other finds it
        # closed and returns.
        claimed = Campaign.objects.filter(pk=campaign.pk, closed_at__isnull=True).update(
            closed_at=now, closed_by=actor
        )
        if not claimed:
            return False
        campaign.closed_at, campaign.closed_by = now, actor
        submitters = campaign.ideas.order_by().values_list("submitted_by_id", flat=True).distinct()
        count = campaign.ideas.count()
        notifications.notify(
            initiative=None,
            kind=NotificationKind.CAMPAIGN_CLOSED,
            # Written in each submitter's language (a function: improvement.notifications).
            message=lambda: closed_message(campaign, idea_count=count),
            user_ids=list(submitters),
            exclude=actor.pk if actor is not None else None,
        )
    return True


def closed_message(campaign: Campaign, *, idea_count: int) -> str:
    """What a submitter is told when the campaign closes."""
    return ngettext(
        "The campaign “%(title)s” is closed: %(count)s idea was submitted to it, yours among "
        "them. Reviewers triage them now; you will hear what happens to yours.",
        "The campaign “%(title)s” is closed: %(count)s ideas were submitted to it, yours among "
        "them. Reviewers triage them now; you will hear what happens to yours.",
        idea_count,
    ) % {"title": campaign.title, "count": number_format(idea_count, force_grouping=True)}


def close_due_campaigns(*, today: dt.date | None = None) -> int:
    """Close every campaign past its close date (the daily job); returns how many it
    closed. Safe to run again: a closed campaign is not due any more."""
    today = today or timezone.localdate()
    closed = 0
    for campaign in Campaign.objects.due_to_close(today).order_by("pk"):
        closed += close_campaign(campaign=campaign)
    return closed
