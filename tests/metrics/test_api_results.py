"""Results, recompute, the quarterly ledger, and the catalogs (`/api/metrics/`, `/api/areas/`)."""

import datetime as dt

import pytest

from improvement.models import Stage
from metrics.models import Metric, ResultSnapshot, ResultStatus
from metrics.tasks import measure_results
from tests.factories import (
    AreaFactory,
    MeasurementFactory,
    MetricFactory,
    QuarterCloseFactory,
    QuarterlyResultFactory,
    ResultSnapshotFactory,
    TargetFactory,
    TriagedInitiativeFactory,
)

RESULT_FIELDS = {
    "n_before",
    "n_after",
    "baseline_mean",
    "current_mean",
    "improvement",
    "improvement_pct",
    "progress_pct",
    "welch_t",
    "welch_df",
    "p_value",
    "significant",
    "status",
    "realized_annual_benefit",
    "control",
}
CONTROL = {
    "center": 8.1,
    "ucl": 9.9,
    "lcl": 6.3,
    "mr_bar": 0.68,
    "sigma": 0.6,
    "provisional": True,
    "signals": [{"observed_at": "2026-05-03T09:00:00+00:00", "value": 10.2, "rule": 1}],
}


@pytest.fixture
def client(api_as, user):
    return api_as(user)


# --- results --------------------------------------------------------------------------------


def test_it_answers_404_with_a_detail_when_no_result_exists(client):
    target = TargetFactory()

    response = client.get(f"/api/targets/{target.pk}/results/")

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    assert response.json()["detail"]


def test_it_answers_404_for_results_of_an_unknown_target(client):
    response = client.get("/api/targets/999999/results/")

    assert response.status_code == 404


def test_it_serves_every_field_of_the_result(client):
    snapshot = ResultSnapshotFactory(
        n_before=12,
        n_after=10,
        baseline_mean=10.0,
        current_mean=8.0,
        improvement=2.0,
        improvement_pct=20.0,
        progress_pct=100.0,
        welch_t=5.1,
        welch_df=19.4,
        p_value=0.0001,
        significant=True,
        status=ResultStatus.ACHIEVED,
        realized_annual_benefit="3000.00",
        control=CONTROL,
    )

    response = client.get(f"/api/targets/{snapshot.target_id}/results/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= RESULT_FIELDS
    assert {field: body[field] for field in RESULT_FIELDS} == {
        "n_before": 12,
        "n_after": 10,
        "baseline_mean": 10.0,
        "current_mean": 8.0,
        "improvement": 2.0,
        "improvement_pct": 20.0,
        "progress_pct": 100.0,
        "welch_t": 5.1,
        "welch_df": 19.4,
        "p_value": 0.0001,
        "significant": True,
        "status": "achieved",
        "realized_annual_benefit": "3000.00",
        "control": CONTROL,
    }


def test_it_serves_a_result_without_control_limits(client):
    snapshot = ResultSnapshotFactory(control=None)

    response = client.get(f"/api/targets/{snapshot.target_id}/results/")

    assert response.status_code == 200
    body = response.json()
    assert (body["control"], body["status"], body["p_value"]) == (None, "no_data", None)


def test_it_serves_the_latest_result(client):
    target = TargetFactory()
    ResultSnapshotFactory(target=target, as_of=dt.date(2026, 3, 1), n_after=1)
    ResultSnapshotFactory(target=target, as_of=dt.date(2026, 5, 1), n_after=3)
    ResultSnapshotFactory(target=target, as_of=dt.date(2026, 4, 1), n_after=2)

    response = client.get(f"/api/targets/{target.pk}/results/")

    assert response.status_code == 200
    assert (response.json()["as_of"], response.json()["n_after"]) == ("2026-05-01", 3)


# --- recompute ------------------------------------------------------------------------------


@pytest.fixture
def initiative_with_data(db):
    """A PDCA initiative in `check`: a frozen baseline from 6 points before the change and
    6 clearly better points after it."""
    initiative = TriagedInitiativeFactory(stage=Stage.CHECK, implemented_on=dt.date(2026, 3, 1))
    target = TargetFactory(
        initiative=initiative,
        baseline_value=None,
        baseline_start=dt.date(2026, 2, 1),
        baseline_end=dt.date(2026, 2, 28),
    )
    for day, value in enumerate([10.2, 9.8, 10.1, 10.4, 9.9, 10.0], start=1):
        MeasurementFactory(
            target=target, observed_at=dt.datetime(2026, 2, day, tzinfo=dt.UTC), value=value
        )
    for day, value in enumerate([8.1, 7.9, 8.2, 8.0, 7.8, 8.1], start=2):
        MeasurementFactory(
            target=target, observed_at=dt.datetime(2026, 3, day, tzinfo=dt.UTC), value=value
        )
    from metrics.facts import freeze_baselines

    freeze_baselines(initiative_id=initiative.pk, actor=initiative.owner)
    return initiative


def test_it_accepts_a_recompute_with_202(api_as, initiative_with_data):
    response = api_as(initiative_with_data.owner).post(
        f"/api/initiatives/{initiative_with_data.pk}/recompute/"
    )

    assert response.status_code == 202
    assert set(response.json()) == {"detail"}


def test_it_queues_the_results_job_for_that_initiative(
    api_as, initiative_with_data, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(measure_results, "apply_async", lambda **kw: queued.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(initiative_with_data.owner).post(
            f"/api/initiatives/{initiative_with_data.pk}/recompute/"
        )

    assert response.status_code == 202
    assert [job["kwargs"] for job in queued] == [{"initiative_id": initiative_with_data.pk}]


def test_it_answers_404_recomputing_an_unknown_initiative(api_as, reviewer):
    response = api_as(reviewer).post("/api/initiatives/999999/recompute/")

    assert response.status_code == 404


def test_it_computes_the_result_in_process_without_a_broker(
    api_as, initiative_with_data, celery_eager, django_capture_on_commit_callbacks
):
    # Needs metrics.results (the results engine).
    target = initiative_with_data.targets.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(initiative_with_data.owner).post(
            f"/api/initiatives/{initiative_with_data.pk}/recompute/"
        )
    result = api_as(initiative_with_data.owner).get(f"/api/targets/{target.pk}/results/")

    assert response.status_code == 202
    assert result.status_code == 200, result.json()
    body = result.json()
    assert (body["n_before"], body["n_after"]) == (6, 6)
    assert body["baseline_mean"] == pytest.approx(10.066666, abs=1e-5)
    assert body["current_mean"] == pytest.approx(8.016666, abs=1e-5)
    assert body["improvement"] == pytest.approx(2.05, abs=1e-5)
    assert body["significant"] is True
    assert ResultSnapshot.objects.filter(target=target).count() == 1


def test_it_recomputes_idempotently(
    api_as, initiative_with_data, celery_eager, django_capture_on_commit_callbacks
):
    client = api_as(initiative_with_data.owner)
    url = f"/api/initiatives/{initiative_with_data.pk}/recompute/"

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url)

    assert ResultSnapshot.objects.filter(target__initiative=initiative_with_data).count() == 1


# --- quarterly results ----------------------------------------------------------------------

LEDGER_FIELDS = {
    "id",
    "initiative",
    "initiative_title",
    "area",
    "target",
    "year",
    "quarter",
    "n_measurements",
    "baseline_mean",
    "quarter_mean",
    "improvement",
    "improvement_pct",
    "progress_pct",
    "p_value",
    "significant",
    "status",
    "computed_benefit",
    "validated_benefit",
    "review_note",
    "reviewed_at",
    "reviewed_by",
    "closed",
}


def ledger_ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_it_lists_the_ledger_paginated_with_its_fields(client):
    row = QuarterlyResultFactory(computed_benefit="1250.00")

    response = client.get("/api/quarterly-results/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    [item] = body["results"]
    assert set(item) == LEDGER_FIELDS
    assert (item["initiative"], item["initiative_title"], item["area"]) == (
        row.initiative_id,
        row.initiative.title,
        row.initiative.area_id,
    )
    assert (item["computed_benefit"], item["closed"]) == ("1250.00", False)


def test_it_marks_rows_of_a_closed_quarter(client):
    QuarterCloseFactory(year=2026, quarter=2)
    closed = QuarterlyResultFactory(year=2026, quarter=2)
    open_ = QuarterlyResultFactory(year=2026, quarter=3)

    response = client.get("/api/quarterly-results/")

    assert response.status_code == 200
    flags = {row["id"]: row["closed"] for row in response.json()["results"]}
    assert flags == {closed.pk: True, open_.pk: False}


def test_it_lists_the_newest_quarter_first(client):
    older = QuarterlyResultFactory(year=2025, quarter=4)
    newer = QuarterlyResultFactory(year=2026, quarter=1)

    response = client.get("/api/quarterly-results/")

    assert ledger_ids(response) == [newer.pk, older.pk]


def test_it_filters_the_ledger_by_year(client):
    wanted = QuarterlyResultFactory(year=2025)
    QuarterlyResultFactory(year=2026)

    response = client.get("/api/quarterly-results/", {"year": 2025})

    assert response.status_code == 200
    assert ledger_ids(response) == [wanted.pk]


def test_it_filters_the_ledger_by_quarter(client):
    wanted = QuarterlyResultFactory(quarter=1)
    QuarterlyResultFactory(quarter=2)

    response = client.get("/api/quarterly-results/", {"quarter": 1})

    assert response.status_code == 200
    assert ledger_ids(response) == [wanted.pk]


def test_it_filters_the_ledger_by_area(client):
    area = AreaFactory()
    wanted = QuarterlyResultFactory(initiative=TriagedInitiativeFactory(area=area))
    QuarterlyResultFactory()

    response = client.get("/api/quarterly-results/", {"area": area.pk})

    assert response.status_code == 200
    assert ledger_ids(response) == [wanted.pk]


def test_it_filters_the_ledger_by_status(client):
    wanted = QuarterlyResultFactory(status=ResultStatus.REGRESSED)
    QuarterlyResultFactory(status=ResultStatus.ACHIEVED)

    response = client.get("/api/quarterly-results/", {"status": "regressed"})

    assert response.status_code == 200
    assert ledger_ids(response) == [wanted.pk]


@pytest.mark.parametrize(
    ("param", "value"),
    [("year", "last"), ("quarter", 5), ("area", 999999), ("status", "great")],
)
def test_it_refuses_a_bad_ledger_filter(client, param, value):
    response = client.get("/api/quarterly-results/", {param: value})

    assert response.status_code == 400
    assert list(response.json()) == [param]


def test_it_reads_one_ledger_row(client):
    row = QuarterlyResultFactory()

    response = client.get(f"/api/quarterly-results/{row.pk}/")

    assert response.status_code == 200
    assert response.json()["id"] == row.pk


def test_it_refuses_ledger_writes_from_non_reviewers(client):
    row = QuarterlyResultFactory()

    response = client.patch(f"/api/quarterly-results/{row.pk}/", {"validated_benefit": "9"})

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.validated_benefit is None


# --- catalogs -------------------------------------------------------------------------------


def test_it_lists_the_active_metrics(client):
    active = MetricFactory(name="Aaa first metric")
    MetricFactory(name="Aaa retired metric", is_active=False)

    response = client.get("/api/metrics/", {"page_size": 200})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    names = [row["name"] for row in body["results"]]
    assert active.name in names
    assert "Aaa retired metric" not in names
    assert body["count"] == Metric.objects.filter(is_active=True).count()
    assert set(body["results"][0]) == {
        "id",
        "name",
        "description",
        "unit",
        "direction",
        "pillar",
        "chart_kind",
    }


def test_it_ships_a_kpi_catalog(client):
    response = client.get("/api/metrics/")

    assert response.status_code == 200
    assert response.json()["count"] >= 10


def test_it_reads_one_metric(client):
    metric = MetricFactory()

    response = client.get(f"/api/metrics/{metric.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == metric.name


def test_it_answers_404_for_an_unknown_metric(client):
    response = client.get("/api/metrics/999999/")

    assert response.status_code == 404


def test_it_refuses_to_create_a_metric(client):
    before = Metric.objects.count()

    response = client.post("/api/metrics/", {"name": "Mine", "unit": "x"})

    assert response.status_code == 405
    assert Metric.objects.count() == before


def test_it_lists_the_areas_by_name(client):
    b = AreaFactory(name="Billing")
    a = AreaFactory(name="Accounts", description="Ledgers.")

    response = client.get("/api/areas/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["results"] == [
        {"id": a.pk, "name": "Accounts", "description": "Ledgers."},
        {"id": b.pk, "name": "Billing", "description": ""},
    ]


def test_it_answers_404_for_an_unknown_area(client):
    response = client.get("/api/areas/999999/")

    assert response.status_code == 404
