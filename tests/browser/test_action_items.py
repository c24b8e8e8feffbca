"""Action items in a real browser (Debian's Chromium, Playwright, the live server): the
owner adds one with htmx — refused first, the panel redrawn with what to fix, no page
load — the assignee ticks it off without JavaScript, and then the gate lets Do go. axe
finds nothing to fix on the panel or on My work."""

import pytest
from playwright.sync_api import expect

from actions.models import ActionItem
from improvement.models import Methodology, Stage
from tests.browser.test_accessibility import AXE, EVERY_IMPACT, assert_accessible
from tests.factories import ReadyInitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_action_is_added_with_htmx_and_ticked_off_without_javascript(
    browser, page, live_server, sign_in
):
    oscar = UserFactory(username="oscar", first_name="Oscar", last_name="Owner")
    ann = UserFactory(username="ann", first_name="Ann", last_name="Assignee")
    gone = UserFactory(username="gone", first_name="Gus", last_name="Gone")
    initiative = ReadyInitiativeFactory(
        title="Two bins", methodology=Methodology.PDCA, stage=Stage.DO, owner=oscar
    )
    url = f"{live_server.url}/initiatives/{initiative.pk}/"
    page.context.add_init_script(path=AXE)
    sign_in(page, oscar)
    page.goto(url)
    page.evaluate("window.notReloaded = true")

    panel = page.locator("#actions")
    panel.get_by_text("Add an action item").click()
    panel.get_by_label("Title").fill("Order the bins")
    panel.get_by_label("Assignee").select_option(label="Gus Gone")
    panel.get_by_label("Due date").fill("2030-01-15")
    # Gone meanwhile: the server refuses, and the panel comes back saying why.
    gone.is_active = False
    gone.save()
    panel.get_by_role("button", name="Add the action").click()
    expect(panel.locator(".error")).to_contain_text("Select a valid choice")
    expect(panel.get_by_label("Title")).to_have_value("Order the bins")
    assert not ActionItem.objects.exists()

    panel.get_by_label("Assignee").select_option(label="Ann Assignee")
    panel.get_by_role("button", name="Add the action").click()
    expect(panel.get_by_role("status")).to_have_text("Action “Order the bins” added.")
    expect(panel.get_by_role("cell", name="Order the bins", exact=True)).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    action = ActionItem.objects.get()
    assert (action.assignee, action.stage) == (ann, "do")
    assert_accessible(page, "initiative page with actions as the owner", EVERY_IMPACT)

    # The gate names it, with a link to the panel.
    page.reload()
    gate = page.locator("#move-check")
    expect(gate).to_contain_text("Mark the Do stage's open action items done or cancelled")
    gate.get_by_role("link", name="Mark the Do stage", exact=False).click()
    assert page.url.endswith("#actions")

    # The assignee, without JavaScript: a plain form post and a redirect back.
    plain = browser.new_context(java_script_enabled=False, locale="en-US")
    quiet = plain.new_page()
    sign_in(quiet, ann)
    quiet.goto(f"{live_server.url}/my-work/")
    expect(quiet.locator("#my-actions")).to_contain_text("Order the bins")
    quiet.goto(url)
    quiet.get_by_role("button", name="Mark “Order the bins” done").click()
    expect(quiet.locator(".messages")).to_contain_text("Marked “Order the bins” done.")
    plain.close()
    action.refresh_from_db()
    assert action.status == "done"

    page.reload()
    expect(page.locator("#move-check .checklist")).to_contain_text("Every condition is met")
