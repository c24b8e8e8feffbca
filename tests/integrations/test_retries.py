"""Retries: a busy receiver (HTTP 5xx, 429, no connection) is tried again with backoff
up to INTEGRATIONS_MAX_ATTEMPTS and then marked failed with its error; a refusal (400)
fails at once. With a broker Celery retries; without one the job tries once and the
scheduler's sweep tries again after the backoff — a request never waits on retries."""

import datetime as dt
import socket

import pytest
from django.utils import timezone

from integrations import messages, services, tasks
from integrations.models import ChannelKind, Delivery, DeliveryStatus, Event
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(admin, tree, receiver):
    """A pending delivery to a webhook at the receiver, no job run yet."""
    services.create_channel(
        actor=admin,
        name="Hook",
        kind=ChannelKind.WEBHOOK,
        url=f"{receiver.base}/hook",
        events=[Event.IDEA_SUBMITTED],
    )
    idea = InitiativeFactory(area=tree["logistics"])
    [pk] = services.publish(messages.idea_submitted(initiative_id=idea.pk))
    return Delivery.objects.get(pk=pk)


@pytest.fixture
def with_broker(celery_eager):
    """As with a broker: Celery's own retries. `apply(throw=False)` runs them here, without waiting
    out their countdown; `countdowns` records each one asked for."""
    celery_eager.conf.task_always_eager = False
    # Each retry is applied in place, nested: it must report, not raise, as a worker does.
    propagates = celery_eager.conf.task_eager_propagates
    celery_eager.conf.task_eager_propagates = False
    countdowns = []
    original = tasks.deliver.retry

    def retry(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    tasks.deliver.retry = retry
    yield countdowns
    del tasks.deliver.retry
    celery_eager.conf.task_eager_propagates = propagates


def test_it_retries_a_server_error_with_backoff_then_sends(delivery, receiver, with_broker):
    receiver.answer(500)

    tasks.deliver.apply(args=[delivery.pk], throw=False)

    delivery.refresh_from_db()
    assert len(receiver.received) == 2
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SENT,
        2,
        200,
    )
    assert delivery.last_error == ""
    # One retry, after a random wait up to the first backoff step (full jitter).
    assert len(with_broker) == 1
    assert 0 <= with_broker[0] <= services.BACKOFF_SECONDS


def test_it_gives_up_after_the_last_attempt_with_the_error(
    delivery, receiver, with_broker, settings
):
    settings.INTEGRATIONS_MAX_ATTEMPTS = 3
    receiver.answer(500, 503, 502, 500, 500)

    tasks.deliver.apply(args=[delivery.pk], throw=False)

    delivery.refresh_from_db()
    assert len(receiver.received) == 3
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.FAILED,
        3,
        502,
    )
    assert delivery.last_error.startswith("HTTP 502")
    assert delivery.next_attempt_at is None
    # Backoff grows: each countdown is drawn below 60 s × 2^n.
    assert len(with_broker) == 2
    assert with_broker[0] <= 60 and with_broker[1] <= 120


def test_it_does_not_retry_a_refusal(delivery, receiver, with_broker):
    receiver.answer(400)

    tasks.deliver.apply(args=[delivery.pk], throw=False)

    delivery.refresh_from_db()
    assert len(receiver.received) == 1
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.FAILED,
        1,
        400,
    )
    assert "receiver says no" in delivery.last_error
    assert with_broker == []


def test_it_retries_too_many_requests(delivery, receiver, with_broker):
    receiver.answer(429)

    tasks.deliver.apply(args=[delivery.pk], throw=False)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_it_retries_a_receiver_that_is_not_there(admin, tree, with_broker, settings):
    settings.INTEGRATIONS_MAX_ATTEMPTS = 2
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    services.create_channel(
        actor=admin,
        name="Gone",
        kind=ChannelKind.WEBHOOK,
        url=f"http://127.0.0.1:{port}/hook",
        events=[Event.IDEA_SUBMITTED],
    )
    [pk] = services.publish(
        messages.idea_submitted(initiative_id=InitiativeFactory(area=tree["logistics"]).pk)
    )

    tasks.deliver.apply(args=[pk], throw=False)

    delivery = Delivery.objects.get(pk=pk)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert delivery.last_error.startswith("Could not connect")
    assert len(with_broker) == 1


def test_without_a_broker_it_tries_once_and_the_sweep_tries_again(delivery, receiver):
    receiver.answer(500)

    assert tasks.deliver.delay(delivery.pk).get() == "pending"

    delivery.refresh_from_db()
    assert len(receiver.received) == 1  # no retry in the request that queued it
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.PENDING,
        1,
        500,
    )
    assert delivery.last_error.startswith("HTTP 500")
    assert delivery.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert tasks.retry_due_deliveries.delay().get() == 0  # not due yet

    # The backoff is over (and the broker's grace): the scheduler's sweep sends it.
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=2)
    )
    assert tasks.retry_due_deliveries.delay().get() == 1

    delivery.refresh_from_db()
    assert len(receiver.received) == 2
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_it_sends_a_delivery_once_however_often_its_job_runs(delivery, receiver):
    tasks.deliver.delay(delivery.pk)
    assert tasks.deliver.delay(delivery.pk).get() == "skipped"

    assert len(receiver.received) == 1


def test_it_leaves_a_delivery_another_attempt_holds(delivery, receiver):
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() + dt.timedelta(minutes=1)
    )

    assert services.attempt(delivery_id=delivery.pk) is None
    assert receiver.received == []
