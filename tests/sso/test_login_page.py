"""The login page offers the provider when single sign-on is configured, and is as before
when it is not; the lockout keeps counting wrong passwords either way."""

from tests.factories import UserFactory

PASSWORD = "pass-for-tests"


def test_it_shows_only_the_password_form_without_single_sign_on(client, db):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Sign in with" not in page
    assert 'name="password"' in page


def test_it_has_no_single_sign_on_pages_without_it(client, db):
    assert client.get("/accounts/oidc/authenticate/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=x&state=y").status_code == 404


def test_it_offers_the_provider_above_the_password_form(client, sso):
    response = client.get("/accounts/login/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Sign in with Test IdP" in page
    assert 'href="/accounts/oidc/authenticate/"' in page
    assert 'name="password"' in page
    assert page.index("Sign in with Test IdP") < page.index('name="password"')


def test_it_starts_the_flow_with_state_nonce_and_pkce(client, sso):
    response = client.get("/accounts/oidc/authenticate/")

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{sso.issuer}/authorize/?")
    for parameter in ("state=", "nonce=", "code_challenge=", "code_challenge_method=S256"):
        assert parameter in location
    assert "scope=openid+email+profile" in location


def test_it_still_signs_in_with_a_password_alongside(client, sso):
    UserFactory(username="ada")

    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_it_still_locks_out_after_five_wrong_passwords(client, sso):
    UserFactory(username="ada")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "ada", "password": "wrong"})

    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
