"""The OpenID Connect backend (accounts.oidc.OIDCBackend) without a provider: what it
checks in an ID token beyond mozilla-django-oidc, that it leaves passwords alone, and that
it loads the signed-in user with config.auth's one query."""

import datetime as dt

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.oidc import OIDCBackend
from tests.factories import ReviewerFactory, UserFactory

ISSUER = "https://login.example.com/tenant"


@pytest.fixture
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def backend(settings, key):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_RP_CLIENT_ID = "tracker"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{ISSUER}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/keys"
    settings.OIDC_TIMEOUT = 1
    # The provider's public key given directly: no key set fetched.
    settings.OIDC_RP_IDP_SIGN_KEY = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    backend = OIDCBackend()
    super(OIDCBackend, backend).__init__()  # as `authenticate` does before the flow
    return backend


def id_token(key, **claims):
    now = dt.datetime.now(dt.UTC)
    payload = {
        "iss": ISSUER,
        "aud": "tracker",
        "sub": "1",
        "nonce": "n",
        "iat": now,
        "exp": now + dt.timedelta(minutes=5),
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256")


def test_it_accepts_an_id_token_for_this_client_from_the_issuer(backend, key):
    payload = backend.verify_token(id_token(key, aud=["other", "tracker"]), nonce="n")

    assert payload["sub"] == "1"


def test_it_refuses_an_id_token_for_another_client(backend, key):
    with pytest.raises(SuspiciousOperation, match="another client"):
        backend.verify_token(id_token(key, aud="someone-else"), nonce="n")


def test_it_refuses_an_id_token_from_another_issuer(backend, key):
    with pytest.raises(SuspiciousOperation, match="another issuer"):
        backend.verify_token(id_token(key, iss="https://evil.example.com"), nonce="n")


def test_it_refuses_an_id_token_signed_by_another_key(backend):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with pytest.raises(SuspiciousOperation):
        backend.verify_token(id_token(other), nonce="n")


def test_it_leaves_a_password_sign_in_to_the_password_backend(db, settings):
    settings.OIDC_ENABLED = True
    request = RequestFactory().post("/accounts/login/?code=x&state=y")

    assert OIDCBackend().authenticate(request, username="ada", password="pw") is None


def test_it_loads_a_signed_in_user_in_one_query_with_the_triage_answer(db):
    reviewer_id, user_id = ReviewerFactory().pk, UserFactory().pk

    with CaptureQueriesContext(connection) as queries:
        reviewer = OIDCBackend().get_user(reviewer_id)
        user = OIDCBackend().get_user(user_id)
        assert reviewer.has_perm("improvement.triage_initiative")
        assert not user.has_perm("improvement.triage_initiative")

    assert len(queries) == 2  # one a user, nothing for the permission
    assert hasattr(reviewer, "unread_notifications")
