import datetime as dt
import logging
import os
import time

from celery import Celery
from celery.schedules import crontab
from celery.schedules import schedule as celery_schedule
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)

# The options of a daily job that is safe to repeat: retried, with back-off, only when the
# database connection dropped; acknowledged once done. `@shared_task(**DAILY_JOB)`.
DAILY_JOB = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 3,
    "soft_time_limit": 5 * 60,
    "time_limit": 10 * 60,
    "acks_late": True,
}


class BrokerHealth:
    """Whether this process should try the broker. After a failed publish it stops
    trying for `settings.BROKER_BACKOFF` seconds, so a broker that is down or hung costs
    one request its timeout (about 3 s when hung) rather than every request."""

    def __init__(self) -> None:
        self.down_until = 0.0

    def available(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self) -> None:
        from django.conf import settings

        self.down_until = time.monotonic() + settings.BROKER_BACKOFF

    def reset(self) -> None:
        self.down_until = 0.0


broker_health = BrokerHealth()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` — a task, or a task's name — once the current transaction commits.

    Services name the job they queue ("metrics.tasks.measure_results"): the task modules
    import the services, so a service importing its task module would close an import
    cycle. The name is looked up when the transaction commits.

    A job is a consequence of what the user did, never a condition for it: if the broker
    is down (or, with no broker, the in-process run fails) the user's change stands, the
    failure is logged, and the nightly run catches up."""
    from django.db import transaction

    name = task if isinstance(task, str) else task.name

    def send():
        in_process = app.conf.task_always_eager
        if not in_process and not broker_health.available():
            log.error("Broker unavailable lately: %s%r not queued", name, args)
            return
        try:
            app.tasks[name].apply_async(args=args, kwargs=kwargs)
        except Exception:
            log.exception("Could not run or queue %s%r", name, args)
            if not in_process:
                broker_health.failed()

    transaction.on_commit(send)


# --- the embedded beat -------------------------------------------------------------------
# Without a broker (the embedded default) there is no Celery beat: `manage.py
# run_scheduler`, which `make run` starts beside the development server, runs the same
# schedule in its own process with this.

# The longest the scheduler sleeps between looks at the clock, so a clock that jumps (a
# laptop waking up, a time-zone change) is noticed within a minute.
MAX_SLEEP = 60.0


def next_run(schedule, last_run: dt.datetime) -> dt.datetime:
    """When an entry of CELERY_BEAT_SCHEDULE next runs after `last_run`: a crontab at its
    next time in CELERY_TIMEZONE, an interval (a timedelta, seconds or `schedule(...)`)
    that long after the last run. Celery's own `is_due()` reads the clock itself; this
    takes the time given, so what is due can be computed for any moment."""
    if isinstance(schedule, crontab):
        # The next time from the crontab's fields, computed in its time zone; the
        # datetime arithmetic is on the wall clock, so 02:00 stays 02:00 across DST.
        start, delta, _ = schedule.remaining_delta(last_run)
        return start + delta
    if isinstance(schedule, celery_schedule):
        return last_run + schedule.run_every
    if isinstance(schedule, dt.timedelta):
        return last_run + schedule
    if isinstance(schedule, int | float) and not isinstance(schedule, bool):
        return last_run + dt.timedelta(seconds=schedule)
    raise ValueError(f"The embedded scheduler runs crontabs and intervals, not {schedule!r}.")


class EmbeddedBeat:
    """What is due in a beat schedule (settings.CELERY_BEAT_SCHEDULE), and running it in
    this process, one job after another.

    As Celery beat does for a schedule it has not run yet, every entry counts as last run
    at `started`: nothing runs at start-up, and each entry first runs at its first time
    after it. A time missed while the process was not running — a laptop asleep at
    02:00 — runs once when it wakes, not once per missed time; several such runs go in
    the order of their times, so the nightly results still come before the rollup."""

    def __init__(self, schedule: dict, *, started: dt.datetime):
        self.schedule = schedule
        self.last_run = dict.fromkeys(schedule, started)
        for name in schedule:
            self.next_run(name)  # refuse an entry it cannot run now, not at 02:00

    def next_run(self, name: str) -> dt.datetime:
        return next_run(self.schedule[name]["schedule"], self.last_run[name])

    def due(self, now: dt.datetime) -> list[str]:
        """The entries due at `now`, in the order of their times."""
        due = [name for name in self.schedule if self.next_run(name) <= now]
        return sorted(due, key=lambda name: (self.next_run(name), name))

    def seconds_to_next(self, now: dt.datetime) -> float:
        """How long to sleep before the next entry is due (at most MAX_SLEEP)."""
        soonest = min((self.next_run(name) for name in self.schedule), default=None)
        if soonest is None:
            return MAX_SLEEP
        return min(max((soonest - now).total_seconds(), 0.0), MAX_SLEEP)

    def tick(self, now: dt.datetime, run=None) -> list[str]:
        """Run every entry due at `now` (with `run(name, entry)`, by default the task in
        this process) and count it as run at `now`; returns their names."""
        run = run or run_entry
        due = self.due(now)
        for name in due:
            run(name, self.schedule[name])
            self.last_run[name] = now
        return due

    def run_forever(self, stop, *, clock=None) -> None:
        """Tick, then sleep until the next entry is due, until `stop` (a threading.Event)
        is set — by a signal handler, say. A job already running is finished first."""
        from django.db import close_old_connections
        from django.utils import timezone

        def run(name, entry):
            # A long-lived process: drop connections the database closed since the last
            # job, and the job's own when it is done, as a Celery worker does.
            close_old_connections()
            try:
                return run_entry(name, entry)
            finally:
                close_old_connections()

        clock = clock or timezone.now
        for name in self.schedule:
            log.info("Scheduled %s: next at %s", name, f"{self.next_run(name):%Y-%m-%d %H:%M %Z}")
        while not stop.is_set():
            self.tick(clock(), run)
            stop.wait(self.seconds_to_next(clock()))


def run_entry(name: str, entry: dict) -> bool:
    """Run one schedule entry's task here and now (`expires` and the other queueing
    options do not apply to a run in process); log how it went, and return whether it
    succeeded. A failed job is logged and the schedule goes on, as with a worker."""
    task = app.tasks[entry["task"]]
    log.info("Running %s (%s)", name, task.name)
    started = time.monotonic()
    # throw=False: a failure is reported on the result (and retries of named transient
    # errors run in place), not raised into the scheduler.
    result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=False)
    elapsed = time.monotonic() - started
    if result.failed():
        log.error("%s failed after %.1f s: %r\n%s", name, elapsed, result.result, result.traceback)
        return False
    log.info("%s done in %.1f s: %r", name, elapsed, result.result)
    return True
