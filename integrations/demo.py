"""The demo's chat channel and webhook (settings.DEMO_SEEDERS, run by `manage.py
seed_demo`): both point at a receiver on http://127.0.0.1:8099 that nothing starts.
`make run` does not need it: a message to it fails to connect at once, and shows in the
admin (Chat channels and webhooks → Deliveries) as retrying, then failed. Start any
receiver there (`python -m http.server` answers 501 to a POST: a failure too, but
visible in its log) to see the messages arrive.

Idempotent by name. Two past deliveries are written directly, as the rest of the demo's
history is: one sent, one failed, so the admin's log has something to show."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from improvement.models import Initiative
from integrations import matching, messages, services
from integrations.models import Channel, ChannelKind, Delivery, DeliveryStatus, Event

CHAT = "Improvement news (demo chat)"
WEBHOOK = "Demo webhook"
RECEIVER = "http://127.0.0.1:8099"


def seed(report) -> None:
    admin = get_user_model().objects.get(username="admin")
    if not Channel.objects.filter(name=CHAT).exists():
        chat = services.create_channel(
            actor=admin,
            name=CHAT,
            # A Slack-compatible incoming webhook (Mattermost's /hooks/<token>).
            kind=ChannelKind.SLACK,
            url=f"{RECEIVER}/hooks/demochannel",
            events=list(Event.values),
            active=True,
        )
        report.created["chat channels"] += 1
        _history(chat, anchor=report.anchor)
    if not Channel.objects.filter(name=WEBHOOK).exists():
        services.create_channel(
            actor=admin,
            name=WEBHOOK,
            kind=ChannelKind.WEBHOOK,
            url=f"{RECEIVER}/webhook",
            events=[Event.STAGE_MOVED, Event.QUARTER_CLOSED],
            active=True,
        )
        report.created["chat channels"] += 1
    report.totals["chat channels"] = Channel.objects.count()


def _history(channel: Channel, *, anchor: dt.date) -> None:
    """A sent and a failed delivery of the oldest demo ideas, a few days back."""
    # Only ideas this channel may carry: none of a restricted area's.
    ideas = [
        idea
        for idea in Initiative.objects.select_related("area").order_by("created_at", "pk")[:20]
        if channel in matching.channels_for(idea, Event.IDEA_SUBMITTED)
    ][:2]
    at = timezone.make_aware(dt.datetime.combine(anchor - dt.timedelta(days=3), dt.time(9)))
    for idea, sent in zip(ideas, (True, False), strict=False):
        news = messages.idea_submitted(initiative_id=idea.pk)
        Delivery.objects.create(
            channel=channel,
            event=Event.IDEA_SUBMITTED,
            event_key=news.key,
            initiative=idea,
            payload=news.payload,
            status=DeliveryStatus.SENT if sent else DeliveryStatus.FAILED,
            attempts=1 if sent else 6,
            response_status=200 if sent else None,
            last_error=""
            if sent
            else "Could not connect: A Connection error occurred sending Mattermost webhook "
            "notification to None.",
            created_at=at,
            last_attempt_at=at if sent else at + dt.timedelta(minutes=31),
            sent_at=at if sent else None,
        )
