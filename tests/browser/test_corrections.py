"""Corrections in a real browser (Debian's Chromium, Playwright, the live server): the
owner opens a target's recording panel on the initiative page, edits the target to mark
it primary, and corrects a measurement with a reason that then shows on the timeline.
The forms arrive by htmx and post as plain forms; inputs are found by their labels."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from metrics.models import Measurement, Target
from tests.factories import LiveInitiativeFactory, MeasurementFactory, TargetFactory, UserFactory

# Committed data the live server can see; serialized_rollback restores what the data
# migrations created (the Reviewers group, the KPI catalog) after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def target(db):
    owner = UserFactory(username="oscar", first_name="Oscar", last_name="Owner")
    initiative = LiveInitiativeFactory(owner=owner, title="Faster refunds")
    return TargetFactory(
        initiative=initiative, metric__name="Refund time", is_primary=False, target_value=8.0
    )


@pytest.fixture
def open_recording_panel(page, live_server, sign_in):
    """`open_recording_panel(target)`: its owner signed in, its recording panel open on
    the initiative page."""

    def open_recording_panel(target) -> None:
        sign_in(page, target.initiative.owner)
        page.goto(f"{live_server.url}/initiatives/{target.initiative_id}/")
        page.locator(f"#target-{target.pk} summary", has_text="Record measurements").click()
        expect(page.get_by_role("link", name="Edit the target")).to_be_visible()

    return open_recording_panel


def test_it_marks_a_target_primary_from_the_recording_panel(page, open_recording_panel, target):
    open_recording_panel(target)

    page.get_by_role("link", name="Edit the target").click()
    form = page.get_by_role("form", name="Edit the target on Refund time")
    expect(form).to_be_visible()
    expect(form.get_by_label("Target value")).to_have_value("8.0")
    form.get_by_label("Primary target").check()
    form.get_by_label("Reason").fill("The initiative's main measure")
    form.get_by_role("button", name="Save the target").click()

    expect(page.get_by_role("status")).to_contain_text("Target on Refund time saved.")
    expect(page.locator(f"#target-{target.pk}-h")).to_contain_text("Primary")
    assert Target.objects.get(pk=target.pk).is_primary
    expect(page.locator("ol.timeline")).to_contain_text(
        "Oscar Owner changed the target on Refund time"
    )


def test_it_corrects_a_measurement_with_a_reason_shown_on_the_timeline(
    page, open_recording_panel, target
):
    measurement = MeasurementFactory(
        target=target, observed_at=dt.datetime(2026, 4, 7, 9, 30, tzinfo=dt.UTC), value=9.5
    )
    open_recording_panel(target)

    page.get_by_role("link", name="Correct the measurement of 2026-04-07 09:30").click()
    form = page.get_by_role("form", name="Correct the measurement of 2026-04-07 09:30 (9.5)")
    expect(form.get_by_label("Value")).to_have_value("9.5")
    form.get_by_label("Value").fill("12.5")
    form.get_by_label("Reason").fill("Typed 9.5 for 12.5")
    form.get_by_role("button", name="Save the correction").click()

    expect(page.get_by_role("status")).to_contain_text("Measurement of Refund time corrected.")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Oscar Owner changed the measurement of Refund time")
    expect(timeline).to_contain_text("Value: 9.5 → 12.5")
    expect(timeline).to_contain_text("Reason: Typed 9.5 for 12.5")
    measurement.refresh_from_db()
    assert measurement.value == 12.5
    version = Measurement.audit.filter(id=measurement.pk).order_by("-history_id").first()
    assert version.history_change_reason == "Typed 9.5 for 12.5"


def test_it_asks_for_the_reason_before_a_measurement_is_deleted(page, open_recording_panel, target):
    measurement = MeasurementFactory(
        target=target, observed_at=dt.datetime(2026, 4, 7, 9, 30, tzinfo=dt.UTC)
    )
    open_recording_panel(target)

    page.get_by_role("link", name="Delete the measurement of 2026-04-07 09:30").click()
    form = page.get_by_role("form", name="Delete the measurement of 2026-04-07 09:30 (9.5)")
    form.get_by_role("button", name="Delete the measurement").click()
    # The browser holds the form back until a reason is given.
    assert form.get_by_label("Reason").evaluate("input => input.validity.valueMissing")
    assert Measurement.objects.filter(pk=measurement.pk).exists()

    form.get_by_label("Reason").fill("Entered twice")
    form.get_by_role("button", name="Delete the measurement").click()

    expect(page.get_by_role("status")).to_contain_text("Measurement of Refund time deleted.")
    assert not Measurement.objects.filter(pk=measurement.pk).exists()
