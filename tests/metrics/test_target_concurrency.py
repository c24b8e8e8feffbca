"""Many people adding a target to one initiative at the same moment, on PostgreSQL with
real threads: exactly one target is created, every other request is a 400 naming the
rule (one primary target, one target per metric), and none is a 500.

Each request passes full_clean() before any of them saves — what happens when they
arrive together — so every request but the first reaches the INSERT and the unique
constraint. Needs real transactions on separate connections: PostgreSQL (see
tests/improvement/test_concurrency.py for the harness this mirrors)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from improvement.models import Stage
from metrics.models import Target
from tests.factories import MetricFactory, TriagedInitiativeFactory
from tests.improvement.test_concurrency import TIMEOUT, run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent transactions on separate connections, and "
        "SQLite's in-memory test database cannot be shared between threads",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def post_together(monkeypatch, initiative, bodies: list[dict]) -> list:
    """POST every body to the initiative's targets at once, each from its own thread (so
    its own connection); no request saves before all have passed full_clean(). What each
    request answered, or raised."""
    checked = threading.Barrier(len(bodies), timeout=TIMEOUT)
    full_clean = Target.full_clean

    def all_checked_first(target, *args, **kwargs):
        full_clean(target, *args, **kwargs)
        checked.wait()

    monkeypatch.setattr(Target, "full_clean", all_checked_first)

    def request(body):
        def send():
            client = APIClient()
            client.force_authenticate(initiative.owner)
            return client.post(f"/api/initiatives/{initiative.pk}/targets/", body, format="json")

        return send

    return run_in_threads(*(request(body) for body in bodies))


def assert_exactly_one_created(outcomes, initiative):
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert sorted(o.status_code for o in outcomes) == [201] + [400] * (len(outcomes) - 1)
    for refused in (o for o in outcomes if o.status_code == 400):
        assert list(refused.json()) == ["non_field_errors"], refused.json()
    assert Target.objects.filter(initiative=initiative).count() == 1


def test_it_creates_one_of_15_simultaneous_primary_targets(monkeypatch):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    metrics = MetricFactory.create_batch(15)

    outcomes = post_together(
        monkeypatch, initiative, [{"metric": m.pk, "is_primary": True} for m in metrics]
    )

    assert_exactly_one_created(outcomes, initiative)
    refused = [o.json()["non_field_errors"] for o in outcomes if o.status_code == 400]
    assert refused == [["This initiative already has a primary target."]] * 14


def test_it_creates_one_of_20_simultaneous_targets_on_one_metric(monkeypatch):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    metric = MetricFactory()

    outcomes = post_together(
        monkeypatch, initiative, [{"metric": metric.pk, "is_primary": False}] * 20
    )

    assert_exactly_one_created(outcomes, initiative)
