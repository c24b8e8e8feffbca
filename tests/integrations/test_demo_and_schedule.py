"""The demo's channels point at a receiver nobody starts: seeding them twice adds nothing,
and news for them fails fast and shows as retrying — `make run` never waits for it. The
sweep that retries deliveries without a broker runs every minute."""

import datetime as dt
import time

import pytest
from django.conf import settings

from config.celery import EmbeddedBeat
from improvement import services as improvement_services
from improvement.demo.builder import SeedReport
from integrations import demo
from integrations.models import Channel, Delivery, DeliveryStatus
from tests.factories import AdminFactory, InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_seeds_the_demo_channels_once(tree):
    AdminFactory(username="admin")
    InitiativeFactory.create_batch(2, area=tree["logistics"])
    today = dt.date(2026, 12, 3)

    demo.seed(SeedReport(anchor=today))
    demo.seed(SeedReport(anchor=today))

    assert sorted(Channel.objects.values_list("name", "url")) == [
        ("Demo webhook", "http://127.0.0.1:8099/webhook"),
        ("Improvement news (demo chat)", "http://127.0.0.1:8099/hooks/demochannel"),
    ]
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["failed", "sent"]


def test_news_for_the_absent_demo_receiver_fails_fast_and_stays_pending(
    tree, django_capture_on_commit_callbacks
):
    AdminFactory(username="admin")
    demo.seed(SeedReport(anchor=dt.date(2026, 12, 3)))
    started = time.monotonic()

    with django_capture_on_commit_callbacks(execute=True):
        improvement_services.submit_idea(
            actor=UserFactory(),
            title="Idea while nobody listens",
            problem_statement="p",
            proposed_change="c",
            area=tree["logistics"],
            pillar="operational",
        )

    assert time.monotonic() - started < 5
    delivery = Delivery.objects.get(event_key__startswith="initiative:")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "Connection error" in delivery.last_error
    assert delivery.next_attempt_at is not None


def test_the_sweep_runs_every_minute():
    schedule = {"sweep": settings.CELERY_BEAT_SCHEDULE["retry-due-deliveries"]}
    start = dt.datetime(2026, 5, 4, 1, 0, tzinfo=dt.UTC)
    beat = EmbeddedBeat(schedule, started=start)

    assert beat.due(start + dt.timedelta(seconds=59)) == []
    assert beat.due(start + dt.timedelta(seconds=60)) == ["sweep"]
    assert schedule["sweep"]["options"]["expires"] < 60
