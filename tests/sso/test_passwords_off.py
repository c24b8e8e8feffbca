"""LOCAL_PASSWORD_LOGIN=0: people sign in only through the provider. A password is refused
on the login page, the admin's login and POST /api/auth/token/ — even the right one — and
no lockout count is spent on it; API tokens already issued keep working, and a signed-in
person creates new ones from their session."""

import pytest
from axes.models import AccessAttempt
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import tokens
from tests.factories import AdminFactory, UserFactory

PASSWORD = "pass-for-tests"


@pytest.fixture
def passwords_off(configure_sso):
    configure_sso(LOCAL_PASSWORD_LOGIN="0")


def test_it_shows_only_the_provider_on_the_login_page(client, passwords_off):
    response = client.get("/accounts/login/?next=/matrix/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Sign in with Test IdP" in page
    assert 'href="/accounts/oidc/authenticate/?next=/matrix/"' in page
    assert 'name="password"' not in page


def test_it_refuses_the_right_password_on_the_login_page(client, passwords_off):
    UserFactory(username="ada")

    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})

    assert response.status_code == 403
    assert "Password sign-in is switched off here" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists()


def test_it_sends_the_admin_login_to_the_login_page(client, passwords_off):
    AdminFactory(username="root")

    shown = client.get("/admin/login/?next=/admin/metrics/")
    posted = client.post("/admin/login/", {"username": "root", "password": PASSWORD})

    assert shown.status_code == 302
    assert shown["Location"] == "/accounts/login/?next=%2Fadmin%2Fmetrics%2F"
    assert posted.status_code == 302
    assert posted["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_it_keeps_a_signed_in_non_staff_person_out_of_the_admin(client, passwords_off):
    client.force_login(UserFactory())

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403
    assert response.redirect_chain == [("/admin/login/?next=/admin/", 302)]


def test_it_lets_signed_in_staff_into_the_admin(client, passwords_off):
    client.force_login(AdminFactory())

    assert client.get("/admin/").status_code == 200


def test_it_refuses_a_token_for_a_password(api, passwords_off):
    UserFactory(username="ada")

    response = api.post("/api/auth/token/", {"username": "ada", "password": PASSWORD})

    assert response.status_code == 403
    assert "Password sign-in is switched off" in response.json()["detail"]
    assert not AuthToken.objects.exists()


def test_it_refuses_a_password_on_any_other_path(rf, passwords_off):
    from django.contrib.auth import authenticate

    UserFactory(username="ada")

    assert authenticate(rf.post("/"), username="ada", password=PASSWORD) is None


def test_it_keeps_existing_tokens_working(passwords_off):
    ada = UserFactory(username="ada")
    _row, token = tokens.issue(ada)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api.get("/api/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "ada"


def test_it_gives_a_signed_in_person_a_token_and_the_token_works(
    passwords_off, sign_in_with_idp, sso
):
    sso.set_claims("ada", email="ada@example.com", email_verified=True)
    web = APIClient(enforce_csrf_checks=True)
    sign_in_with_idp(web, "ada")
    web.get("/")  # a page: the CSRF cookie
    csrf = web.cookies["csrftoken"].value

    refused = web.post("/api/auth/tokens/")
    issued = web.post("/api/auth/tokens/", HTTP_X_CSRFTOKEN=csrf)

    assert refused.status_code == 403  # no CSRF token
    assert issued.status_code == 201
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert api.get("/api/me/").json()["username"] == "ada"
    assert api.post("/api/auth/tokens/").status_code == 403  # a token makes no tokens
    assert AuthToken.objects.count() == 1


def test_it_signs_in_through_the_provider(client, passwords_off, sso, sign_in_with_idp):
    sso.set_claims("ada", email="ada@example.com", email_verified=True)

    response = sign_in_with_idp(client, "ada")

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
