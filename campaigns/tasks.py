"""Celery jobs for campaigns: each calls one service and is safe to repeat."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from campaigns.services import close_due_campaigns


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=5 * 60,
    time_limit=10 * 60,
    acks_late=True,
)
def close_past_campaigns() -> int:
    """Close the campaigns past their close date and tell their submitters; a campaign
    closed by an earlier run (or a retry) is not closed, nor told about, again."""
    return close_due_campaigns()
