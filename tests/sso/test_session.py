"""After a single sign-on the session's user is loaded as after a password: by config.auth's
one query (Django loads it through the backend that signed the person in), and logging
out ends the session here and, when configured, at the provider."""

from urllib.parse import parse_qs, urlsplit

import requests
from django.contrib.auth import BACKEND_SESSION_KEY, get_user, get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.oidc import BACKEND
from tests.factories import UserFactory
from tests.sso.idp.harness import REVIEWER_GROUP


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_loads_the_signed_in_user_in_one_query(client, rf, sso, sign_in_with_idp):
    sso.set_claims("ada", email="ada@example.com", email_verified=True, groups=[REVIEWER_GROUP])
    sign_in_with_idp(client, "ada")
    request = rf.get("/")
    request.session = client.session
    assert request.session[BACKEND_SESSION_KEY] == BACKEND

    with CaptureQueriesContext(connection) as queries:
        user = get_user(request)
        assert user.has_perm("improvement.triage_initiative")

    assert len(queries) == 1  # the user, with the triage answer (the session was read)
    assert user.email == "ada@example.com"


def test_it_makes_pages_no_dearer_than_a_password_session(client, sso, sign_in_with_idp):
    sso.set_claims("ada", email="ada@example.com", email_verified=True, groups=[REVIEWER_GROUP])
    sign_in_with_idp(client, "ada")
    ada = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    password_session = Client()
    password_session.force_login(ada, backend="config.auth.ModelBackend")

    for url in ("/", "/initiatives/", "/matrix/"):
        assert count(client, url) == count(password_session, url), url


def test_it_logs_out_here_when_the_provider_has_no_logout_configured(client, sso, sign_in_with_idp):
    sso.set_claims("ada", email="ada@example.com", email_verified=True)
    sign_in_with_idp(client, "ada")

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_it_logs_out_at_the_provider_too_when_configured(
    client, idp, configure_sso, sign_in_with_idp
):
    configure_sso(OIDC_END_SESSION_ENDPOINT=f"{idp.issuer}/logout/")
    idp.set_claims("ada", email="ada@example.com", email_verified=True)
    sign_in_with_idp(client, "ada")

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{idp.issuer}/logout/"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"][0].count(".") == 2
    # The provider accepts it and sends the browser back to the login page.
    back = requests.get(response["Location"], allow_redirects=False)
    assert back.status_code == 302
    assert back.headers["Location"] == "http://testserver/accounts/login/"


def test_it_logs_a_password_user_out_here_only(client, idp, configure_sso):
    configure_sso(OIDC_END_SESSION_ENDPOINT=f"{idp.issuer}/logout/")
    client.force_login(UserFactory())

    response = client.post("/accounts/logout/")

    assert response["Location"] == "/accounts/login/"
