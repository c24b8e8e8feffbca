"""A batch of measurements is refused cheaply first: its size, then who may record on its
targets (every target read at once), and only then each item — in a fixed number of
queries whatever the batch's size, on every path (API, paste, import)."""

import datetime as dt
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from improvement.models import Stage
from metrics import services
from metrics.models import Measurement
from tests.factories import TargetFactory, TriagedInitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def target(db):
    return TargetFactory(initiative=TriagedInitiativeFactory(stage=Stage.DO))


@pytest.fixture
def owner(target):
    return target.initiative.owner


def items(target, n: int, *, first: int = 0, value=9.5) -> list[dict]:
    """`n` API items on `target`, a minute apart."""
    return [
        {
            "target": target.pk,
            "observed_at": (START + dt.timedelta(minutes=first + i)).isoformat(),
            "value": value,
        }
        for i in range(n)
    ]


@contextmanager
def counting():
    """The statements sent, but the INSERT's own batches: SQLite splits a bulk INSERT into
    batches of 999 parameters, PostgreSQL sends one."""
    with CaptureQueriesContext(connection) as captured:
        box: list[str] = []
        yield box
    box.extend(
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith('INSERT INTO "metrics_measurement"')
    )


def post(client, url, data, **kwargs):
    with counting() as sent:
        response = client.post(url, data, **kwargs)
    return response, len(sent)


# --- the API ------------------------------------------------------------------------------


def test_it_records_5_or_500_items_in_the_same_number_of_queries(api_as, target, owner):
    client = api_as(owner)

    small, small_queries = post(client, "/api/measurements/", items(target, 5), format="json")
    large, large_queries = post(
        client, "/api/measurements/", items(target, 500, first=10), format="json"
    )

    assert (small.status_code, large.status_code) == (201, 201)
    assert small_queries == large_queries
    assert Measurement.objects.filter(target=target).count() == 505


def test_it_checks_5_or_500_bad_items_in_the_same_number_of_queries(api_as, target, owner):
    client = api_as(owner)

    small, small_queries = post(
        client, "/api/measurements/", items(target, 5, value=1e300), format="json"
    )
    large, large_queries = post(
        client, "/api/measurements/", items(target, 500, value=1e300), format="json"
    )

    assert (small.status_code, large.status_code) == (400, 400)
    assert len(large.json()) == 500
    assert small_queries == large_queries
    assert not Measurement.objects.exists()


def test_it_refuses_a_batch_on_someone_elses_target_before_checking_its_items(api_as, target):
    contributor = UserFactory()
    client = api_as(contributor)
    # Values out of range too: the refusal comes first, and alone.
    small, small_queries = post(
        client, "/api/measurements/", items(target, 5, value=1e300), format="json"
    )
    large, large_queries = post(
        client, "/api/measurements/", items(target, 5000, value=1e300), format="json"
    )

    assert (small.status_code, large.status_code) == (403, 403)
    assert large.json() == {
        "detail": "Only the initiative's owner and team can record measurements. "
        f"You may not record on target #{target.pk}."
    }
    assert small_queries == large_queries <= 3
    assert not Measurement.objects.exists()


def test_it_refuses_a_batch_mixing_own_and_someone_elses_targets_as_a_whole(api_as, target, owner):
    elsewhere = TargetFactory()
    batch = items(target, 300) + items(elsewhere, 1) + items(target, 300, first=300)

    response = api_as(owner).post("/api/measurements/", batch, format="json")

    assert response.status_code == 403
    assert f"#{elsewhere.pk}" in response.json()["detail"]
    assert f"#{target.pk}" not in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_it_refuses_an_oversized_batch_before_reading_a_target(api_as, owner, target):
    with counting() as sent:
        response = api_as(owner).post(
            "/api/measurements/", items(target, services.MAX_BATCH + 1), format="json"
        )

    assert response.status_code == 400
    assert sent == []
    assert not Measurement.objects.exists()


def test_it_still_names_an_unknown_target_of_a_batch(api_as, owner, target):
    batch = items(target, 2)
    batch[1]["target"] = 999_999

    response = api_as(owner).post("/api/measurements/", batch, format="json")

    assert response.status_code == 400
    assert list(response.json()["1"]) == ["target"]
    assert not Measurement.objects.exists()


# --- the service --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, services.MAX_BATCH + 1])
def test_it_refuses_an_empty_or_oversized_batch_in_the_service(owner, target, size):
    batch = [
        {"target": target, "observed_at": START + dt.timedelta(minutes=i), "value": 1.0}
        for i in range(size)
    ]

    with counting() as sent, pytest.raises(ValidationError, match="between 1 and"):
        services.record_measurements(actor=owner, items=batch)

    assert sent == []
    assert not Measurement.objects.exists()


def test_it_names_each_item_on_a_target_the_actor_may_not_record(owner, target):
    elsewhere = TargetFactory()
    batch = [
        {"target": t, "observed_at": START + dt.timedelta(minutes=i), "value": 1.0}
        for i, t in enumerate([target, elsewhere, target, elsewhere])
    ]

    with pytest.raises(services.RecordingRefused) as refused:
        services.record_measurements(actor=owner, items=batch)

    assert refused.value.target_ids == [elsewhere.pk]
    assert sorted(refused.value.errors) == [1, 3]
    assert not Measurement.objects.exists()


# --- the paste and the import -------------------------------------------------------------


def paste(n: int, first: int = 0) -> str:
    return "\n".join(
        f"{(START + dt.timedelta(minutes=first + i)):%Y-%m-%d %H:%M},{i % 7}" for i in range(n)
    )


def test_it_records_a_paste_of_5_or_500_lines_in_the_same_number_of_queries(web_as, owner, target):
    client = web_as(owner)
    url = reverse("improvement:measurement_bulk", args=[target.pk])

    small, small_queries = post(client, url, {"rows": paste(5)})
    large, large_queries = post(client, url, {"rows": paste(500, first=10)})

    assert (small.status_code, large.status_code) == (302, 302)
    assert small_queries == large_queries
    assert Measurement.objects.filter(target=target).count() == 505


def test_it_refuses_a_paste_on_someone_elses_target(web_as, target):
    response = web_as(UserFactory()).post(
        reverse("improvement:measurement_bulk", args=[target.pk]), {"rows": paste(500)}
    )

    assert response.status_code == 403
    assert not Measurement.objects.exists()


def import_file(target, n: int) -> SimpleUploadedFile:
    lines = ["initiative,metric,observed_at,value"] + [
        f"{target.initiative_id},{target.metric.name},"
        f"{(START + dt.timedelta(minutes=i)):%Y-%m-%d %H:%M},{i % 7}"
        for i in range(n)
    ]
    return SimpleUploadedFile("m.csv", "\n".join(lines).encode(), content_type="text/csv")


def test_it_previews_an_import_of_5_or_500_rows_in_the_same_number_of_queries(
    client, admin_user, target
):
    client.force_login(admin_user)
    url = reverse("admin:metrics_measurement_import")

    small, small_queries = post(client, url, {"file": import_file(target, 5)})
    large, large_queries = post(client, url, {"file": import_file(target, 500)})

    assert (small.status_code, large.status_code) == (200, 200)
    assert small_queries == large_queries
    assert not Measurement.objects.exists()  # a preview saves nothing
