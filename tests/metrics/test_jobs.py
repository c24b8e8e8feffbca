"""The numbers jobs as jobs: idempotent upserts, retries on named transient errors only,
a sane beat schedule, the recompute endpoint, and a fixed number of queries however
many initiatives there are."""

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from scipy import stats as scipy_stats

from config.celery import app
from improvement.models import Area, Initiative, Methodology, Pillar, Stage
from metrics import tasks as tasks_module
from metrics.ledger.rollup import rollup_quarter
from metrics.models import Measurement, QuarterlyResult, ResultSnapshot, Target
from metrics.results.compute import compute_results
from metrics.tasks import measure_results, quarterly_rollup
from tests.factories import (
    LiveInitiativeFactory,
    MetricFactory,
    TargetFactory,
    UserFactory,
    record_series,
)

CHANGE = dt.date(2026, 3, 2)
AS_OF = dt.date(2026, 6, 30)
LIMIT_POINTS = [10, 12, 11, 13, 12]


def snapshot_rows():
    """Every stored result, all fields but the time it was computed."""
    fields = [f.attname for f in ResultSnapshot._meta.concrete_fields if f.name != "computed_at"]
    return list(ResultSnapshot.objects.order_by("id").values(*fields))


@pytest.fixture
def controlled_target(db, settings):
    """In control, with a chart (five limit points) and a signal on the last point; the
    baseline window is the four days before the change, and the target is due (a final
    look, α = 0.05)."""
    settings.CONTROL_LIMIT_POINTS = 5
    initiative = LiveInitiativeFactory(stage=Stage.CONTROL, methodology=Methodology.DMAIC)
    target = TargetFactory(
        initiative=initiative,
        baseline_value=None,  # one baseline source: the window (its mean is 20)
        baseline_start=CHANGE - dt.timedelta(days=4),
        baseline_end=CHANGE - dt.timedelta(days=1),
        target_value=12.0,
        target_date=CHANGE,
        value_per_unit=Decimal("1000"),
    )
    record_series(target, first=CHANGE - dt.timedelta(days=4), values=[20, 22, 18, 20])
    record_series(target, first=CHANGE, values=[*LIMIT_POINTS, 11, 30])
    return target


# --- idempotency -----------------------------------------------------------------------------


@pytest.mark.usefixtures("celery_eager")
def test_it_leaves_the_same_rows_when_run_twice(controlled_target):
    TargetFactory(initiative=controlled_target.initiative, is_primary=False)
    measure_results.delay(as_of=AS_OF.isoformat()).get()
    first = snapshot_rows()

    shards = measure_results.delay(as_of=AS_OF.isoformat()).get()

    assert shards == 1
    assert snapshot_rows() == first
    assert ResultSnapshot.objects.count() == 2


@pytest.mark.usefixtures("celery_eager")
def test_it_adds_a_row_for_another_as_of_date(controlled_target):
    measure_results.delay(as_of=AS_OF.isoformat()).get()

    shards = measure_results.delay(as_of="2026-03-05").get()

    assert shards == 1
    assert list(ResultSnapshot.objects.order_by("as_of").values_list("as_of", "n_after")) == [
        (dt.date(2026, 3, 5), 4),
        (AS_OF, 7),
    ]


@pytest.mark.usefixtures("celery_eager")
def test_it_serves_the_latest_result(controlled_target, api_as):
    measure_results.delay(as_of=AS_OF.isoformat()).get()
    measure_results.delay(as_of="2026-03-05").get()  # computed later, for an earlier date

    response = api_as(controlled_target.initiative.owner).get(
        f"/api/targets/{controlled_target.pk}/results/"
    )

    assert response.status_code == 200
    assert (response.json()["as_of"], response.json()["n_after"]) == ("2026-06-30", 7)


def test_it_answers_404_before_any_result(controlled_target, api_as):
    response = api_as(controlled_target.initiative.owner).get(
        f"/api/targets/{controlled_target.pk}/results/"
    )

    assert response.status_code == 404
    assert "detail" in response.json()


# --- the task itself -------------------------------------------------------------------------


@pytest.mark.usefixtures("celery_eager")
def test_it_computes_every_initiative_without_an_id(controlled_target):
    other = TargetFactory(initiative=LiveInitiativeFactory())

    shards = measure_results.delay(as_of=AS_OF.isoformat()).get()

    assert shards == 1
    assert set(ResultSnapshot.objects.values_list("target", flat=True)) == {
        controlled_target.pk,
        other.pk,
    }


@pytest.mark.usefixtures("celery_eager")
def test_it_returns_quietly_for_an_initiative_that_is_gone(db):
    written = measure_results.delay(initiative_id=99999).get()

    assert written == 0
    assert not ResultSnapshot.objects.exists()


@pytest.mark.usefixtures("celery_eager")
def test_it_retries_a_dropped_database_connection(controlled_target, monkeypatch):
    calls = []
    real = tasks_module.compute_results

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(tasks_module, "compute_results", flaky)

    # throw=False: an eager task re-runs its retry in place instead of raising Retry.
    job = {"initiative_id": controlled_target.initiative_id, "as_of": AS_OF.isoformat()}
    outcome = measure_results.apply(kwargs=job, throw=False)

    assert outcome.get() == 1
    assert len(calls) == 2
    assert ResultSnapshot.objects.count() == 1


@pytest.mark.usefixtures("celery_eager")
def test_it_does_not_retry_a_programming_error(controlled_target, monkeypatch):
    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise ValueError("a bug, not a hiccup")

    monkeypatch.setattr(tasks_module, "compute_results", broken)

    job = {"initiative_id": controlled_target.initiative_id, "as_of": AS_OF.isoformat()}
    outcome = measure_results.apply(kwargs=job, throw=False)

    assert outcome.failed()
    assert isinstance(outcome.result, ValueError)
    assert len(calls) == 1


@pytest.mark.usefixtures("celery_eager")
def test_it_rolls_up_the_open_quarters_nightly(db):
    from django.utils import timezone

    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    first_day = dt.date(today.year, 3 * quarter - 2, 1)
    target = TargetFactory(initiative=LiveInitiativeFactory(implemented_on=first_day))
    record_series(target, first=first_day, values=[9, 8])

    written = quarterly_rollup.delay().get()

    assert written == 1  # the current quarter; the previous one had nothing live yet
    row = QuarterlyResult.objects.get()
    assert (row.year, row.quarter, row.n_measurements) == (today.year, quarter, 2)


# --- the recompute endpoint ------------------------------------------------------------------

RESULT_FIELDS = {
    "target",
    "as_of",
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
    "computed_at",
    # How the result was proven (issue 13), added after the original fields.
    "test_method",
    "alpha",
    "interim",
    "improvement_low",
    "improvement_high",
    "benefit_low",
    "benefit_high",
    "r1_before",
    "r1_after",
    "n_eff_before",
    "n_eff_after",
    "error",
}


def lag1(values) -> float:
    """Lag-1 autocorrelation, as metrics.stats computes it."""
    d = np.asarray(values, dtype=float) - np.mean(values)
    return float((d[1:] * d[:-1]).sum() / (d * d).sum())


@pytest.mark.usefixtures("celery_eager")
def test_it_queues_a_recompute_and_serves_its_result(
    controlled_target, api_as, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    client = api_as(controlled_target.initiative.owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/initiatives/{controlled_target.initiative_id}/recompute/")

    assert response.status_code == 202
    result = client.get(f"/api/targets/{controlled_target.pk}/results/").json()
    assert set(result) == RESULT_FIELDS
    assert result["target"] == controlled_target.pk
    assert result["as_of"] == timezone.localdate().isoformat()
    assert (result["n_before"], result["n_after"]) == (4, 7)
    assert result["baseline_mean"] == 20.0
    assert result["current_mean"] == pytest.approx(99 / 7)
    assert result["improvement"] == pytest.approx(20 - 99 / 7)
    # The spike to 30 widens the after sample: better on average, but not proven.
    after, before = [*LIMIT_POINTS, 11, 30], [20, 22, 18, 20]
    assert result["p_value"] == pytest.approx(
        scipy_stats.ttest_ind(after, before, equal_var=False).pvalue
    )
    assert result["significant"] is False
    assert result["status"] == "at_risk"
    assert result["realized_annual_benefit"] == str(
        (Decimal(repr(20 - 99 / 7)) * 1000).quantize(Decimal("0.01"))
    )
    # How it was proven: Welch's test at the final α (the target was due on the change
    # date), the 95 % interval of after − before turned round (lower is better), × 1000 a
    # year; r₁ of each sample, too few points (< 10) for an effective size.
    interval = scipy_stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert (result["test_method"], result["alpha"], result["interim"]) == ("welch_t", 0.05, False)
    assert result["improvement_low"] == pytest.approx(-interval.high)
    assert result["improvement_high"] == pytest.approx(-interval.low)
    assert result["benefit_low"] == str(
        (Decimal(repr(float(-interval.high))) * 1000).quantize(Decimal("0.01"))
    )
    assert result["benefit_high"] == str(
        (Decimal(repr(float(-interval.low))) * 1000).quantize(Decimal("0.01"))
    )
    assert result["r1_before"] == pytest.approx(-0.5)  # 20, 22, 18, 20: d = 0, 2, −2, 0
    assert result["r1_after"] == pytest.approx(lag1(after))
    assert (result["n_eff_before"], result["n_eff_after"]) == (None, None)
    assert set(result["control"]) == {
        "center",
        "ucl",
        "lcl",
        "mr_bar",
        "sigma",
        "provisional",
        "signals",
        # Added with the phases.
        "chart",
        "size",
        "limit_points",
        "since",
        "baseline",
    }
    assert result["control"]["center"] == pytest.approx(11.6)
    assert result["control"]["signals"] == [
        {"observed_at": "2026-03-08T12:00:00+00:00", "value": 30.0, "rule": 1}
    ]
    control = result["control"]
    assert (control["chart"], control["size"], control["limit_points"], control["since"]) == (
        "xmr",
        None,
        5,
        CHANGE.isoformat(),
    )
    # The four baseline points: their own centre line, too few (< 5) for limits.
    assert control["baseline"] == {
        "chart": "xmr",
        "center": 20.0,
        "ucl": None,
        "lcl": None,
        "mr_bar": None,
        "sigma": None,
        "size": None,
        "n_points": 4,
        "signals": [],
    }


def test_it_queues_the_recompute_only_after_commit(
    controlled_target, api_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_as(controlled_target.initiative.owner).post(
            f"/api/initiatives/{controlled_target.initiative_id}/recompute/"
        )

    assert response.status_code == 202
    assert len(callbacks) == 1
    assert not ResultSnapshot.objects.exists()


def test_it_refuses_a_recompute_to_a_bystander(controlled_target, api_as, user):
    response = api_as(user).post(f"/api/initiatives/{controlled_target.initiative_id}/recompute/")

    assert response.status_code == 403
    assert not ResultSnapshot.objects.exists()


def test_it_answers_404_for_a_recompute_of_no_initiative(api_as, user):
    response = api_as(user).post("/api/initiatives/99999/recompute/")

    assert response.status_code == 404


# --- beat schedule ---------------------------------------------------------------------------

DAY = dt.timedelta(days=1)
# The once-a-day-or-less jobs; the every-minute sweep of chat deliveries (a plain interval)
# is tested in tests/integrations/test_demo_and_schedule.py.
SWEEP = "retry-due-deliveries"
DAILY = {name: entry for name, entry in app.conf.beat_schedule.items() if name != SWEEP}


def interval(schedule) -> dt.timedelta:
    """The gap between two runs of a once-a-day-or-less crontab."""
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1, "runs more than daily"
    assert len(schedule.day_of_month) == 31 and len(schedule.month_of_year) == 12
    return DAY * 7 / len(schedule.day_of_week)


def test_it_schedules_only_registered_tasks():
    app.loader.import_default_modules()

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}

    assert scheduled == {
        "metrics.tasks.measure_results",
        "metrics.tasks.quarterly_rollup",
        "metrics.tasks.sustainment_watch",
        "improvement.tasks.send_stale_reminders",
        "improvement.tasks.send_daily_digests",
        "campaigns.tasks.close_past_campaigns",
        "actions.tasks.send_action_reminders",
        "integrations.tasks.retry_due_deliveries",
    }
    assert scheduled <= set(app.tasks)


@pytest.mark.parametrize("name", ["measure-results", "quarterly-rollup", "sustainment-watch"])
def test_it_runs_the_numbers_nightly(name):
    assert interval(app.conf.beat_schedule[name]["schedule"]) == DAY


def test_it_sends_the_digest_daily_after_the_monday_reminders():
    at = {
        name: (min(entry["schedule"].hour), min(entry["schedule"].minute))
        for name, entry in DAILY.items()
    }

    assert interval(app.conf.beat_schedule["daily-digest"]["schedule"]) == DAY
    assert at["stale-reminders"] < at["daily-digest"]


def test_it_runs_the_stale_reminders_weekly():
    schedule = app.conf.beat_schedule["stale-reminders"]["schedule"]

    assert interval(schedule) == 7 * DAY
    assert schedule.day_of_week == {1}  # Monday


@pytest.mark.parametrize("name", list(DAILY))
def test_it_expires_a_scheduled_run_before_the_next(name):
    entry = DAILY[name]

    expires = dt.timedelta(seconds=entry["options"]["expires"])

    assert dt.timedelta(0) < expires < interval(entry["schedule"])


def test_it_rolls_up_and_watches_after_the_results():
    at = {
        name: (min(entry["schedule"].hour), min(entry["schedule"].minute))
        for name, entry in DAILY.items()
    }

    assert at["measure-results"] < at["quarterly-rollup"]
    assert at["measure-results"] < at["sustainment-watch"]


@pytest.mark.parametrize(
    "name",
    [
        "metrics.tasks.measure_results",
        "metrics.tasks.quarterly_rollup",
        "metrics.tasks.sustainment_watch",
        "improvement.tasks.send_stale_reminders",
        "improvement.tasks.send_notification_emails",
        "improvement.tasks.send_daily_digests",
        "integrations.tasks.deliver",
    ],
)
def test_it_gives_every_task_late_acks_time_limits_and_named_retries(name):
    app.loader.import_default_modules()
    task = app.tasks[name]

    assert task.acks_late is True
    assert 0 < task.soft_time_limit < task.time_limit
    assert task.autoretry_for
    assert Exception not in task.autoretry_for
    assert 0 < task.max_retries <= 5


# --- a fixed number of queries ---------------------------------------------------------------


def live_initiatives(count: int, *, start: int = 0) -> list[Target]:
    """`count` live initiatives, every other one in control, each with a primary target,
    two points before the change and four after — bulk-created."""
    user = UserFactory(username="bulk-owner")
    area = Area.objects.get_or_create(name="Bulk")[0]
    metric = MetricFactory(name="Bulk cycle time")
    initiatives = Initiative.objects.bulk_create(
        Initiative(
            title=f"Bulk {start + i}",
            problem_statement="Slow.",
            pillar=Pillar.OPERATIONAL,
            area=area,
            submitted_by=user,
            owner=user,
            methodology=Methodology.DMAIC if i % 2 else Methodology.PDCA,
            stage=Stage.CONTROL if i % 2 else Stage.CHECK,
            implemented_on=CHANGE,
        )
        for i in range(count)
    )
    targets = Target.objects.bulk_create(
        Target(
            initiative=initiative,
            metric=metric,
            is_primary=True,
            baseline_value=20.0,
            target_value=12.0,
            value_per_unit=Decimal("100"),
        )
        for initiative in initiatives
    )
    Measurement.objects.bulk_create(
        Measurement(
            target=target,
            observed_at=dt.datetime.combine(CHANGE + dt.timedelta(days=day), dt.time(12), dt.UTC),
            value=value,
        )
        for target in targets
        for day, value in zip(range(-2, 4), [20, 21, 15, 16, 14, 15], strict=True)
    )
    return targets


def insert_batches(model, rows: int) -> int:
    """INSERTs Django needs to bulk-create `rows` rows: one on PostgreSQL; SQLite caps the
    parameters of one query (999), so Django splits there whatever the code asks."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows))


def queries(run) -> int:
    with CaptureQueriesContext(connection) as context:
        run()
    return len(context)


@pytest.mark.django_db
def test_it_computes_results_in_the_same_number_of_queries_for_many_initiatives():
    live_initiatives(10)
    small = queries(lambda: compute_results(as_of=AS_OF))
    live_initiatives(190, start=10)

    large = queries(lambda: compute_results(as_of=AS_OF))

    assert ResultSnapshot.objects.filter(as_of=AS_OF).count() == 200
    assert ResultSnapshot.objects.filter(control__isnull=False).count() == 100
    # The second run writes the 190 new targets' rows; the first 10 are unchanged.
    batches = insert_batches(ResultSnapshot, 190) - insert_batches(ResultSnapshot, 10)
    assert large == small + batches


@pytest.mark.django_db
def test_it_rolls_up_a_quarter_in_the_same_number_of_queries_for_many_initiatives():
    live_initiatives(10)
    small = queries(lambda: rollup_quarter(year=2026, quarter=1))
    live_initiatives(190, start=10)

    large = queries(lambda: rollup_quarter(year=2026, quarter=1))

    assert QuarterlyResult.objects.filter(year=2026, quarter=1).count() == 200
    batches = insert_batches(QuarterlyResult, 200) - insert_batches(QuarterlyResult, 10)
    assert large == small + batches
