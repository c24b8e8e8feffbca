"""The impact–effort matrix of one campaign's ideas: `?campaign=<id>` on the matrix page."""

import pytest
from django.urls import reverse

from tests.factories import CampaignFactory, TriagedInitiativeFactory

pytestmark = pytest.mark.django_db

MATRIX = reverse("improvement:matrix")


def pks(items) -> list[int]:
    return [item["pk"] for item in items]


def test_it_shows_only_the_campaigns_backlog(web_as, user):
    campaign = CampaignFactory(title="Goods-in")
    mine = TriagedInitiativeFactory(campaign=campaign, impact=5, effort=1)
    other = TriagedInitiativeFactory(impact=5, effort=1)

    response = web_as(user).get(MATRIX, {"campaign": campaign.pk})

    assert response.status_code == 200
    assert pks(response.context["ranked"]) == [mine.pk]
    assert pks(response.context["grid"][0][0]["items"]) == [mine.pk]
    html = response.content.decode()
    assert "Goods-in" in html
    assert other.title not in html
    # The order links keep the campaign.
    assert f"?order=roi&amp;campaign={campaign.pk}" in html


def test_it_ranks_within_the_campaign(web_as, user):
    campaign = CampaignFactory()
    TriagedInitiativeFactory(impact=5, effort=1)  # would rank first overall
    second = TriagedInitiativeFactory(campaign=campaign, impact=4, effort=4)
    first = TriagedInitiativeFactory(campaign=campaign, impact=5, effort=2)

    response = web_as(user).get(MATRIX, {"campaign": campaign.pk, "order": "matrix"})

    assert pks(response.context["ranked"]) == [first.pk, second.pk]
    assert response.context["ranked"].start_index() == 1


def test_without_a_campaign_it_shows_the_whole_backlog(web_as, user):
    campaign = CampaignFactory()
    mine = TriagedInitiativeFactory(campaign=campaign)
    other = TriagedInitiativeFactory()

    response = web_as(user).get(MATRIX)

    assert set(pks(response.context["ranked"])) == {mine.pk, other.pk}
    assert response.context["campaign"] is None


@pytest.mark.parametrize("value", ["abc", "-3", "1.5", "\x00", ""])
def test_a_campaign_that_is_no_id_is_a_400(web_as, user, value):
    assert web_as(user).get(MATRIX, {"campaign": value}).status_code == 400


def test_an_unknown_campaign_is_a_404(web_as, user):
    assert web_as(user).get(MATRIX, {"campaign": 987654}).status_code == 404


def test_rescoring_returns_to_the_campaigns_matrix(web_as, reviewer):
    campaign = CampaignFactory()
    idea = TriagedInitiativeFactory(campaign=campaign, impact=2, effort=2)

    response = web_as(reviewer).post(
        reverse("improvement:rescore", args=[idea.pk]),
        {"impact": 5, "effort": 1, "order": "matrix", "campaign": campaign.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{MATRIX}?order=matrix&campaign={campaign.pk}#item-{idea.pk}"
    idea.refresh_from_db()
    assert (idea.impact, idea.effort) == (5, 1)


def test_the_filtered_matrix_reads_in_fixed_queries(web_as, user, count_queries):
    campaign = CampaignFactory()
    client = web_as(user)
    TriagedInitiativeFactory.create_batch(2, campaign=campaign)
    client.get(MATRIX, {"campaign": campaign.pk})
    _, few = count_queries(client, MATRIX, {"campaign": campaign.pk})
    TriagedInitiativeFactory.create_batch(30, campaign=campaign)

    response, many = count_queries(client, MATRIX, {"campaign": campaign.pk})

    assert len(response.context["ranked"]) == 32
    assert many == few
