"""`POST /api/measurements/` (one object or an all-or-nothing list) and the filtered list."""

import datetime as dt

import pytest

from improvement.models import Stage
from metrics.models import ChartKind, Measurement, MeasurementSource
from metrics.tasks import measure_results
from tests.factories import (
    MeasurementFactory,
    MetricFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

MEASUREMENT_FIELDS = {
    "id",
    "target",
    "observed_at",
    "value",
    "sample_size",
    "source",
    "recorded_by",
}


@pytest.fixture
def target(db):
    return TargetFactory(initiative=TriagedInitiativeFactory(stage=Stage.DO))


@pytest.fixture
def owner(target):
    return target.initiative.owner


@pytest.fixture
def client(api_as, owner):
    return api_as(owner)


def item(of_target, day=1, value=9.5, **extra):
    return {
        "target": of_target.pk,
        "observed_at": f"2026-04-{day:02d}T09:00:00Z",
        "value": value,
        **extra,
    }


def item_errors(body, index: int) -> dict:
    """The errors of item `index` of a refused list: an object keyed by the items' indexes,
    naming only the bad ones."""
    assert isinstance(body, dict), body
    return body.get(str(index), {})


# --- one measurement ------------------------------------------------------------------------


def test_it_records_one_measurement(client, target, owner):
    response = client.post("/api/measurements/", item(target, value=9.25, sample_size=40))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == MEASUREMENT_FIELDS
    assert (body["target"], body["value"], body["sample_size"]) == (target.pk, 9.25, 40)
    assert (body["source"], body["recorded_by"]) == ("api", owner.pk)
    row = Measurement.objects.get(pk=body["id"])
    assert row.target == target
    assert row.observed_at == dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)
    assert row.value == 9.25
    assert (row.source, row.recorded_by) == (MeasurementSource.API, owner)


def test_it_records_a_measurement_without_a_sample_size(client, target):
    response = client.post("/api/measurements/", item(target))

    assert response.status_code == 201
    assert Measurement.objects.get().sample_size is None


def test_it_ignores_a_source_and_recorder_sent_by_the_client(client, target, owner):
    response = client.post(
        "/api/measurements/", item(target, source="import", recorded_by=UserFactory().pk)
    )

    assert response.status_code == 201
    row = Measurement.objects.get()
    assert (row.source, row.recorded_by) == (MeasurementSource.API, owner)


@pytest.mark.parametrize("value", ["abc", "NaN", "nan", "Infinity", "-Infinity", "inf", "", None])
def test_it_refuses_a_value_that_is_not_a_finite_number(client, target, value):
    response = client.post("/api/measurements/", item(target, value=value), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["value"]
    assert not Measurement.objects.exists()


def test_it_refuses_a_raw_json_number_too_large_for_a_float(client, target):
    body = f'{{"target": {target.pk}, "observed_at": "2026-04-01T09:00:00Z", "value": 1e400}}'

    response = client.post("/api/measurements/", body, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()) == ["value"]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_it_refuses_a_raw_json_nan_or_infinity_literal(client, target, literal):
    body = f'{{"target": {target.pk}, "observed_at": "2026-04-01T09:00:00Z", "value": {literal}}}'

    response = client.post("/api/measurements/", body, content_type="application/json")

    assert response.status_code == 400
    assert not Measurement.objects.exists()


def test_it_refuses_malformed_json(client, target):
    response = client.post("/api/measurements/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("observed_at", ["yesterday", "2026-13-45T09:00:00Z", "", None])
def test_it_refuses_an_unparseable_time(client, target, observed_at):
    response = client.post(
        "/api/measurements/", item(target, observed_at=observed_at), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["observed_at"]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("field", ["target", "observed_at", "value"])
def test_it_refuses_a_measurement_missing_a_field(client, target, field):
    body = item(target)
    del body[field]

    response = client.post("/api/measurements/", body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Measurement.objects.exists()


def test_it_refuses_an_unknown_target(client, target):
    response = client.post("/api/measurements/", item(target, target=999999))

    assert response.status_code == 400
    assert list(response.json()) == ["target"]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("sample_size", [0, -3, "many", 2.5])
def test_it_refuses_a_sample_size_that_is_not_a_positive_integer(client, target, sample_size):
    response = client.post("/api/measurements/", item(target, sample_size=sample_size))

    assert response.status_code == 400
    assert list(response.json()) == ["sample_size"]
    assert not Measurement.objects.exists()


def test_it_refuses_a_target_on_someone_elses_initiative(client):
    elsewhere = TargetFactory()

    response = client.post("/api/measurements/", item(elsewhere))

    assert response.status_code == 403
    assert f"#{elsewhere.pk}" in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_it_refuses_a_time_the_target_already_has(client, target):
    MeasurementFactory(target=target, observed_at=dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC))

    response = client.post("/api/measurements/", item(target, day=1, value=1.0))

    assert response.status_code == 400
    assert list(response.json()) == ["observed_at"]
    assert list(Measurement.objects.values_list("value", flat=True)) == [9.5]


def test_it_refuses_the_same_instant_written_in_another_time_zone(client, target):
    MeasurementFactory(target=target, observed_at=dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC))

    response = client.post(
        "/api/measurements/", item(target, observed_at="2026-04-01T11:00:00+02:00")
    )

    assert response.status_code == 400
    assert list(response.json()) == ["observed_at"]
    assert Measurement.objects.count() == 1


def test_it_accepts_the_same_time_on_another_target(client, target):
    other = TargetFactory(initiative=target.initiative, is_primary=False)
    MeasurementFactory(target=other, observed_at=dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC))

    response = client.post("/api/measurements/", item(target, day=1))

    assert response.status_code == 201
    assert Measurement.objects.count() == 2


@pytest.mark.parametrize("value", [-0.01, 1.5, 100])
def test_it_refuses_a_proportion_outside_0_to_1(client, target, value):
    target.metric = MetricFactory(chart_kind=ChartKind.PROPORTION, unit="share")
    target.save()

    response = client.post("/api/measurements/", item(target, value=value, sample_size=50))

    assert response.status_code == 400
    assert list(response.json()) == ["value"]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("value", [0, 0.5, 1])
def test_it_accepts_a_proportion_from_0_to_1(client, target, value):
    target.metric = MetricFactory(chart_kind=ChartKind.PROPORTION, unit="share")
    target.save()

    response = client.post("/api/measurements/", item(target, value=value, sample_size=50))

    assert response.status_code == 201
    assert Measurement.objects.get().value == value


def test_it_refuses_a_body_that_is_neither_an_object_nor_a_list(client):
    response = client.post("/api/measurements/", "42", content_type="application/json")

    assert response.status_code == 400
    assert not Measurement.objects.exists()


# --- a list ----------------------------------------------------------------------------------


def test_it_records_a_list_in_order(client, target):
    response = client.post("/api/measurements/", [item(target, day=d, value=d) for d in (3, 1, 2)])

    assert response.status_code == 201
    body = response.json()
    assert [row["value"] for row in body] == [3, 1, 2]
    assert all(set(row) == MEASUREMENT_FIELDS for row in body)
    assert sorted(Measurement.objects.values_list("id", flat=True)) == sorted(
        row["id"] for row in body
    )


def test_it_refuses_an_empty_list(client):
    response = client.post("/api/measurements/", [], format="json")

    assert response.status_code == 400
    assert response.json()
    assert not Measurement.objects.exists()


def test_it_refuses_a_list_longer_than_the_batch_limit(client, target):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    items = [
        {
            "target": target.pk,
            "observed_at": (start + dt.timedelta(minutes=i)).isoformat(),
            "value": 1,
        }
        for i in range(5001)
    ]

    response = client.post("/api/measurements/", items)

    assert response.status_code == 400
    assert not Measurement.objects.exists()


def test_it_saves_none_of_a_list_with_one_bad_value(client, target):
    items = [item(target, day=1), item(target, day=2, value="abc"), item(target, day=3)]

    response = client.post("/api/measurements/", items)

    assert response.status_code == 400
    body = response.json()
    assert item_errors(body, 0) == {}
    assert list(item_errors(body, 1)) == ["value"]
    assert item_errors(body, 2) == {}
    assert not Measurement.objects.exists()


def test_it_saves_none_of_a_list_with_one_refused_target(client, target):
    elsewhere = TargetFactory()
    items = [item(target, day=1), item(elsewhere, day=2)]

    response = client.post("/api/measurements/", items)

    # Refused as a whole before any item is checked (tests/metrics/test_batch_refusal.py).
    assert response.status_code == 403
    assert f"#{elsewhere.pk}" in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_it_saves_none_of_a_list_with_a_time_already_taken(client, target):
    MeasurementFactory(target=target, observed_at=dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC))
    items = [item(target, day=1), item(target, day=2)]

    response = client.post("/api/measurements/", items)

    assert response.status_code == 400
    body = response.json()
    assert item_errors(body, 0) == {}
    assert list(item_errors(body, 1)) == ["observed_at"]
    assert Measurement.objects.count() == 1


def test_it_saves_none_of_a_list_with_the_same_time_twice(client, target):
    items = [item(target, day=1, value=1), item(target, day=1, value=2)]

    response = client.post("/api/measurements/", items)

    assert response.status_code == 400
    body = response.json()
    assert item_errors(body, 0) == {}
    assert list(item_errors(body, 1)) == ["observed_at"]
    assert not Measurement.objects.exists()


def test_it_saves_none_of_a_list_with_a_proportion_out_of_range(client, target):
    target.metric = MetricFactory(chart_kind=ChartKind.PROPORTION, unit="share")
    target.save()
    items = [item(target, day=1, value=0.2), item(target, day=2, value=2)]

    response = client.post("/api/measurements/", items)

    assert response.status_code == 400
    assert list(item_errors(response.json(), 1)) == ["value"]
    assert not Measurement.objects.exists()


def test_it_reports_every_kind_of_batch_error_in_one_shape(client, target):
    # A client parses one error format for a refused list, whichever check refused it.
    MeasurementFactory(target=target, observed_at=dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC))

    type_error = client.post("/api/measurements/", [item(target, day=1), item(target, value="x")])
    taken = client.post("/api/measurements/", [item(target, day=1), item(target, day=2)])

    assert (type_error.status_code, taken.status_code) == (400, 400)
    assert type(type_error.json()) is type(taken.json())
    assert Measurement.objects.count() == 1


def test_it_queues_one_results_job_per_initiative_touched(
    client, target, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(measure_results, "apply_async", lambda **kw: queued.append(kw))
    other = TargetFactory(initiative=TriagedInitiativeFactory(owner=target.initiative.owner))
    items = [item(target, day=1), item(target, day=2), item(other, day=1)]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/measurements/", items)

    assert response.status_code == 201
    assert sorted(job["kwargs"]["initiative_id"] for job in queued) == sorted(
        [target.initiative_id, other.initiative_id]
    )


def test_it_queues_nothing_for_a_refused_list(
    client, target, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(measure_results, "apply_async", lambda **kw: queued.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/measurements/", [item(target, value="x")])

    assert response.status_code == 400
    assert queued == []


# --- the list endpoint -----------------------------------------------------------------------


def at(day, hour=9):
    return dt.datetime(2026, 4, day, hour, tzinfo=dt.UTC)


def values(response) -> list[float]:
    return [row["value"] for row in response.json()["results"]]


def test_it_lists_measurements_paginated_in_time_order(client, target):
    MeasurementFactory(target=target, observed_at=at(2), value=2)
    MeasurementFactory(target=target, observed_at=at(1), value=1)

    response = client.get("/api/measurements/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert values(response) == [1, 2]
    assert set(body["results"][0]) == MEASUREMENT_FIELDS


def test_it_filters_measurements_by_target(client, target):
    MeasurementFactory(target=target, observed_at=at(1), value=1)
    MeasurementFactory(observed_at=at(1), value=99)

    response = client.get("/api/measurements/", {"target": target.pk})

    assert response.status_code == 200
    assert values(response) == [1]


def test_it_filters_measurements_since_a_time_inclusive(client, target):
    for day in (1, 2, 3):
        MeasurementFactory(target=target, observed_at=at(day), value=day)

    response = client.get("/api/measurements/", {"since": "2026-04-02T09:00:00Z"})

    assert response.status_code == 200
    assert values(response) == [2, 3]


def test_it_filters_measurements_until_a_time_inclusive(client, target):
    for day in (1, 2, 3):
        MeasurementFactory(target=target, observed_at=at(day), value=day)

    response = client.get("/api/measurements/", {"until": "2026-04-02T09:00:00Z"})

    assert response.status_code == 200
    assert values(response) == [1, 2]


def test_it_combines_target_since_and_until(client, target):
    for day in (1, 2, 3, 4):
        MeasurementFactory(target=target, observed_at=at(day), value=day)
    MeasurementFactory(observed_at=at(2), value=99)

    response = client.get(
        "/api/measurements/",
        {"target": target.pk, "since": "2026-04-02T00:00:00Z", "until": "2026-04-03T23:00:00Z"},
    )

    assert response.status_code == 200
    assert values(response) == [2, 3]


@pytest.mark.parametrize(
    ("param", "value"), [("since", "yesterday"), ("until", "2026-13-45"), ("target", "abc")]
)
def test_it_refuses_a_bad_measurement_filter(client, param, value):
    response = client.get("/api/measurements/", {param: value})

    assert response.status_code == 400
    assert list(response.json()) == [param]


def test_it_refuses_a_json_boolean_as_a_value(api_as):
    target = TargetFactory()
    response = api_as(target.initiative.owner).post(
        "/api/measurements/",
        {"target": target.pk, "observed_at": "2026-03-01T10:00:00Z", "value": True},
    )

    assert response.status_code == 400
    assert "value" in response.json()
    assert not Measurement.objects.exists()
