"""Celery jobs for campaigns: each calls one service and is safe to repeat."""

from celery import shared_task

from campaigns.services import close_due_campaigns
from config.celery import DAILY_JOB


@shared_task(**DAILY_JOB)
def close_past_campaigns() -> int:
    """Close the campaigns past their close date and tell their submitters; a campaign
    closed by an earlier run (or a retry) is not closed, nor told about, again."""
    return close_due_campaigns()
