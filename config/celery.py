import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` once the current transaction commits.

    A job is a consequence of what the user did, never a condition for it: if the broker
    is down (or, with no broker, the in-process run fails) the user's change stands, the
    failure is logged, and the nightly run catches up."""
    import logging

    from django.db import transaction

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            logging.getLogger(__name__).exception("Could not run or queue %s%r", task.name, args)

    transaction.on_commit(send)
