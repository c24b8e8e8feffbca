"""Rate limits: past RATE_LIMITS the caller gets 429 with Retry-After, counted per user
(per address when anonymous); a limit never refuses service when the cache is down."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from config.celery import broker_health
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sign_ins_a_minute(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_in": "2/minute"}


@pytest.mark.usefixtures("two_sign_ins_a_minute")
def test_it_limits_token_requests_per_address(api):
    UserFactory(username="ada")
    body = {"username": "ada", "password": "pass-for-tests"}

    statuses = [api.post("/api/auth/token/", body).status_code for _ in range(3)]
    refused = api.post("/api/auth/token/", body)

    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert set(refused.json()) == {"detail"}
    assert 0 < int(refused["Retry-After"]) <= 60


@pytest.mark.usefixtures("two_sign_ins_a_minute")
def test_it_counts_each_address_on_its_own(api):
    UserFactory(username="ada")
    body = {"username": "ada", "password": "pass-for-tests"}
    for _ in range(2):
        api.post("/api/auth/token/", body, REMOTE_ADDR="10.0.0.1")

    elsewhere = api.post("/api/auth/token/", body, REMOTE_ADDR="10.0.0.2")

    assert elsewhere.status_code == 200


@pytest.mark.usefixtures("two_sign_ins_a_minute")
def test_it_lets_requests_through_when_the_cache_is_down(api, monkeypatch):
    UserFactory(username="ada")

    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr("django.core.cache.cache.get", down)
    body = {"username": "ada", "password": "pass-for-tests"}
    try:
        statuses = [api.post("/api/auth/token/", body).status_code for _ in range(3)]
    finally:
        broker_health.reset()

    assert statuses == [200, 200, 200]


@pytest.mark.parametrize(
    "raw, expected", [("30/hour", "30/hour"), (" 5 / Minute ", "5/minute"), ("1/day", "1/day")]
)
def test_it_reads_rates(monkeypatch, raw, expected):
    monkeypatch.setenv("RATE_LIMIT_IDEAS", raw)

    assert env.env_rate("RATE_LIMIT_IDEAS", "30/hour") == expected


@pytest.mark.parametrize("raw", ["30", "30/fortnight", "0/hour", "-1/day", "x/hour"])
def test_it_refuses_a_bad_rate(monkeypatch, raw):
    monkeypatch.setenv("RATE_LIMIT_IDEAS", raw)

    with pytest.raises(ImproperlyConfigured, match="RATE_LIMIT_IDEAS="):
        env.env_rate("RATE_LIMIT_IDEAS", "30/hour")


@pytest.fixture
def two_ideas_an_hour(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ideas": "2/hour"}


def idea(n: int, area) -> dict:
    return {
        "title": f"Idea number {n}",
        "problem_statement": f"Problem {n}.",
        "area": area.pk,
        "pillar": "customer",
    }


@pytest.mark.usefixtures("two_ideas_an_hour")
def test_it_limits_idea_submissions_per_user_in_the_api(api_as):
    from improvement.models import Initiative
    from tests.factories import AreaFactory

    area = AreaFactory()
    ada, bob = UserFactory(), UserFactory()

    statuses = [api_as(ada).post("/api/initiatives/", idea(n, area)).status_code for n in range(3)]
    other = api_as(bob).post("/api/initiatives/", idea(9, area))
    reading = api_as(ada).get("/api/initiatives/")

    assert statuses == [201, 201, 429]
    assert other.status_code == 201
    assert reading.status_code == 200
    assert Initiative.objects.filter(submitted_by=ada).count() == 2


@pytest.mark.usefixtures("two_ideas_an_hour")
def test_it_limits_idea_submissions_per_user_on_the_web(client):
    from django.urls import reverse

    from improvement.models import Initiative
    from tests.factories import AreaFactory

    area = AreaFactory()
    ada = UserFactory()
    client.force_login(ada)

    responses = [client.post(reverse("improvement:idea_new"), idea(n, area)) for n in range(3)]

    assert [r.status_code for r in responses] == [302, 302, 429]
    assert int(responses[2]["Retry-After"]) > 0
    assert b"Too many at once" in responses[2].content
    assert Initiative.objects.filter(submitted_by=ada).count() == 2
    assert client.get(reverse("improvement:idea_new")).status_code == 200
