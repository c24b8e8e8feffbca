"""Odd input never ends in a 500: a NUL character (PostgreSQL refuses it in text), a digit
that is no number ("²"), a year the calendar cannot hold, an id that is no id. Each gets
a 4xx and changes nothing, on SQLite and on PostgreSQL alike (run both)."""

import pytest
from django.urls import reverse

from improvement.models import Initiative, Notification
from tests.factories import (
    AdminFactory,
    AreaFactory,
    InitiativeFactory,
    NotificationFactory,
    UserFactory,
)

NUL = "\x00"


@pytest.fixture
def staff(web_as, db):
    client = web_as(AdminFactory(username="odd-input-admin"))
    client.raise_request_exception = False  # a 500 is an answer to assert, not an error
    return client


@pytest.fixture
def person(web_as, user):
    client = web_as(user)
    client.raise_request_exception = False
    return client


# --- the pages ------------------------------------------------------------------------


def test_it_finds_no_similar_ideas_for_a_title_with_a_nul(person):
    InitiativeFactory(title="abcd efgh")

    response = person.get(reverse("improvement:similar_ideas"), {"title": f"abcd{NUL}"})

    assert response.status_code == 400
    assert response.context["similar"] == []


def test_it_still_finds_similar_ideas(person):
    existing = InitiativeFactory(title="Shorter canteen queues")

    response = person.get(reverse("improvement:similar_ideas"), {"title": "canteen"})

    assert response.status_code == 200
    assert list(response.context["similar"]) == [existing]


def test_it_shows_an_error_for_a_search_with_a_nul_on_the_list(person):
    InitiativeFactory(title="Shorter canteen queues")

    response = person.get(reverse("improvement:initiatives"), {"search": f"can{NUL}teen"})

    assert response.status_code == 200
    assert response.context["filter"].errors.keys() == {"search"}
    assert "Null characters are not allowed" in response.content.decode()


def test_it_refuses_an_idea_with_a_nul_in_its_title(person):
    response = person.post(
        reverse("improvement:idea_new"),
        {
            "title": f"Fewer{NUL} hand-offs",
            "problem_statement": "Forms wait.",
            "area": AreaFactory().pk,
            "pillar": "operational",
        },
    )

    assert response.status_code == 400  # the form again, with its errors
    assert response.context["form"].errors.keys() == {"title"}
    assert not Initiative.objects.exists()


@pytest.mark.parametrize("bad_id", ["²", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠١٢", f"1{NUL}", str(2**70), "-1"])
def test_it_answers_an_odd_notification_id_with_404(web_as, bad_id):
    user = UserFactory()
    notification = NotificationFactory(recipient=user)
    client = web_as(user)
    client.raise_request_exception = False

    response = client.post(reverse("improvement:notifications_read"), {"id": bad_id})

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_it_still_marks_one_notification_read(web_as):
    user = UserFactory()
    notification = NotificationFactory(recipient=user)

    response = web_as(user).post(
        reverse("improvement:notifications_read"), {"id": str(notification.pk)}
    )

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("page", ["abc", "0", "²", str(2**70), NUL])
def test_it_shows_the_newest_history_for_an_odd_timeline_page(person, page):
    initiative = InitiativeFactory()

    response = person.get(
        reverse("improvement:initiative", args=[initiative.pk]), {"activity": page}
    )

    assert response.status_code == 200
    assert response.context["activity"].page == 1


# --- the API --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/initiatives/", "/api/users/"])
def test_it_refuses_an_api_search_with_a_nul(api_as, user, path):
    response = api_as(user).get(path, {"search": f"ab{NUL}cd"})

    assert response.status_code == 400
    assert list(response.json()) == ["search"]


def test_it_refuses_an_api_idea_with_a_nul(api_as, user):
    body = {
        "title": "Fewer hand-offs",
        "problem_statement": f"Forms{NUL} wait.",
        "area": AreaFactory().pk,
        "pillar": "operational",
    }

    response = api_as(user).post("/api/initiatives/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["problem_statement"]
    assert not Initiative.objects.exists()


# --- the admin ------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["initiative", "notification", "comment", "support"])
@pytest.mark.parametrize(
    "date",
    [
        {"year": "99999999999"},
        {"year": "9999"},
        {"year": "9999", "month": "12"},
        {"year": "2026", "month": "99999999999"},
        {"year": "2026", "month": "2", "day": "31"},
        {"year": "0"},
        {"year": "²"},
    ],
    ids=lambda date: "-".join(date.values()),
)
def test_it_refuses_a_date_the_calendar_cannot_hold_in_the_admin(staff, model, date):
    NotificationFactory()
    query = {f"created_at__{part}": value for part, value in date.items()}

    response = staff.get(f"/admin/improvement/{model}/", query)

    assert response.status_code == 400


def test_it_refuses_a_year_too_large_in_the_stage_history_admin(staff):
    response = staff.get("/admin/improvement/stagetransition/", {"at__year": "99999999999"})

    assert response.status_code == 400


def test_it_still_lists_by_date_in_the_admin(staff):
    NotificationFactory()

    response = staff.get(
        "/admin/improvement/notification/", {"created_at__year": "2026", "created_at__month": "2"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [{"stage__exact": f"plan{NUL}"}, {"area__id__exact": NUL}, {"q": f"ab{NUL}"}, {f"o{NUL}": "1"}],
    ids=["list-filter", "related-filter", "search", "key"],
)
def test_it_refuses_a_nul_in_a_changelist_query(staff, query):
    InitiativeFactory()

    response = staff.get("/admin/improvement/initiative/", query)

    assert response.status_code == 400


def test_it_refuses_a_nul_in_an_autocomplete_search(staff):
    InitiativeFactory()
    query = {
        "term": f"ab{NUL}",
        "app_label": "improvement",
        "model_name": "initiative",
        "field_name": "duplicate_of",
    }

    response = staff.get("/admin/autocomplete/", query)

    assert response.status_code == 400


@pytest.mark.parametrize("selected", ["abc", NUL, "²", "1.5"])
def test_it_refuses_an_action_on_rows_that_are_no_ids(staff, selected):
    InitiativeFactory()

    response = staff.post(
        "/admin/improvement/initiative/",
        {"action": "delete_selected", "_selected_action": [selected]},
    )

    assert response.status_code == 400
    assert Initiative.objects.count() == 1


def test_it_still_runs_an_action_on_real_rows(staff):
    notification = NotificationFactory()

    response = staff.post(
        "/admin/improvement/notification/",
        {"action": "delete_selected", "_selected_action": [notification.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Notification.objects.exists()
