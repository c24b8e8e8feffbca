"""Every free text has one limit, on its model field, and every path applies it: the web
forms, the API and the services. Over-long text is refused with a message (a 400; for a
stage move's note, a redirect to the initiative page), and nothing is saved. And the
initiative page stays a bounded size however long the discussion: its timeline comes in
pages of ACTIVITY_PER_PAGE, older ones behind a plain link."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from improvement import services, workflow
from improvement.models import (
    LONG_TEXT,
    NOTE_TEXT,
    Comment,
    Initiative,
    Stage,
    StageTransition,
)
from improvement.views.initiative import ACTIVITY_PER_PAGE
from tests.factories import (
    AdminFactory,
    AreaFactory,
    CommentFactory,
    InitiativeFactory,
    ReviewerFactory,
    StageTransitionFactory,
    TriagedInitiativeFactory,
)

TOO_LONG = {
    "title": 201,
    "problem_statement": LONG_TEXT + 1,
    "proposed_change": LONG_TEXT + 1,
}
EXECUTION_TOO_LONG = {
    "root_cause": LONG_TEXT + 1,
    "control_plan": LONG_TEXT + 1,
    "decision_note": NOTE_TEXT + 1,
}


def idea(**overrides) -> dict:
    return {
        "title": "Fewer hand-offs",
        "problem_statement": "Forms wait in two in-trays.",
        "proposed_change": "One in-tray.",
        "area": AreaFactory().pk,
        "pillar": "operational",
        **overrides,
    }


def execution(**overrides) -> dict:
    return {
        "root_cause": "",
        "implemented_on": "",
        "control_plan": "",
        "decision_note": "",
        **overrides,
    }


def url(name: str, initiative: Initiative) -> str:
    return reverse(f"improvement:{name}", args=[initiative.pk])


# --- ideas -------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "length"), TOO_LONG.items())
def test_it_refuses_an_over_long_idea_on_the_page(web_as, user, field, length):
    response = web_as(user).post(reverse("improvement:idea_new"), idea(**{field: "x" * length}))

    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {field}
    assert f"at most {length - 1} characters" in response.content.decode()
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(("field", "length"), TOO_LONG.items())
def test_it_refuses_an_over_long_idea_through_the_api(api_as, user, field, length):
    response = api_as(user).post("/api/initiatives/", idea(**{field: "x" * length}))

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert f"no more than {length - 1} characters" in response.json()[field][0]
    assert not Initiative.objects.exists()


def test_it_takes_an_idea_at_the_limit(web_as, user):
    response = web_as(user).post(
        reverse("improvement:idea_new"), idea(problem_statement="x" * LONG_TEXT)
    )

    assert response.status_code == 302
    assert len(Initiative.objects.get().problem_statement) == LONG_TEXT


def test_it_refuses_an_over_long_idea_in_the_service(user):
    with pytest.raises(ValidationError) as refused:
        services.submit_idea(
            actor=user,
            title="Fewer hand-offs",
            problem_statement="x" * (LONG_TEXT + 1),
            area=AreaFactory(),
            pillar="operational",
        )

    assert refused.value.message_dict.keys() == {"problem_statement"}
    assert not Initiative.objects.exists()


# --- execution fields ---------------------------------------------------------------------


@pytest.mark.parametrize(("field", "length"), EXECUTION_TOO_LONG.items())
def test_it_refuses_an_over_long_execution_field_on_the_page(web_as, field, length):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)

    response = web_as(initiative.owner).post(
        url("execution", initiative), execution(**{field: "x" * length})
    )

    assert response.status_code == 400
    assert response.context["execution_form"].errors.keys() == {field}
    initiative.refresh_from_db()
    assert getattr(initiative, field) == ""


@pytest.mark.parametrize(("field", "length"), EXECUTION_TOO_LONG.items())
def test_it_refuses_an_over_long_execution_field_through_the_api(api_as, field, length):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)

    response = api_as(initiative.owner).patch(
        f"/api/initiatives/{initiative.pk}/", {field: "x" * length}
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    initiative.refresh_from_db()
    assert getattr(initiative, field) == ""


def test_it_refuses_an_over_long_execution_field_in_the_service(db):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)

    with pytest.raises(ValidationError):
        services.update_initiative(
            initiative=initiative,
            actor=initiative.owner,
            changes={"root_cause": "x" * (LONG_TEXT + 1)},
        )

    initiative.refresh_from_db()
    assert initiative.root_cause == ""


# --- move notes ------------------------------------------------------------------------------


def test_it_refuses_an_over_long_move_note_on_the_page(web_as, assert_not_moved):
    initiative = InitiativeFactory()

    response = web_as(ReviewerFactory()).post(
        url("move", initiative), {"to": "rejected", "note": "x" * (NOTE_TEXT + 1)}, follow=True
    )

    assert response.redirect_chain == [(url("initiative", initiative), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "That move was not understood. "
        f"Note: Ensure this value has at most {NOTE_TEXT} characters (it has {NOTE_TEXT + 1})."
    ]
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_refuses_an_over_long_move_note_through_the_api(api_as, assert_not_moved):
    initiative = InitiativeFactory()

    response = api_as(ReviewerFactory()).post(
        f"/api/initiatives/{initiative.pk}/transition/",
        {"to": "rejected", "note": "x" * (NOTE_TEXT + 1)},
    )

    assert response.status_code == 400
    assert list(response.json()) == ["note"]
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_refuses_an_over_long_move_note_in_the_workflow(db, assert_not_moved):
    initiative = InitiativeFactory()

    with pytest.raises(ValidationError) as refused:
        workflow.move(
            initiative=initiative,
            to=Stage.REJECTED,
            actor=ReviewerFactory(),
            note="x" * (NOTE_TEXT + 1),
        )

    assert refused.value.message_dict.keys() == {"note"}
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_takes_a_move_note_at_the_limit(api_as):
    initiative = InitiativeFactory()

    response = api_as(ReviewerFactory()).post(
        f"/api/initiatives/{initiative.pk}/transition/",
        {"to": "rejected", "note": "x" * NOTE_TEXT},
    )

    assert response.status_code == 200
    assert len(StageTransition.objects.get().note) == NOTE_TEXT
    initiative.refresh_from_db()
    assert len(initiative.rejection_reason) == NOTE_TEXT


# --- comments ------------------------------------------------------------------------------


def test_it_refuses_an_over_long_comment(web_as, user):
    initiative = InitiativeFactory()

    response = web_as(user).post(url("comment", initiative), {"body": "x" * (NOTE_TEXT + 1)})

    assert response.status_code == 400
    assert response.context["comment_form"].errors.keys() == {"body"}
    assert not Comment.objects.exists()


def test_it_refuses_an_over_long_comment_in_the_service(user):
    with pytest.raises(ValidationError):
        services.add_comment(initiative=InitiativeFactory(), actor=user, body="x" * (NOTE_TEXT + 1))

    assert not Comment.objects.exists()


def test_it_tells_the_browser_the_comment_limit(web_as, user):
    response = web_as(user).get(url("initiative", InitiativeFactory()))

    assert f'maxlength="{NOTE_TEXT}"' in response.content.decode()


# --- the timeline's pages ------------------------------------------------------------------

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def discussion(initiative: Initiative, comments: int, moves: int = 0, *, length: int = 20):
    """`comments` comments a minute apart from START, then `moves` moves after them."""
    for i in range(comments):
        CommentFactory(
            initiative=initiative,
            body=f"c{i:03} " + "x" * (length - 5),
            created_at=START + dt.timedelta(minutes=i),
        )
    for i in range(moves):
        StageTransitionFactory(
            initiative=initiative, note=f"m{i:03}", at=START + dt.timedelta(days=1, minutes=i)
        )


def texts(response) -> list[str]:
    return [item["text"][:4] for item in response.context["activity"]]


def test_it_shows_the_newest_page_of_the_timeline_first(web_as, user):
    initiative = InitiativeFactory()
    discussion(initiative, comments=120)

    response = web_as(user).get(url("initiative", initiative))

    assert response.status_code == 200
    assert texts(response) == [f"c{i:03}" for i in range(70, 120)]
    html = response.content.decode()
    assert 'href="?activity=2#comments"' in html
    assert "Newer history and comments" not in html
    assert "Submitted by" not in html  # the first event is on the last page


def test_it_shows_older_pages_of_the_timeline_behind_a_link(web_as, user):
    initiative = InitiativeFactory()
    discussion(initiative, comments=120)
    client = web_as(user)

    middle = client.get(url("initiative", initiative), {"activity": 2})
    last = client.get(url("initiative", initiative), {"activity": 3})

    assert texts(middle) == [f"c{i:03}" for i in range(20, 70)]
    assert texts(last) == [f"c{i:03}" for i in range(20)]
    html = last.content.decode()
    assert "Older history and comments" not in html
    assert "Newer history and comments" in html
    assert 'href="?activity=2#comments"' in html
    assert "Submitted by" in html


def test_it_keeps_moves_and_comments_in_one_order_across_pages(web_as, user):
    initiative = InitiativeFactory()
    discussion(initiative, comments=ACTIVITY_PER_PAGE, moves=5)

    response = web_as(user).get(url("initiative", initiative))

    expected = [f"c{i:03}" for i in range(5, ACTIVITY_PER_PAGE)] + [f"m{i:03}" for i in range(5)]
    assert texts(response) == expected


def test_it_shows_a_page_of_bounded_size_however_long_the_discussion(web_as, user):
    initiative = InitiativeFactory()
    discussion(initiative, comments=3 * ACTIVITY_PER_PAGE, length=NOTE_TEXT)

    response = web_as(user).get(url("initiative", initiative))

    assert response.status_code == 200
    assert len(response.context["activity"]) == ACTIVITY_PER_PAGE
    assert len(response.content) < ACTIVITY_PER_PAGE * NOTE_TEXT * 1.2


def test_it_shows_the_timeline_in_fixed_queries(web_as, count_queries):
    viewer = AdminFactory()
    small, large = InitiativeFactory(), InitiativeFactory()
    discussion(small, comments=2, moves=1)
    discussion(large, comments=2 * ACTIVITY_PER_PAGE, moves=20)
    client = web_as(viewer)
    client.get(url("initiative", small))

    _, few = count_queries(client, url("initiative", small))
    response, many = count_queries(client, url("initiative", large), {"activity": 2})

    assert response.status_code == 200
    assert len(response.context["activity"]) == ACTIVITY_PER_PAGE
    assert few == many
