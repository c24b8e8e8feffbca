"""Bad input to `POST /api/measurements/` (issue 12, item 5), one object or a list: an
impossible date or offset, or a date after today, is a 400 naming the field (and the
item of a list), never a 500, and nothing is saved."""

import datetime as dt

import pytest
from django.utils import timezone

from improvement.models import Stage
from metrics.models import Measurement
from tests.factories import TargetFactory, TriagedInitiativeFactory

IMPOSSIBLE = [
    "2026-02-30T10:00:00Z",
    "2026-13-40T10:00:00Z",
    "0000-01-01T00:00:00Z",
    "2026-11-27T10:00+99:00",
    "2026-11-27T25:00:00Z",
    "2026-02-30",
]


@pytest.fixture
def target(db):
    return TargetFactory(initiative=TriagedInitiativeFactory(stage=Stage.DO))


@pytest.fixture
def client(api_as, target):
    return api_as(target.initiative.owner)


def item(target, observed_at: str) -> dict:
    return {"target": target.pk, "observed_at": observed_at, "value": 9.5}


@pytest.mark.parametrize("observed_at", IMPOSSIBLE)
def test_it_refuses_one_measurement_at_an_impossible_time(client, target, observed_at):
    response = client.post("/api/measurements/", item(target, observed_at), format="json")

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["observed_at"]
    assert body["observed_at"][0].startswith("Datetime has wrong format.")
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("observed_at", IMPOSSIBLE)
def test_it_refuses_a_list_with_one_impossible_time_naming_the_item(client, target, observed_at):
    items = [item(target, "2026-03-01T09:00:00Z"), item(target, observed_at)]

    response = client.post("/api/measurements/", items, format="json")

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["1"]
    assert list(body["1"]) == ["observed_at"]
    assert not Measurement.objects.exists()


def test_it_refuses_a_time_after_today_naming_the_date(client, target):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    one = client.post("/api/measurements/", item(target, f"{tomorrow}T00:00:00Z"), format="json")
    many = client.post(
        "/api/measurements/",
        [item(target, "2026-03-01T09:00:00Z"), item(target, "2031-01-01T09:00:00Z")],
        format="json",
    )

    assert (one.status_code, many.status_code) == (400, 400)
    assert one.json() == {
        "observed_at": [f"{tomorrow} is in the future: record what has been observed."]
    }
    assert many.json() == {
        "1": {"observed_at": ["2031-01-01 is in the future: record what has been observed."]}
    }
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("target_id", ["²", "١٢", "１"])
def test_it_refuses_a_target_id_in_other_digits(client, target, target_id):
    response = client.post(
        "/api/measurements/",
        {"target": target_id, "observed_at": "2026-03-01T09:00:00Z", "value": 1},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"target": ["Give an id: a whole number such as 42."]}
    assert not Measurement.objects.exists()
