"""A campaign of a restricted area is as private as the area's initiatives: those who are
not part of it do not see its title in the list, the idea form or the API, cannot open
it, and cannot send an idea into it (the service refuses it, whichever way it comes)."""

import pytest
from django.urls import reverse

from improvement.models import Initiative, Pillar
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

LAB_CAMPAIGN = "Zeppelin lab challenge"


@pytest.fixture
def lab_campaign(world):
    return CampaignFactory(title=LAB_CAMPAIGN, area=world.lab)


def idea(campaign, area) -> dict:
    return {
        "title": "Shorter changeovers",
        "problem_statement": "Changeovers take an hour.",
        "proposed_change": "Prepare the tools before the stop.",
        "area": area.pk,
        "pillar": Pillar.OPERATIONAL,
        "campaign": campaign.pk,
    }


def test_an_outsider_does_not_see_it_anywhere(client, api_as, world, lab_campaign):
    client.force_login(world.outsider)

    listing = client.get(reverse("campaigns:list"))
    assert listing.status_code == 200
    assert LAB_CAMPAIGN not in listing.content.decode()
    assert client.get(reverse("campaigns:detail", args=[lab_campaign.pk])).status_code == 404

    form = client.get(reverse("improvement:idea_new"), {"campaign": lab_campaign.pk})
    assert form.status_code == 200
    assert LAB_CAMPAIGN not in form.content.decode()
    assert "campaign" not in form.context["form"].initial

    api = api_as(world.outsider)
    titles = [c["title"] for c in api.get(reverse("campaign-list")).json()["results"]]
    assert LAB_CAMPAIGN not in titles and world.campaign.title in titles
    assert api.get(reverse("campaign-detail", args=[lab_campaign.pk])).status_code == 404


def test_an_outsider_cannot_send_an_idea_into_it(client, api_as, world, lab_campaign):
    client.force_login(world.outsider)
    web = client.post(reverse("improvement:idea_new"), idea(lab_campaign, world.line))
    api = api_as(world.outsider).post(
        reverse("initiative-list"), idea(lab_campaign, world.line), format="json"
    )

    assert web.status_code == 400
    assert api.status_code == 400
    assert "campaign" in api.json()
    assert not Initiative.objects.filter(campaign=lab_campaign).exists()


def test_a_member_sees_it_and_answers_it(client, world, lab_campaign):
    client.force_login(world.member)

    assert LAB_CAMPAIGN in client.get(reverse("campaigns:list")).content.decode()
    assert client.get(reverse("campaigns:detail", args=[lab_campaign.pk])).status_code == 200
    response = client.post(reverse("improvement:idea_new"), idea(lab_campaign, world.lab))

    assert response.status_code == 302
    assert Initiative.objects.get(campaign=lab_campaign).submitted_by == world.member
