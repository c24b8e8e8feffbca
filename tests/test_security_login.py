"""Sign-in rate limiting (django-axes): five wrong passwords for one username from one
address pause that pair for 15 minutes — on the login page, the admin's login and the
API token endpoint alike, with one shared count."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django.utils.html import escape
from knox.models import AuthToken

from config.api import client_ip
from tests.factories import UserFactory

PASSWORD = "pass-for-tests"
LIMIT = 5


@pytest.fixture
def ada(db):
    return UserFactory(username="ada")


def sign_in(client, username, password, url="/accounts/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def fail(client, times, username="ada", url="/accounts/login/", **extra):
    for _ in range(times):
        sign_in(client, username, "wrong", url, **extra)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- the login page -----------------------------------------------------------------------


def test_it_refuses_even_the_right_password_after_five_wrong_ones(client, ada):
    fail(client, LIMIT)

    response = sign_in(client, "ada", PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused" in page
    assert "wait" in page
    assert "15 minutes" in page
    assert not is_signed_in(client)


def test_it_shows_the_lockout_page_from_the_fifth_wrong_password(client, ada):
    fail(client, LIMIT - 1)

    response = sign_in(client, "ada", "wrong")

    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()


def test_it_still_signs_in_after_four_wrong_passwords(client, ada):
    fail(client, LIMIT - 1)

    response = sign_in(client, "ada", PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_it_starts_counting_again_after_a_successful_sign_in(client, ada):
    fail(client, LIMIT - 1)
    sign_in(client, "ada", PASSWORD)
    client.post("/accounts/logout/")
    fail(client, LIMIT - 1)

    response = sign_in(client, "ada", PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_it_lets_the_user_in_again_once_the_pause_is_over(client, ada):
    fail(client, LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))

    response = sign_in(client, "ada", PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_it_pauses_only_that_username_from_that_address(client, ada):
    UserFactory(username="bob")
    fail(client, LIMIT)

    other_user = sign_in(client, "bob", PASSWORD)
    client.post("/accounts/logout/")
    other_address = sign_in(client, "ada", PASSWORD, REMOTE_ADDR="192.0.2.7")

    assert other_user.status_code == 302
    assert other_address.status_code == 302


def test_it_is_not_fooled_by_a_forged_forwarded_for_header(client, ada):
    """With no proxy configured (PROXY_COUNT=0) the header is the client's to invent."""
    for n in range(LIMIT):
        sign_in(client, "ada", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    response = sign_in(client, "ada", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert response.status_code == 429


def test_it_escapes_the_username_on_the_lockout_page(client, db):
    name = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'

    fail(client, LIMIT, username=name)
    response = sign_in(client, name, "wrong")

    assert response.status_code == 429
    assert name not in response.content.decode()
    assert escape(name) in response.content.decode()


def test_it_pauses_the_admin_login_too(client, db):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    fail(client, LIMIT, username="root", url="/admin/login/")

    response = sign_in(client, "root", PASSWORD, url="/admin/login/")

    assert response.status_code == 429
    assert not is_signed_in(client)


# --- the API token endpoint ---------------------------------------------------------------


def test_it_refuses_a_token_even_for_the_right_password_after_five_wrong_ones(api, ada):
    fail(api, LIMIT, url="/api/auth/token/")

    response = sign_in(api, "ada", PASSWORD, url="/api/auth/token/")

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.json()["detail"]
    assert response["Retry-After"] == "900"
    assert not AuthToken.objects.exists()


def test_it_answers_wrong_passwords_before_the_limit_with_400(api, ada):
    for _ in range(LIMIT - 1):
        response = sign_in(api, "ada", "wrong", url="/api/auth/token/")
        assert response.status_code == 400

    assert sign_in(api, "ada", PASSWORD, url="/api/auth/token/").status_code == 200


def test_it_counts_the_login_page_and_the_token_endpoint_together(client, api, ada):
    fail(client, 3)
    fail(api, 2, url="/api/auth/token/")

    by_page = sign_in(client, "ada", PASSWORD)
    by_api = sign_in(api, "ada", PASSWORD, url="/api/auth/token/")

    assert (by_page.status_code, by_api.status_code) == (429, 429)


# --- the client's address -----------------------------------------------------------------


def test_it_takes_the_connections_address_when_no_proxy_is_configured(rf):
    request = rf.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert client_ip(request) == "203.0.113.5"


def test_it_takes_the_address_the_trusted_proxy_saw(rf, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")

    assert client_ip(request) == "203.0.113.5"


def test_it_counts_clients_behind_a_proxy_apart(client, ada, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    fail(client, LIMIT, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")

    locked = sign_in(
        client, "ada", PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    elsewhere = sign_in(
        client, "ada", PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.6"
    )

    assert (locked.status_code, elsewhere.status_code) == (429, 302)
