"""The same idea sent twice — a double click, a client retrying after a timeout — is
submitted once: a repeat by the same person with every field equal, within
IDEA_REPEAT_MINUTES, is answered with the first idea (API 200, the page redirects to it).
The rule is in `services.submit_idea`, so the page and the API share it."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from improvement import services
from improvement.models import Initiative
from tests.factories import AreaFactory, UserFactory


@pytest.fixture
def area(db):
    return AreaFactory()


def idea(area, **overrides) -> dict:
    return {
        "title": "Fewer hand-offs",
        "problem_statement": "Forms wait in two in-trays.",
        "proposed_change": "One in-tray.",
        "area": area.pk,
        "pillar": "operational",
        **overrides,
    }


def test_it_answers_a_repeated_api_submission_with_the_first_idea(api_as, user, area):
    client = api_as(user)
    first = client.post("/api/initiatives/", idea(area))

    again = client.post("/api/initiatives/", idea(area))

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Initiative.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Fewer hand-offs, again"},
        {"problem_statement": "Forms wait in three in-trays."},
        {"proposed_change": ""},
        {"pillar": "customer"},
    ],
    ids=["title", "problem", "change", "pillar"],
)
def test_it_submits_an_idea_that_differs_in_any_field(api_as, user, area, change):
    client = api_as(user)
    client.post("/api/initiatives/", idea(area))

    response = client.post("/api/initiatives/", idea(area, **change))

    assert response.status_code == 201
    assert Initiative.objects.count() == 2


def test_it_submits_the_same_idea_from_someone_else(api_as, user, area):
    api_as(user).post("/api/initiatives/", idea(area))

    response = api_as(UserFactory()).post("/api/initiatives/", idea(area))

    assert response.status_code == 201
    assert Initiative.objects.count() == 2


def test_it_submits_the_same_idea_again_after_the_window(api_as, user, area):
    client = api_as(user)
    client.post("/api/initiatives/", idea(area))
    Initiative.objects.update(
        created_at=Initiative.objects.get().created_at - dt.timedelta(minutes=11)
    )

    response = client.post("/api/initiatives/", idea(area))

    assert response.status_code == 201
    assert Initiative.objects.count() == 2


def test_it_takes_the_window_from_the_settings(api_as, user, area, settings):
    settings.IDEA_REPEAT_MINUTES = 0
    client = api_as(user)
    client.post("/api/initiatives/", idea(area))

    response = client.post("/api/initiatives/", idea(area))

    assert response.status_code == 201
    assert Initiative.objects.count() == 2


def test_it_redirects_a_repeated_web_submission_to_the_first_idea(web_as, user, area):
    client = web_as(user)
    client.post(reverse("improvement:idea_new"), idea(area))
    first = Initiative.objects.get()

    response = client.post(reverse("improvement:idea_new"), idea(area))

    assert response.status_code == 302
    assert response.url == reverse("improvement:initiative", args=[first.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)][-1].startswith(
        f"You submitted this idea a moment ago: it is #{first.pk}"
    )
    assert Initiative.objects.count() == 1


def test_it_tells_the_service_caller_whether_the_idea_is_new(user, area):
    fields = {
        "title": "Fewer hand-offs",
        "problem_statement": "Forms wait.",
        "area": area,
        "pillar": "operational",
    }

    first, created = services.submit_idea(actor=user, **fields)
    again, created_again = services.submit_idea(actor=user, **fields)

    assert (created, created_again) == (True, False)
    assert again == first
