"""The admin pages of the metrics app: every model lists, adds and changes as it should,
frozen baselines stay frozen, a target shows its latest measurements, and a closed
quarter's ledger is read-only. The improvement models' admin is in
tests/improvement/test_admin.py."""

import datetime as dt
import re

import factory
import pytest
from django.urls import reverse
from django.utils import timezone

from improvement.models import Initiative
from metrics.admin.records import MEASUREMENT_INLINE_ROWS
from metrics.models import (
    BaselineSource,
    Measurement,
    Metric,
    QuarterClose,
    QuarterlyResult,
    ResultSnapshot,
    SignalAlert,
    Target,
)
from tests.admin_forms import admin_url, form_data
from tests.factories import (
    MeasurementFactory,
    MetricFactory,
    QuarterCloseFactory,
    QuarterlyResultFactory,
    ResultSnapshotFactory,
    SignalAlertFactory,
    TargetFactory,
)


class AnyQuarterCloseFactory(QuarterCloseFactory):
    # One close per quarter: a distinct year for each row.
    year = factory.Sequence(lambda n: 2030 + n % 150)


# model, factory for a row, text the changelist shows for that row, add page status
CASES = [
    pytest.param(Metric, MetricFactory, lambda o: o.name, 200, id="metric"),
    pytest.param(Target, TargetFactory, lambda o: o.metric.name, 403, id="target"),
    # Its add page is the import page.
    pytest.param(Measurement, MeasurementFactory, lambda o: str(o.target), 302, id="measurement"),
    pytest.param(
        ResultSnapshot, ResultSnapshotFactory, lambda o: str(o.target), 403, id="result-snapshot"
    ),
    pytest.param(
        QuarterlyResult,
        QuarterlyResultFactory,
        lambda o: o.initiative.title,
        403,
        id="quarterly-result",
    ),
    pytest.param(QuarterClose, AnyQuarterCloseFactory, str, 200, id="quarter-close"),
    pytest.param(
        SignalAlert, SignalAlertFactory, lambda o: o.target.initiative.title, 403, id="signal-alert"
    ),
]

# Viewable in the admin, never edited there.
READ_ONLY = {ResultSnapshot, SignalAlert, Measurement}


# --- Frozen baselines ---------------------------------------------------------------


def frozen_target(**kwargs):
    return TargetFactory(
        baseline_value=10.0,
        baseline_source=BaselineSource.MANUAL,
        frozen_at=timezone.now(),
        **kwargs,
    )


def test_it_keeps_a_frozen_baseline_without_a_reason(admin_client):
    target = frozen_target()
    url = admin_url(Target, "change", target.pk)
    page = admin_client.get(url)

    response = admin_client.post(url, form_data(page, {"baseline_value": "99"}))

    assert response.status_code == 200
    assert "Give the reason for this correction" in response.content.decode()
    target.refresh_from_db()
    assert target.baseline_value == 10.0


def test_it_corrects_a_frozen_baseline_with_a_reason_in_the_history(admin_client, admin_user):
    target = frozen_target(target_value=8.0)
    url = admin_url(Target, "change", target.pk)
    page = admin_client.get(url)

    response = admin_client.post(
        url, form_data(page, {"baseline_value": "12", "reason": "Typed 10 for 12."})
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.baseline_value == 12.0
    change = target.audit.latest()
    assert (change.history_user, change.history_change_reason) == (admin_user, "Typed 10 for 12.")
    assert change.diff_against(change.prev_record).changed_fields == ["baseline_value"]


def test_it_edits_a_baseline_that_is_not_frozen(admin_client):
    target = TargetFactory(baseline_value=10.0)
    url = admin_url(Target, "change", target.pk)
    page = admin_client.get(url)

    response = admin_client.post(url, form_data(page, {"baseline_value": "12.5"}))

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.baseline_value == 12.5


def test_it_shows_the_initiatives_targets_read_only(admin_client):
    frozen = frozen_target()
    url = admin_url(Initiative, "change", frozen.initiative.pk)

    page = admin_client.get(url)

    assert page.status_code == 200
    assert b'name="targets-0-baseline_value"' not in page.content
    assert frozen.metric.name in page.content.decode()


def closed_row() -> QuarterlyResult:
    target = TargetFactory()
    row = QuarterlyResultFactory(initiative=target.initiative, target=target, year=2026, quarter=1)
    QuarterCloseFactory(year=2026, quarter=1)
    return row


def test_it_refuses_to_delete_a_target_of_a_closed_quarter(admin_client):
    row = closed_row()
    url = admin_url(Target, "delete", row.target.pk)

    page = admin_client.get(url)
    response = admin_client.post(url, {"post": "yes"})

    assert "closed quarter" in page.content.decode()
    assert response.status_code in (200, 403)
    assert Target.objects.filter(pk=row.target.pk).exists()
    assert QuarterlyResult.objects.get(pk=row.pk).target_id == row.target_id


def test_it_refuses_to_delete_an_initiative_of_a_closed_quarter(admin_client):
    row = closed_row()

    admin_client.post(admin_url(Initiative, "delete", row.initiative.pk), {"post": "yes"})

    assert QuarterlyResult.objects.filter(pk=row.pk, target=row.target).exists()


# --- Measurements on a target ---------------------------------------------------------


def test_it_shows_only_the_latest_measurements_on_a_target(admin_client):
    target = TargetFactory()
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for day in range(MEASUREMENT_INLINE_ROWS + 5):
        MeasurementFactory(target=target, observed_at=start + dt.timedelta(days=day))
    url = admin_url(Target, "change", target.pk)

    page = admin_client.get(url)

    (inline,) = page.context["inline_admin_formsets"]
    shown = [form.instance.observed_at for form in inline.formset.initial_forms]
    assert len(shown) == MEASUREMENT_INLINE_ROWS
    assert shown[0] == start + dt.timedelta(days=MEASUREMENT_INLINE_ROWS + 4)
    # The page links to all of them.
    link = re.search(r'href="([^"]+)">All (\d+)<', page.content.decode())
    assert link.group(2) == str(MEASUREMENT_INLINE_ROWS + 5)
    listed = admin_client.get(link.group(1))
    assert listed.context["cl"].result_count == MEASUREMENT_INLINE_ROWS + 5


def test_it_records_measurements_only_through_the_import(admin_client):
    measurement = MeasurementFactory(value=9.5)
    change = admin_url(Measurement, "change", measurement.pk)

    assert admin_client.get(admin_url(Measurement, "add")).url == reverse(
        "admin:metrics_measurement_import"
    )
    assert admin_client.post(change, {"value": "1e300"}).status_code == 403
    assert (
        admin_client.post(
            admin_url(Measurement, "delete", measurement.pk), {"post": "yes"}
        ).status_code
        == 403
    )
    measurement.refresh_from_db()
    assert measurement.value == 9.5


# --- Quarterly ledger ---------------------------------------------------------------


def test_it_makes_a_closed_quarters_ledger_row_read_only(admin_client):
    QuarterCloseFactory(year=2026, quarter=3)
    row = QuarterlyResultFactory(year=2026, quarter=3)
    url = admin_url(QuarterlyResult, "change", row.pk)

    page = admin_client.get(url)
    response = admin_client.post(url, {"validated_benefit": "1000", "review_note": "ok"})

    assert page.status_code == 200
    assert b'name="validated_benefit"' not in page.content
    assert response.status_code == 403
    assert admin_client.get(admin_url(QuarterlyResult, "delete", row.pk)).status_code == 403
    row.refresh_from_db()
    assert row.validated_benefit is None
    assert row.review_note == ""


def test_it_records_a_validated_benefit_in_an_open_quarter(admin_client):
    QuarterCloseFactory(year=2026, quarter=2)
    row = QuarterlyResultFactory(year=2026, quarter=3)
    url = admin_url(QuarterlyResult, "change", row.pk)
    page = admin_client.get(url)

    response = admin_client.post(
        url, form_data(page, {"validated_benefit": "1000.50", "review_note": "checked"})
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert str(row.validated_benefit) == "1000.50"
    assert row.review_note == "checked"


def test_it_records_who_closed_a_quarter(admin_client, admin_user):
    response = admin_client.post(
        admin_url(QuarterClose, "add"), {"year": 2026, "quarter": 1, "note": "signed off"}
    )

    assert response.status_code == 302
    close = QuarterClose.objects.get(year=2026, quarter=1)
    assert close.closed_by == admin_user
    assert admin_client.get(admin_url(QuarterClose, "delete", close.pk)).status_code == 403


# --- Autocomplete -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name", "make", "term"),
    [
        ("metrics", "target", "metric", lambda: MetricFactory(name="Pick rate"), "pick"),
        (
            "metrics",
            "measurement",
            "target",
            lambda: TargetFactory(metric=MetricFactory(name="Pick rate")),
            "pick",
        ),
    ],
)
def test_it_autocompletes_related_rows(admin_client, app_label, model_name, field_name, make, term):
    row = make()

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )

    assert response.status_code == 200
    assert {"id": str(row.pk), "text": str(row)} in response.json()["results"]


def test_it_lets_a_staff_reviewer_review_the_ledger_in_the_admin(client, reviewer):
    reviewer.is_staff = True
    reviewer.save(update_fields=["is_staff"])
    row = QuarterlyResultFactory()
    client.force_login(reviewer)

    assert client.get(admin_url(QuarterlyResult, "changelist")).status_code == 200
    assert client.get(admin_url(Initiative, "changelist")).status_code == 200
    response = client.get(admin_url(QuarterlyResult, "change", row.pk))
    assert response.status_code == 200
    response = client.post(
        admin_url(QuarterlyResult, "change", row.pk),
        form_data(response, {"validated_benefit": "1234.50", "review_note": "Checked."}),
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert (str(row.validated_benefit), row.review_note) == ("1234.50", "Checked.")
