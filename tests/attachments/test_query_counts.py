"""The attachments panel on the initiative page and the API's list read a fixed number
of queries however many files there are (5 against 30 here)."""

from django.db import connection
from django.template import RequestContext, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.attachments.conftest import CSV
from tests.factories import CommentFactory, InitiativeFactory, UserFactory


def add(attach, initiative, count):
    for n in range(count):
        # Different uploaders, some with a comment: each is read with its file.
        comment = CommentFactory(initiative=initiative) if n % 2 else None
        attach(initiative, by=UserFactory(), name=f"{n}.csv", data=CSV, comment=comment)


def test_it_shows_the_panel_in_fixed_queries(web_as, count_queries, attach):
    small, large = InitiativeFactory(), InitiativeFactory()
    add(attach, small, 5)
    add(attach, large, 30)
    client = web_as(UserFactory())
    client.get(reverse("improvement:initiative", args=[small.pk]))

    response, few = count_queries(client, reverse("improvement:initiative", args=[small.pk]))
    _, many = count_queries(client, reverse("improvement:initiative", args=[large.pk]))

    assert response.status_code == 200
    assert response.content.decode().count('class="thumb kind"') == 5
    assert few == many


def test_it_costs_the_initiative_page_one_query(django_assert_num_queries, attach, rf):
    """The panel's share of the page: the files with their uploaders and comments."""
    initiative = InitiativeFactory()
    add(attach, initiative, 3)
    user = UserFactory()
    # The page has already asked whether the user is a reviewer: the answer is cached.
    user.has_perm("improvement.triage_initiative")
    panel = Template("{% load attachments_tags %}{% attachments_panel initiative user %}")
    context = RequestContext(rf.get("/"), {"initiative": initiative, "user": user})

    with django_assert_num_queries(1):
        html = panel.render(context)

    assert html.count("<li>") == 3


def test_it_lists_attachments_through_the_api_in_fixed_queries(api_as, attach):
    small, large = InitiativeFactory(), InitiativeFactory()
    add(attach, small, 5)
    add(attach, large, 30)
    client = api_as(UserFactory())

    with CaptureQueriesContext(connection) as few:
        client.get(f"/api/initiatives/{small.pk}/attachments/")
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/api/initiatives/{large.pk}/attachments/")

    assert response.json()["count"] == 30
    assert len(response.json()["results"]) == 25
    assert len(few) == len(many)
    # The initiative, the count and the page of files (uploaders and comments joined).
    assert len(many) == 3
