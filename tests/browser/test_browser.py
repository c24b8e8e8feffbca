"""The web UI in a real browser: Debian's Chromium, driven by Playwright's sync API,
against pytest-django's live server.

An idea goes from submission to measured results the way people would do it: a
contributor signs in and submits it (the similar-ideas hint appears as they type), a
reviewer triages it and moves it to the backlog and into its first stage, the owner adds
a target and measurements and sets the change date, and the run chart, the matrix and
the dashboard show the outcome. Inputs are found by their labels and buttons by their
names, so a missing label fails here. The first two tests go through the sign-in form;
the others start signed in (conftest's `sign_in`) and log out through the page.
"""

import re

import pytest
from playwright.sync_api import expect

from improvement.models import Initiative, Methodology, Stage
from metrics.models import Measurement, Target
from tests.factories import (
    AreaFactory,
    InitiativeFactory,
    MetricFactory,
    ReviewerFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

PASSWORD = "pass-for-tests"  # the factories' password

# Committed data the live server can see; serialized_rollback restores what the data
# migrations created (the Reviewers group, the KPI catalog) after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def people(db):
    return {
        "contributor": UserFactory(username="carla", first_name="Carla", last_name="Contributor"),
        "reviewer": ReviewerFactory(username="rita", first_name="Rita", last_name="Reviewer"),
        "owner": UserFactory(username="oscar", first_name="Oscar", last_name="Owner"),
    }


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_it_sends_a_visitor_through_the_login_form_to_the_page_they_asked_for(
    page, live_server, people
):
    page.goto(f"{live_server.url}/matrix/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "/accounts/login/?next=/matrix/" in page.url

    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Impact–effort matrix")).to_be_visible()
    expect(page.get_by_text("Carla Contributor")).to_be_visible()


def test_it_refuses_a_wrong_password(page, live_server, people):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_it_says_what_a_refused_move_still_needs_on_the_initiative_page(
    page, live_server, people, sign_in
):
    idea = TriagedInitiativeFactory(title="Unowned idea", owner=None)
    sign_in(page, people["reviewer"])
    page.goto(f"{live_server.url}/initiatives/{idea.pk}/")

    # A blocked move is marked aria-disabled but stays reachable: a keyboard user submits it.
    blocked = page.get_by_role("button", name="Move to Plan")
    expect(blocked).to_have_attribute("aria-disabled", "true")
    blocked.focus()
    page.keyboard.press("Enter")

    # Refused, the move redirects to the page, which points to what is still missing
    # (listed once, under Next steps, each with its fix).
    expect(page.get_by_role("status")).to_have_text(
        "Not moved to Plan: 1 condition not met yet, listed under Next steps with each fix."
    )
    assert page.url == f"{live_server.url}/initiatives/{idea.pk}/"
    expect(page.get_by_role("heading", name="Unowned idea")).to_be_visible()
    expect(page.get_by_role("link", name="Assign an owner.")).to_be_visible()
    idea.refresh_from_db()
    assert idea.stage == Stage.BACKLOG


def test_it_takes_an_idea_from_submission_to_measured_results(
    page, live_server, people, celery_eager, sign_in
):
    AreaFactory(name="Finance")
    InitiativeFactory(title="Invoice approval takes too long")
    TriagedInitiativeFactory(title="Label the shelves", impact=5, effort=1)
    MetricFactory(name="Invoice cycle time", unit="days")

    # A contributor submits an idea; a similar one is suggested while typing the title.
    sign_in(page, people["contributor"])
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Submit idea", exact=True).click()
    # Typed only once the page has loaded: htmx binds the title's listener then, and
    # text typed before would send no request (a race seen once in CI under load).
    page.wait_for_url("**/ideas/new/", wait_until="load")
    page.get_by_label("Title").fill("Speed up invoice approval")
    similar = page.locator("#similar")
    expect(similar).to_contain_text("Similar ideas already exist")
    expect(similar).to_contain_text("Invoice approval takes too long")
    page.get_by_label("What is the problem?").fill("Invoices wait a week for a signature.")
    page.get_by_label("What would you change?").fill("Let team leads approve small ones.")
    page.get_by_label("Area").select_option(label="Finance")
    page.get_by_label("Pillar").select_option(label="Financial")
    page.get_by_role("button", name="Submit idea").click()
    expect(page.get_by_role("status")).to_contain_text("is submitted")
    expect(page.get_by_role("heading", name="Speed up invoice approval")).to_be_visible()
    idea = Initiative.objects.get(title="Speed up invoice approval")
    assert (idea.stage, idea.submitted_by) == (Stage.SUBMITTED, people["contributor"])
    idea_url = page.url
    assert idea_url.endswith(f"/initiatives/{idea.pk}/")
    log_out(page)

    # A reviewer triages it and accepts it to the backlog in one step, then moves it into
    # its first stage.
    sign_in(page, people["reviewer"])
    page.goto(idea_url)
    page.get_by_label("Impact").select_option("4")
    page.get_by_label("Effort").select_option("2")
    page.get_by_label("Methodology").select_option(label="PDCA")
    page.get_by_label("Owner", exact=True).select_option(label="Oscar Owner")
    page.get_by_role("button", name="Accept to backlog").click()
    expect(page.get_by_role("status")).to_contain_text("Moved to Backlog.")
    page.get_by_role("button", name="Move to Plan").click()
    expect(page.get_by_role("status")).to_contain_text("Moved to Plan.")
    expect(page.locator('[aria-current="step"]')).to_have_text("Plan")
    idea.refresh_from_db()
    assert (idea.stage, idea.methodology, idea.owner) == (
        Stage.PLAN,
        Methodology.PDCA,
        people["owner"],
    )
    assert (idea.impact, idea.effort) == (4, 2)
    log_out(page)

    # The owner adds a target, sets the change date and records measurements.
    sign_in(page, people["owner"])
    page.goto(idea_url)
    page.locator("summary", has_text="Add a target").click()
    page.get_by_label("Metric").select_option(label="Invoice cycle time (days)")
    page.get_by_label("Primary target").check()
    page.get_by_label("Baseline value").fill("7")
    page.get_by_label("Target value").fill("3")
    page.get_by_role("button", name="Add target").click()
    expect(page.get_by_role("status")).to_contain_text("Target on Invoice cycle time added.")
    target = Target.objects.get(initiative=idea)
    assert (target.is_primary, target.baseline_value, target.target_value) == (True, 7.0, 3.0)

    page.locator("summary", has_text="change date").click()
    page.get_by_label("Change went live on").fill("2026-03-05")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")

    page.locator("summary", has_text="Record measurements").click()
    one = page.get_by_role("form", name="Record one measurement of Invoice cycle time")
    one.get_by_label("Observed at").fill("2026-03-02T09:00")
    one.get_by_label("Value").fill("7.2")
    one.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_contain_text("1 measurement of Invoice cycle time")

    page.locator("summary", has_text="Record measurements").click()
    paste = page.get_by_role("form", name="Paste measurements of Invoice cycle time")
    paste.get_by_label("Paste measurements").fill(
        "observed_at,value\n2026-03-03,6.8\n2026-03-09,4.1\n2026-03-10,3.9\n2026-03-11,4.0"
    )
    paste.get_by_role("button", name="Record all").click()
    expect(page.get_by_role("status")).to_contain_text("4 measurements of Invoice cycle time")
    assert Measurement.objects.filter(target=target).count() == 5

    # The run chart and the computed result are on the page.
    chart = page.locator("figure.chart svg")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline.series")).to_have_count(1)
    expect(chart.locator("circle.point")).to_have_count(5)
    expect(chart.locator("line.baseline")).to_have_count(1)
    expect(chart.locator("line.target")).to_have_count(1)
    expect(page.get_by_text("3 points after the change")).to_be_visible()

    # The matrix and the dashboard.
    page.get_by_role("link", name="Matrix", exact=True).click()
    expect(page.get_by_role("heading", name="Impact–effort matrix")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"#\d+ Label the shelves"))).to_be_visible()
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="1 Plan")).to_be_visible()
    expect(page.get_by_role("link", name="Label the shelves")).to_be_visible()
