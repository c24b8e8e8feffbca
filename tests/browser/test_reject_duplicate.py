"""Rejecting an idea as a duplicate in a real browser (Debian's Chromium, Playwright's sync
API, pytest-django's live server): the number alone is enough — the browser does not hold
the form back for the empty reason — and a refused move lands on the initiative page, which
a refresh loads again rather than posting the form a second time."""

import pytest
from playwright.sync_api import expect

from improvement.models import Initiative, Stage, StageTransition
from tests.factories import InitiativeFactory, ReviewerFactory, TriagedInitiativeFactory

# Committed data the live server can see; serialized_rollback restores what the data
# migrations created (the Reviewers group) after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def reviewer(db):
    return ReviewerFactory(username="rita", first_name="Rita", last_name="Reviewer")


def reject_form(page):
    """A submitted idea is rejected in the one-step triage form: its "Reject" part."""
    return page.locator("fieldset.decision").filter(has=page.get_by_role("button", name="Reject"))


def test_it_rejects_an_idea_as_a_duplicate_given_only_its_number(
    page, live_server, reviewer, sign_in
):
    original = TriagedInitiativeFactory(title="Label the shelves")
    idea = InitiativeFactory(title="Put labels on the shelves")
    sign_in(page, reviewer)
    page.goto(f"{live_server.url}/initiatives/{idea.pk}/")

    form = reject_form(page)
    expect(form.get_by_label("Reason")).to_have_value("")
    form.get_by_label("Or duplicate of idea number").fill(str(original.pk))
    form.get_by_role("button", name="Reject").click()

    expect(page.get_by_role("status")).to_contain_text("Moved to Rejected.")
    expect(
        page.get_by_text(f"This idea duplicates #{original.pk} Label the shelves")
    ).to_be_visible()
    assert page.url == f"{live_server.url}/initiatives/{idea.pk}/"
    idea.refresh_from_db()
    assert (idea.stage, idea.duplicate_of, idea.rejection_reason) == (
        Stage.REJECTED,
        original,
        "",
    )


def test_it_shows_a_refused_rejection_on_the_page_and_does_not_post_it_again(
    page, live_server, reviewer, sign_in
):
    idea = InitiativeFactory(title="Put labels on the shelves")
    sign_in(page, reviewer)
    page.goto(f"{live_server.url}/initiatives/{idea.pk}/")

    # Neither a reason nor a number: the browser sends it (neither is required), the
    # workflow refuses it.
    reject_form(page).get_by_role("button", name="Reject").click()

    banner = page.locator("#problems")
    expect(banner).to_contain_text("Not rejected: nothing was saved.")
    expect(banner).to_contain_text("Give a reason for the rejection, or the idea it duplicates.")
    assert page.url == f"{live_server.url}/initiatives/{idea.pk}/"

    methods = []
    page.on("request", lambda request: methods.append(request.method))
    page.reload()

    expect(page.get_by_role("heading", name="Put labels on the shelves")).to_be_visible()
    expect(page.locator("#problems")).to_have_count(0)  # shown once, then gone
    assert methods[0] == "GET"
    assert "POST" not in methods
    assert Initiative.objects.get(pk=idea.pk).stage == Stage.SUBMITTED
    assert not StageTransition.objects.filter(initiative=idea).exists()
