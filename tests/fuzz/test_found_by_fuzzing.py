"""What the fuzzers found, pinned by plain tests: each failed before its fix."""

import datetime as dt

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from metrics.models import Measurement, ResultSnapshot
from metrics.results.compute import compute_results
from metrics.services import MAX_SAMPLE_SIZE, MAX_VALUE
from tests.factories import (
    InitiativeFactory,
    LiveInitiativeFactory,
    TargetFactory,
    UserFactory,
    record_series,
)

CHANGE = dt.date(2026, 3, 2)


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def target(owner):
    return TargetFactory(initiative=LiveInitiativeFactory(owner=owner, implemented_on=CHANGE))


def measurement(target, **fields) -> dict:
    return {"target": target.pk, "observed_at": "2026-03-09T12:00:00Z", "value": 8.0, **fields}


# --- measurements: values the statistics cannot take ------------------------------------


@pytest.mark.parametrize("value", [1.0000000000000002e15, -1e16, 1e300, -1.7976931348623157e308])
def test_it_refuses_a_value_too_large_for_the_statistics(api_as, owner, target, value):
    # Stored, 1e300 made the results query overflow (PostgreSQL: "value out of range";
    # SQLite: OverflowError in VAR_SAMP) for every target at once.
    response = api_as(owner).post("/api/measurements/", measurement(target, value=value))

    assert response.status_code == 400
    assert "value" in response.json()
    assert not Measurement.objects.exists()


def test_it_refuses_a_value_too_large_on_the_page(web_as, owner, target):
    response = web_as(owner).post(
        reverse("improvement:measurement_add", args=[target.pk]),
        {"observed_at": "2026-03-09T12:00", "value": "1e300"},
    )

    assert response.status_code == 400
    assert not Measurement.objects.exists()


def test_it_computes_results_from_the_largest_values_allowed(owner, target):
    record_series(target, first=CHANGE - dt.timedelta(days=2), values=[MAX_VALUE, -MAX_VALUE])
    record_series(target, first=CHANGE, values=[MAX_VALUE, -MAX_VALUE, MAX_VALUE])

    assert compute_results(as_of=dt.date(2026, 6, 30)) == 1

    result = ResultSnapshot.objects.get(target=target)
    assert (result.n_before, result.n_after) == (2, 3)


# --- measurements: sample sizes the column cannot hold ------------------------------------


@pytest.mark.parametrize("size", [MAX_SAMPLE_SIZE + 1, 2**63, 2**64])
def test_it_refuses_a_sample_size_the_column_cannot_hold(api_as, owner, target, size):
    # Was a 500: "integer out of range" (PostgreSQL), OverflowError (SQLite).
    response = api_as(owner).post("/api/measurements/", measurement(target, sample_size=size))

    assert response.status_code == 400
    assert "sample_size" in response.json()
    assert not Measurement.objects.exists()


def test_it_stores_the_largest_sample_size(api_as, owner, target):
    response = api_as(owner).post(
        "/api/measurements/", measurement(target, sample_size=MAX_SAMPLE_SIZE)
    )

    assert response.status_code == 201
    assert Measurement.objects.get().sample_size == MAX_SAMPLE_SIZE


def test_it_refuses_a_sample_size_too_large_on_the_page(web_as, owner, target):
    response = web_as(owner).post(
        reverse("improvement:measurement_add", args=[target.pk]),
        {"observed_at": "2026-03-09T12:00", "value": "0.5", "sample_size": str(2**40)},
    )

    assert response.status_code == 400
    assert not Measurement.objects.exists()


# --- results: a benefit beyond the money column -------------------------------------------


def test_it_computes_results_when_the_benefit_exceeds_any_amount(db):
    # improvement × value_per_unit of 1e26 or more made Decimal.quantize() raise, failing
    # the results job for every target.
    target = TargetFactory(
        initiative=LiveInitiativeFactory(implemented_on=CHANGE),
        baseline_value=1e300,
        target_value=8.0,
        value_per_unit="1000.0000",
    )
    record_series(target, first=CHANGE, values=[8.0, 7.0])

    assert compute_results(as_of=dt.date(2026, 6, 30)) == 1

    result = ResultSnapshot.objects.get(target=target)
    assert result.improvement == pytest.approx(1e300)
    assert result.realized_annual_benefit is None


# --- the API's answers match its schema ---------------------------------------------------


def test_it_answers_an_unknown_api_path_in_json(api_as, user):
    # `/api/initiatives/0.5/history/` matched no route: Django's HTML page, where the
    # schema declares {"detail"} in JSON.
    response = api_as(user).get("/api/initiatives/0.5/history/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_it_still_answers_an_unknown_page_in_html(web_as, user):
    response = web_as(user).get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_it_shows_blank_choices_the_schema_allows(api_as, user):
    # An untriaged idea has methodology "", one not on hold held_from "", a target not
    # yet frozen baseline_source "": the schema's enums refused "".
    initiative = InitiativeFactory()
    target = TargetFactory(initiative=LiveInitiativeFactory())
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    shown = api_as(user).get(f"/api/initiatives/{initiative.pk}/").json()
    shown_target = api_as(user).get(f"/api/targets/{target.pk}/").json()

    assert (shown["methodology"], shown["held_from"], shown_target["baseline_source"]) == (
        "",
        "",
        "",
    )
    blank = {"$ref": "#/components/schemas/BlankEnum"}
    assert components["BlankEnum"] == {"enum": [""]}
    assert blank in components["Initiative"]["properties"]["methodology"]["oneOf"]
    assert blank in components["Initiative"]["properties"]["held_from"]["oneOf"]
    assert blank in components["Target"]["properties"]["baseline_source"]["oneOf"]


def test_it_documents_the_errors_of_every_operation():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    initiative = paths["/api/initiatives/{id}/"]
    assert {"400", "401", "403", "404"} <= set(initiative["patch"]["responses"])
    assert {"401", "404"} <= set(initiative["get"]["responses"])
    assert {"400", "401", "404"} <= set(paths["/api/initiatives/"]["get"]["responses"])
    assert "429" in paths["/api/auth/token/"]["post"]["responses"]


@pytest.mark.parametrize("target", ["99999999999999999999", "-9.708051987216615e+250"])
def test_it_refuses_a_target_filter_beyond_any_id(api_as, user, target):
    # Was a 500 on SQLite: OverflowError comparing target_id with the number.
    response = api_as(user).get("/api/measurements/", {"target": target})

    assert response.status_code == 400
    assert "target" in response.json()


def test_it_still_filters_by_an_unknown_target(api_as, user):
    response = api_as(user).get("/api/measurements/", {"target": 999_999})

    assert response.status_code == 200
    assert response.json()["count"] == 0


# --- times with UTC offsets PostgreSQL does not take ----------------------------------------

FAR_OFFSET = "2026-03-05T09:30-18:11"  # Python takes offsets up to ±23:59, PostgreSQL ±15:59
FAR_OFFSET_UTC = dt.datetime(2026, 3, 6, 3, 41, tzinfo=dt.UTC)


def test_it_filters_measurements_by_a_time_with_any_offset(api_as, owner, target):
    # Was a 500 on PostgreSQL: "time zone displacement out of range".
    Measurement.objects.create(target=target, observed_at=FAR_OFFSET_UTC, value=1.0)

    response = api_as(owner).get("/api/measurements/", {"since": FAR_OFFSET, "until": FAR_OFFSET})

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_it_records_a_time_with_any_offset_on_the_page(web_as, owner, target):
    # Was a 500 on PostgreSQL, for one measurement and for a pasted list.
    one = web_as(owner).post(
        reverse("improvement:measurement_add", args=[target.pk]),
        {"observed_at": FAR_OFFSET, "value": "1.5"},
    )
    pasted = web_as(owner).post(
        reverse("improvement:measurement_bulk", args=[target.pk]),
        {"rows": "2026-03-06T09:30-18:11,2.5"},
    )

    assert (one.status_code, pasted.status_code) == (302, 302)
    assert list(
        Measurement.objects.order_by("observed_at").values_list("observed_at", "value")
    ) == [
        (FAR_OFFSET_UTC, 1.5),
        (FAR_OFFSET_UTC + dt.timedelta(days=1), 2.5),
    ]


def test_it_refuses_a_time_before_the_first_year_on_the_page(web_as, owner, target):
    # 0001-01-01 00:00 at +01:00 is in the year 0 in UTC, which no datetime holds.
    response = web_as(owner).post(
        reverse("improvement:measurement_add", args=[target.pk]),
        {"observed_at": "0001-01-01T00:00+01:00", "value": "1.5"},
    )

    assert response.status_code == 400
    assert not Measurement.objects.exists()
