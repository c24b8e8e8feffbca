"""Redis down: ideas, measurements and moves still save, through the web and the API,
quickly and without a 500; the jobs they would have queued are logged as not queued.
When Redis is back the next job reaches it, and the nightly run computes the results of
what was saved meanwhile.

The outage is a Redis of the test's own, killed and started again on the same port (the
machine's shared Redis is never touched). Before the outage the app has published to it,
so Celery's pool holds a connection that the crash breaks — as in a web process that was
running when Redis went away. Runs on both databases: nothing here needs a worker.
Transactional, so the jobs are queued the way they are in production, from
`transaction.on_commit` inside the request (a test transaction would never commit).
"""

import datetime as dt
import logging
import threading
import time

import pytest
from django.urls import reverse

from config.celery import app
from improvement.models import Initiative, Methodology, Pillar, Stage
from metrics.models import Measurement, ResultSnapshot
from metrics.tasks import measure_results
from tests.factories import (
    AreaFactory,
    LiveInitiativeFactory,
    ReviewerFactory,
    TargetFactory,
    UserFactory,
    record_series,
)
from tests.faults.support import needs_redis_server

pytestmark = [
    needs_redis_server,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHANGE = dt.date(2026, 3, 2)
# A request may try to publish, fail, retry twice and give up (CELERY_BROKER_CONNECTION_
# TIMEOUT, CELERY_TASK_PUBLISH_RETRY_POLICY): about a second. Far below any proxy timeout.
MAX_SECONDS = 5
QUEUE = "celery"  # the default queue: a Redis list of that name


def idea(title: str, area) -> dict:
    return {
        "title": title,
        "problem_statement": "Customers retype their order number on every return.",
        "proposed_change": "Fill it in from the order link.",
        "area": area.pk,
        "pillar": Pillar.CUSTOMER,
    }


class Stopwatch:
    """Runs requests and remembers how long each took."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str, request):
        start = time.monotonic()
        response = request()
        self.seconds[name] = time.monotonic() - start
        return response


def test_it_saves_ideas_and_measurements_while_redis_is_down(
    redis_server, broker, api_as, web_as, caplog, settings
):
    # Every request tries the broker (see the back-off test below for what happens when
    # a process stops trying for a while).
    settings.BROKER_BACKOFF = 0
    owner, reviewer = UserFactory(), ReviewerFactory()
    area = AreaFactory()
    initiative = LiveInitiativeFactory(owner=owner, implemented_on=CHANGE)
    target = TargetFactory(initiative=initiative, baseline_value=10.0, target_value=8.0)
    record_series(target, first=CHANGE - dt.timedelta(days=3), values=[10, 11, 9])
    api, web, api_reviewer = api_as(owner), web_as(owner), api_as(reviewer)
    recompute = f"/api/initiatives/{initiative.pk}/recompute/"
    broker(redis_server.url)
    redis = redis_server.client()

    # Redis up: a job reaches the queue, and Celery's pool keeps a connection to it.
    assert api.post(recompute).status_code == 202
    assert redis.llen(QUEUE) == 1

    redis_server.kill()
    timed = Stopwatch()
    with caplog.at_level(logging.ERROR, logger="config.celery"):
        web_idea = timed(
            "idea, web",
            lambda: web.post(reverse("improvement:idea_new"), idea("Web idea", area)),
        )
        api_idea = timed(
            "idea, API",
            lambda: api.post("/api/initiatives/", idea("API idea", area), format="json"),
        )
        api_measurement = timed(
            "measurement, API",
            lambda: api.post(
                "/api/measurements/",
                [
                    {"target": target.pk, "observed_at": "2026-03-09T12:00:00Z", "value": 8.1},
                    {"target": target.pk, "observed_at": "2026-03-10T12:00:00Z", "value": 7.7},
                ],
                format="json",
            ),
        )
        web_measurement = timed(
            "measurement, web",
            lambda: web.post(
                reverse("improvement:measurement_add", args=[target.pk]),
                {"observed_at": "2026-03-11T12:00", "value": "7.9"},
            ),
        )
        web_paste = timed(
            "measurements pasted, web",
            lambda: web.post(
                reverse("improvement:measurement_bulk", args=[target.pk]),
                {"rows": "2026-03-12 12:00,8.0\n2026-03-13 12:00,7.6"},
            ),
        )
        # A triage move notifies the submitter (in the daily digest, by default).
        triaged = Initiative.objects.get(title="API idea")
        triage = timed(
            "triage, API",
            lambda: api_reviewer.patch(
                f"/api/initiatives/{triaged.pk}/",
                {"impact": 4, "effort": 2, "methodology": Methodology.PDCA},
                format="json",
            ),
        )
        move = timed(
            "move, API",
            lambda: api_reviewer.post(
                f"/api/initiatives/{triaged.pk}/transition/", {"to": "backlog"}, format="json"
            ),
        )
        queued_while_down = timed("recompute, API", lambda: api.post(recompute))

    assert web_idea.status_code == 302
    assert api_idea.status_code == 201
    assert api_measurement.status_code == 201, api_measurement.content
    assert web_measurement.status_code == 302
    assert web_paste.status_code == 302
    assert triage.status_code == 200, triage.content
    assert move.status_code == 200, move.content
    assert queued_while_down.status_code == 202
    slow = {name: round(s, 2) for name, s in timed.seconds.items() if s > MAX_SECONDS}
    assert slow == {}
    assert Initiative.objects.filter(title__in=["Web idea", "API idea"]).count() == 2
    assert Initiative.objects.get(pk=triaged.pk).stage == Stage.BACKLOG
    assert Measurement.objects.filter(target=target, observed_at__date__gte=CHANGE).count() == 5
    # One logged failure per job that could not be queued: three recomputes after
    # measurements and the recompute asked for. The triage move's notice to the submitter
    # waits for the daily digest (the default for a submitter's stage moves), so no email
    # job was queued for it.
    not_queued = [r.getMessage() for r in caplog.records if r.name == "config.celery"]
    assert len(not_queued) == 4, not_queued
    assert sum("measure_results" in m for m in not_queued) == 4

    # Redis back (empty: it kept nothing on disk). The next job reaches it.
    redis_server.start()
    assert redis.llen(QUEUE) == 0
    queued_again = timed("recompute, Redis back", lambda: api.post(recompute))
    assert queued_again.status_code == 202
    assert timed.seconds["recompute, Redis back"] < MAX_SECONDS
    assert redis.llen(QUEUE) == 1

    # The nightly run (beat's measure_results, its shards here in process) catches up:
    # the measurements recorded while Redis was down marked their target.
    app.conf.task_always_eager = True  # the fixture puts it back
    assert measure_results() >= 1
    result = ResultSnapshot.objects.get(target=target)
    assert (result.n_before, result.n_after) == (3, 5)
    assert result.current_mean == pytest.approx((8.1 + 7.7 + 7.9 + 8.0 + 7.6) / 5)


def test_it_saves_a_measurement_while_redis_hangs(redis_server, broker, api_as, caplog):
    """A Redis that stops answering but keeps its connections open: the publish gives up
    after the socket timeout (CELERY_BROKER_TRANSPORT_OPTIONS) instead of waiting forever."""
    owner = UserFactory()
    target = TargetFactory(initiative=LiveInitiativeFactory(owner=owner, implemented_on=CHANGE))
    api = api_as(owner)
    broker(redis_server.url)
    assert api.post(f"/api/initiatives/{target.initiative_id}/recompute/").status_code == 202

    redis_server.pause()
    # Should the publish wait for an answer after all, Redis answers in the end, so the
    # test fails on the time taken instead of hanging.
    wake_up = threading.Timer(3 * MAX_SECONDS, redis_server.resume)
    wake_up.start()
    timed = Stopwatch()
    try:
        with caplog.at_level(logging.ERROR, logger="config.celery"):
            response = timed(
                "measurement, API",
                lambda: api.post(
                    "/api/measurements/",
                    {"target": target.pk, "observed_at": "2026-03-09T12:00:00Z", "value": 8.1},
                    format="json",
                ),
            )
    finally:
        wake_up.cancel()
        redis_server.resume()

    assert response.status_code == 201, response.content
    # Three tries (CELERY_TASK_PUBLISH_RETRY_POLICY) of about a second each.
    assert timed.seconds["measurement, API"] < 2 * MAX_SECONDS
    assert Measurement.objects.filter(target=target).count() == 1
    assert [r.name for r in caplog.records if r.name == "config.celery"] == ["config.celery"]


def test_it_stops_trying_a_hung_redis_for_a_while(redis_server, broker, api_as, caplog, settings):
    """After one publish gives up, the process queues nothing for BROKER_BACKOFF seconds:
    a hung Redis costs one request its timeout, the next ones nothing. Then it tries again."""
    settings.BROKER_BACKOFF = 2
    owner = UserFactory()
    target = TargetFactory(initiative=LiveInitiativeFactory(owner=owner, implemented_on=CHANGE))
    api = api_as(owner)
    recompute = f"/api/initiatives/{target.initiative_id}/recompute/"
    broker(redis_server.url)
    redis = redis_server.client()
    assert api.post(recompute).status_code == 202
    assert redis.llen(QUEUE) == 1

    redis_server.pause()
    wake_up = threading.Timer(3 * MAX_SECONDS, redis_server.resume)
    wake_up.start()
    timed = Stopwatch()

    def measure(name: str, day: int):
        payload = {"target": target.pk, "observed_at": f"2026-03-{day:02}T12:00:00Z", "value": 8}
        return timed(name, lambda: api.post("/api/measurements/", payload, format="json"))

    try:
        with caplog.at_level(logging.ERROR, logger="config.celery"):
            first = measure("first, times out", 9)
            second = measure("second, skips the broker", 10)
    finally:
        wake_up.cancel()
        redis_server.resume()

    assert (first.status_code, second.status_code) == (201, 201)
    assert timed.seconds["first, times out"] > 1  # it did wait for the hung Redis
    assert timed.seconds["second, skips the broker"] < 0.5
    messages = [r.getMessage() for r in caplog.records if r.name == "config.celery"]
    assert messages[0].startswith("Could not run or queue metrics.tasks.measure_results")
    assert messages[1].startswith("Broker unavailable lately: metrics.tasks.measure_results")
    assert Measurement.objects.filter(target=target).count() == 2

    # After the back-off the process tries again, and the job reaches Redis. (The publish
    # that timed out may have landed once Redis woke up: jobs are idempotent.)
    time.sleep(settings.BROKER_BACKOFF)
    queued = redis.llen(QUEUE)
    assert api.post(recompute).status_code == 202
    assert redis.llen(QUEUE) == queued + 1
