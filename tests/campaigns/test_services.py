"""Opening, changing and closing campaigns: reviewers only, and closing tells each
submitter once, however often it runs."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from campaigns import services, tasks
from campaigns.models import Campaign
from improvement import notifications
from improvement.models import Delivery, Notification, NotificationKind, NotificationTopic
from tests.factories import AreaFactory, CampaignFactory, InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def fields(**overrides) -> dict:
    return {
        "title": "Less waiting at goods-in",
        "question": "How could trucks unload faster?",
        "area": AreaFactory(),
        "pillar": "operational",
        "opens_on": TODAY(),
        "closes_on": TODAY() + dt.timedelta(days=30),
        **overrides,
    }


def told() -> list:
    return list(
        Notification.objects.filter(kind=NotificationKind.CAMPAIGN_CLOSED)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
    )


# --- opening -----------------------------------------------------------------------------


def test_it_opens_a_campaign_for_a_reviewer(reviewer):
    campaign = services.open_campaign(actor=reviewer, **fields())

    campaign.refresh_from_db()
    assert campaign.created_by == reviewer
    assert campaign.is_open()
    assert campaign.closed_at is None


def test_it_opens_a_campaign_for_an_administrator(admin_user):
    services.open_campaign(actor=admin_user, **fields())

    assert Campaign.objects.count() == 1


def test_it_refuses_a_contributor(user):
    with pytest.raises(PermissionDenied):
        services.open_campaign(actor=user, **fields())

    assert not Campaign.objects.exists()


def test_it_refuses_a_close_before_the_open(reviewer):
    with pytest.raises(ValidationError, match="closes on or after"):
        services.open_campaign(
            actor=reviewer, **fields(opens_on=TODAY(), closes_on=TODAY() - dt.timedelta(days=1))
        )

    assert not Campaign.objects.exists()


def test_it_refuses_a_campaign_already_over(reviewer):
    past = TODAY() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.open_campaign(
            actor=reviewer, **fields(opens_on=past - dt.timedelta(days=9), closes_on=past)
        )

    assert "closes_on" in refused.value.message_dict
    assert not Campaign.objects.exists()


def test_it_refuses_a_field_campaigns_do_not_have(reviewer):
    with pytest.raises(ValidationError):
        services.open_campaign(actor=reviewer, **fields(closed_at=timezone.now()))

    assert not Campaign.objects.exists()


# --- changing ----------------------------------------------------------------------------


def test_it_changes_a_running_campaign(reviewer):
    campaign = CampaignFactory()
    later = campaign.closes_on + dt.timedelta(days=7)

    services.update_campaign(
        campaign=campaign, actor=reviewer, changes={"closes_on": later, "title": "Renamed"}
    )

    campaign.refresh_from_db()
    assert (campaign.closes_on, campaign.title) == (later, "Renamed")


def test_it_refuses_changes_from_a_contributor(user):
    campaign = CampaignFactory(title="Kept")

    with pytest.raises(PermissionDenied):
        services.update_campaign(campaign=campaign, actor=user, changes={"title": "Taken"})

    campaign.refresh_from_db()
    assert campaign.title == "Kept"


def test_it_refuses_to_change_a_closed_campaign(reviewer):
    campaign = CampaignFactory(title="Kept")
    services.close_campaign(campaign=campaign, actor=reviewer)

    with pytest.raises(ValidationError, match="closed"):
        services.update_campaign(campaign=campaign, actor=reviewer, changes={"title": "New"})

    campaign.refresh_from_db()
    assert campaign.title == "Kept"


def test_it_changes_nothing_when_one_change_is_refused(reviewer):
    campaign = CampaignFactory(title="Kept")
    before_open = campaign.opens_on - dt.timedelta(days=1)

    with pytest.raises(ValidationError):
        services.update_campaign(
            campaign=campaign, actor=reviewer, changes={"title": "New", "closes_on": before_open}
        )

    campaign.refresh_from_db()
    assert campaign.title == "Kept"


# --- closing -----------------------------------------------------------------------------


def test_closing_tells_each_submitter_once(reviewer):
    campaign = CampaignFactory()
    twice, once = UserFactory(), UserFactory()
    InitiativeFactory.create_batch(2, campaign=campaign, submitted_by=twice)
    InitiativeFactory(campaign=campaign, submitted_by=once)
    InitiativeFactory(submitted_by=UserFactory())  # not in the campaign

    assert services.close_campaign(campaign=campaign, actor=reviewer) is True

    campaign.refresh_from_db()
    assert campaign.closed_at is not None
    assert campaign.closed_by == reviewer
    assert told() == sorted([twice.pk, once.pk])
    notice = Notification.objects.get(recipient=twice)
    assert campaign.title in notice.message
    assert "3 ideas were" in notice.message


def test_closing_twice_tells_once(reviewer):
    campaign = CampaignFactory()
    submitter = InitiativeFactory(campaign=campaign).submitted_by
    services.close_campaign(campaign=campaign, actor=reviewer)
    closed_at = Campaign.objects.get(pk=campaign.pk).closed_at

    again = services.close_campaign(campaign=Campaign.objects.get(pk=campaign.pk), actor=reviewer)

    assert again is False
    assert told() == [submitter.pk]
    assert Campaign.objects.get(pk=campaign.pk).closed_at == closed_at


def test_a_stale_copy_closing_again_tells_nobody_again(reviewer):
    """Two closes that both read the campaign as open: the claim lets one through."""
    campaign = CampaignFactory()
    InitiativeFactory(campaign=campaign)
    stale = Campaign.objects.get(pk=campaign.pk)
    services.close_campaign(campaign=campaign, actor=reviewer)

    assert services.close_campaign(campaign=stale, actor=None) is False
    assert len(told()) == 1


def test_only_reviewers_close(user):
    campaign = CampaignFactory()
    InitiativeFactory(campaign=campaign)

    with pytest.raises(PermissionDenied):
        services.close_campaign(campaign=campaign, actor=user)

    campaign.refresh_from_db()
    assert campaign.closed_at is None
    assert told() == []


def test_the_reviewer_who_closes_is_not_told_of_their_own_close(reviewer):
    campaign = CampaignFactory()
    InitiativeFactory(campaign=campaign, submitted_by=reviewer)

    services.close_campaign(campaign=campaign, actor=reviewer)

    assert told() == []


def test_a_submitter_who_turned_the_topic_off_is_not_told(reviewer):
    campaign = CampaignFactory()
    quiet = InitiativeFactory(campaign=campaign).submitted_by
    loud = InitiativeFactory(campaign=campaign).submitted_by
    notifications.save_preferences(
        user=quiet, choices={NotificationTopic.CAMPAIGN_CLOSED: Delivery.OFF}
    )

    services.close_campaign(campaign=campaign, actor=reviewer)

    assert told() == [loud.pk]


def test_closing_emails_the_submitters(reviewer, mailoutbox, django_capture_on_commit_callbacks):
    campaign = CampaignFactory(title="Less waiting")
    submitter = InitiativeFactory(campaign=campaign).submitted_by

    with django_capture_on_commit_callbacks(execute=True):
        services.close_campaign(campaign=campaign, actor=reviewer)

    assert [mail.to for mail in mailoutbox] == [[submitter.email]]
    assert "Less waiting" in mailoutbox[0].body


# --- the daily job -----------------------------------------------------------------------


def test_the_job_closes_campaigns_past_their_last_day_only():
    today = TODAY()
    past = CampaignFactory(
        opens_on=today - dt.timedelta(days=30), closes_on=today - dt.timedelta(days=1)
    )
    last_day = CampaignFactory(opens_on=today - dt.timedelta(days=30), closes_on=today)
    submitter = InitiativeFactory(campaign=past).submitted_by
    InitiativeFactory(campaign=last_day)

    assert services.close_due_campaigns(today=today) == 1

    past.refresh_from_db()
    last_day.refresh_from_db()
    assert past.closed_at is not None
    assert past.closed_by is None
    assert last_day.closed_at is None
    assert told() == [submitter.pk]


def test_the_job_run_twice_tells_once():
    today = TODAY()
    past = CampaignFactory(
        opens_on=today - dt.timedelta(days=30), closes_on=today - dt.timedelta(days=1)
    )
    submitter = InitiativeFactory(campaign=past).submitted_by

    assert tasks.close_past_campaigns() == 1
    assert tasks.close_past_campaigns() == 0

    assert told() == [submitter.pk]


def test_the_job_leaves_a_campaign_a_reviewer_closed(reviewer):
    today = TODAY()
    campaign = CampaignFactory(
        opens_on=today - dt.timedelta(days=30), closes_on=today - dt.timedelta(days=1)
    )
    InitiativeFactory(campaign=campaign)
    services.close_campaign(campaign=campaign, actor=reviewer)

    assert services.close_due_campaigns(today=today) == 0

    campaign.refresh_from_db()
    assert campaign.closed_by == reviewer
    assert len(told()) == 1
