"""Rejecting an idea, with a reason or as a duplicate of another (either will do), and
what a refused move answers: a redirect to the initiative page, which shows why — never
a page a refresh would post again (POST/redirect/GET)."""

import re

import pytest
from django.urls import reverse

from improvement.models import Initiative, Stage, StageTransition
from tests.factories import InitiativeFactory, TriagedInitiativeFactory

pytestmark = pytest.mark.django_db


def move_url(initiative: Initiative) -> str:
    return reverse("improvement:move", args=[initiative.pk])


def page_of(initiative: Initiative) -> str:
    return reverse("improvement:initiative", args=[initiative.pk])


def field_tag(html: str, element: str, field_id: str) -> str:
    """The opening tag of the form field with this id."""
    match = re.search(rf'<{element}\b[^>]*\bid="{field_id}"[^>]*>', html)
    assert match, f"no <{element} id={field_id}>"
    return match.group(0)


def messages_on(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the form --------------------------------------------------------------------------------


def test_it_lets_the_browser_send_a_rejection_with_only_a_duplicate_number(web_as, reviewer):
    # From the backlog: a submitted idea is rejected in the one-step triage form
    # (tests/improvement/test_triage_one_step.py).
    initiative = TriagedInitiativeFactory()

    html = web_as(reviewer).get(page_of(initiative)).content.decode()

    note = field_tag(html, "textarea", "note-rejected")
    number = field_tag(html, "input", "dup-rejected")
    assert "required" not in note
    assert "required" not in number
    assert 'aria-describedby="reject-help"' in note
    assert 'aria-describedby="reject-help"' in number
    assert "Give a reason, or the number of the idea this one duplicates." in html


def test_it_still_requires_the_note_of_a_move_that_needs_one(web_as, reviewer):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)

    html = web_as(reviewer).get(page_of(initiative)).content.decode()

    assert " required" in field_tag(html, "textarea", "note-cancelled")


# --- rejecting -------------------------------------------------------------------------------


def test_it_rejects_an_idea_given_only_the_number_of_the_idea_it_duplicates(web_as, reviewer):
    original = TriagedInitiativeFactory()
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        move_url(initiative), {"to": "rejected", "note": "", "duplicate_of": original.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == page_of(initiative)
    initiative.refresh_from_db()
    assert initiative.stage == Stage.REJECTED
    assert initiative.duplicate_of == original
    assert initiative.rejection_reason == ""
    move = StageTransition.objects.get(initiative=initiative)
    assert (move.from_stage, move.to_stage, move.actor) == (
        Stage.SUBMITTED,
        Stage.REJECTED,
        reviewer,
    )


def test_it_rejects_an_idea_given_only_a_reason(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        move_url(initiative), {"to": "rejected", "note": "Out of scope.", "duplicate_of": ""}
    )

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.rejection_reason) == (Stage.REJECTED, "Out of scope.")
    assert initiative.duplicate_of is None


# --- a refused move: back to the page, which says why ----------------------------------------


def test_it_returns_a_refused_rejection_to_the_initiative_page(web_as, reviewer, assert_not_moved):
    initiative = InitiativeFactory()
    client = web_as(reviewer)

    response = client.post(move_url(initiative), {"to": "rejected", "note": " "})

    assert response.status_code == 302
    assert response["Location"] == page_of(initiative)
    assert_not_moved(initiative, Stage.SUBMITTED)
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    assert messages_on(shown) == [
        "Not moved to Rejected: Give a reason for the rejection, or the idea it duplicates."
    ]
    html = shown.content.decode()
    assert "Give a reason for the rejection, or the idea it duplicates." in html
    # A refresh is a GET of the page: the message has been shown, nothing is posted again.
    assert messages_on(client.get(page_of(initiative))) == []
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_lists_everything_a_refused_move_still_needs(web_as, reviewer, assert_not_moved):
    initiative = InitiativeFactory()
    client = web_as(reviewer)

    response = client.post(move_url(initiative), {"to": "backlog"}, follow=True)

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert messages_on(response) == [
        "Not moved to Backlog: Score the impact (1–5). Score the effort (1–5). "
        "Choose PDCA or DMAIC."
    ]
    assert_not_moved(initiative, Stage.SUBMITTED)


@pytest.mark.parametrize(
    ("duplicate_of", "message"),
    [
        (
            lambda original: original.pk,
            lambda original: (
                f"Not moved to Rejected: #{original.pk} is rejected: "
                "point to an idea that is still open."
            ),
        ),
        (
            lambda original: 999_999,
            lambda original: (
                "That move was not understood. "
                "Duplicate of (idea number): There is no idea with that number."
            ),
        ),
    ],
    ids=["closed-original", "no-such-idea"],
)
def test_it_returns_a_rejection_pointing_nowhere_useful_to_the_page(
    web_as, reviewer, assert_not_moved, duplicate_of, message
):
    original = InitiativeFactory(stage=Stage.REJECTED, rejection_reason="Out of scope.")
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        move_url(initiative),
        {"to": "rejected", "duplicate_of": duplicate_of(original)},
        follow=True,
    )

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert messages_on(response) == [message(original)]
    assert_not_moved(initiative, Stage.SUBMITTED)
    assert Initiative.objects.get(pk=initiative.pk).duplicate_of is None


def test_it_returns_an_over_long_note_to_the_page(web_as, reviewer, assert_not_moved):
    initiative = InitiativeFactory()
    limit = StageTransition._meta.get_field("note").max_length

    response = web_as(reviewer).post(
        move_url(initiative), {"to": "rejected", "note": "x" * (limit + 1)}, follow=True
    )

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert f"at most {limit} characters" in messages_on(response)[0]
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_still_forbids_a_move_outside_the_callers_role(web_as, user, assert_not_moved):
    initiative = InitiativeFactory()

    response = web_as(user).post(move_url(initiative), {"to": "rejected", "note": "No."})

    assert response.status_code == 403
    assert_not_moved(initiative, Stage.SUBMITTED)
