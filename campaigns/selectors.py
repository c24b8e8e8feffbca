"""What the campaign pages and the API read, each in a fixed number of queries."""

import datetime as dt

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from campaigns.models import Campaign, CampaignStatus
from improvement import visibility


def with_idea_count(campaigns, user):
    """Annotate `idea_count`, of the ideas `user` may see: a counting subquery, no GROUP
    BY over every column."""
    count = (
        visibility.visible_initiatives(user)
        .filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return campaigns.annotate(idea_count=Coalesce(Subquery(count), 0))


def campaigns_for_reading(user):
    """Every campaign `user` may see (not those of a private area they are not part of,
    improvement.visibility) with its area, people and the count of the ideas they may
    see: one query."""
    campaigns = Campaign.objects.select_related("area", "created_by", "closed_by")
    return with_idea_count(visibility.visible(campaigns, user, ""), user)


def campaigns_by_status(*, today: dt.date, user) -> dict[str, list[Campaign]]:
    """Open, upcoming and closed campaigns (one query): open ones closing soonest first,
    upcoming opening soonest first, closed most recently ended first."""
    groups: dict[str, list[Campaign]] = {status: [] for status in CampaignStatus.values}
    for campaign in campaigns_for_reading(user):
        groups[campaign.status(on=today)].append(campaign)
    groups[CampaignStatus.OPEN].sort(key=lambda c: (c.closes_on, c.pk))
    groups[CampaignStatus.UPCOMING].sort(key=lambda c: (c.opens_on, c.pk))
    groups[CampaignStatus.CLOSED].sort(key=lambda c: (c.closes_on, c.pk), reverse=True)
    return groups


def campaign_ideas(campaign: Campaign, user):
    """The campaign's ideas that `user` may see, with their support counts (one query),
    most supported first, then oldest first."""
    return (
        visibility.visible(campaign.ideas.all(), user, "")
        .with_support_count()
        .select_related("submitted_by", "area")
        .order_by("-support_count", "created_at", "pk")
    )
