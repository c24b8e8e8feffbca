"""`/api/campaigns/`: everyone signed in reads campaigns and their ideas; reviewers open,
change and close them; nobody else can, whichever id they send."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign
from improvement.models import Notification, NotificationKind
from tests.factories import AreaFactory, CampaignFactory, InitiativeFactory, SupportFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
LIST = "/api/campaigns/"


def one(campaign) -> str:
    return f"{LIST}{campaign.pk}/"


def body(**overrides) -> dict:
    return {
        "title": "Quicker month-end",
        "question": "Which month-end step could we drop?",
        "area": AreaFactory().pk,
        "pillar": "financial",
        "opens_on": TODAY().isoformat(),
        "closes_on": (TODAY() + dt.timedelta(days=20)).isoformat(),
        **overrides,
    }


# --- reading ------------------------------------------------------------------------------


def test_everyone_signed_in_reads_the_campaigns(api_as, user):
    campaign = CampaignFactory()
    InitiativeFactory.create_batch(2, campaign=campaign)

    response = api_as(user).get(LIST)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == campaign.pk
    assert row["status"] == "open"
    assert row["is_open"] is True
    assert row["idea_count"] == 2
    assert row["closed_at"] is None


def test_it_filters_by_status(api_as, user, reviewer):
    running = CampaignFactory()
    closed = CampaignFactory()
    services.close_campaign(campaign=closed, actor=reviewer)
    client = api_as(user)

    opened = client.get(LIST, {"status": "open"}).json()["results"]
    ended = client.get(LIST, {"status": "closed"}).json()["results"]

    assert [row["id"] for row in opened] == [running.pk]
    assert [row["id"] for row in ended] == [closed.pk]
    assert client.get(LIST, {"status": "nonsense"}).status_code == 400


def test_the_list_reads_in_fixed_queries(api_as, user, django_assert_max_num_queries):
    client = api_as(user)
    for campaign in CampaignFactory.create_batch(20):
        InitiativeFactory(campaign=campaign)

    with django_assert_max_num_queries(3):
        response = client.get(LIST)

    assert len(response.json()["results"]) == 20


def test_it_reads_one_campaign(api_as, user):
    campaign = CampaignFactory(title="Goods-in")

    response = api_as(user).get(one(campaign))

    assert response.status_code == 200
    assert response.json()["title"] == "Goods-in"


def test_it_lists_a_campaigns_ideas_most_supported_first(
    api_as, user, django_assert_max_num_queries
):
    campaign = CampaignFactory()
    quiet = InitiativeFactory(campaign=campaign)
    loved = InitiativeFactory(campaign=campaign)
    SupportFactory.create_batch(2, initiative=loved)
    InitiativeFactory()  # not in it
    client = api_as(user)

    with django_assert_max_num_queries(6):
        response = client.get(f"{one(campaign)}ideas/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [loved.pk, quiet.pk]
    assert [row["support_count"] for row in rows] == [2, 0]
    assert {row["campaign"] for row in rows} == {campaign.pk}


def test_an_unknown_campaign_is_a_404(api_as, user):
    for url in (f"{LIST}987654/", f"{LIST}987654/ideas/"):
        assert api_as(user).get(url).status_code == 404


def test_it_needs_a_sign_in(api_as):
    campaign = CampaignFactory()

    assert api_as(None).get(LIST).status_code == 401
    assert api_as(None).post(f"{one(campaign)}close/").status_code == 401
    campaign.refresh_from_db()
    assert campaign.closed_at is None


# --- opening ------------------------------------------------------------------------------


def test_a_reviewer_opens_a_campaign(api_as, reviewer):
    response = api_as(reviewer).post(LIST, body())

    assert response.status_code == 201
    campaign = Campaign.objects.get()
    assert response.json()["id"] == campaign.pk
    assert response.json()["status"] == "open"
    assert campaign.created_by == reviewer


def test_a_contributor_may_not_open_one(api_as, user):
    response = api_as(user).post(LIST, body())

    assert response.status_code == 403
    assert not Campaign.objects.exists()


def test_a_contributor_learns_they_may_not_before_what_is_invalid(api_as, user):
    assert api_as(user).post(LIST, {"title": ""}).status_code == 403


def test_it_refuses_a_close_before_the_open(api_as, reviewer):
    response = api_as(reviewer).post(
        LIST,
        body(
            opens_on=(TODAY() + dt.timedelta(days=9)).isoformat(),
            closes_on=(TODAY() + dt.timedelta(days=1)).isoformat(),
        ),
    )

    assert response.status_code == 400
    assert "closes on or after" in str(response.json())
    assert not Campaign.objects.exists()


def test_it_refuses_a_campaign_already_over(api_as, reviewer):
    response = api_as(reviewer).post(
        LIST,
        body(
            opens_on=(TODAY() - dt.timedelta(days=9)).isoformat(),
            closes_on=(TODAY() - dt.timedelta(days=1)).isoformat(),
        ),
    )

    assert response.status_code == 400
    assert "closes_on" in response.json()
    assert not Campaign.objects.exists()


def test_it_refuses_fields_it_does_not_take(api_as, reviewer):
    response = api_as(reviewer).post(LIST, body(closed_at="2026-01-01T00:00:00Z"))

    assert response.status_code == 400
    assert "closed_at" in response.json()
    assert not Campaign.objects.exists()


# --- changing -----------------------------------------------------------------------------


def test_a_reviewer_changes_a_campaign(api_as, reviewer):
    campaign = CampaignFactory(title="Old")

    response = api_as(reviewer).patch(one(campaign), {"title": "New"})

    assert response.status_code == 200
    assert response.json()["title"] == "New"
    campaign.refresh_from_db()
    assert campaign.title == "New"


def test_a_contributor_may_not_change_any_campaign(api_as, user):
    """IDOR: a campaign id is no key: the role decides, whichever campaign it names."""
    campaign = CampaignFactory(title="Old")

    response = api_as(user).patch(one(campaign), {"title": "Taken"})

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.title == "Old"


def test_a_closed_campaign_cannot_be_changed(api_as, reviewer):
    campaign = CampaignFactory(title="Old")
    services.close_campaign(campaign=campaign, actor=reviewer)

    response = api_as(reviewer).patch(one(campaign), {"title": "New"})

    assert response.status_code == 400
    campaign.refresh_from_db()
    assert campaign.title == "Old"


def test_it_refuses_to_patch_the_close(api_as, reviewer):
    campaign = CampaignFactory()

    response = api_as(reviewer).patch(one(campaign), {"closed_at": "2026-01-01T00:00:00Z"})

    assert response.status_code == 400
    assert "/close/" in response.json()["closed_at"][0]
    campaign.refresh_from_db()
    assert campaign.closed_at is None


@pytest.mark.parametrize("payload", [[1, 2], "text"])
def test_it_refuses_a_body_that_is_no_object(api_as, reviewer, payload):
    campaign = CampaignFactory(title="Old")

    response = api_as(reviewer).patch(one(campaign), payload, format="json")

    assert response.status_code == 400
    campaign.refresh_from_db()
    assert campaign.title == "Old"


def test_put_and_delete_are_not_offered(api_as, reviewer):
    campaign = CampaignFactory()

    assert api_as(reviewer).put(one(campaign), body()).status_code == 405
    assert api_as(reviewer).delete(one(campaign)).status_code == 405
    assert Campaign.objects.filter(pk=campaign.pk).exists()


# --- closing ------------------------------------------------------------------------------


def test_a_reviewer_closes_a_campaign_once(api_as, reviewer):
    campaign = CampaignFactory()
    submitter = InitiativeFactory(campaign=campaign).submitted_by
    client = api_as(reviewer)

    first = client.post(f"{one(campaign)}close/")
    second = client.post(f"{one(campaign)}close/")

    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == "closed"
    assert first.json()["closed_by"] == reviewer.pk
    assert first.json()["closed_at"] == second.json()["closed_at"]
    told = Notification.objects.filter(kind=NotificationKind.CAMPAIGN_CLOSED)
    assert list(told.values_list("recipient", flat=True)) == [submitter.pk]


def test_a_contributor_may_not_close_any_campaign(api_as, user):
    """IDOR: even a campaign the caller submitted ideas to."""
    campaign = CampaignFactory()
    InitiativeFactory(campaign=campaign, submitted_by=user)

    response = api_as(user).post(f"{one(campaign)}close/")

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.closed_at is None
    assert not Notification.objects.exists()


def test_closing_an_unknown_campaign_is_a_404(api_as, reviewer):
    assert api_as(reviewer).post(f"{LIST}987654/close/").status_code == 404
