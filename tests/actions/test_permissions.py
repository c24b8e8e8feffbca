"""Who may add, assign, edit and tick off action items — on the page and through the
API — and that a refused attempt leaves no trace."""

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import ActionEvent, ActionItem
from improvement.models import Notification
from tests.factories import (
    ActionItemFactory,
    AdminFactory,
    ReviewerFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MANAGERS = ["owner", "member", "reviewer", "admin"]
NOT_MANAGERS = ["sponsor", "assignee", "outsider"]


@pytest.fixture
def people(owner, member, assignee, outsider, initiative):
    return {
        "owner": owner,
        "member": member,
        "assignee": assignee,
        "outsider": outsider,
        "sponsor": initiative.sponsor,
        "reviewer": ReviewerFactory(),
        "admin": AdminFactory(),
    }


def new_action(assignee):
    return {"title": "Order the bins", "assignee": assignee.pk, "due_on": "2030-01-15"}


def form_data(assignee):
    return {
        "action-title": "Order the bins",
        "action-assignee": assignee.pk,
        "action-due_on": "2030-01-15",
        "action-stage": "do",
    }


def assert_untouched(action):
    before = (action.title, action.status, action.assignee_id, action.due_on)
    action.refresh_from_db()
    assert (action.title, action.status, action.assignee_id, action.due_on) == before
    assert not ActionEvent.objects.exists()
    assert not Notification.objects.exists()


# --- adding -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_the_owner_team_reviewers_and_admins_add_actions(api_as, people, initiative, role):
    url = reverse("initiative-actions", args=[initiative.pk])

    response = api_as(people[role]).post(url, new_action(people["assignee"]), format="json")

    assert response.status_code == 201, response.json()
    assert ActionItem.objects.get().created_by == people[role]


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_others_may_not_add_actions(api_as, web_as, people, initiative, role):
    api_url = reverse("initiative-actions", args=[initiative.pk])
    web_url = reverse("actions:add", args=[initiative.pk])

    by_api = api_as(people[role]).post(api_url, new_action(people[role]), format="json")
    by_web = web_as(people[role]).post(web_url, form_data(people[role]))

    assert by_api.status_code == 403
    assert by_web.status_code == 403
    assert not ActionItem.objects.exists()
    assert not Notification.objects.exists()


def test_the_role_is_checked_before_the_values(api_as, outsider, initiative):
    url = reverse("initiative-actions", args=[initiative.pk])

    response = api_as(outsider).post(url, {"title": ""}, format="json")

    assert response.status_code == 403


# --- editing and assigning --------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_the_owner_team_reviewers_and_admins_reassign(api_as, people, action, role):
    url = reverse("action-detail", args=[action.pk])

    response = api_as(people[role]).patch(url, {"assignee": people["member"].pk}, format="json")

    assert response.status_code == 200, response.json()
    action.refresh_from_db()
    assert action.assignee == people["member"]


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_others_may_not_edit_or_reassign_even_the_assignee(api_as, web_as, people, action, role):
    api_url = reverse("action-detail", args=[action.pk])
    web_url = reverse("actions:edit", args=[action.pk])
    user = people[role]

    by_api = api_as(user).patch(api_url, {"assignee": user.pk, "title": "Mine"}, format="json")
    by_web = web_as(user).post(
        web_url,
        {
            f"action{action.pk}-title": "Mine",
            f"action{action.pk}-assignee": user.pk,
            f"action{action.pk}-due_on": "2030-01-01",
        },
    )
    edit_page = web_as(user).get(web_url)

    assert (by_api.status_code, by_web.status_code, edit_page.status_code) == (403, 403, 403)
    assert_untouched(action)


# --- ticking off ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*MANAGERS, "assignee"])
def test_the_assignee_and_the_managers_tick_off(web_as, people, action, role):
    url = reverse("actions:status", args=[action.pk])

    response = web_as(people[role]).post(url, {"status": "done"})

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    assert ActionEvent.objects.get().actor == people[role]


@pytest.mark.parametrize("role", ["sponsor", "outsider"])
def test_nobody_else_ticks_off(web_as, api_as, people, action, role):
    web = web_as(people[role]).post(reverse("actions:status", args=[action.pk]), {"status": "done"})
    api = api_as(people[role]).patch(
        reverse("action-detail", args=[action.pk]), {"status": "cancelled"}, format="json"
    )

    assert (web.status_code, api.status_code) == (403, 403)
    assert_untouched(action)


def test_the_assignee_ticks_off_through_the_api(api_as, assignee, action):
    response = api_as(assignee).patch(
        reverse("action-detail", args=[action.pk]), {"status": "done"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "done"
    action.refresh_from_db()
    assert action.status == "done"


# --- someone else's initiative (IDOR) ----------------------------------------------------------


def test_an_owner_cannot_reach_another_initiatives_actions(api_as, web_as, owner, today):
    """Owning one initiative gives no right over another's actions, whichever id is sent."""
    elsewhere = TriagedInitiativeFactory(owner=UserFactory())
    theirs = ActionItemFactory(
        initiative=elsewhere, title="Theirs", due_on=today + dt.timedelta(days=3)
    )
    api = api_as(owner)

    patched = api.patch(
        reverse("action-detail", args=[theirs.pk]),
        {"title": "Mine", "status": "cancelled"},
        format="json",
    )
    ticked = api.patch(
        reverse("action-detail", args=[theirs.pk]), {"status": "cancelled"}, format="json"
    )
    added = api.post(
        reverse("initiative-actions", args=[elsewhere.pk]), new_action(owner), format="json"
    )
    by_web = web_as(owner).post(reverse("actions:status", args=[theirs.pk]), {"status": "done"})

    assert (patched.status_code, ticked.status_code, added.status_code) == (403, 403, 403)
    assert by_web.status_code == 403
    assert_untouched(theirs)
    assert ActionItem.objects.count() == 1


def test_an_action_or_initiative_that_does_not_exist_is_a_404(api_as, web_as, owner):
    api = api_as(owner)

    assert api.get(reverse("action-detail", args=[999999])).status_code == 404
    assert api.patch(reverse("action-detail", args=[999999]), {}, format="json").status_code == 404
    assert api.get("/api/actions/１２/").status_code == 404
    url = reverse("initiative-actions", args=[999999])
    assert api.post(url, new_action(owner), format="json").status_code == 404
    assert web_as(owner).post(reverse("actions:status", args=[999999])).status_code == 404


def test_everyone_signed_in_sees_an_initiatives_actions(api_as, outsider, action):
    api = api_as(outsider)

    listed = api.get(reverse("initiative-actions", args=[action.initiative_id]))
    one = api.get(reverse("action-detail", args=[action.pk]))

    assert listed.status_code == one.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [action.pk]


def test_nobody_signed_out_sees_or_changes_anything(api_as, client, action):
    anonymous = api_as(None)

    assert anonymous.get(reverse("action-list")).status_code == 401
    assert (
        anonymous.patch(
            reverse("action-detail", args=[action.pk]), {"status": "done"}, format="json"
        ).status_code
        == 401
    )
    response = client.post(reverse("actions:status", args=[action.pk]), {"status": "done"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert_untouched(action)
