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
    pytest.param(Target, TargetFactory, lambda o: o.metric.name, 200, id="target"),
    pytest.param(Measurement, MeasurementFactory, lambda o: str(o.target), 200, id="measurement"),
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
READ_ONLY = {ResultSnapshot, SignalAlert}


# --- Frozen baselines ---------------------------------------------------------------


def frozen_target(**kwargs):
    return TargetFactory(
        baseline_value=10.0,
        baseline_source=BaselineSource.MANUAL,
        frozen_at=timezone.now(),
        **kwargs,
    )


def test_it_keeps_a_frozen_baseline_on_the_target_page(admin_client):
    target = frozen_target()
    url = admin_url(Target, "change", target.pk)
    page = admin_client.get(url)
    assert b'name="baseline_value"' not in page.content

    response = admin_client.post(url, form_data(page, {"baseline_value": "99"}))

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.baseline_value == 10.0


def test_it_edits_a_baseline_that_is_not_frozen(admin_client):
    target = TargetFactory(baseline_value=10.0)
    url = admin_url(Target, "change", target.pk)
    page = admin_client.get(url)

    response = admin_client.post(url, form_data(page, {"baseline_value": "12.5"}))

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.baseline_value == 12.5


def test_it_keeps_a_frozen_baseline_in_the_initiative_targets(admin_client):
    frozen = frozen_target()
    open_target = TargetFactory(initiative=frozen.initiative, is_primary=False)
    url = admin_url(Initiative, "change", frozen.initiative.pk)
    page = admin_client.get(url)
    data = form_data(page)
    index = {data[f"targets-{i}-id"]: i for i in range(2)}

    response = admin_client.post(
        url,
        data
        | {
            f"targets-{index[frozen.pk]}-baseline_value": "99",
            f"targets-{index[open_target.pk]}-baseline_value": "7.5",
        },
    )

    assert response.status_code == 302
    frozen.refresh_from_db()
    open_target.refresh_from_db()
    assert frozen.baseline_value == 10.0
    assert open_target.baseline_value == 7.5


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

    new = f"measurements-{MEASUREMENT_INLINE_ROWS}"
    response = admin_client.post(
        url,
        form_data(page)
        | {
            "measurements-TOTAL_FORMS": MEASUREMENT_INLINE_ROWS + 1,
            f"{new}-observed_at_0": "2026-12-01",
            f"{new}-observed_at_1": "09:00",
            f"{new}-value": "8.25",
            f"{new}-source": "web",
        },
    )

    assert response.status_code == 302
    assert target.measurements.count() == MEASUREMENT_INLINE_ROWS + 6
    added = target.measurements.get(value=8.25)
    assert added.recorded_by.username == "admin"


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
