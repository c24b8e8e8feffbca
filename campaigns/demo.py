"""The campaigns of the demo data set (settings.DEMO_SEEDERS; run by `manage.py seed_demo`
after the initiatives exist): one open campaign and one closed one, each with a few of
the demo ideas.

Idempotent by title: a campaign that exists is left alone with its ideas, so a second
run — on any day — adds and changes nothing. Like the rest of the demo, rows are
written directly: the closed campaign closed in the past, and its submitters' notices
are past events, already emailed (no job sends them now)."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import closed_message
from improvement.models import Area, Initiative, Notification, NotificationKind, Pillar

OPENED_BY = "reviewer"


@dataclass(frozen=True)
class DemoCampaign:
    title: str
    question: str
    description: str
    area: str
    pillar: str
    ideas: tuple[str, ...]  # demo idea titles (improvement/demo/data.py)
    closed: bool


CAMPAIGNS = [
    DemoCampaign(
        "Faster flow through the warehouse",
        "How could goods get from goods-in to the truck with less waiting and handling?",
        "Returns, picking and dispatch all wait on each other at peak times. Every idea "
        "counts, small ones especially: reviewers score them when the campaign closes.",
        "Logistics",
        Pillar.OPERATIONAL,
        ("Label returnable crates with QR codes", "Cross-dock lane for fast-moving SKUs"),
        closed=False,
    ),
    DemoCampaign(
        "Safer, tidier assembly stations",
        "What one change would make your station safer or quicker to work at?",
        "Run with the 5S week on the assembly lines.",
        "Assembly",
        Pillar.OPERATIONAL,
        (
            "Shadow board for torque tools at station 4",
            "Robotic palletiser for the low-volume line",
            "Team huddle at the shop-floor board",
        ),
        closed=True,
    ),
]


def seed(report) -> None:
    existing = set(
        Campaign.objects.filter(title__in=[c.title for c in CAMPAIGNS]).values_list(
            "title", flat=True
        )
    )
    reviewer = get_user_model().objects.get(username=OPENED_BY)
    for spec in CAMPAIGNS:
        if spec.title not in existing:
            _build(spec, anchor=report.anchor, reviewer=reviewer)
            report.created["campaigns"] += 1
    report.totals["campaigns"] = Campaign.objects.count()
    report.totals["campaign ideas"] = Initiative.objects.filter(campaign__isnull=False).count()


def _build(spec: DemoCampaign, *, anchor: dt.date, reviewer) -> None:
    ideas = Initiative.objects.filter(title__in=spec.ideas, campaign__isnull=True)
    submitted = sorted(timezone.localdate(at) for at in ideas.values_list("created_at", flat=True))
    # The campaign ran while its ideas came in: it opened a few days before the first.
    first = submitted[0] if submitted else anchor - dt.timedelta(days=14)
    opens_on = first - dt.timedelta(days=3)
    if spec.closed:
        last = submitted[-1] if submitted else anchor - dt.timedelta(days=7)
        closes_on = min(last + dt.timedelta(days=2), anchor - dt.timedelta(days=1))
    else:
        closes_on = anchor + dt.timedelta(days=25)
    created_at = timezone.make_aware(dt.datetime.combine(opens_on, dt.time(9, 0)))
    campaign = Campaign(
        title=spec.title,
        question=spec.question,
        description=spec.description,
        area=Area.objects.get(name=spec.area),
        pillar=spec.pillar,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=reviewer,
        created_at=created_at,
    )
    if spec.closed:
        # Closed by the nightly job, the night after its last day.
        campaign.closed_at = timezone.make_aware(
            dt.datetime.combine(closes_on + dt.timedelta(days=1), dt.time(0, 15))
        )
    campaign.full_clean()
    campaign.save()
    ideas.update(campaign=campaign)
    if spec.closed:
        _told(campaign, anchor=anchor)


def _told(campaign: Campaign, *, anchor: dt.date) -> None:
    """Each submitter's notice of the close; read if it is more than a week old."""
    at = campaign.closed_at
    read = (anchor - timezone.localdate(at)).days > 7
    message = closed_message(campaign, idea_count=campaign.ideas.count())
    submitters = campaign.ideas.order_by().values_list("submitted_by", flat=True).distinct()
    Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            kind=NotificationKind.CAMPAIGN_CLOSED,
            message=message,
            created_at=at,
            read_at=at + dt.timedelta(hours=20) if read else None,
            emailed_at=at,  # past events: no job should mail them now
        )
        for pk in sorted(submitters)
    )
