"""The PostgreSQL connection dropped between two requests (a database restart, a proxy or
firewall closing idle connections, an administrator ending sessions): the next request
succeeds.

The app keeps connections for CONN_MAX_AGE (60 s) and checks a reused one before its
first query in a request (CONN_HEALTH_CHECKS, both from config/env.py); a dead one is
replaced. The check is armed at request start by `close_old_connections`, which Django
runs on the request_started and request_finished signals — but its test client
deliberately disconnects that handler for the duration of a request (so that a test's
own transaction survives its requests). These tests therefore call the project's real
WSGI application, as gunicorn does, with test data committed (transaction=True) on the
very connection the app then uses: the test's thread's.
"""

import contextlib
import wsgiref.util
from http.cookies import SimpleCookie

import pytest
from django.db import connection
from django.test import Client

from accounts import tokens
from config.wsgi import application
from improvement.models import Initiative
from metrics.models import Measurement
from tests.factories import LiveInitiativeFactory, TargetFactory, UserFactory
from tests.faults.support import needs_postgres, postgres_connection, wait_until

pytestmark = [
    *needs_postgres("SQLite has no server connection to drop"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def call(method: str, path: str, *, body: bytes = b"", **headers) -> tuple[int, bytes]:
    """One request through the WSGI application, as a WSGI server makes it; closing the
    response is what sends request_finished."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "HTTP_HOST": "localhost",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        **headers,
    }
    wsgiref.util.setup_testing_defaults(environ)
    environ["wsgi.input"].write(body)
    environ["wsgi.input"].seek(0)
    status = []
    response = application(environ, lambda s, h, exc_info=None: status.append(int(s[:3])))
    with contextlib.closing(response):
        content = b"".join(response)
    return status[0], content


def backend_pid() -> int:
    """The server process behind the app's (this thread's) open connection."""
    assert connection.connection is not None, "the request did not keep its connection"
    return connection.connection.info.backend_pid


def drop(pid: int) -> None:
    """End that server process from another session, as a restart or a proxy would."""
    with contextlib.closing(postgres_connection()) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        wait_until(
            lambda: (
                not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
            ),
            what=f"backend {pid} gone",
            timeout=10,
        )


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def token(owner) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {tokens.issue(owner)[1]}"}


@pytest.fixture
def session(owner) -> dict:
    client = Client()
    client.force_login(owner)
    cookie = SimpleCookie({"sessionid": client.cookies["sessionid"].value})
    return {"HTTP_COOKIE": cookie.output(header="", sep=";").strip()}


def test_it_answers_the_api_after_the_connection_was_dropped(owner, token):
    initiative = LiveInitiativeFactory(owner=owner)
    assert call("GET", "/api/me/", **token)[0] == 200
    first = backend_pid()

    drop(first)
    status, body = call("GET", f"/api/initiatives/{initiative.pk}/", **token)

    assert status == 200, body[:2000]
    assert backend_pid() != first


def test_it_saves_through_the_api_after_the_connection_was_dropped(owner, token):
    target = TargetFactory(initiative=LiveInitiativeFactory(owner=owner))
    assert call("GET", "/api/me/", **token)[0] == 200

    drop(backend_pid())
    status, body = call(
        "POST",
        "/api/measurements/",
        body=b'{"target": %d, "observed_at": "2026-03-09T12:00:00Z", "value": 8.5}' % target.pk,
        **token,
    )

    assert status == 201, body[:2000]
    assert Measurement.objects.get(target=target).value == 8.5


def test_it_shows_a_page_after_the_connection_was_dropped(owner, session):
    initiative = LiveInitiativeFactory(owner=owner, title="Pre-fill the returns form")
    assert call("GET", "/", **session)[0] == 200

    drop(backend_pid())
    status, body = call("GET", f"/initiatives/{initiative.pk}/", **session)

    assert status == 200, body[:2000]
    assert b"Pre-fill the returns form" in body


def test_it_is_the_health_check_that_replaces_the_dead_connection(owner, token):
    """Without the check, the first request after the drop fails (a 500): the test above
    passes because of CONN_HEALTH_CHECKS, not by luck."""
    assert call("GET", "/api/me/", **token)[0] == 200
    connection.health_check_enabled = False  # for this connection only

    drop(backend_pid())
    failed, _ = call("GET", "/api/me/", **token)
    recovered, _ = call("GET", "/api/me/", **token)

    assert failed == 500
    # The failed request's end closed the broken connection; the next one opens a new one.
    assert recovered == 200
    assert Initiative.objects.count() == 0  # the test's own queries work again too
