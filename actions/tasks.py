from celery import shared_task

from actions.reminders import send_reminders
from config.celery import DAILY_JOB


@shared_task(**DAILY_JOB)
def send_action_reminders() -> int:
    """The daily reminders of actions due tomorrow and today (actions.reminders); safe to
    run again: each reminder is claimed once."""
    return send_reminders()
