import logging
import os
import time

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


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
