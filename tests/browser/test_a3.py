"""The A3 in a real browser (Debian's Chromium, Playwright, the live server): the owner
adds an action item, attaches a photo, fills a 5-why on the initiative page, opens the
A3 page and downloads its PDF — whose text holds the title, the baseline and the result."""

import datetime as dt
import io

import pypdf
import pytest
from PIL import Image
from playwright.sync_api import expect

from improvement.models import Methodology, Stage
from problem_solving.models import FiveWhy
from tests.factories import (
    TriagedInitiativeFactory,
    UserFactory,
)
from tests.problem_solving.factories import measured_approval_target

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "teal").save(out, format="PNG")
    return out.getvalue()


def test_an_action_a_photo_and_a_five_why_end_up_in_the_a3_pdf(page, live_server, sign_in):
    olga = UserFactory(username="olga", first_name="Olga", last_name="Owner")
    initiative = TriagedInitiativeFactory(
        title="Faster invoice approval",
        methodology=Methodology.DMAIC,
        stage=Stage.ANALYZE,
        owner=olga,
        root_cause="",
        implemented_on=dt.date(2026, 3, 2),
    )
    measured_approval_target(initiative)
    sign_in(page, olga)
    page.goto(f"{live_server.url}/initiatives/{initiative.pk}/")

    # An action item.
    actions = page.locator("#actions")
    actions.get_by_text("Add an action item").click()
    actions.get_by_label("Title").fill("Merge the two in-trays")
    actions.get_by_label("Assignee").select_option(label="Olga Owner")
    actions.get_by_label("Due date").fill("2030-01-15")
    actions.get_by_role("button", name="Add the action").click()
    expect(actions.get_by_role("cell", name="Merge the two in-trays", exact=True)).to_be_visible()

    # A photo.
    files = page.locator("#attachments")
    files.get_by_label("Or take a photo").set_input_files(
        files=[{"name": "in-trays.png", "mimeType": "image/png", "buffer": photo()}]
    )
    files.get_by_role("button", name="Attach", exact=True).click()
    expect(page.locator("#attachments")).to_contain_text("in-trays.png")

    # A 5-why, its root cause verified: the gate to Improve is met.
    form = page.locator("details.add-five-why form")
    form.get_by_label("Problem").fill("Approval takes 12 hours.")
    form.get_by_label("Why 1?").fill("Invoices wait for a second signature.")
    form.get_by_label("Why 2?").fill("Two managers sign in turn.")
    form.locator("input[name='new-chain-root_cause'][value='2']").check()
    form.get_by_label("The root cause is verified").check()
    form.get_by_role("button", name="Add the 5-why").click()
    expect(page.locator("#analysis ol.whys")).to_contain_text("Two managers sign in turn.")
    expect(page.locator("#move-improve")).to_contain_text("Every condition is met")
    chain = FiveWhy.objects.get(initiative=initiative)
    assert chain.steps.get(position=2).verified

    # The A3, and its PDF.
    page.get_by_role("link", name="A3 / charter page").click()
    expect(page.get_by_role("heading", name="Faster invoice approval")).to_be_visible()
    expect(page.locator(".a3")).to_contain_text("Merge the two in-trays")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    path = download.value.path()
    reader = pypdf.PdfReader(path)
    text = "\n".join(p.extract_text() for p in reader.pages)

    assert len(reader.pages) == 1
    assert "Faster invoice approval" in text
    assert "12.5" in text  # the baseline
    assert "Improving" in text and "+28" in text  # the result
    assert "Merge the two in-trays" in text  # the countermeasure
    assert "Two managers sign in turn." in text  # the 5-why
