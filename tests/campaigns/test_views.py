"""The campaign pages: the list, one campaign with its ideas, their supports and their
matrix; reviewers open, change and close campaigns, contributors may not."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign
from improvement.models import Notification, NotificationKind
from tests.factories import (
    AreaFactory,
    CampaignFactory,
    InitiativeFactory,
    SupportFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("campaigns:list")
NEW = reverse("campaigns:new")
TODAY = timezone.localdate


def detail(campaign) -> str:
    return reverse("campaigns:detail", args=[campaign.pk])


def form_data(**overrides) -> dict:
    return {
        "title": "Fewer steps at packing",
        "question": "Which step at the packing bench could go?",
        "description": "",
        "area": AreaFactory(name="Logistics").pk,
        "pillar": "operational",
        "opens_on": TODAY().isoformat(),
        "closes_on": (TODAY() + dt.timedelta(days=14)).isoformat(),
        **overrides,
    }


# --- the list -----------------------------------------------------------------------------


def test_the_list_shows_open_upcoming_and_closed_campaigns(web_as, user, reviewer):
    today = TODAY()
    running = CampaignFactory(title="Running now")
    soon = CampaignFactory(
        title="Starting soon",
        opens_on=today + dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=30),
    )
    over = CampaignFactory(
        title="Over by date",
        opens_on=today - dt.timedelta(days=30),
        closes_on=today - dt.timedelta(days=1),
    )
    closed = CampaignFactory(title="Closed early")
    services.close_campaign(campaign=closed, actor=reviewer)
    InitiativeFactory.create_batch(2, campaign=running)

    response = web_as(user).get(LIST)

    assert response.status_code == 200
    assert response.context["open"] == [running]
    assert response.context["upcoming"] == [soon]
    assert set(response.context["closed"]) == {over, closed}
    assert response.context["open"][0].idea_count == 2
    html = response.content.decode()
    assert detail(running) in html
    assert "Open a campaign" not in html  # a contributor does not run campaigns


def test_a_reviewer_sees_the_button_to_open_one(web_as, reviewer):
    response = web_as(reviewer).get(LIST)

    assert NEW in response.content.decode()


def test_the_main_navigation_links_the_list(web_as, user):
    response = web_as(user).get(reverse("improvement:dashboard"))

    assert f'<a href="{LIST}"' in response.content.decode()


def test_the_list_reads_in_fixed_queries(web_as, user, count_queries):
    client = web_as(user)
    CampaignFactory.create_batch(2)
    client.get(LIST)  # the session, once
    _, few = count_queries(client, LIST)
    for campaign in CampaignFactory.create_batch(20):
        InitiativeFactory(campaign=campaign)

    response, many = count_queries(client, LIST)

    assert response.status_code == 200
    assert len(response.context["open"]) == 22
    assert many == few <= 5


def test_it_escapes_what_reviewers_wrote(web_as, user):
    CampaignFactory(title="<script>alert(1)</script>", question="<b>why</b>")

    html = web_as(user).get(LIST).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;why&lt;/b&gt;" in html


# --- one campaign -------------------------------------------------------------------------


def test_the_page_lists_the_ideas_most_supported_first(web_as, user):
    campaign = CampaignFactory()
    quiet = InitiativeFactory(campaign=campaign, title="Quiet idea")
    loved = InitiativeFactory(campaign=campaign, title="Loved idea")
    SupportFactory.create_batch(3, initiative=loved)
    SupportFactory(initiative=quiet)
    InitiativeFactory(title="Elsewhere")

    response = web_as(user).get(detail(campaign))

    assert response.status_code == 200
    ideas = list(response.context["ideas"])
    assert ideas == [loved, quiet]
    assert [idea.support_count for idea in ideas] == [3, 1]
    html = response.content.decode()
    assert "Elsewhere" not in html
    assert f"{reverse('improvement:idea_new')}?campaign={campaign.pk}" in html


def test_the_page_offers_no_submit_button_once_closed(web_as, user, reviewer):
    campaign = CampaignFactory()
    services.close_campaign(campaign=campaign, actor=reviewer)

    response = web_as(user).get(detail(campaign))

    assert response.status_code == 200
    assert ">Submit an idea</a>" not in response.content.decode()
    assert response.context["is_open"] is False


def test_the_page_draws_the_matrix_of_its_backlog_ideas(web_as, user):
    campaign = CampaignFactory()
    mine = TriagedInitiativeFactory(campaign=campaign, impact=4, effort=2)
    TriagedInitiativeFactory(impact=4, effort=2)  # another campaign's, or none

    response = web_as(user).get(detail(campaign))

    cell = response.context["grid"][5 - 4][2 - 1]
    assert [item["pk"] for item in cell["items"]] == [mine.pk]
    assert {q.value: n for q, n in response.context["quadrants"]}["quick_win"] == 1
    assert f"{reverse('improvement:matrix')}?campaign={campaign.pk}" in response.content.decode()


def test_the_page_reads_in_fixed_queries(web_as, user, count_queries):
    campaign = CampaignFactory()
    client = web_as(user)
    for idea in TriagedInitiativeFactory.create_batch(3, campaign=campaign):
        SupportFactory(initiative=idea)
    client.get(detail(campaign))
    _, few = count_queries(client, detail(campaign))
    for idea in TriagedInitiativeFactory.create_batch(30, campaign=campaign):
        SupportFactory(initiative=idea, user=UserFactory())

    response, many = count_queries(client, detail(campaign))

    assert response.status_code == 200
    assert len(response.context["ideas"]) == 33
    assert many == few <= 8


def test_an_unknown_campaign_is_a_404(web_as, user):
    assert web_as(user).get(reverse("campaigns:detail", args=[987654])).status_code == 404


def test_the_pages_need_a_sign_in(client):
    campaign = CampaignFactory()

    for url in (LIST, detail(campaign), NEW):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- running campaigns ----------------------------------------------------------------------


def test_a_reviewer_opens_a_campaign(web_as, reviewer):
    response = web_as(reviewer).post(NEW, form_data())

    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(campaign)
    assert campaign.created_by == reviewer
    assert campaign.is_open()


def test_a_contributor_may_not_open_one(web_as, user):
    assert web_as(user).get(NEW).status_code == 403
    response = web_as(user).post(NEW, form_data())

    assert response.status_code == 403
    assert not Campaign.objects.exists()


def test_the_form_refuses_a_close_before_the_open(web_as, reviewer):
    response = web_as(reviewer).post(
        NEW,
        form_data(
            opens_on=(TODAY() + dt.timedelta(days=5)).isoformat(),
            closes_on=(TODAY() + dt.timedelta(days=1)).isoformat(),
        ),
    )

    assert response.status_code == 400
    assert "closes on or after the day it opens" in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_form_refuses_a_campaign_already_over(web_as, reviewer):
    response = web_as(reviewer).post(
        NEW,
        form_data(
            opens_on=(TODAY() - dt.timedelta(days=9)).isoformat(),
            closes_on=(TODAY() - dt.timedelta(days=1)).isoformat(),
        ),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["closes_on"]
    assert not Campaign.objects.exists()


def test_a_reviewer_changes_a_campaign(web_as, reviewer):
    campaign = CampaignFactory(title="Old")
    url = reverse("campaigns:edit", args=[campaign.pk])
    data = form_data(
        title="New",
        area=campaign.area_id,
        opens_on=campaign.opens_on.isoformat(),
        closes_on=campaign.closes_on.isoformat(),
    )

    response = web_as(reviewer).post(url, data)

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "New"


def test_a_contributor_may_not_change_one(web_as, user):
    campaign = CampaignFactory(title="Old")

    response = web_as(user).post(
        reverse("campaigns:edit", args=[campaign.pk]), form_data(title="Taken")
    )

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.title == "Old"


def test_a_reviewer_closes_a_campaign_and_its_submitters_are_told(web_as, reviewer):
    campaign = CampaignFactory()
    submitter = InitiativeFactory(campaign=campaign).submitted_by
    client = web_as(reviewer)
    close = reverse("campaigns:close", args=[campaign.pk])

    first = client.post(close)
    second = client.post(close)

    assert first.status_code == second.status_code == 302
    campaign.refresh_from_db()
    assert campaign.closed_by == reviewer
    told = Notification.objects.filter(kind=NotificationKind.CAMPAIGN_CLOSED)
    assert list(told.values_list("recipient", flat=True)) == [submitter.pk]


def test_a_contributor_may_not_close_one(web_as, user):
    campaign = CampaignFactory()
    InitiativeFactory(campaign=campaign)

    response = web_as(user).post(reverse("campaigns:close", args=[campaign.pk]))

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.closed_at is None
    assert not Notification.objects.exists()


def test_closing_is_a_post(web_as, reviewer):
    campaign = CampaignFactory()

    response = web_as(reviewer).get(reverse("campaigns:close", args=[campaign.pk]))

    assert response.status_code == 405
    campaign.refresh_from_db()
    assert campaign.closed_at is None


def test_an_ideas_page_links_its_campaign_without_a_query_more(web_as, user, count_queries):
    campaign = CampaignFactory()
    idea = InitiativeFactory(campaign=campaign)
    plain = InitiativeFactory()
    client = web_as(user)
    client.get(reverse("improvement:initiative", args=[plain.pk]))
    _, without = count_queries(client, reverse("improvement:initiative", args=[plain.pk]))

    response, with_campaign = count_queries(
        client, reverse("improvement:initiative", args=[idea.pk])
    )

    assert f'<a href="{detail(campaign)}">submitted to a campaign</a>' in response.content.decode()
    assert with_campaign == without
