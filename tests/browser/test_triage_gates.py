"""Triage in one step and gates that lead, in a real browser (Debian's Chromium,
Playwright's sync API, pytest-django's live server): a reviewer's refused accept comes
back with a focused banner whose links reach the fields, the values typed still there,
and the accept then goes through; an owner follows a gate's link to the closed field
that fixes it, which opens focused, and the move is then allowed."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from improvement.models import Initiative, Methodology, Stage, StageTransition
from tests.factories import (
    InitiativeFactory,
    ReadyInitiativeFactory,
    ReviewerFactory,
    UserFactory,
)

# Committed data the live server can see; serialized_rollback restores what the data
# migrations created (the Reviewers group) after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_triages_an_idea_in_one_step_after_fixing_what_the_banner_links_to(
    page, live_server, sign_in
):
    reviewer = ReviewerFactory(username="rita", first_name="Rita", last_name="Reviewer")
    oscar = UserFactory(username="oscar", first_name="Oscar", last_name="Owner")
    idea = InitiativeFactory(title="Label the shelves")
    sign_in(page, reviewer)
    page.goto(f"{live_server.url}/initiatives/{idea.pk}/")

    # One form: scores, people and the decision. The methodology is forgotten.
    triage = page.locator("#triage")
    expect(triage.get_by_role("button", name="Save triage")).to_have_count(0)
    triage.get_by_label("Impact").select_option("4")
    triage.get_by_label("Effort").select_option("2")
    triage.get_by_label("Owner", exact=True).select_option(label="Oscar Owner")
    triage.get_by_role("button", name="Accept to backlog").click()

    # Refused: back on the page, the banner first and focused, nothing saved.
    banner = page.locator("#problems")
    expect(banner).to_be_focused()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("Not accepted to the backlog: nothing was saved.")
    assert page.url == f"{live_server.url}/initiatives/{idea.pk}/"
    idea.refresh_from_db()
    assert (idea.stage, idea.impact, idea.owner) == (Stage.SUBMITTED, None, None)

    # The values typed are still there; the banner's link reaches the field to fix.
    expect(triage.get_by_label("Impact")).to_have_value("4")
    expect(triage.get_by_label("Owner", exact=True)).to_have_value(str(oscar.pk))
    link = banner.get_by_role("link", name="Methodology: Choose PDCA or DMAIC.")
    link.click()
    assert page.url.endswith("#id_methodology")
    methodology = triage.get_by_label("Methodology")
    expect(methodology).to_be_in_viewport()
    methodology.select_option(label="PDCA")
    triage.get_by_role("button", name="Accept to backlog").click()

    expect(page.get_by_role("status")).to_contain_text("Moved to Backlog.")
    expect(page.locator("#problems")).to_have_count(0)
    idea.refresh_from_db()
    assert (idea.stage, idea.impact, idea.effort, idea.methodology) == (
        Stage.BACKLOG,
        4,
        2,
        Methodology.PDCA,
    )
    assert idea.owner == oscar
    assert StageTransition.objects.filter(initiative=idea, to_stage=Stage.BACKLOG).count() == 1


def test_it_leads_from_a_gate_to_the_closed_field_that_fixes_it(page, live_server, sign_in):
    owner = UserFactory(username="olga", first_name="Olga", last_name="Owner")
    initiative = ReadyInitiativeFactory(
        title="One in-tray", stage=Stage.DO, owner=owner, implemented_on=None
    )
    sign_in(page, owner)
    page.goto(f"{live_server.url}/initiatives/{initiative.pk}/")

    move = page.locator("#move-check")
    expect(move.get_by_role("button", name="Move to Check")).to_have_attribute(
        "aria-disabled", "true"
    )
    field = page.get_by_label("Change went live on")
    expect(field).to_be_hidden()  # in the closed panel

    move.get_by_role("link", name="Set the date the change went live.").click()

    assert page.url.endswith("?fix=implemented_on#id_implemented_on")
    expect(field).to_be_visible()
    expect(field).to_be_focused()
    field.fill("2026-03-02")
    page.locator("details.execution").get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")

    # The gate is met now (the factory's measurement is after that date).
    expect(
        page.locator("#move-check").get_by_role("button", name="Move to Check")
    ).not_to_have_attribute("aria-disabled", "true")
    page.locator("#move-check").get_by_role("button", name="Move to Check").click()
    expect(page.get_by_role("status")).to_contain_text("Moved to Check.")
    initiative = Initiative.objects.get(pk=initiative.pk)
    assert (initiative.stage, initiative.implemented_on) == (Stage.CHECK, dt.date(2026, 3, 2))
