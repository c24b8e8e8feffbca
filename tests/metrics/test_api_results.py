"""Results, recompute, the quarterly ledger, and the catalogs (`/api/metrics/`, `/api/areas/`)."""

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest
from scipy import stats as scipy_stats

from improvement.models import Stage
from metrics.ledger.rollup import rollup_quarter
from metrics.models import Direction, Metric, QuarterlyResult, ResultSnapshot, ResultStatus
from metrics.results.compute import compute_results
from metrics.tasks import measure_results
from tests.factories import (
    AreaFactory,
    LedgerRowFactory,
    LiveInitiativeFactory,
    MeasurementFactory,
    MetricFactory,
    QuarterCloseFactory,
    QuarterlyResultFactory,
    ResultSnapshotFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    record_series,
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
    # The keys added with the phases (README, "How a result is computed").
    "chart": "xmr",
    "size": None,
    "limit_points": 10,
    "since": "2026-04-01",
    "baseline": {
        "chart": "xmr",
        "center": 10.1,
        "ucl": 12.5,
        "lcl": 7.7,
        "mr_bar": 0.9,
        "sigma": 0.8,
        "size": None,
        "n_points": 20,
        "signals": [{"observed_at": "2026-03-10T09:00:00+00:00", "value": 13.0, "rule": 1}],
    },
}
# A figure stored before the phases: the original keys only.
PHASES = {"chart", "size", "limit_points", "since", "baseline"}


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


def test_it_serves_a_figure_stored_before_the_phases_without_their_keys(client):
    before_phases = {name: value for name, value in CONTROL.items() if name not in PHASES}
    snapshot = ResultSnapshotFactory(control=before_phases)

    response = client.get(f"/api/targets/{snapshot.target_id}/results/")

    assert response.status_code == 200
    assert response.json()["control"] == before_phases


# 20 points that wander (a high day follows a high day), on a typed baseline of 10: lag-1
# autocorrelation 0.572, so the one-sample t-test counts 20·(1 − r₁)/(1 + r₁) = 5.44 points.
WANDERING = [11.0, 11.4, 11.9, 11.6, 11.2, 11.5, 12.1, 12.4, 12.0, 11.7]
WANDERING += [11.9, 12.3, 12.6, 12.2, 11.8, 12.0, 12.5, 12.8, 12.4, 12.1]


CENT = Decimal("0.01")


def per_year(improvement: float) -> Decimal:
    """An improvement at 1000 a year per unit, in cents, as the results engine books it."""
    return (Decimal(repr(float(improvement))) * 1000).quantize(CENT)


def test_it_serves_how_a_computed_result_was_proven(client):
    # Higher is better, 1000 a year per unit; due after the as-of date, so an interim look.
    target = TargetFactory(
        initiative=LiveInitiativeFactory(implemented_on=dt.date(2026, 3, 2)),
        metric=MetricFactory(direction=Direction.HIGHER_IS_BETTER),
        baseline_value=10.0,
        target_value=13.0,
        target_date=dt.date(2026, 9, 30),
        value_per_unit=Decimal("1000"),
    )
    record_series(target, first=dt.date(2026, 3, 2), values=WANDERING)
    compute_results(initiative_id=target.initiative_id, as_of=dt.date(2026, 6, 30))

    response = client.get(f"/api/targets/{target.pk}/results/")

    assert response.status_code == 200
    body = response.json()
    x = np.array(WANDERING)
    d = x - x.mean()
    r1 = (d[1:] * d[:-1]).sum() / (d * d).sum()
    n_eff = 20 * (1 - r1) / (1 + r1)
    half = scipy_stats.t.ppf(0.975, n_eff - 1) * math.sqrt(x.var(ddof=1) / n_eff)
    assert body["test_method"] == "one_sample_t"
    assert (body["interim"], body["alpha"]) == (True, 0.001)
    assert body["p_value"] == pytest.approx(0.000371, abs=1e-6)  # below 0.001: proven
    assert (body["significant"], body["status"]) == (True, "improving")
    assert (body["r1_before"], body["n_eff_before"]) == (None, None)  # one sample only
    assert body["r1_after"] == pytest.approx(0.57206, abs=1e-5)
    assert body["n_eff_after"] == pytest.approx(5.4444, abs=1e-4)
    assert body["improvement"] == pytest.approx(1.97)
    assert body["improvement_low"] == pytest.approx(x.mean() - 10 - half)
    assert body["improvement_high"] == pytest.approx(x.mean() - 10 + half)
    assert (body["improvement_low"], body["improvement_high"]) == (
        pytest.approx(1.42798, abs=1e-5),
        pytest.approx(2.51202, abs=1e-5),
    )
    assert (body["benefit_low"], body["benefit_high"]) == (
        str(per_year(x.mean() - 10 - half)),
        str(per_year(x.mean() - 10 + half)),
    )
    assert (body["benefit_low"], body["benefit_high"]) == ("1427.98", "2512.02")
    assert body["realized_annual_benefit"] == "1970.00"


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
    # Added with issue 13.
    "unproven_benefit",
    "test_method",
    "alpha",
    "improvement_low",
    "improvement_high",
    "benefit_low",
    "benefit_high",
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


def test_it_serves_the_proven_and_the_unproven_benefit_of_the_ledger(client):
    # Two initiatives live all 2026 Q2 and due on its first day (a final look), 1000 a year
    # per hour saved: one clearly better (proven), one better on average within the noise.
    before = [20, 22, 18, 20]
    targets = {}
    for name, after in (("sure", [15, 16, 14, 15]), ("unsure", [15, 25, 14, 22])):
        target = TargetFactory(
            initiative=LiveInitiativeFactory(implemented_on=dt.date(2026, 4, 1)),
            baseline_value=None,
            baseline_start=dt.date(2026, 3, 28),
            baseline_end=dt.date(2026, 3, 31),
            target_value=12.0,
            target_date=dt.date(2026, 4, 1),
            value_per_unit=Decimal("1000"),
        )
        record_series(target, first=dt.date(2026, 3, 28), values=before)
        record_series(target, first=dt.date(2026, 4, 1), values=after)
        targets[name] = target
    rollup_quarter(year=2026, quarter=2)

    response = client.get("/api/quarterly-results/", {"year": 2026, "quarter": 2})

    assert response.status_code == 200
    rows = {row["target"]: row for row in response.json()["results"]}
    sure, unsure = rows[targets["sure"].pk], rows[targets["unsure"].pk]
    assert (sure["computed_benefit"], sure["unproven_benefit"]) == ("1250.00", None)
    assert (unsure["computed_benefit"], unsure["unproven_benefit"]) == (None, "250.00")
    for row in (sure, unsure):
        assert (row["test_method"], row["alpha"]) == ("welch_t", 0.05)
    # Lower is better: the interval of after − before turned round; a quarter of 1000 a year.
    interval = scipy_stats.ttest_ind([15, 25, 14, 22], before, equal_var=False)
    interval = interval.confidence_interval(0.95)
    assert unsure["improvement_low"] == pytest.approx(-interval.high)
    assert unsure["improvement_high"] == pytest.approx(-interval.low)
    assert unsure["improvement_low"] < 0 < unsure["improvement_high"]
    # The whole quarter is after the change: a quarter of the annual interval.
    assert (unsure["benefit_low"], unsure["benefit_high"]) == (
        str((per_year(-interval.high) / 4).quantize(CENT)),
        str((per_year(-interval.low) / 4).quantize(CENT)),
    )
    stored = QuarterlyResult.objects.get(target=targets["unsure"])
    assert (unsure["benefit_low"], unsure["benefit_high"]) == (
        str(stored.benefit_low),
        str(stored.benefit_high),
    )


@pytest.mark.parametrize(
    "field",
    [
        "unproven_benefit",
        "computed_benefit",
        "test_method",
        "alpha",
        "improvement_low",
        "improvement_high",
        "benefit_low",
        "benefit_high",
    ],
)
def test_it_refuses_a_ledger_patch_of_a_computed_figure(api_as, reviewer, field):
    row = LedgerRowFactory(unproven_benefit=None)

    response = api_as(reviewer).patch(
        f"/api/quarterly-results/{row.pk}/", {field: "1", "review_note": "Checked."}
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0].startswith(f"Unknown or read-only field: {field}")
    row.refresh_from_db()
    assert (row.computed_benefit, row.unproven_benefit, row.review_note) == (
        Decimal("1250.00"),
        None,
        "",
    )


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
        {
            "id": a.pk,
            "name": "Accounts",
            "description": "Ledgers.",
            "parent": None,
            "depth": 1,
            "restricted": False,
        },
        {
            "id": b.pk,
            "name": "Billing",
            "description": "",
            "parent": None,
            "depth": 1,
            "restricted": False,
        },
    ]


def test_it_answers_404_for_an_unknown_area(client):
    response = client.get("/api/areas/999999/")

    assert response.status_code == 404
