"""The embedded default (no Redis, no beat) never goes stale.

What the nightly jobs would do for one initiative happens when its data or stage changes:
the per-initiative results job also rolls up that initiative's ledger rows of the open
quarters. And `manage.py run_scheduler` (started by `make run` beside the server) runs the
beat schedule in process: what is due when is computed from a time given, so it is tested
at any moment without waiting for 02:00."""

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from celery.schedules import BaseSchedule, crontab, schedule
from django.conf import settings
from django.utils import timezone

from config.celery import MAX_SLEEP, EmbeddedBeat, app, next_run, run_entry
from improvement import services as initiative_services
from improvement import workflow
from improvement.models import Initiative, Methodology, Stage
from metrics import services as metric_services
from metrics import tasks
from metrics.models import QuarterlyResult, ResultSnapshot
from metrics.periods import day_start, previous_quarter, quarter_of
from metrics.tasks import measure_results
from tests.factories import (
    LiveInitiativeFactory,
    QuarterCloseFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)

ROOT = Path(__file__).resolve().parents[2]

# --- the scheduler: what is due when --------------------------------------------------------

# The daily and weekly jobs; the every-minute sweep of chat deliveries is left out (it
# would be due at every tick), and tested in tests/integrations/test_demo_and_schedule.py.
SCHEDULE = {
    name: entry
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    if name != "retry-due-deliveries"
}
NIGHTLY = ["measure-results", "quarterly-rollup", "sustainment-watch"]


def local(*args) -> dt.datetime:
    """A wall-clock time in the schedule's time zone (CELERY_TIMEZONE)."""
    return dt.datetime(*args, tzinfo=app.timezone)


# 4 May 2026 is a Monday: the stale reminders are due at 07:00.
MONDAY = (2026, 5, 4)


def test_it_runs_nothing_at_start_up():
    beat = EmbeddedBeat(SCHEDULE, started=local(*MONDAY, 1, 0))

    assert beat.due(local(*MONDAY, 1, 0)) == []
    assert beat.due(local(*MONDAY, 1, 59, 59)) == []


def test_it_runs_each_job_at_its_time():
    beat = EmbeddedBeat(SCHEDULE, started=local(*MONDAY, 1, 0))
    ran = []

    def run(name, entry):
        ran.append(name)

    for moment, expected in [
        (local(*MONDAY, 2, 0), ["measure-results"]),
        (local(*MONDAY, 2, 29), []),
        (local(*MONDAY, 2, 30), ["quarterly-rollup"]),
        (local(*MONDAY, 3, 0), ["sustainment-watch"]),
        (local(*MONDAY, 6, 29), []),
        (local(*MONDAY, 6, 30), ["action-reminders"]),
        (local(*MONDAY, 6, 59), []),
        (local(*MONDAY, 7, 0), ["stale-reminders"]),
        (local(*MONDAY, 7, 5), ["daily-digest"]),
        (local(2026, 5, 5, 0, 14), []),
        (local(2026, 5, 5, 0, 15), ["close-past-campaigns"]),
        (local(2026, 5, 5, 1, 59), []),
        (local(2026, 5, 5, 2, 0), ["measure-results"]),  # nightly: again on Tuesday
    ]:
        assert beat.tick(moment, run) == expected, moment
    assert ran == [
        *NIGHTLY,
        "action-reminders",
        "stale-reminders",
        "daily-digest",
        "close-past-campaigns",
        "measure-results",
    ]
    assert beat.next_run("stale-reminders") == local(2026, 5, 11, 7, 0)


def test_it_runs_times_missed_while_asleep_once_and_in_their_order():
    beat = EmbeddedBeat(SCHEDULE, started=local(*MONDAY, 1, 0))

    # The laptop slept from 01:00 to 09:00: six times were missed.
    assert beat.tick(local(*MONDAY, 9, 0), lambda name, entry: None) == [
        *NIGHTLY,
        "action-reminders",
        "stale-reminders",
        "daily-digest",
    ]

    assert beat.due(local(*MONDAY, 9, 1)) == []
    assert beat.next_run("measure-results") == local(2026, 5, 5, 2, 0)


def test_it_runs_intervals_given_as_timedelta_seconds_or_schedule():
    entries = {
        "every-5-minutes": {"task": "a", "schedule": dt.timedelta(minutes=5)},
        "every-90-seconds": {"task": "b", "schedule": 90},
        "every-hour": {"task": "c", "schedule": schedule(run_every=dt.timedelta(hours=1))},
    }
    start = local(*MONDAY, 12, 0)
    beat = EmbeddedBeat(entries, started=start)

    assert beat.due(start + dt.timedelta(seconds=89)) == []
    assert beat.tick(start + dt.timedelta(seconds=90), lambda *_: None) == ["every-90-seconds"]
    assert beat.next_run("every-90-seconds") == start + dt.timedelta(seconds=180)
    assert beat.tick(start + dt.timedelta(minutes=5), lambda *_: None) == [
        "every-90-seconds",  # due since 12:03, before the other
        "every-5-minutes",
    ]
    assert beat.due(start + dt.timedelta(hours=1)) == [
        "every-90-seconds",  # due since 12:06:30
        "every-5-minutes",  # since 12:10
        "every-hour",  # since 13:00
    ]


def test_it_keeps_a_crontab_to_its_wall_clock_time_across_a_dst_change():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    at_three = crontab(hour=3, minute=0)
    at_three.tz = berlin  # as CELERY_TIMEZONE = "Europe/Berlin" would

    # Summer time starts in the night of 28–29 March 2026: 03:00 is then 01:00 UTC, not 02:00.
    after = next_run(at_three, dt.datetime(2026, 3, 28, 3, 0, tzinfo=berlin))

    assert after == dt.datetime(2026, 3, 29, 3, 0, tzinfo=berlin)
    assert after.astimezone(dt.UTC) == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)


def test_it_sleeps_until_the_next_job_but_never_more_than_a_minute():
    beat = EmbeddedBeat(SCHEDULE, started=local(*MONDAY, 1, 0))

    assert beat.seconds_to_next(local(*MONDAY, 1, 0)) == MAX_SLEEP == 60
    assert beat.seconds_to_next(local(*MONDAY, 1, 59, 30)) == 30
    assert beat.seconds_to_next(local(*MONDAY, 2, 0, 5)) == 0  # due: no sleep


class Sunrise(BaseSchedule):
    """A schedule of neither kind, as celery.schedules.solar is (which needs ephem)."""


def test_it_refuses_a_schedule_it_cannot_compute_at_start():
    entries = {"at-sunrise": {"task": "a", "schedule": Sunrise()}}

    with pytest.raises(ValueError, match="crontabs and intervals"):
        EmbeddedBeat(entries, started=local(*MONDAY, 1, 0))


# --- the scheduler: running a job in process ------------------------------------------------


@pytest.mark.django_db
def test_it_runs_the_task_in_process_and_logs_it(caplog):
    target = TargetFactory(initiative=LiveInitiativeFactory(implemented_on=timezone.localdate()))
    record_series(target, first=timezone.localdate(), values=[9])
    beat = EmbeddedBeat({"results": SCHEDULE["measure-results"]}, started=local(*MONDAY, 1, 0))

    with caplog.at_level(logging.INFO, logger="config.celery"):
        ran = beat.tick(local(*MONDAY, 2, 0))

    assert ran == ["results"]
    assert "Running results (metrics.tasks.measure_results)" in caplog.text
    assert "results done in" in caplog.text
    assert ResultSnapshot.objects.filter(target=target).exists()


@pytest.mark.django_db
def test_it_logs_a_failed_job_and_goes_on_with_the_next(caplog):
    entries = {
        "broken": {"task": "metrics.tasks.measure_results", "kwargs": {"as_of": "not a date"}},
        "rollup": {"task": "metrics.tasks.quarterly_rollup"},
    }

    with caplog.at_level(logging.INFO, logger="config.celery"):
        assert run_entry("broken", entries["broken"]) is False
        assert run_entry("rollup", entries["rollup"]) is True

    assert "broken failed after" in caplog.text
    assert "ValueError" in caplog.text
    assert "rollup done in" in caplog.text


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_it_stops_cleanly_on_a_signal(signum):
    """The command as `make run` starts it, in a process of its own."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_scheduler"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "REDIS_URL": "", "PYTHONUNBUFFERED": "1"},
    )
    try:
        # "Scheduled …" is logged once the handlers are in place.
        lines = [process.stdout.readline() for _ in range(1)]
        while not lines[-1].startswith("Scheduled ") and lines[-1] and len(lines) < 50:
            lines.append(process.stdout.readline())
        assert lines[-1].startswith("Scheduled "), "".join(lines)
        process.send_signal(signum)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0, output
    assert "stopping after the job in progress" in output
    assert output.rstrip().endswith("Scheduler stopped.")


# --- the results job keeps the ledger current ------------------------------------------------

TODAY = timezone.localdate()
CHANGE = TODAY - dt.timedelta(days=30)  # in the previous quarter or this one: both open
AFTER = [12.0 + (day % 3) for day in range(30)]  # a clear improvement on 20


def noon(day: dt.date) -> dt.datetime:
    return day_start(day) + dt.timedelta(hours=12)


def ledger(initiative) -> dict[tuple[int, int], QuarterlyResult]:
    return {(r.year, r.quarter): r for r in QuarterlyResult.objects.filter(initiative=initiative)}


def touched_quarters() -> set[tuple[int, int]]:
    """The quarters of the change and of today (one, or two when they differ)."""
    return {quarter_of(CHANGE), quarter_of(TODAY)}


@pytest.fixture
def owner(db):
    return UserFactory()


def going_live(owner, *, methodology=Methodology.PDCA, stage=Stage.DO, implemented_on=CHANGE):
    """An initiative working on its change, with a primary target of baseline 20."""
    initiative = TriagedInitiativeFactory(
        owner=owner,
        methodology=methodology,
        stage=stage,
        implemented_on=implemented_on,
        decision_note="Adopt.",
        control_plan="Weekly chart review.",
    )
    target = TargetFactory(
        initiative=initiative, baseline_value=20.0, target_value=12.0, value_per_unit=Decimal(100)
    )
    return initiative, target


def record_after_change(owner, target) -> None:
    """A measurement a day from the change to yesterday, through the service people use."""
    items = [
        {"target": target, "observed_at": noon(CHANGE + dt.timedelta(days=i)), "value": value}
        for i, value in enumerate(AFTER)
    ]
    metric_services.record_measurements(actor=owner, items=items)


@pytest.fixture
def no_nightly_rollup(monkeypatch):
    """Proof that no nightly job is involved: the open quarters' rollup of every initiative
    fails the test if anything calls it; one initiative's (the results job's) goes on."""
    one_initiative = tasks.rollup_open_quarters

    def nightly(*, initiative_id=None, **kwargs):
        if initiative_id is None:
            raise AssertionError("the nightly rollup ran")
        return one_initiative(initiative_id=initiative_id, **kwargs)

    monkeypatch.setattr(tasks, "rollup_open_quarters", nightly)


@pytest.mark.usefixtures("celery_eager", "no_nightly_rollup")
def test_it_books_the_ledger_row_of_a_completed_initiative_without_a_nightly_job(
    owner, django_capture_on_commit_callbacks
):
    initiative, target = going_live(owner)

    with django_capture_on_commit_callbacks(execute=True):
        record_after_change(owner, target)
    for to in (Stage.CHECK, Stage.ACT, Stage.COMPLETED):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.move(initiative=initiative, to=to, actor=owner)

    initiative.refresh_from_db()
    assert initiative.stage == Stage.COMPLETED
    rows = ledger(initiative)
    assert set(rows) == touched_quarters()
    assert sum(row.n_measurements for row in rows.values()) == len(AFTER)
    now = rows[quarter_of(TODAY)]
    assert now.target == target
    assert now.baseline_mean == 20.0
    if now.n_measurements:  # this quarter's own points (none when it began today)
        assert now.improvement > 0
        assert now.computed_benefit is not None or now.unproven_benefit is not None


@pytest.mark.usefixtures("celery_eager")
def test_it_rolls_up_only_that_initiatives_rows(owner):
    initiative, target = going_live(owner, stage=Stage.CHECK)
    other, other_target = going_live(UserFactory(), stage=Stage.CHECK)
    for t in (target, other_target):
        record_series(t, first=CHANGE, values=AFTER)

    measure_results.delay(initiative_id=initiative.pk).get()

    assert set(ledger(initiative)) == touched_quarters()
    assert ledger(other) == {}


@pytest.mark.usefixtures("celery_eager")
def test_it_leaves_a_closed_quarter_as_it_was(owner):
    closed = previous_quarter(*quarter_of(TODAY))
    QuarterCloseFactory(year=closed[0], quarter=closed[1])
    initiative, target = going_live(
        owner, stage=Stage.CHECK, implemented_on=TODAY - dt.timedelta(days=100)
    )
    record_series(target, first=TODAY - dt.timedelta(days=100), values=[12.0] * 100)

    measure_results.delay(initiative_id=initiative.pk).get()

    assert set(ledger(initiative)) == {quarter_of(TODAY)}


@pytest.mark.usefixtures("celery_eager")
def test_the_nightly_run_rolls_up_the_ledger_after_its_shards(owner):
    _, target = going_live(owner, stage=Stage.CHECK)
    record_series(target, first=CHANGE, values=AFTER)

    measure_results.delay().get()  # the nightly results run, every initiative

    assert ResultSnapshot.objects.filter(target=target).exists()
    assert QuarterlyResult.objects.filter(target=target).exists()


# These two pass once the moves and the change date queue the results job as the
# measurements do (improvement.workflow.move, improvement.services.update_initiative).


@pytest.mark.usefixtures("celery_eager", "no_nightly_rollup")
@pytest.mark.parametrize(
    ("methodology", "source", "to"),
    [(Methodology.PDCA, Stage.DO, Stage.CHECK), (Methodology.DMAIC, Stage.IMPROVE, Stage.CONTROL)],
    ids=["do→check", "improve→control"],
)
def test_it_computes_and_books_an_initiative_when_it_moves_into_check_or_control(
    owner, methodology, source, to, django_capture_on_commit_callbacks
):
    initiative, target = going_live(
        owner, methodology=methodology, stage=source, implemented_on=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        record_after_change(owner, target)  # not live yet: nothing to compute
    assert not ResultSnapshot.objects.exists()
    # The change date, set where nothing queues the job (the admin, a data fix), so only
    # the move can bring the numbers up to date.
    Initiative.objects.filter(pk=initiative.pk).update(implemented_on=CHANGE)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.move(initiative=initiative, to=to, actor=owner)

    result = ResultSnapshot.objects.get(target=target, as_of=TODAY)
    assert result.n_after == len(AFTER)
    assert set(ledger(initiative)) == touched_quarters()


@pytest.mark.usefixtures("celery_eager", "no_nightly_rollup")
def test_it_computes_and_books_an_initiative_when_its_change_date_is_set(
    owner, django_capture_on_commit_callbacks
):
    initiative, target = going_live(owner, implemented_on=None)
    with django_capture_on_commit_callbacks(execute=True):
        record_after_change(owner, target)
    assert not QuarterlyResult.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        initiative_services.update_initiative(
            initiative=initiative, actor=owner, changes={"implemented_on": CHANGE}
        )

    assert ResultSnapshot.objects.get(target=target, as_of=TODAY).n_after == len(AFTER)
    assert set(ledger(initiative)) == touched_quarters()
