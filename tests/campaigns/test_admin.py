"""The campaign admin saves through campaigns.services: opening, changing and the close
action follow the app's rules; a closed campaign is read-only; nobody deletes one."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from improvement.models import Notification, NotificationKind
from tests.admin_forms import admin_url
from tests.factories import AreaFactory, CampaignFactory, InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def data(**overrides) -> dict:
    return {
        "title": "Cleaner yard",
        "question": "What slows the yard down?",
        "description": "",
        "area": AreaFactory().pk,
        "pillar": "operational",
        "opens_on": TODAY().isoformat(),
        "closes_on": (TODAY() + dt.timedelta(days=10)).isoformat(),
        **overrides,
    }


def test_it_opens_a_campaign_through_the_service(admin_client, admin_user):
    response = admin_client.post(admin_url(Campaign, "add"), data())

    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.created_by == admin_user
    assert campaign.title == "Cleaner yard"


def test_it_refuses_a_campaign_already_over(admin_client):
    response = admin_client.post(
        admin_url(Campaign, "add"),
        data(
            opens_on=(TODAY() - dt.timedelta(days=5)).isoformat(),
            closes_on=(TODAY() - dt.timedelta(days=1)).isoformat(),
        ),
    )

    assert response.status_code == 200
    assert "a campaign must close today or later" in response.content.decode()
    assert not Campaign.objects.exists()


def test_it_changes_a_running_campaign(admin_client):
    campaign = CampaignFactory(title="Old")
    payload = data(
        title="New",
        area=campaign.area_id,
        opens_on=campaign.opens_on.isoformat(),
        closes_on=campaign.closes_on.isoformat(),
    )

    response = admin_client.post(admin_url(Campaign, "change", campaign.pk), payload)

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "New"


def test_a_closed_campaign_is_read_only(admin_client, admin_user):
    campaign = CampaignFactory(title="Old", closed_at=timezone.now())

    response = admin_client.post(
        admin_url(Campaign, "change", campaign.pk), data(title="New", area=campaign.area_id)
    )

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.title == "Old"
    assert admin_client.get(admin_url(Campaign, "change", campaign.pk)).status_code == 200


def test_the_close_action_tells_the_submitters_once(admin_client, admin_user):
    campaign = CampaignFactory()
    submitter = InitiativeFactory(campaign=campaign).submitted_by
    action = {"action": "close_selected", "_selected_action": [campaign.pk]}

    admin_client.post(admin_url(Campaign, "changelist"), action)
    admin_client.post(admin_url(Campaign, "changelist"), action)

    campaign.refresh_from_db()
    assert campaign.closed_by == admin_user
    told = Notification.objects.filter(kind=NotificationKind.CAMPAIGN_CLOSED)
    assert list(told.values_list("recipient", flat=True)) == [submitter.pk]


def test_nobody_deletes_a_campaign(admin_client):
    campaign = CampaignFactory()

    response = admin_client.post(admin_url(Campaign, "delete", campaign.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_staff_who_are_not_reviewers_cannot_reach_it(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    campaign = CampaignFactory(title="Old")

    assert client.get(admin_url(Campaign, "changelist")).status_code == 403
    response = client.post(admin_url(Campaign, "change", campaign.pk), data(title="Taken"))

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.title == "Old"


def test_a_reviewer_on_the_staff_runs_campaigns_there(client, staff_reviewer):
    client.force_login(staff_reviewer)

    response = client.post(admin_url(Campaign, "add"), data())

    assert response.status_code == 302
    assert Campaign.objects.get().created_by == staff_reviewer
