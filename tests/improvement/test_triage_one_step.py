"""Triage in one step: on a submitted idea a reviewer fills in the scores, estimates,
methodology and people, and accepts it to the backlog or rejects it — one form, one button
per decision. The fields are saved and the move made together, or neither is; a refused
decision returns to the page (POST/redirect/GET) with the form as it was filled in and a
banner linking to each field to fix."""

import re

import pytest
from django.urls import reverse

from improvement.models import Initiative, Methodology, Notification, Stage, StageTransition
from tests.factories import InitiativeFactory, TriagedInitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name: str, initiative: Initiative) -> str:
    return reverse(f"improvement:{name}", args=[initiative.pk])


def page_of(initiative: Initiative) -> str:
    return url("initiative", initiative)


def decision(**overrides) -> dict:
    data = {
        "impact": "4",
        "effort": "2",
        "methodology": "pdca",
        "owner": "",
        "sponsor": "",
        "estimated_annual_benefit": "50000",
        "estimated_cost": "10000",
        "confidence": "0.8",
        "accept_note": "",
        "note": "",
        "duplicate_of": "",
        "decision": "accept",
    }
    return {**data, **overrides}


def banner(html: str) -> str:
    match = re.search(r'<div class="problems"[^>]*>.*?</div>', html, re.S)
    assert match, "no banner"
    return match.group(0)


def assert_untouched(initiative: Initiative) -> None:
    """Nothing of a refused decision is left: no field, no move, no notification, no
    history row beyond the idea's creation."""
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED
    assert (initiative.impact, initiative.effort, initiative.methodology) == (None, None, "")
    assert initiative.owner is None
    assert initiative.confidence is None
    assert not StageTransition.objects.filter(initiative=initiative).exists()
    assert not Notification.objects.exists()
    assert initiative.audit.count() == 1


# --- the form ------------------------------------------------------------------------------


def test_it_offers_a_reviewer_one_form_with_a_button_per_decision(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{url("decide", initiative)}"' in html
    assert '<button type="submit" name="decision" value="accept"' in html
    assert '<button type="submit" name="decision" value="reject"' in html
    assert ">Accept to backlog</button>" in html
    assert ">Reject</button>" in html
    for field in ("impact", "effort", "methodology", "owner", "sponsor", "confidence", "note"):
        assert f'<label for="id_{field}">' in html
    # Not in two places: no separate triage form, no separate triage moves.
    assert "Save triage" not in html
    assert url("triage", initiative) not in html
    assert "Move to Backlog" not in html
    assert "Move to Rejected" not in html


def test_it_lets_the_browser_send_a_rejection_with_either_a_reason_or_a_number(web_as, reviewer):
    initiative = InitiativeFactory()

    html = web_as(reviewer).get(page_of(initiative)).content.decode()

    note = re.search(r'<textarea[^>]*id="id_note"[^>]*>', html).group(0)
    number = re.search(r'<input[^>]*id="id_duplicate_of"[^>]*>', html).group(0)
    assert "required" not in note
    assert "required" not in number
    assert "Give a reason, or the number of the idea this one duplicates." in html


def test_it_keeps_the_separate_triage_form_for_rescoring_the_backlog(web_as, reviewer):
    initiative = TriagedInitiativeFactory()

    response = web_as(reviewer).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Save triage" in html
    assert url("decide", initiative) not in html
    assert response.context["decision_form"] is None


def test_it_rescores_a_backlog_item_with_the_separate_form(web_as, reviewer):
    initiative = TriagedInitiativeFactory(impact=4, effort=2)

    response = web_as(reviewer).post(
        url("triage", initiative),
        decision(impact="2", effort="5", owner=initiative.owner_id),
    )

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.impact, initiative.effort, initiative.stage) == (2, 5, Stage.BACKLOG)


def test_it_shows_no_decision_to_a_contributor(web_as):
    me = UserFactory()
    initiative = InitiativeFactory(submitted_by=me)

    html = web_as(me).get(page_of(initiative)).content.decode()

    assert url("decide", initiative) not in html
    assert "Accept to backlog" not in html


# --- accepting -----------------------------------------------------------------------------


def test_it_accepts_a_scored_idea_to_the_backlog_in_one_step(web_as, reviewer):
    owner = UserFactory(first_name="Olga", last_name="Owner")
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("decide", initiative), decision(owner=owner.pk, accept_note="A quick win.")
    )

    assert response.status_code == 302
    assert response["Location"] == page_of(initiative)
    initiative.refresh_from_db()
    assert initiative.stage == Stage.BACKLOG
    assert (initiative.impact, initiative.effort) == (4, 2)
    assert initiative.methodology == Methodology.PDCA
    assert initiative.owner == owner
    assert str(initiative.confidence) == "0.80"
    move = StageTransition.objects.get(initiative=initiative)
    assert (move.from_stage, move.to_stage, move.actor, move.note) == (
        Stage.SUBMITTED,
        Stage.BACKLOG,
        reviewer,
        "A quick win.",
    )
    assert Notification.objects.filter(recipient=owner, initiative=initiative).exists()


def test_it_confirms_the_decision_on_the_page(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(url("decide", initiative), decision(), follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Moved to Backlog." in html
    assert '<span class="stage big">Backlog</span>' in html
    assert 'class="problems"' not in html


def test_it_saves_nothing_when_the_accept_is_refused(web_as, reviewer):
    owner = UserFactory()
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("decide", initiative), decision(methodology="", owner=owner.pk)
    )

    # Refused by the gate after the fields passed the form: the saved fields are undone.
    assert response.status_code == 302
    assert response["Location"] == page_of(initiative)
    assert_untouched(initiative)


def test_it_returns_a_refused_accept_to_the_page_with_a_banner_linking_to_the_fields(
    web_as, reviewer
):
    initiative = InitiativeFactory()
    client = web_as(reviewer)

    response = client.post(
        url("decide", initiative), decision(impact="", methodology=""), follow=True
    )

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert response.status_code == 200
    html = response.content.decode()
    shown = banner(html)
    assert 'role="alert"' in shown
    assert 'tabindex="-1"' in shown
    assert "autofocus" in shown
    assert "Not accepted to the backlog: nothing was saved." in shown
    assert '<a href="#id_impact">Impact (1–5): Score the impact (1–5).</a>' in shown
    assert '<a href="#id_methodology">Methodology: Choose PDCA or DMAIC.</a>' in shown
    assert "effort" not in shown.lower()  # it was given
    # The banner comes first on the page, before the idea's heading.
    assert html.index('class="problems"') < html.index("<h1>")
    # The form as it was filled in, each error by its field.
    form = response.context["decision_form"]
    assert form["effort"].value() == "2"
    assert form["confidence"].value() == "0.8"
    assert set(form.errors) == {"impact", "methodology"}
    assert '<option value="2" selected>2</option>' in html
    assert_untouched(initiative)


def test_it_shows_a_refused_decision_once(web_as, reviewer):
    initiative = InitiativeFactory()
    client = web_as(reviewer)
    client.post(url("decide", initiative), decision(methodology=""), follow=True)

    again = client.get(page_of(initiative))

    assert again.status_code == 200
    assert 'class="problems"' not in again.content.decode()
    assert not again.context["decision_form"].is_bound


def test_it_links_the_forms_own_errors_in_the_banner(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("decide", initiative), decision(impact="9", confidence="2"), follow=True
    )

    shown = banner(response.content.decode())
    assert '<a href="#id_impact">Impact (1–5): Select a valid choice.' in shown
    assert '<a href="#id_confidence">Confidence (0–1):' in shown
    assert_untouched(initiative)


def test_it_refuses_an_accept_that_carries_a_rejection_reason(web_as, reviewer):
    """Enter in the number field presses the first button, "Accept to backlog"."""
    original = TriagedInitiativeFactory()
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("decide", initiative), decision(duplicate_of=original.pk), follow=True
    )

    shown = banner(response.content.decode())
    assert '<a href="#id_duplicate_of">Or duplicate of idea number: This is for a rejection' in (
        shown
    )
    assert_untouched(initiative)


# --- rejecting -----------------------------------------------------------------------------


def test_it_rejects_an_idea_given_only_a_duplicate_number(web_as, reviewer):
    original = TriagedInitiativeFactory(title="The first one")
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("decide", initiative),
        decision(decision="reject", impact="", effort="", methodology="", duplicate_of=original.pk),
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


def test_it_rejects_an_idea_with_a_reason_and_keeps_its_scores(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("decide", initiative),
        decision(decision="reject", impact="1", effort="5", note="Out of scope."),
        follow=True,
    )

    assert response.status_code == 200
    assert "Moved to Rejected." in response.content.decode()
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.rejection_reason) == (Stage.REJECTED, "Out of scope.")
    assert (initiative.impact, initiative.effort) == (1, 5)


def test_it_refuses_a_rejection_without_a_reason_and_links_to_it(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("decide", initiative),
        decision(decision="reject", impact="", effort="", methodology=""),
        follow=True,
    )

    assert response.redirect_chain == [(page_of(initiative), 302)]
    shown = banner(response.content.decode())
    assert "Not rejected: nothing was saved." in shown
    assert (
        '<a href="#id_note">Reason: Give a reason for the rejection, or the idea it duplicates.'
        in shown
    )
    assert_untouched(initiative)


def test_it_refuses_a_duplicate_of_a_closed_idea_and_links_to_the_number(web_as, reviewer):
    closed = InitiativeFactory(stage=Stage.REJECTED, rejection_reason="No.")
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("decide", initiative),
        decision(decision="reject", duplicate_of=closed.pk),
        follow=True,
    )

    shown = banner(response.content.decode())
    assert f'<a href="#id_duplicate_of">Or duplicate of idea number: #{closed.pk} is rejected' in (
        shown
    )
    assert_untouched(initiative)


# --- who may, and what is refused first -----------------------------------------------------


def test_it_forbids_a_contributor_before_looking_at_the_values(web_as):
    me = UserFactory()
    initiative = InitiativeFactory(submitted_by=me)

    response = web_as(me).post(url("decide", initiative), decision(impact="9", owner=me.pk))

    assert response.status_code == 403
    assert_untouched(initiative)


def test_it_forbids_the_owner_to_be_a_reviewer(web_as):
    owner = UserFactory()
    initiative = InitiativeFactory(owner=owner)

    response = web_as(owner).post(url("decide", initiative), decision())

    assert response.status_code == 403
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_refuses_a_decision_from_a_get(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).get(url("decide", initiative))

    assert response.status_code == 405


def test_it_answers_404_for_a_missing_idea(web_as, reviewer):
    response = web_as(reviewer).post(reverse("improvement:decide", args=[999_999]), decision())

    assert response.status_code == 404


def test_it_refuses_a_decision_on_an_idea_already_triaged(web_as, reviewer):
    initiative = TriagedInitiativeFactory(impact=3)

    response = web_as(reviewer).post(url("decide", initiative), decision(impact="5"), follow=True)

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Nothing was saved. Backlog cannot move to Backlog."
    ]
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.impact) == (Stage.BACKLOG, 3)
    assert not StageTransition.objects.filter(initiative=initiative).exists()


def test_it_refuses_a_decision_without_a_button(web_as, reviewer):
    initiative = InitiativeFactory()
    data = decision()
    del data["decision"]

    response = web_as(reviewer).post(url("decide", initiative), data, follow=True)

    assert "Choose “Accept to backlog” or “Reject”." in banner(response.content.decode())
    assert_untouched(initiative)


# --- query counts ----------------------------------------------------------------------------


def test_it_shows_a_refused_decision_in_fixed_queries(web_as, count_queries, reviewer):
    """The page that shows a refused decision again reads a fixed few more queries than
    the page itself (the kept form's idea and the owner it names), however many people
    there are to choose from."""
    client = web_as(reviewer)
    counts = []
    for people in (1, 10):
        UserFactory.create_batch(people)
        initiative = InitiativeFactory()
        owner = UserFactory()
        client.post(url("decide", initiative), decision(methodology="", owner=owner.pk))
        counts.append(count_queries(client, page_of(initiative))[1])

    assert counts[0] == counts[1]


def test_it_sends_an_anonymous_decision_to_the_login(client):
    initiative = InitiativeFactory()

    response = client.post(url("decide", initiative), decision())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert_untouched(initiative)
