"""The delivery jobs: each takes ids and calls integrations.services."""

from celery import current_app, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from integrations import services
from integrations.senders import TransientSendError


# Retried only for what may pass: the receiver busy or away (no connection, a timeout,
# HTTP 5xx or 429: TransientSendError) or the database connection dropped. The service
# has recorded the attempt and its error first; after the last one it marks the delivery
# failed and raises nothing. Backoff: up to 60 s × 2^n (at most an hour), full jitter.
@shared_task(
    bind=True,
    autoretry_for=(TransientSendError, OperationalError, InterfaceError),
    retry_backoff=services.BACKOFF_SECONDS,
    retry_backoff_max=services.BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=settings.INTEGRATIONS_MAX_ATTEMPTS - 1,
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
)
def deliver(self, delivery_id: int) -> str:
    """Send one delivery (nothing if it is gone, sent, failed or being sent); returns
    its status as left."""
    try:
        delivery = services.attempt(delivery_id=delivery_id)
    except TransientSendError:
        if current_app.conf.task_always_eager:
            # No broker: this runs inside the request (or the scheduler) that queued it.
            # Celery would retry at once, back to back; the scheduler's sweep tries again
            # once the backoff recorded on the delivery is over.
            return "pending"
        raise
    return delivery.status if delivery else "skipped"


@shared_task(soft_time_limit=5 * 60, time_limit=6 * 60, acks_late=True)
def retry_due_deliveries() -> int:
    """Every minute: the pending deliveries whose next try is due — without a broker the
    only retries, with one a safety net for a retry or a first job that was lost."""
    due = services.due_deliveries()
    for delivery_id in due:
        deliver.delay(delivery_id)
    return len(due)
