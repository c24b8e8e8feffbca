"""A campaign's window: open from its first day to its last, both included, unless
closed; it can never close before it opens."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

OPENS, CLOSES = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


@pytest.fixture
def campaign():
    return CampaignFactory(opens_on=OPENS, closes_on=CLOSES)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (OPENS - dt.timedelta(days=1), False),
        (OPENS, True),
        (dt.date(2026, 3, 15), True),
        (CLOSES, True),
        (CLOSES + dt.timedelta(days=1), False),
    ],
)
def test_it_is_open_from_its_first_to_its_last_day(campaign, day, expected):
    assert campaign.is_open(on=day) is expected
    assert Campaign.objects.open_on(day).filter(pk=campaign.pk).exists() is expected


def test_it_is_not_open_once_closed_even_inside_its_dates(campaign):
    campaign.closed_at = timezone.now()

    assert campaign.is_open(on=dt.date(2026, 3, 15)) is False
    assert campaign.status(on=dt.date(2026, 3, 15)) == CampaignStatus.CLOSED


def test_it_is_upcoming_before_and_closed_after_its_dates(campaign):
    assert campaign.status(on=OPENS - dt.timedelta(days=1)) == CampaignStatus.UPCOMING
    assert campaign.status(on=OPENS) == CampaignStatus.OPEN
    assert campaign.status(on=CLOSES + dt.timedelta(days=1)) == CampaignStatus.CLOSED


def test_it_is_open_today_by_default():
    assert CampaignFactory().is_open() is True


def test_the_database_refuses_a_close_before_the_open(campaign):
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(closes_on=OPENS - dt.timedelta(days=1))

    campaign.refresh_from_db()
    assert campaign.closes_on == CLOSES


def test_it_may_open_and_close_on_the_same_day():
    one_day = CampaignFactory(opens_on=OPENS, closes_on=OPENS)

    assert one_day.is_open(on=OPENS)


def test_full_clean_names_the_rule(campaign):
    campaign.closes_on = OPENS - dt.timedelta(days=1)

    with pytest.raises(ValidationError, match="closes on or after the day it opens"):
        campaign.full_clean()


def test_the_database_refuses_a_closer_without_a_close(campaign, reviewer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(closed_by=reviewer)
