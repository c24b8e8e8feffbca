"""The action items' API: list and create on an initiative, the filtered list, PATCH."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import ActionEvent, ActionItem
from improvement.models import Stage
from tests.factories import ActionItemFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("action-list")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def detail(action) -> str:
    return reverse("action-detail", args=[action.pk])


# --- an initiative's actions ------------------------------------------------------------------


def test_it_creates_an_action_and_answers_with_it(api_as, owner, assignee, initiative):
    response = api_as(owner).post(
        reverse("initiative-actions", args=[initiative.pk]),
        {"title": "Order bins", "assignee": assignee.pk, "due_on": "2030-01-15", "stage": "do"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    action = ActionItem.objects.get()
    assert body["id"] == action.pk
    assert {k: body[k] for k in ("title", "assignee", "due_on", "status", "stage", "overdue")} == {
        "title": "Order bins",
        "assignee": assignee.pk,
        "due_on": "2030-01-15",
        "status": "open",
        "stage": "do",
        "overdue": False,
    }
    assert (body["initiative"], body["created_by"], body["closed_at"]) == (
        initiative.pk,
        owner.pk,
        None,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"assignee": 1, "due_on": "2030-01-15"}, "title"),
        ({"title": "x" * 201, "due_on": "2030-01-15"}, "title"),
        ({"title": "Bins", "due_on": "soon"}, "due_on"),
        ({"title": "Bins", "due_on": "2030-01-15", "stage": "improve"}, "stage"),
        ({"title": "Bins", "due_on": "2030-01-15", "stage": "backlog"}, "stage"),
        ({"title": "Bins", "due_on": "2030-01-15", "assignee": 43.5}, "assignee"),
        ({"title": "Bins", "due_on": "2030-01-15", "status": "done"}, "status"),
    ],
)
def test_it_refuses_a_bad_action_naming_the_field(api_as, owner, initiative, body, field):
    body = {"assignee": owner.pk, **body}

    response = api_as(owner).post(
        reverse("initiative-actions", args=[initiative.pk]), body, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not ActionItem.objects.exists()


def test_it_refuses_an_inactive_assignee(api_as, owner, initiative):
    gone = UserFactory(is_active=False)
    body = {"title": "Bins", "due_on": "2030-01-15", "assignee": gone.pk}

    response = api_as(owner).post(
        reverse("initiative-actions", args=[initiative.pk]), body, format="json"
    )

    assert response.status_code == 400
    assert "assignee" in response.json()
    assert not ActionItem.objects.exists()


def test_it_lists_an_initiatives_actions_by_due_date(api_as, outsider, initiative, today):
    later = ActionItemFactory(initiative=initiative, due_on=today + dt.timedelta(days=5))
    sooner = ActionItemFactory(initiative=initiative, due_on=today)
    ActionItemFactory()  # another initiative's

    response = api_as(outsider).get(reverse("initiative-actions", args=[initiative.pk]))

    assert ids(response) == [sooner.pk, later.pk]


# --- the filtered list ------------------------------------------------------------------------


@pytest.fixture
def spread(assignee, initiative, today):
    """The assignee's actions in every state, and someone else's."""
    day = dt.timedelta(days=1)
    return {
        "overdue": ActionItemFactory(initiative=initiative, assignee=assignee, due_on=today - day),
        "today": ActionItemFactory(initiative=initiative, assignee=assignee, due_on=today),
        "later": ActionItemFactory(initiative=initiative, assignee=assignee, due_on=today + day),
        "done_late": ActionItemFactory(
            initiative=initiative, assignee=assignee, due_on=today - day, status="done"
        ),
        "cancelled": ActionItemFactory(
            initiative=initiative, assignee=assignee, due_on=today - 2 * day, status="cancelled"
        ),
        "someone_elses": ActionItemFactory(initiative=initiative, due_on=today - day),
    }


def test_it_lists_my_overdue_actions(api_as, assignee, spread):
    response = api_as(assignee).get(LIST, {"assignee": "me", "overdue": "true"})

    assert ids(response) == [spread["overdue"].pk]
    assert response.json()["results"][0]["overdue"] is True


def test_it_lists_my_actions_by_status(api_as, assignee, spread):
    api = api_as(assignee)

    open_ = ids(api.get(LIST, {"assignee": "me", "status": "open"}))
    done = ids(api.get(LIST, {"assignee": "me", "status": "done"}))
    not_overdue = ids(api.get(LIST, {"assignee": "me", "overdue": "false"}))

    assert open_ == [spread[k].pk for k in ("overdue", "today", "later")]
    assert done == [spread["done_late"].pk]
    assert set(not_overdue) == {spread[k].pk for k in ("today", "later", "done_late", "cancelled")}


def test_it_lists_everyones_actions_and_anyones_by_id(api_as, outsider, assignee, spread):
    api = api_as(outsider)

    assert len(ids(api.get(LIST))) == 6
    assert ids(api.get(LIST, {"assignee": "me"})) == []
    assert len(ids(api.get(LIST, {"assignee": str(assignee.pk)}))) == 5


@pytest.mark.parametrize(
    ("param", "value"),
    [("assignee", "you"), ("assignee", "１２"), ("overdue", "maybe"), ("status", "finished")],
)
def test_it_refuses_a_filter_it_cannot_read(api_as, outsider, param, value):
    response = api_as(outsider).get(LIST, {param: value})

    assert response.status_code == 400
    assert param in response.json()


# --- PATCH ------------------------------------------------------------------------------------


def test_it_patches_title_due_date_assignee_and_status(api_as, owner, member, action):
    response = api_as(owner).patch(
        detail(action),
        {
            "title": "Brief both shifts",
            "due_on": "2031-02-03",
            "assignee": member.pk,
            "status": "done",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done"
    action.refresh_from_db()
    assert (action.title, action.due_on, action.assignee, action.status) == (
        "Brief both shifts",
        dt.date(2031, 2, 3),
        member,
        "done",
    )
    assert sorted(ActionEvent.objects.values_list("kind", flat=True)) == [
        "assigned",
        "changed",
        "done",
    ]


def test_a_refused_patch_changes_nothing(api_as, owner, action):
    gone = UserFactory(is_active=False)
    api = api_as(owner)

    bad_status = api.patch(detail(action), {"title": "New", "status": "finished"}, format="json")
    bad_assignee = api.patch(detail(action), {"title": "New", "assignee": gone.pk}, format="json")
    bad_stage = api.patch(detail(action), {"title": "New", "stage": "improve"}, format="json")

    assert [r.status_code for r in (bad_status, bad_assignee, bad_stage)] == [400, 400, 400]
    action.refresh_from_db()
    assert (action.title, action.stage) == ("Brief the night shift", Stage.DO)
    assert not ActionEvent.objects.exists()


def test_a_patch_refused_by_the_service_leaves_the_rest_undone(api_as, owner, action):
    action.initiative.stage = Stage.COMPLETED
    action.initiative.save(update_fields=["stage"])

    response = api_as(owner).patch(detail(action), {"status": "done"}, format="json")

    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == "open"


@pytest.mark.parametrize("field", ["initiative", "created_by", "closed_at", "id", "priority"])
def test_it_refuses_a_field_it_does_not_write(api_as, owner, action, field):
    response = api_as(owner).patch(detail(action), {field: 1}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_it_refuses_a_body_that_is_not_an_object_and_a_put(api_as, owner, action):
    api = api_as(owner)

    assert api.patch(detail(action), ["done"], format="json").status_code == 400
    assert api.put(detail(action), {"status": "done"}, format="json").status_code == 405
    assert api.delete(detail(action)).status_code == 405


# --- query counts -----------------------------------------------------------------------------


def count(client, url, data=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(queries), response


def test_it_lists_actions_in_fixed_queries(api_as, assignee, initiative, today):
    api = api_as(assignee)
    url = reverse("initiative-actions", args=[initiative.pk])

    def add(n):
        for i in range(n):
            ActionItemFactory(
                initiative=initiative, assignee=assignee, due_on=today - dt.timedelta(days=i)
            )

    add(2)
    api.get(LIST)
    few, _ = count(api, LIST, {"assignee": "me", "overdue": "true"})
    few_here, _ = count(api, url)
    add(20)
    many, response = count(api, LIST, {"assignee": "me", "overdue": "true"})
    many_here, _ = count(api, url)

    assert response.json()["count"] == 20  # all but the two due today
    assert few == many <= 2
    assert few_here == many_here <= 4
