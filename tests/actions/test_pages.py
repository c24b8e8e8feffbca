"""Action items on the pages: the initiative page's panel (with and without JavaScript),
its timeline, and My work."""

import datetime as dt

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import services
from actions.models import ActionItem
from improvement.models import Stage
from tests.factories import ActionItemFactory, CommentFactory, TriagedInitiativeFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
HTMX = {"HTTP_HX_REQUEST": "true"}


def page_of(initiative) -> str:
    return reverse("improvement:initiative", args=[initiative.pk])


def form_data(assignee, **overrides):
    data = {
        "action-title": "Order the bins",
        "action-assignee": assignee.pk,
        "action-due_on": "2030-01-15",
        "action-stage": "do",
    }
    return {**data, **overrides}


# --- the panel --------------------------------------------------------------------------------


def test_it_lists_the_actions_with_the_overdue_ones_marked_in_words(
    web_as, outsider, initiative, assignee, today
):
    late = ActionItemFactory(
        initiative=initiative, assignee=assignee, due_on=today - DAY, title="Late one"
    )
    ActionItemFactory(initiative=initiative, due_on=today + DAY, title="On time")

    response = web_as(outsider).get(page_of(initiative))

    content = response.content.decode()
    assert 'id="actions"' in content
    assert "Late one" in content and "On time" in content
    assert f'<tr id="action-{late.pk}" class="action open overdue">' in content
    assert content.count('class="overdue-label">Overdue</strong>') == 1
    # Someone with no role reads them, and changes nothing.
    assert "Add an action item" not in content
    assert reverse("actions:status", args=[late.pk]) not in content


def test_the_assignee_ticks_their_own_and_only_theirs(web_as, assignee, initiative):
    mine = ActionItemFactory(initiative=initiative, assignee=assignee)
    other = ActionItemFactory(initiative=initiative)

    content = web_as(assignee).get(page_of(initiative)).content.decode()

    assert reverse("actions:status", args=[mine.pk]) in content
    assert reverse("actions:status", args=[other.pk]) not in content
    assert reverse("actions:edit", args=[mine.pk]) not in content
    assert "Add an action item" not in content


def test_the_team_gets_the_form_with_the_working_stage_chosen(web_as, member, initiative):
    response = web_as(member).get(page_of(initiative))

    content = response.content.decode()
    assert "Add an action item" in content
    assert '<option value="do" selected>Do</option>' in content
    assert 'name="action-due_on"' in content and 'type="date"' in content


# --- adding, without JavaScript and with htmx -------------------------------------------------


def test_it_adds_an_action_and_redirects_back(web_as, owner, assignee, initiative):
    response = web_as(owner).post(
        reverse("actions:add", args=[initiative.pk]), form_data(assignee), follow=True
    )

    assert response.redirect_chain == [(page_of(initiative) + "#actions", 302)]
    action = ActionItem.objects.get()
    assert (action.title, action.assignee, action.stage) == ("Order the bins", assignee, "do")
    assert "Action “Order the bins” added." in response.content.decode()


def test_a_refused_action_comes_back_with_what_to_fix(web_as, owner, assignee, initiative):
    response = web_as(owner).post(
        reverse("actions:add", args=[initiative.pk]),
        form_data(assignee, **{"action-title": "", "action-due_on": "someday"}),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"title", "due_on"}
    assert not ActionItem.objects.exists()


def test_the_service_refusal_is_shown_on_the_form(web_as, owner, initiative, assignee):
    assignee.is_active = False
    assignee.save()

    response = web_as(owner).post(
        reverse("actions:add", args=[initiative.pk]), form_data(assignee), **HTMX
    )

    # An inactive user is not among the choices: the form refuses them.
    assert response.status_code == 400
    assert "assignee" in response.context["form"].errors
    assert not ActionItem.objects.exists()


def test_htmx_gets_the_panel_redrawn(web_as, owner, assignee, initiative):
    response = web_as(owner).post(
        reverse("actions:add", args=[initiative.pk]), form_data(assignee), **HTMX
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith("<section") and "<html" not in content
    assert 'role="status">Action “Order the bins” added.' in content
    assert "Order the bins" in content


def test_htmx_gets_a_refused_form_in_the_panel_with_a_400(web_as, owner, assignee, initiative):
    response = web_as(owner).post(
        reverse("actions:add", args=[initiative.pk]),
        form_data(assignee, **{"action-stage": "improve"}),
        **HTMX,
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "data-swap-refusals" in content and '<details class="add-action" open>' in content
    assert not ActionItem.objects.exists()


# --- editing and ticking off ------------------------------------------------------------------


def test_it_edits_an_action_on_its_own_page(web_as, owner, member, action):
    client = web_as(owner)
    url = reverse("actions:edit", args=[action.pk])
    prefix = f"action{action.pk}"

    shown = client.get(url)
    partial = client.get(url, **HTMX)
    saved = client.post(
        url,
        {
            f"{prefix}-title": "Brief both shifts",
            f"{prefix}-assignee": member.pk,
            f"{prefix}-due_on": "2030-02-01",
            f"{prefix}-stage": "do",
        },
    )

    assert shown.status_code == 200 and "Brief the night shift" in shown.content.decode()
    assert "<html" not in partial.content.decode()
    assert saved.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.assignee, action.due_on) == (
        "Brief both shifts",
        member,
        dt.date(2030, 2, 1),
    )


@pytest.mark.parametrize(("status", "words"), [("done", "done."), ("cancelled", "Cancelled")])
def test_the_assignee_ticks_off_without_javascript(web_as, assignee, action, status, words):
    response = web_as(assignee).post(
        reverse("actions:status", args=[action.pk]), {"status": status}, follow=True
    )

    assert response.status_code == 200
    assert words in response.content.decode()
    action.refresh_from_db()
    assert action.status == status


def test_a_status_it_does_not_know_is_a_400(web_as, assignee, action):
    response = web_as(assignee).post(
        reverse("actions:status", args=[action.pk]), {"status": "finished"}
    )

    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == "open"


def test_ticking_on_a_completed_initiative_is_a_400(web_as, assignee, action):
    action.initiative.stage = Stage.COMPLETED
    action.initiative.save(update_fields=["stage"])

    response = web_as(assignee).post(
        reverse("actions:status", args=[action.pk]), {"status": "done"}, **HTMX
    )

    assert response.status_code == 400
    assert "no longer change" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"


def test_only_posts_change_anything(web_as, assignee, action):
    client = web_as(assignee)

    assert client.get(reverse("actions:status", args=[action.pk])).status_code == 405
    assert client.get(reverse("actions:add", args=[action.initiative_id])).status_code == 405


# --- the timeline -----------------------------------------------------------------------------


def test_the_timeline_tells_what_happened_to_the_actions(
    web_as, owner, member, assignee, initiative
):
    action = services.create_action(
        initiative=initiative,
        actor=owner,
        title="Order the bins",
        assignee=assignee,
        due_on=dt.date(2030, 1, 15),
    )
    services.update_action(action=action, actor=owner, changes={"assignee": member})
    services.update_action(action=action, actor=owner, changes={"due_on": dt.date(2030, 1, 20)})
    services.set_status(action=action, actor=member, status="done")

    response = web_as(owner).get(page_of(initiative))

    items = [i for i in response.context["activity"] if i["kind"] == "action"]
    assert [i["event"].kind for i in items] == ["created", "assigned", "changed", "done"]
    timeline = " ".join(response.content.decode().split("History and comments")[1].split())
    owner_name, member_name = owner.get_full_name(), member.get_full_name()
    link = f'<a href="#action-{action.pk}">“Order the bins”</a>'
    assert f"{owner_name} added the action {link} for {assignee.get_full_name()}" in timeline
    assert f"{owner_name} assigned the action {link} to {member_name}" in timeline
    assert f"changed the action {link}: due date: 2030-01-15 → 2030-01-20" in timeline
    assert f"{member_name} marked the action {link} done" in timeline


# --- My work ----------------------------------------------------------------------------------


def test_my_work_lists_my_open_actions_by_due_date_overdue_marked(
    web_as, assignee, initiative, today
):
    later = ActionItemFactory(initiative=initiative, assignee=assignee, due_on=today + 3 * DAY)
    late = ActionItemFactory(initiative=initiative, assignee=assignee, due_on=today - DAY)
    due_now = ActionItemFactory(initiative=initiative, assignee=assignee, due_on=today)
    ActionItemFactory(initiative=initiative, assignee=assignee, status="done")
    ActionItemFactory(initiative=initiative)  # someone else's
    closed = TriagedInitiativeFactory(stage=Stage.COMPLETED, owner=initiative.owner)
    ActionItemFactory(initiative=closed, assignee=assignee)

    response = web_as(assignee).get(reverse("improvement:my_work"))

    content = response.content.decode()
    assert response.context["my_actions"] == [late, due_now, later]
    assert content.count('class="action overdue"') == 1
    assert content.count("Overdue</strong>") == 1
    assert "Due today" in content
    assert f"#action-{late.pk}" in content


def test_my_work_says_when_there_is_nothing(web_as, outsider):
    response = web_as(outsider).get(reverse("improvement:my_work"))

    assert "No open actions." in response.content.decode()


# --- query counts -----------------------------------------------------------------------------


def actions_with_history(initiative, owner, assignee, n):
    for i in range(n):
        action = services.create_action(
            initiative=initiative,
            actor=owner,
            title=f"Step {i}",
            assignee=assignee,
            due_on=dt.date(2030, 1, 1) + i * DAY,
            stage=Stage.DO,
        )
        services.set_status(action=action, actor=owner, status="done")


@pytest.mark.parametrize("viewer", ["owner", "assignee"])
def test_the_initiative_page_costs_the_same_for_1_or_12_actions(
    web_as, count_queries, owner, assignee, viewer
):
    def fresh():
        initiative = TriagedInitiativeFactory(stage=Stage.DO, owner=owner)
        CommentFactory(initiative=initiative)
        return initiative

    none, one, many = fresh(), fresh(), fresh()
    actions_with_history(one, owner, assignee, 1)
    actions_with_history(many, owner, assignee, 12)
    client = web_as(owner if viewer == "owner" else assignee)
    client.get(page_of(none))

    _, without = count_queries(client, page_of(none))
    _, few = count_queries(client, page_of(one))
    response, more = count_queries(client, page_of(many))

    assert len(response.context["activity"]) == 25  # 24 action events and a comment
    assert few == more
    # The timeline's one query for the action events in full, only when it has some.
    assert few == without + 1


def test_the_panel_costs_two_queries_at_most(owner, assignee, initiative, rf):
    ActionItemFactory.create_batch(5, initiative=initiative, assignee=assignee)
    template = Template("{% load actions_tags %}{% action_items_panel initiative user %}")
    for user, most in ((owner, 2), (assignee, 1)):
        initiative = type(initiative).objects.prefetch_related("team").get(pk=initiative.pk)
        user.has_perm("improvement.triage_initiative")  # the page has asked already
        with CaptureQueriesContext(connection) as queries:
            template.render(Context({"initiative": initiative, "user": user}))
        assert len(queries) == most, [q["sql"] for q in queries]


def test_my_work_costs_the_same_for_1_or_20_actions(web_as, count_queries, assignee, initiative):
    client = web_as(assignee)
    url = reverse("improvement:my_work")
    ActionItemFactory(initiative=initiative, assignee=assignee)
    client.get(url)

    _, few = count_queries(client, url)
    ActionItemFactory.create_batch(19, initiative=initiative, assignee=assignee)
    response, many = count_queries(client, url)

    assert len(response.context["my_actions"]) == 20
    assert few == many
