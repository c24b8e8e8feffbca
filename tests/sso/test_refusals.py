"""Every way a sign-in through the provider can fail ends on a page that says why — never
a server error — and leaves no user behind."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory

User = get_user_model()


def assert_refused(response, status: int, words: str):
    assert response.status_code == status
    page = response.content.decode()
    assert "Not signed in" in page
    assert words in page
    assert 'href="/accounts/login/"' in page


def assert_not_signed_in(client):
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"email_verified": True, "name": "Ada"}, "did not send your e-mail address"),
        ({"email": "ada@example.com", "email_verified": False}, "has not verified your e-mail"),
        ({"email": "ada@example.com"}, "has not verified your e-mail address ada@example.com"),
    ],
    ids=["no e-mail", "unverified", "verification not said"],
)
def test_it_refuses_a_person_without_a_verified_email(client, sso, sign_in_with_idp, claims, words):
    sso.set_claims("ada", **claims)

    response = sign_in_with_idp(client, "ada")

    assert_refused(response, 403, words)
    assert_not_signed_in(client)
    assert not User.objects.exists()


def test_it_refuses_an_email_two_local_users_share(client, sso, sign_in_with_idp):
    UserFactory(username="ada1", email="ada@example.com")
    UserFactory(username="ada2", email="ADA@example.com")
    sso.set_claims("ada", email="ada@example.com", email_verified=True)

    response = sign_in_with_idp(client, "ada")

    assert_refused(response, 403, "More than one account here has the e-mail address")
    assert_not_signed_in(client)
    assert User.objects.count() == 2


def test_it_refuses_a_deactivated_account(client, sso, sign_in_with_idp):
    UserFactory(username="ada", email="ada@example.com", is_active=False)
    sso.set_claims("ada", email="ada@example.com", email_verified=True)

    response = sign_in_with_idp(client, "ada")

    assert_refused(response, 403, "deactivated")
    assert_not_signed_in(client)


def test_it_refuses_a_callback_whose_state_it_did_not_send(client, sso):
    sso.set_claims("ada", email="ada@example.com", email_verified=True)
    start = client.get("/accounts/oidc/authenticate/")
    callback = sso.authorize(start["Location"], "ada")

    response = client.get(callback.replace("state=", "state=forged"))

    assert_refused(response, 400, "could not be verified")
    assert_not_signed_in(client)
    assert not User.objects.exists()


def test_it_refuses_a_callback_in_a_browser_that_did_not_start_it(client, sso):
    from django.test import Client

    sso.set_claims("ada", email="ada@example.com", email_verified=True)
    start = client.get("/accounts/oidc/authenticate/")
    callback = sso.authorize(start["Location"], "ada")

    response = Client().get(callback)  # someone else's browser: no state in its session

    assert_refused(response, 400, "started in another browser or has expired")
    assert not User.objects.exists()


def test_it_refuses_an_id_token_with_a_wrong_signature(
    client, idp, configure_sso, sign_in_with_idp
):
    configure_sso(OIDC_JWKS_ENDPOINT=f"{idp.url}/wrong-jwks/")
    idp.set_claims("ada", email="ada@example.com", email_verified=True)

    response = sign_in_with_idp(client, "ada")

    assert_refused(response, 400, "could not be verified")
    assert_not_signed_in(client)
    assert not User.objects.exists()


def test_it_says_so_when_the_person_declines_at_the_provider(client, sso, sign_in_with_idp):
    sso.set_claims("ada", email="ada@example.com", email_verified=True)

    response = sign_in_with_idp(client, "ada", allow=False)

    assert_refused(response, 403, "Test IdP did not sign you in (access_denied)")
    assert not User.objects.exists()


def test_it_says_so_when_the_provider_cannot_be_reached(client, configure_sso):
    configure_sso(OIDC_ISSUER="http://127.0.0.1:9/o")

    response = client.get("/accounts/oidc/authenticate/")

    assert_refused(response, 502, "Test IdP did not answer as expected")


def test_it_refuses_a_wrong_client_secret_without_an_error_page(
    client, idp, configure_sso, sign_in_with_idp
):
    configure_sso(OIDC_CLIENT_SECRET="not-the-secret")
    idp.set_claims("ada", email="ada@example.com", email_verified=True)

    response = sign_in_with_idp(client, "ada")

    assert_refused(response, 502, "did not answer as expected")
    assert not User.objects.exists()


def test_it_refuses_a_callback_naming_another_issuer(client, sso):
    sso.set_claims("ada", email="ada@example.com", email_verified=True)
    start = client.get("/accounts/oidc/authenticate/")
    callback = sso.authorize(start["Location"], "ada")
    assert "iss=" in callback  # the provider names itself (RFC 9207)

    response = client.get(callback.replace("iss=", "iss=https%3A%2F%2Fevil.example%2F&x="))

    assert_refused(response, 400, "could not be verified")
    assert not User.objects.exists()
