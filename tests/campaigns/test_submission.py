"""Ideas join a campaign only while it is open: on the web, through the API and in the
service itself; a refusal saves nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Campaign
from improvement import forms as idea_forms
from improvement import services
from improvement.models import Initiative, Pillar
from tests.factories import AreaFactory, CampaignFactory

pytestmark = pytest.mark.django_db

IDEA_NEW = reverse("improvement:idea_new")


def idea(**overrides) -> dict:
    return {
        "title": "Scan crates at the dock door",
        "problem_statement": "Crates are counted by hand twice a day.",
        "proposed_change": "A scanner at the door.",
        "area": AreaFactory(name="Logistics").pk,
        "pillar": Pillar.OPERATIONAL,
        **overrides,
    }


def past_campaign():
    today = timezone.localdate()
    return CampaignFactory(
        title="Last month's",
        opens_on=today - dt.timedelta(days=40),
        closes_on=today - dt.timedelta(days=10),
    )


def upcoming_campaign():
    today = timezone.localdate()
    return CampaignFactory(
        title="Next month's",
        opens_on=today + dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=40),
    )


def closed_campaign(reviewer):
    campaign = CampaignFactory(title="Closed early")
    campaign_services.close_campaign(campaign=campaign, actor=reviewer)
    return campaign


# --- the service --------------------------------------------------------------------------


def test_the_service_takes_an_idea_for_an_open_campaign(user):
    campaign = CampaignFactory()

    initiative, created = services.submit_idea(
        actor=user,
        title="Scan crates",
        problem_statement="Counted by hand.",
        area=campaign.area,
        pillar=Pillar.OPERATIONAL,
        campaign=campaign,
    )

    assert created
    assert Initiative.objects.get(pk=initiative.pk).campaign == campaign
    assert list(campaign.ideas.all()) == [initiative]


@pytest.mark.parametrize("make", [past_campaign, upcoming_campaign])
def test_the_service_refuses_a_campaign_not_open_today(user, make):
    campaign = make()

    with pytest.raises(ValidationError) as refused:
        services.submit_idea(
            actor=user,
            title="Scan crates",
            problem_statement="Counted by hand.",
            area=campaign.area,
            pillar=Pillar.OPERATIONAL,
            campaign=campaign,
        )

    assert "is not open for ideas today" in refused.value.message_dict["campaign"][0]
    assert not Initiative.objects.exists()


def test_the_service_refuses_a_campaign_closed_early(user, reviewer):
    campaign = closed_campaign(reviewer)

    with pytest.raises(ValidationError):
        services.submit_idea(
            actor=user,
            title="Scan crates",
            problem_statement="Counted by hand.",
            area=campaign.area,
            pillar=Pillar.OPERATIONAL,
            campaign=campaign,
        )

    assert not Initiative.objects.exists()


# --- the web --------------------------------------------------------------------------------


def test_a_contributor_submits_an_idea_to_an_open_campaign(web_as, user):
    campaign = CampaignFactory()

    response = web_as(user).post(IDEA_NEW, idea(campaign=campaign.pk))

    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert initiative.campaign == campaign
    assert initiative.submitted_by == user


def test_an_idea_without_a_campaign_is_still_fine(web_as, user):
    CampaignFactory()

    response = web_as(user).post(IDEA_NEW, idea())

    assert response.status_code == 302
    assert Initiative.objects.get().campaign is None


def test_the_web_form_refuses_a_closed_campaign_and_saves_nothing(web_as, user, reviewer):
    campaign = closed_campaign(reviewer)

    response = web_as(user).post(IDEA_NEW, idea(campaign=campaign.pk))

    assert response.status_code == 400
    assert "not open for ideas today" in response.content.decode()
    assert response.context["form"].errors["campaign"]
    assert not Initiative.objects.exists()


def test_the_service_refuses_what_the_form_lets_through(web_as, user, reviewer, monkeypatch):
    """A campaign that closes between the form's check and the save (a race, or a form
    offering every campaign): the service itself refuses it, on the field."""
    monkeypatch.setattr(idea_forms, "open_campaigns", lambda: Campaign.objects.all())
    campaign = closed_campaign(reviewer)

    response = web_as(user).post(IDEA_NEW, idea(campaign=campaign.pk))

    assert response.status_code == 400
    assert "is not open for ideas today" in response.context["form"].errors["campaign"][0]
    assert not Initiative.objects.exists()


def test_the_web_form_refuses_a_campaign_past_its_dates(web_as, user):
    campaign = past_campaign()

    response = web_as(user).post(IDEA_NEW, idea(campaign=campaign.pk))

    assert response.status_code == 400
    assert not Initiative.objects.exists()


def test_the_form_offers_only_the_open_campaigns(web_as, user, reviewer):
    open_one = CampaignFactory(title="Open one")
    past_campaign()
    upcoming_campaign()
    closed_campaign(reviewer)

    response = web_as(user).get(IDEA_NEW)

    assert response.status_code == 200
    offered = list(response.context["form"].fields["campaign"].queryset)
    assert offered == [open_one]
    html = response.content.decode()
    assert "Open one" in html
    assert "Last month" not in html
    assert "Closed early" not in html


def test_the_campaign_button_chooses_the_campaign_its_area_and_pillar(web_as, user):
    campaign = CampaignFactory(pillar=Pillar.CUSTOMER)

    response = web_as(user).get(IDEA_NEW, {"campaign": campaign.pk})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {
        "campaign": campaign.pk,
        "area": campaign.area_id,
        "pillar": Pillar.CUSTOMER,
    }
    assert f'<option value="{campaign.pk}" selected>' in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "-1", "99999", "1.5", "\x00"])
def test_an_odd_campaign_in_the_address_chooses_nothing(web_as, user, value):
    response = web_as(user).get(IDEA_NEW, {"campaign": value})

    assert response.status_code == 200
    assert response.context["form"].initial == {}


def test_a_closed_campaign_in_the_address_chooses_nothing(web_as, user, reviewer):
    campaign = closed_campaign(reviewer)

    response = web_as(user).get(IDEA_NEW, {"campaign": campaign.pk})

    assert response.status_code == 200
    assert response.context["form"].initial == {}


# --- the API --------------------------------------------------------------------------------


def test_the_api_takes_an_idea_for_an_open_campaign(api_as, user):
    campaign = CampaignFactory()

    response = api_as(user).post("/api/initiatives/", idea(campaign=campaign.pk))

    assert response.status_code == 201
    assert response.json()["campaign"] == campaign.pk
    assert Initiative.objects.get().campaign == campaign


def test_the_api_still_takes_an_idea_without_a_campaign(api_as, user):
    response = api_as(user).post("/api/initiatives/", idea())

    assert response.status_code == 201
    assert response.json()["campaign"] is None


@pytest.mark.parametrize("make", [past_campaign, upcoming_campaign])
def test_the_api_refuses_a_campaign_not_open_and_saves_nothing(api_as, user, make):
    campaign = make()

    response = api_as(user).post("/api/initiatives/", idea(campaign=campaign.pk))

    assert response.status_code == 400
    assert "not open for ideas today" in response.json()["campaign"][0]
    assert not Initiative.objects.exists()


def test_the_api_refuses_a_campaign_closed_early(api_as, user, reviewer):
    campaign = closed_campaign(reviewer)

    response = api_as(user).post("/api/initiatives/", idea(campaign=campaign.pk))

    assert response.status_code == 400
    assert not Initiative.objects.exists()


def test_the_api_refuses_a_campaign_that_does_not_exist(api_as, user):
    response = api_as(user).post("/api/initiatives/", idea(campaign=987654))

    assert response.status_code == 400
    assert "campaign" in response.json()
    assert not Initiative.objects.exists()


def test_the_campaign_is_not_changed_after_submission(api_as, user):
    campaign = CampaignFactory()
    initiative = Initiative.objects.create(
        title="Mine",
        problem_statement="x",
        area=campaign.area,
        pillar="operational",
        submitted_by=user,
    )

    response = api_as(user).patch(
        f"/api/initiatives/{initiative.pk}/", {"campaign": campaign.pk}, format="json"
    )

    assert response.status_code == 400
    assert "chosen when the idea is submitted" in response.json()["campaign"][0]
    initiative.refresh_from_db()
    assert initiative.campaign is None
