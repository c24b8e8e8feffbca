"""Recording numbers from the initiative page: adding a target, one measurement, or many
pasted as CSV. Only the owner and the team may; a bad paste names its line and saves
nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from metrics.models import BenefitType, ChartKind, Measurement, MeasurementSource, Target
from tests.factories import (
    LiveInitiativeFactory,
    MeasurementFactory,
    MetricFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def target(owner):
    return TargetFactory(
        initiative=LiveInitiativeFactory(owner=owner),
        metric__name="Refund time",
        baseline_value=10.0,
        target_value=8.0,
    )


def page_of(initiative) -> str:
    return reverse("improvement:initiative", args=[initiative.pk])


def one_url(target) -> str:
    return reverse("improvement:measurement_add", args=[target.pk])


def bulk_url(target) -> str:
    return reverse("improvement:measurement_bulk", args=[target.pk])


def at(day: str) -> dt.datetime:
    """Midnight UTC (the test time zone) of an ISO day."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.min, dt.UTC)


# --- targets --------------------------------------------------------------------------


def target_data(metric, **overrides) -> dict:
    data = {
        "metric": metric.pk,
        "is_primary": "on",
        "baseline_value": "10.5",
        "baseline_start": "",
        "baseline_end": "",
        "target_value": "8",
        "target_date": "2026-12-31",
        "value_per_unit": "",
        "benefit_type": BenefitType.HARD,
    }
    return {**data, **overrides}


def test_it_offers_the_owner_the_target_form_on_demand(web_as, owner):
    initiative = TriagedInitiativeFactory(owner=owner)

    response = web_as(owner).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    url = reverse("improvement:target_form", args=[initiative.pk])
    assert "Add a target" in html
    assert f'<div hx-get="{url}" hx-trigger="intersect once" hx-swap="outerHTML">' in html
    assert f'<a href="{url}">Open the target form</a>' in html  # without JavaScript
    assert '<label for="id_metric">' not in html


@pytest.mark.parametrize("htmx", [True, False])
def test_it_shows_the_target_form_with_labels(web_as, owner, htmx):
    initiative = TriagedInitiativeFactory(owner=owner, title="Faster refunds")
    headers = {"HX-Request": "true"} if htmx else {}

    response = web_as(owner).get(
        reverse("improvement:target_form", args=[initiative.pk]), headers=headers
    )

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("metric", "is_primary", "baseline_value", "target_value", "benefit_type"):
        assert f'<label for="id_{field}">' in html
    assert reverse("improvement:target_add", args=[initiative.pk]) in html
    assert 'name="csrfmiddlewaretoken"' in html
    # htmx gets the form alone; a browser without JavaScript a page around it.
    assert ("<html" in html) is not htmx
    assert ("Back to “Faster refunds”" in html) is not htmx


def test_it_adds_a_target_for_the_owner(web_as, owner):
    initiative = TriagedInitiativeFactory(owner=owner)
    metric = MetricFactory(name="Refund time")

    response = web_as(owner).post(
        reverse("improvement:target_add", args=[initiative.pk]), target_data(metric)
    )

    assert response.status_code == 302
    assert response["Location"] == page_of(initiative) + "#targets"
    target = Target.objects.get(initiative=initiative)
    assert target.metric == metric
    assert target.is_primary
    assert (target.baseline_value, target.target_value) == (10.5, 8.0)
    assert target.target_date == dt.date(2026, 12, 31)
    assert not target.is_frozen


def test_it_confirms_a_new_target_on_the_page(web_as, owner):
    initiative = TriagedInitiativeFactory(owner=owner)
    metric = MetricFactory(name="Refund time")

    response = web_as(owner).post(
        reverse("improvement:target_add", args=[initiative.pk]), target_data(metric), follow=True
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Target on Refund time added." in html
    assert '<h3 id="target-' in html and "Refund time" in html


def test_it_lets_a_team_member_add_a_target(web_as):
    member = UserFactory()
    initiative = TriagedInitiativeFactory()
    initiative.team.add(member)

    response = web_as(member).post(
        reverse("improvement:target_add", args=[initiative.pk]), target_data(MetricFactory())
    )

    assert response.status_code == 302
    assert Target.objects.filter(initiative=initiative).count() == 1


def test_it_refuses_a_baseline_window_that_ends_before_it_starts(web_as, owner):
    initiative = TriagedInitiativeFactory(owner=owner)

    response = web_as(owner).post(
        reverse("improvement:target_add", args=[initiative.pk]),
        target_data(MetricFactory(), baseline_start="2026-02-01", baseline_end="2026-01-01"),
    )

    assert response.status_code == 400
    assert "The baseline window must end on or after its start." in response.content.decode()
    assert not Target.objects.exists()


def test_it_shows_a_backwards_baseline_window_on_the_end_field(web_as, owner):
    initiative = TriagedInitiativeFactory(owner=owner)

    response = web_as(owner).post(
        reverse("improvement:target_add", args=[initiative.pk]),
        target_data(
            MetricFactory(),
            baseline_value="",
            baseline_start="2026-02-01",
            baseline_end="2026-01-01",
        ),
    )

    assert response.status_code == 400
    assert response.context["target_form"].errors == {
        "baseline_end": ["The baseline window must end on or after its start."]
    }


def test_it_refuses_a_second_target_on_the_same_metric(web_as, owner):
    existing = TargetFactory(initiative__owner=owner)

    response = web_as(owner).post(
        reverse("improvement:target_add", args=[existing.initiative_id]),
        target_data(existing.metric, is_primary=""),
    )

    assert response.status_code == 400
    assert '<ul class="errorlist" role="alert">' in response.content.decode()
    assert Target.objects.count() == 1


def test_it_explains_a_second_primary_target_in_words(web_as, owner):
    existing = TargetFactory(initiative__owner=owner, is_primary=True)

    response = web_as(owner).post(
        reverse("improvement:target_add", args=[existing.initiative_id]),
        target_data(MetricFactory()),
    )

    assert response.status_code == 400
    assert "Constraint “" not in response.content.decode()
    assert Target.objects.count() == 1


def test_it_hides_the_target_form_from_someone_off_the_team(web_as):
    initiative = TriagedInitiativeFactory()

    response = web_as(UserFactory()).get(page_of(initiative))

    assert response.status_code == 200
    assert "Add a target" not in response.content.decode()
    assert reverse("improvement:target_add", args=[initiative.pk]) not in (
        response.content.decode()
    )


def test_it_refuses_a_forged_target_from_someone_off_the_team(web_as):
    initiative = TriagedInitiativeFactory()

    response = web_as(UserFactory()).post(
        reverse("improvement:target_add", args=[initiative.pk]), target_data(MetricFactory())
    )

    assert response.status_code == 403
    assert not Target.objects.exists()


# --- one measurement ------------------------------------------------------------------


def test_it_offers_each_targets_recording_forms_on_demand(web_as, owner, target):
    second = TargetFactory(initiative=target.initiative, is_primary=False)

    response = web_as(owner).get(page_of(target.initiative))

    assert response.status_code == 200
    html = response.content.decode()
    for each in (target, second):
        url = reverse("improvement:recording_forms", args=[each.pk])
        assert f'<div hx-get="{url}" hx-trigger="intersect once" hx-swap="outerHTML">' in html
        assert f'<a href="{url}">Open the recording forms</a>' in html
    assert "Observed at" not in html


@pytest.mark.parametrize("htmx", [True, False])
def test_it_labels_each_targets_recording_forms_apart(web_as, owner, target, htmx):
    headers = {"HX-Request": "true"} if htmx else {}

    response = web_as(owner).get(
        reverse("improvement:recording_forms", args=[target.pk]), headers=headers
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<label for="id_t{target.pk}_observed_at">Observed at' in html
    assert f'<label for="id_t{target.pk}_value">Value' in html
    assert f'<label for="id_t{target.pk}_rows">Paste measurements' in html
    assert f'action="{one_url(target)}"' in html
    assert f'action="{bulk_url(target)}"' in html
    assert ("<h1>Record measurements of Refund time</h1>" in html) is not htmx


def test_it_refuses_the_recording_forms_to_someone_off_the_team(web_as, target):
    visitor = web_as(UserFactory())

    assert visitor.get(reverse("improvement:recording_forms", args=[target.pk])).status_code == 403
    assert (
        visitor.get(reverse("improvement:target_form", args=[target.initiative_id])).status_code
        == 403
    )


def test_it_sends_a_signed_out_visitor_from_the_recording_forms_to_sign_in(client, target):
    response = client.get(reverse("improvement:recording_forms", args=[target.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_draws_the_recording_forms_in_fixed_queries(web_as, owner, target, count_queries):
    client = web_as(owner)
    url = reverse("improvement:recording_forms", args=[target.pk])
    client.get(url)

    _, first = count_queries(client, url)
    second = TargetFactory(initiative=target.initiative, is_primary=False)
    MeasurementFactory.create_batch(5, target=second)
    response, again = count_queries(
        client, reverse("improvement:recording_forms", args=[second.pk])
    )

    assert response.status_code == 200
    assert again == first


def test_it_records_one_measurement(web_as, owner, target):
    response = web_as(owner).post(
        one_url(target), {"observed_at": "2026-03-05T09:30", "value": "9.1"}
    )

    assert response.status_code == 302
    assert response["Location"] == page_of(target.initiative) + f"#target-{target.pk}"
    measurement = Measurement.objects.get(target=target)
    assert measurement.observed_at == dt.datetime(2026, 3, 5, 9, 30, tzinfo=dt.UTC)
    assert measurement.value == 9.1
    assert measurement.source == MeasurementSource.WEB
    assert measurement.recorded_by == owner


def test_it_confirms_a_recorded_measurement_and_draws_it(web_as, owner, target):
    response = web_as(owner).post(
        one_url(target), {"observed_at": "2026-03-05T09:30", "value": "9.1"}, follow=True
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 measurement of Refund time recorded; results will be recomputed." in html
    assert "<polyline" in html
    assert "2026-03-05: 9.1 hours" in html


def test_it_shows_errors_for_a_bad_measurement_and_saves_nothing(web_as, owner, target):
    response = web_as(owner).post(one_url(target), {"observed_at": "soon", "value": "lots"})

    assert response.status_code == 400
    form = response.context["targets"][0].measurement_form
    assert set(form.errors) == {"observed_at", "value"}
    assert "Enter a number." in response.content.decode()
    assert not Measurement.objects.exists()


def test_it_refuses_a_second_measurement_at_the_same_time(web_as, owner, target):
    MeasurementFactory(target=target, observed_at=dt.datetime(2026, 3, 5, 9, 30, tzinfo=dt.UTC))

    response = web_as(owner).post(
        one_url(target), {"observed_at": "2026-03-05T09:30", "value": "9.1"}
    )

    assert response.status_code == 400
    assert "This target already has a measurement at this time." in response.content.decode()
    assert Measurement.objects.get(target=target).value == 9.5


def test_it_refuses_a_proportion_outside_zero_to_one(web_as, owner):
    target = TargetFactory(
        initiative__owner=owner, metric__chart_kind=ChartKind.PROPORTION, baseline_value=0.1
    )

    response = web_as(owner).post(one_url(target), {"observed_at": "2026-03-05", "value": "12"})

    assert response.status_code == 400
    assert "is not a proportion" in response.content.decode()
    assert "takes a value from 0 to 1" in response.content.decode()
    assert not Measurement.objects.exists()


def test_it_answers_404_for_a_measurement_of_a_missing_target(web_as, owner):
    response = web_as(owner).post(
        reverse("improvement:measurement_add", args=[999999]),
        {"observed_at": "2026-03-05", "value": "1"},
    )

    assert response.status_code == 404


# --- pasted in bulk -------------------------------------------------------------------


def test_it_records_pasted_measurements(web_as, owner, target):
    rows = "2026-03-01,12.5\n2026-03-08,11.9\n\n2026-03-15 08:00,11.0,30\n"

    response = web_as(owner).post(bulk_url(target), {"rows": rows})

    assert response.status_code == 302
    saved = list(Measurement.objects.filter(target=target).order_by("observed_at"))
    assert [(m.observed_at, m.value, m.sample_size) for m in saved] == [
        (at("2026-03-01"), 12.5, None),
        (at("2026-03-08"), 11.9, None),
        (dt.datetime(2026, 3, 15, 8, tzinfo=dt.UTC), 11.0, 30),
    ]
    assert {m.recorded_by for m in saved} == {owner}


def test_it_confirms_how_many_pasted_measurements_were_recorded(web_as, owner, target):
    response = web_as(owner).post(
        bulk_url(target), {"rows": "2026-03-01,12.5\n2026-03-08,11.9"}, follow=True
    )

    assert response.status_code == 200
    assert "2 measurements of Refund time recorded" in response.content.decode()


def test_it_skips_a_header_line_in_a_paste(web_as, owner, target):
    response = web_as(owner).post(bulk_url(target), {"rows": "observed_at,value\n2026-03-01,12"})

    assert response.status_code == 302
    assert Measurement.objects.get(target=target).value == 12.0


def test_it_names_the_bad_line_of_a_paste_and_saves_nothing(web_as, owner, target):
    rows = "2026-03-01,12.5\n2026-03-08,abc\n2026-03-15,11.0"

    response = web_as(owner).post(bulk_url(target), {"rows": rows})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2: “abc” is not a number." in html
    assert not Measurement.objects.exists()


def test_it_names_every_bad_line_of_a_paste(web_as, owner, target):
    rows = "2026-03-01,12.5\nyesterday,12\n2026-03-15\n2026-03-16,1,0"

    response = web_as(owner).post(bulk_url(target), {"rows": rows})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2: “yesterday” is not a date" in html
    assert "Line 3: expected a date, a value and optionally a sample size." in html
    assert "Line 4: the sample size must be at least 1." in html
    assert not Measurement.objects.exists()


def test_it_keeps_the_pasted_text_when_a_paste_is_refused(web_as, owner, target):
    response = web_as(owner).post(bulk_url(target), {"rows": "2026-03-01,12.5\n2026-03-08,x"})

    assert response.status_code == 400
    assert "2026-03-01,12.5\n2026-03-08,x</textarea>" in response.content.decode()
    assert '<details class="record" open>' in response.content.decode()
    assert not Measurement.objects.exists()


def test_it_refuses_a_paste_with_a_time_already_recorded_and_saves_nothing(web_as, owner, target):
    MeasurementFactory(target=target, observed_at=at("2026-03-08"), value=11.0)

    response = web_as(owner).post(
        bulk_url(target), {"rows": "2026-03-01,12.5\n2026-03-08,11.9\n2026-03-15,11.2"}
    )

    assert response.status_code == 400
    assert "Line 2: This target already has a measurement at this time." in (
        response.content.decode()
    )
    assert Measurement.objects.filter(target=target).count() == 1


def test_it_refuses_a_paste_that_repeats_a_time_and_saves_nothing(web_as, owner, target):
    response = web_as(owner).post(bulk_url(target), {"rows": "2026-03-01,12.5\n2026-03-01,11.9"})

    assert response.status_code == 400
    assert "Line 2: Same target and time as" in response.content.decode()
    assert not Measurement.objects.exists()


def test_it_refuses_an_empty_paste(web_as, owner, target):
    response = web_as(owner).post(bulk_url(target), {"rows": "observed_at,value\n"})

    assert response.status_code == 400
    assert "Paste at least one measurement." in response.content.decode()
    assert not Measurement.objects.exists()


def test_it_computes_results_after_measurements_are_pasted(
    web_as, owner, target, celery_eager, django_capture_on_commit_callbacks
):
    rows = "2026-02-23,10.2\n2026-02-24,9.8\n2026-03-03,8.1\n2026-03-04,7.9"

    with django_capture_on_commit_callbacks(execute=True):
        response = web_as(owner).post(bulk_url(target), {"rows": rows})

    assert response.status_code == 302
    result = target.results.get()
    assert (result.n_before, result.n_after) == (2, 2)
    assert result.current_mean == pytest.approx(8.0)


# --- who may record -------------------------------------------------------------------


def test_it_lets_a_team_member_record(web_as, target):
    member = UserFactory()
    target.initiative.team.add(member)

    response = web_as(member).post(bulk_url(target), {"rows": "2026-03-01,12.5"})

    assert response.status_code == 302
    assert Measurement.objects.get(target=target).recorded_by == member


def test_it_hides_the_measurement_forms_from_someone_off_the_team(web_as, target):
    response = web_as(UserFactory()).get(page_of(target.initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Record measurements" not in html
    assert one_url(target) not in html
    assert bulk_url(target) not in html


def test_it_hides_the_measurement_forms_from_a_reviewer_off_the_team(web_as, reviewer, target):
    response = web_as(reviewer).get(page_of(target.initiative))

    assert response.status_code == 200
    assert "Record measurements" not in response.content.decode()


def test_it_refuses_a_forged_measurement_from_someone_off_the_team(web_as, target):
    response = web_as(UserFactory()).post(
        one_url(target), {"observed_at": "2026-03-05T09:30", "value": "9.1"}
    )

    assert response.status_code == 403
    assert not Measurement.objects.exists()


def test_it_refuses_a_forged_paste_from_someone_off_the_team(web_as, target):
    response = web_as(UserFactory()).post(bulk_url(target), {"rows": "2026-03-01,12.5"})

    assert response.status_code == 403
    assert not Measurement.objects.exists()
