"""The one write path of channels and deliveries: the admin, the event receivers, the
delivery job and the demo call these.

A delivery's life (DeliveryStatus): created `pending` by `publish` when an event
happens, one per matching channel, and its job queued once that commits; each attempt
claims it (a conditional UPDATE), sends, and leaves it `sent`, `failed` (refused for
good, or the last of settings.INTEGRATIONS_MAX_ATTEMPTS attempts) or `pending` with the
time of its next try. With a broker, Celery retries it with backoff and jitter; without
one (tasks in-process) the job tries once and the scheduler's sweep
(`due_deliveries`, every minute) tries again when its backoff is over — so no web
request ever waits through retries."""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import enqueue_on_commit
from integrations import endpoints, matching, messages, senders, signing
from integrations.messages import News
from integrations.models import Channel, ChannelKind, Delivery, DeliveryStatus, Event
from metrics.models import QuarterClose

log = logging.getLogger(__name__)

# What an administrator sets on a channel (the secret is the service's to generate).
CHANNEL_FIELDS = ("name", "kind", "url", "area", "campaign", "events", "active")

# Backoff between attempts: up to BACKOFF_SECONDS × 2^(attempt − 1), at most
# BACKOFF_MAX_SECONDS (Celery draws the actual wait at random below it: full jitter).
BACKOFF_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
# An attempt holds its delivery this long at most: longer than the job's hard time limit
# (tasks.deliver), so a claim outlives only a worker that died.
CLAIM_SECONDS = 120
# The sweep leaves a delivery this long past its backoff to a broker's own retry.
SWEEP_GRACE_SECONDS = 60
# Deliveries per sweep: a long outage's backlog goes out over several minutes.
SWEEP_BATCH = 100
# How much of an error a delivery keeps.
ERROR_TEXT = 2000


# --- who ------------------------------------------------------------------------------------


def may_manage_channels(user) -> bool:
    """Channels carry secrets and can send any initiative's news out of the tracker:
    administrators only."""
    return bool(user and user.is_active and user.is_superuser)


def _check_manager(actor) -> None:
    if not may_manage_channels(actor):
        raise PermissionDenied(_("Only administrators manage chat channels and webhooks."))


# --- channels -------------------------------------------------------------------------------


def check_channel(channel: Channel) -> None:
    """Every rule of a channel, each bad field named (ValidationError): the model's
    fields and constraints, the address for its kind, the events."""
    errors = {}
    try:
        channel.full_clean(exclude=["secret"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "url" not in errors and "kind" not in errors:
        try:
            endpoints.check(kind=channel.kind, url=channel.url)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    events = channel.events
    if not isinstance(events, list) or not events:
        errors["events"] = [_("Choose at least one event.")]
    elif set(events) - set(Event.values):
        unknown = ", ".join(sorted(map(str, set(events) - set(Event.values))))
        errors["events"] = [_("Unknown events: %(events)s.") % {"events": unknown}]
    if errors:
        raise ValidationError(errors)


def create_channel(*, actor, **fields) -> Channel:
    """A new channel from `fields` (CHANNEL_FIELDS); a webhook gets a fresh signing
    secret, readable on the returned channel (show it once). Raises PermissionDenied,
    or ValidationError naming every bad field — and then saves nothing."""
    _check_manager(actor)
    unknown = set(fields) - set(CHANNEL_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("A channel has no such field.")))
    channel = Channel(created_by=actor, **fields)
    channel.url = (channel.url or "").strip()
    channel.events = _ordered(channel.events)
    check_channel(channel)
    if channel.kind == ChannelKind.WEBHOOK:
        channel.secret = signing.new_secret()
    channel.save()
    return channel


def update_channel(*, channel: Channel, actor, changes: dict) -> Channel:
    """Apply `changes` (CHANNEL_FIELDS) — all or, on any refusal, none. A channel that
    becomes a webhook gets a signing secret; one that stops being one loses it."""
    _check_manager(actor)
    unknown = set(changes) - set(CHANNEL_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("A channel has no such field.")))
    for field, value in changes.items():
        setattr(channel, field, value)
    channel.url = (channel.url or "").strip()
    channel.events = _ordered(channel.events)
    check_channel(channel)
    if channel.kind == ChannelKind.WEBHOOK and not channel.secret:
        channel.secret = signing.new_secret()
    elif channel.kind != ChannelKind.WEBHOOK:
        channel.secret = ""
    channel.save()
    return channel


def delete_channel(*, channel: Channel, actor) -> None:
    """Remove a channel and its delivery log. (To pause one, switch it off instead.)"""
    _check_manager(actor)
    channel.delete()


def rotate_secret(*, channel: Channel, actor) -> str:
    """A new signing secret for a webhook (the old one stops working at once)."""
    _check_manager(actor)
    if channel.kind != ChannelKind.WEBHOOK:
        raise ValidationError(_("Only a webhook has a signing secret."))
    channel.secret = signing.new_secret()
    channel.save(update_fields=["secret", "updated_at"])
    return channel.secret


def _ordered(events) -> list:
    """The chosen events in Event's order, once each (a list as given otherwise, for
    check_channel to name what is wrong with it)."""
    if not isinstance(events, list | tuple | set):
        return events
    chosen = [str(event) for event in events]
    known = [event for event in Event.values if event in chosen]
    return known + sorted(set(chosen) - set(known))


def send_test(*, channel: Channel, actor) -> int | None:
    """Send a test message to `channel` now, in this request (its timeouts bound the
    wait); raises senders.SendError with the reason when it does not get through."""
    _check_manager(actor)
    payload = messages.test_message(channel_name=channel.name)
    return senders.send(channel=channel, payload=payload, delivery_id="test")


# --- publishing -----------------------------------------------------------------------------


def publish(news: News | None) -> list[int]:
    """One delivery per active channel that wants this news and may carry it
    (integrations.matching), each sent by a job once this commits; the ids created.
    An occurrence published again (a repeated job) adds nothing."""
    if news is None:
        return []
    channels = matching.channels_for(news.initiative, news.event)
    return _create(news.event, news.key, news.initiative, [(c, news.payload) for c in channels])


def publish_quarter(*, close_id: int) -> list[int]:
    """A closed quarter, told to every channel that wants it (not a campaign's), each
    with the figures of its own part of the tree."""
    close = QuarterClose.objects.filter(pk=close_id).first()
    if close is None:
        return []
    channels = matching.channels_for_programme(Event.QUARTER_CLOSED)
    if not channels:
        return []
    private = matching.private_area_ids()
    items = [
        (c, messages.quarter_closed(close=close, scope=matching.programme_scope(c, private)))
        for c in channels
    ]
    return _create(Event.QUARTER_CLOSED, f"close:{close.pk}", None, items)


def _create(event: str, key: str, initiative, items) -> list[int]:
    created = []
    now = timezone.now()
    with transaction.atomic():
        for channel, payload in items:
            delivery, new = Delivery.objects.get_or_create(
                channel=channel,
                event=event,
                event_key=key,
                # next_attempt_at now: if the job is lost (a broker down when this
                # commits), the sweep sends it after its grace.
                defaults={"initiative": initiative, "payload": payload, "next_attempt_at": now},
            )
            if new:
                created.append(delivery.pk)
                enqueue_on_commit("integrations.tasks.deliver", delivery.pk)
    return created


# --- delivering -----------------------------------------------------------------------------


def max_attempts() -> int:
    return settings.INTEGRATIONS_MAX_ATTEMPTS


def backoff(attempts: int) -> dt.timedelta:
    """The longest wait after the `attempts`-th failed attempt (Celery's retry_backoff
    with these figures waits a random time up to it)."""
    seconds = BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def attempt(*, delivery_id: int) -> Delivery | None:
    """Try to send one pending delivery once. Returns it as left (sent, failed, or
    pending for a later try), or None when it is not pending or another attempt holds it.

    Raises senders.TransientSendError when it failed for a passing reason and attempts
    remain — recorded first, with its next try — so that the job retries it."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
            # If this attempt never finishes (the worker died), the sweep's time.
            next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS),
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("channel").get(pk=delivery_id)
    if not delivery.channel.active:
        return _finish(delivery, DeliveryStatus.FAILED, error=_("The channel is switched off."))
    try:
        status = senders.send(
            channel=delivery.channel, payload=delivery.payload, delivery_id=str(delivery.pk)
        )
    except senders.TransientSendError as exc:
        if delivery.attempts >= max_attempts():
            return _finish(delivery, DeliveryStatus.FAILED, error=str(exc), response=exc.status)
        _finish(
            delivery,
            DeliveryStatus.PENDING,
            error=str(exc),
            response=exc.status,
            next_at=timezone.now() + backoff(delivery.attempts),
        )
        raise
    except senders.PermanentSendError as exc:
        return _finish(delivery, DeliveryStatus.FAILED, error=str(exc), response=exc.status)
    except Exception as exc:  # a bug here or in a plugin: kept on the row, not retried
        log.exception("Delivery %s could not be sent", delivery.pk)
        return _finish(delivery, DeliveryStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    return _finish(delivery, DeliveryStatus.SENT, response=status)


def _finish(
    delivery: Delivery,
    outcome: str,
    *,
    error: str = "",
    response: int | None = None,
    next_at: dt.datetime | None = None,
) -> Delivery:
    """Record how the attempt went and release the claim."""
    delivery.status = outcome
    delivery.response_status = response
    delivery.claimed_until = None
    delivery.next_attempt_at = next_at
    if outcome == DeliveryStatus.SENT:
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
    else:
        delivery.last_error = error[:ERROR_TEXT]
    delivery.save(
        update_fields=[
            "status",
            "response_status",
            "claimed_until",
            "next_attempt_at",
            "sent_at",
            "last_error",
        ]
    )
    return delivery


def due_deliveries(*, now: dt.datetime | None = None) -> list[int]:
    """The pending deliveries whose next try is due (plus a broker's grace) and that no
    attempt holds: the sweep's work, oldest first (index delivery_due_idx)."""
    now = now or timezone.now()
    due = now - dt.timedelta(seconds=SWEEP_GRACE_SECONDS)
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=due)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def retry(*, deliveries, actor) -> int:
    """Send failed deliveries again, each with a full set of attempts; returns how many."""
    _check_manager(actor)
    ids = [d.pk for d in deliveries if d.status == DeliveryStatus.FAILED]
    with transaction.atomic():
        count = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_until=None,
        )
        for pk in ids:
            enqueue_on_commit("integrations.tasks.deliver", pk)
    return count
