import logging
import signal
import threading

from celery.exceptions import NotRegistered
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.celery import EmbeddedBeat, app

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the periodic jobs of settings.CELERY_BEAT_SCHEDULE in this process, without a "
        "broker: the embedded default's beat (`make run` starts it beside the server). "
        "Stops on SIGTERM or SIGINT once the job in progress, if any, is done."
    )

    def handle(self, *args, **options):
        app.loader.import_default_modules()  # the tasks' modules, so their names resolve
        schedule = settings.CELERY_BEAT_SCHEDULE
        for name, entry in schedule.items():
            try:
                app.tasks[entry["task"]]
            except NotRegistered:
                raise CommandError(f"{name}: no task named {entry['task']!r}.") from None
        try:
            beat = EmbeddedBeat(schedule, started=timezone.now())
        except ValueError as exc:
            raise CommandError(str(exc)) from None

        stop = threading.Event()

        def request_stop(signum, frame):
            log.info("%s: stopping after the job in progress, if any.", signal.strsignal(signum))
            stop.set()

        # Only the main thread may set handlers; the previous ones come back on the way
        # out, so a caller (a test, a shell) keeps its own.
        previous = {
            signum: signal.signal(signum, request_stop)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            beat.run_forever(stop)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        log.info("Scheduler stopped.")
