import datetime as dt
import re

import factory
import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from improvement.models import (
    Area,
    Comment,
    Initiative,
    Notification,
    StageTransition,
    Support,
)
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
from tests.factories import (
    AreaFactory,
    CommentFactory,
    MeasurementFactory,
    MetricFactory,
    NotificationFactory,
    QuarterCloseFactory,
    QuarterlyResultFactory,
    ResultSnapshotFactory,
    SignalAlertFactory,
    StageTransitionFactory,
    SupportFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)


class AnyQuarterCloseFactory(QuarterCloseFactory):
    # One close per quarter: a distinct year for each row.
    year = factory.Sequence(lambda n: 2030 + n % 150)


# model, factory for a row, text the changelist shows for that row, add page status
CASES = [
    pytest.param(Area, AreaFactory, lambda o: o.name, 200, id="area"),
    pytest.param(Initiative, TriagedInitiativeFactory, lambda o: o.title, 200, id="initiative"),
    pytest.param(
        StageTransition,
        StageTransitionFactory,
        lambda o: o.initiative.title,
        403,
        id="stage-transition",
    ),
    pytest.param(Support, SupportFactory, lambda o: o.initiative.title, 200, id="support"),
    pytest.param(Comment, CommentFactory, lambda o: o.initiative.title, 200, id="comment"),
    pytest.param(
        Notification, NotificationFactory, lambda o: o.recipient.username, 200, id="notification"
    ),
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
READ_ONLY = {StageTransition, ResultSnapshot, SignalAlert}


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def form_data(response, changes=None) -> dict:
    """The POST body a browser would send back from a rendered admin change form, with
    `changes` applied. Only the existing rows of inlines are sent, not the blank extras."""
    bound_forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        data[management.add_prefix("TOTAL_FORMS")] = len(formset.initial_forms)
        bound_forms.extend(formset.initial_forms)
    for form in bound_forms:
        for field in form:
            data.update(field_data(field))
    data.update(changes or {})
    return data


def field_data(field) -> dict:
    widget = field.field.widget
    widget = getattr(widget, "widget", widget)  # the admin wraps related-field widgets
    value = field.value()
    if isinstance(widget, forms.MultiWidget):  # a date and a time input
        parts = widget.decompress(value)
        return {f"{field.html_name}_{i}": p for i, p in enumerate(parts) if p is not None}
    if isinstance(widget, forms.CheckboxInput):
        return {field.html_name: "on"} if value else {}
    return {} if value is None else {field.html_name: value}


def test_it_registers_every_model():
    for app in ("improvement", "metrics"):
        for model in apps.get_app_config(app).get_models():
            assert admin.site.is_registered(model), model


@pytest.mark.parametrize(("model", "make", "text", "add_status"), CASES)
def test_it_lists_rows(admin_client, model, make, text, add_status):
    rows = make.create_batch(2)

    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    content = response.content.decode()
    for row in rows:
        assert admin_url(model, "change", row.pk) in content
        assert str(text(row)) in content


@pytest.mark.parametrize(("model", "make", "text", "add_status"), CASES)
def test_it_shows_the_add_page_only_where_rows_are_entered_by_hand(
    admin_client, model, make, text, add_status
):
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == add_status


@pytest.mark.parametrize(("model", "make", "text", "add_status"), CASES)
def test_it_shows_the_change_page(admin_client, model, make, text, add_status):
    row = make()

    response = admin_client.get(admin_url(model, "change", row.pk))

    assert response.status_code == 200
    assert response.context["original"] == row
    # A read-only model's page is a view page: nothing to save.
    assert (b'name="_save"' in response.content) is (model not in READ_ONLY)


@pytest.mark.parametrize(("model", "make", "text", "add_status"), CASES)
def test_it_lists_rows_in_a_fixed_number_of_queries(admin_client, model, make, text, add_status):
    url = admin_url(model, "changelist")
    make.create_batch(3)
    admin_client.get(url)  # warm per-process caches (content types, session)

    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    make.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert response.context["cl"].result_count >= 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_it_adds_an_idea_in_the_submitted_stage(admin_client, admin_user):
    area = AreaFactory()
    url = admin_url(Initiative, "add")
    page = admin_client.get(url)
    assert page.context["adminform"].form["submitted_by"].value() == admin_user.pk

    response = admin_client.post(
        url,
        form_data(
            page,
            {
                "title": "Label bins by pick frequency",
                "problem_statement": "Pickers walk too far.",
                "pillar": "operational",
                "area": area.pk,
            },
        ),
    )

    assert response.status_code == 302
    idea = Initiative.objects.get(title="Label bins by pick frequency")
    assert idea.stage == "submitted"
    assert idea.submitted_by == admin_user


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


# --- Stage history ------------------------------------------------------------------


def test_it_refuses_to_add_change_or_delete_stage_history(admin_client):
    move = StageTransitionFactory(note="accepted")

    assert admin_client.get(admin_url(StageTransition, "add")).status_code == 403
    assert admin_client.post(admin_url(StageTransition, "add"), {}).status_code == 403
    change = admin_client.post(admin_url(StageTransition, "change", move.pk), {"note": "edited"})
    assert change.status_code == 403
    assert admin_client.get(admin_url(StageTransition, "delete", move.pk)).status_code == 403
    delete = admin_client.post(admin_url(StageTransition, "delete", move.pk), {"post": "yes"})
    assert delete.status_code == 403

    move.refresh_from_db()
    assert move.note == "accepted"


def test_it_saves_an_initiative_without_touching_its_history(admin_client):
    move = StageTransitionFactory(note="accepted")
    initiative = move.initiative
    url = admin_url(Initiative, "change", initiative.pk)
    page = admin_client.get(url)
    assert b"accepted" in page.content
    assert b'name="history-0-note"' not in page.content

    response = admin_client.post(
        url, form_data(page, {"title": "Renamed", "history-0-note": "rewritten"})
    )

    assert response.status_code == 302
    initiative.refresh_from_db()
    move.refresh_from_db()
    assert initiative.title == "Renamed"
    assert move.note == "accepted"
    assert initiative.history.count() == 1


def test_it_refuses_to_delete_an_initiative_with_history(admin_client):
    move = StageTransitionFactory()

    response = admin_client.post(
        admin_url(Initiative, "delete", move.initiative.pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Initiative.objects.filter(pk=move.initiative.pk).exists()


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
        ("improvement", "initiative", "owner", lambda: UserFactory(username="zelda"), "zeld"),
        ("improvement", "initiative", "area", lambda: AreaFactory(name="Warehouse"), "wareh"),
        (
            "improvement",
            "initiative",
            "duplicate_of",
            lambda: TriagedInitiativeFactory(title="Faster invoicing"),
            "invoic",
        ),
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


def test_it_gives_a_staff_reviewer_no_way_to_edit_initiatives_in_the_admin(client, reviewer):
    reviewer.is_staff = True
    reviewer.save(update_fields=["is_staff"])
    initiative = TriagedInitiativeFactory()
    client.force_login(reviewer)

    response = client.post(admin_url(Initiative, "change", initiative.pk), {"title": "Changed"})

    assert response.status_code == 403
    initiative.refresh_from_db()
    assert initiative.title != "Changed"
