from celery import shared_task
from django.db import InterfaceError, OperationalError

from actions.reminders import send_reminders


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=5 * 60,
    time_limit=10 * 60,
    acks_late=True,
)
def send_action_reminders() -> int:
    """The daily reminders of actions due tomorrow and today (actions.reminders); safe to
    run again: each reminder is claimed once."""
    return send_reminders()
