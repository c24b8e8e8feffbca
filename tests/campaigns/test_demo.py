"""The demo data's campaigns: one open and one closed, each with demo ideas; seeding
again changes nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from improvement.demo import builder
from improvement.models import Initiative, Notification, NotificationKind

pytestmark = pytest.mark.django_db


def test_it_seeds_an_open_and_a_closed_campaign_with_ideas():
    today = timezone.localdate()

    report = builder.seed_demo(anchor=today)

    open_ones = [c for c in Campaign.objects.all() if c.is_open(on=today)]
    closed = Campaign.objects.filter(closed_at__isnull=False)
    assert len(open_ones) == 1
    assert closed.count() == 1
    assert open_ones[0].ideas.count() >= 2
    assert closed.get().ideas.count() >= 2
    for campaign in Campaign.objects.all():
        campaign.full_clean()
        for idea in campaign.ideas.all():
            assert campaign.opens_on <= timezone.localdate(idea.created_at)
    assert report.created["campaigns"] == 2
    assert report.totals["campaigns"] == 2
    # Its submitters were told, in the past: nothing left for the email job.
    told = Notification.objects.filter(kind=NotificationKind.CAMPAIGN_CLOSED)
    submitters = set(closed.get().ideas.values_list("submitted_by", flat=True))
    assert set(told.values_list("recipient", flat=True)) == submitters
    assert not told.filter(emailed_at=None).exists()


def test_seeding_again_changes_no_campaign():
    today = timezone.localdate()
    builder.seed_demo(anchor=today)
    before = (
        list(Campaign.objects.order_by("pk").values()),
        list(Initiative.objects.order_by("pk").values_list("pk", "campaign")),
        Notification.objects.count(),
    )

    report = builder.seed_demo(anchor=today + dt.timedelta(days=365))

    assert report.created["campaigns"] == 0
    assert (
        list(Campaign.objects.order_by("pk").values()),
        list(Initiative.objects.order_by("pk").values_list("pk", "campaign")),
        Notification.objects.count(),
    ) == before
