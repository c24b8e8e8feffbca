"""OIDC_* and LOCAL_PASSWORD_LOGIN (config.env.env_oidc): off unless OIDC_CLIENT_ID is
set, and a configuration that could not work stops start-up naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import OIDC_VARIABLES, env_oidc

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = {
    "OIDC_AUTHORIZATION_ENDPOINT": "https://login.example.com/authorize",
    "OIDC_TOKEN_ENDPOINT": "https://login.example.com/token",
    "OIDC_USERINFO_ENDPOINT": "https://login.example.com/userinfo",
    "OIDC_JWKS_ENDPOINT": "https://login.example.com/keys",
}


@pytest.fixture
def environ(monkeypatch):
    for name in (*OIDC_VARIABLES, "LOCAL_PASSWORD_LOGIN"):
        monkeypatch.delenv(name, raising=False)

    def set_(**variables):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_


def test_it_is_off_without_a_client_id(environ):
    assert env_oidc() == {"OIDC_ENABLED": False, "LOCAL_PASSWORD_LOGIN": True}


def test_it_reads_the_issuer_and_defaults(environ):
    environ(
        OIDC_CLIENT_ID="tracker", OIDC_CLIENT_SECRET="s3", OIDC_ISSUER="https://idp.example.com"
    )

    values = env_oidc()

    assert values["OIDC_ENABLED"] is True
    assert values["LOCAL_PASSWORD_LOGIN"] is True
    assert values["OIDC_RP_CLIENT_ID"] == "tracker"
    assert values["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert values["OIDC_RP_SCOPES"] == "openid email profile"
    assert values["OIDC_PROVIDER_NAME"] == "SSO"
    assert values["OIDC_GROUPS_CLAIM"] == "groups"
    assert values["OIDC_REVIEWER_GROUPS"] == []
    assert values["OIDC_OP_TOKEN_ENDPOINT"] is None  # from discovery
    assert values["OIDC_USE_PKCE"] is True
    assert values["OIDC_TIMEOUT"] == 10
    assert values["OIDC_STORE_ID_TOKEN"] is False


def test_it_reads_endpoints_groups_and_passwords_off(environ):
    environ(
        OIDC_CLIENT_ID="tracker",
        OIDC_CLIENT_SECRET="s3",
        **ENDPOINTS,
        OIDC_END_SESSION_ENDPOINT="https://login.example.com/logout",
        OIDC_PROVIDER_NAME="Contoso",
        OIDC_GROUPS_CLAIM="roles",
        OIDC_REVIEWER_GROUPS="ci-reviewers, quality-leads",
        OIDC_SCOPES="openid,email",
        LOCAL_PASSWORD_LOGIN="off",
    )

    values = env_oidc()

    assert values["OIDC_OP_AUTHORIZATION_ENDPOINT"] == ENDPOINTS["OIDC_AUTHORIZATION_ENDPOINT"]
    assert values["OIDC_OP_USER_ENDPOINT"] == ENDPOINTS["OIDC_USERINFO_ENDPOINT"]
    assert values["OIDC_OP_JWKS_ENDPOINT"] == ENDPOINTS["OIDC_JWKS_ENDPOINT"]
    assert values["OIDC_ISSUER"] is None
    assert values["OIDC_PROVIDER_NAME"] == "Contoso"
    assert values["OIDC_GROUPS_CLAIM"] == "roles"
    assert values["OIDC_REVIEWER_GROUPS"] == ["ci-reviewers", "quality-leads"]
    assert values["OIDC_RP_SCOPES"] == "openid email"
    assert values["LOCAL_PASSWORD_LOGIN"] is False
    assert values["OIDC_STORE_ID_TOKEN"] is True


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"OIDC_ISSUER": "https://idp.example.com"}, "OIDC_ISSUER set without OIDC_CLIENT_ID"),
        ({"LOCAL_PASSWORD_LOGIN": "0"}, "nobody could sign in"),
        ({"OIDC_CLIENT_ID": "t", "OIDC_ISSUER": "https://idp.example.com"}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_CLIENT_ID": "t", "OIDC_CLIENT_SECRET": "s"}, "OIDC_ISSUER"),
        (
            {
                "OIDC_CLIENT_ID": "t",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_TOKEN_ENDPOINT": "https://a/t",
            },
            "OIDC_AUTHORIZATION_ENDPOINT, OIDC_USERINFO_ENDPOINT, OIDC_JWKS_ENDPOINT",
        ),
        (
            {
                "OIDC_CLIENT_ID": "t",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_ISSUER": "http://idp.example.com",
            },
            "must be https://",
        ),
        (
            {"OIDC_CLIENT_ID": "t", "OIDC_CLIENT_SECRET": "s", "OIDC_ISSUER": "idp.example.com"},
            "is not an http(s) URL",
        ),
        (
            {
                "OIDC_CLIENT_ID": "t",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_ISSUER": "https://i",
                "OIDC_SIGN_ALGO": "none",
            },
            "OIDC_SIGN_ALGO",
        ),
        (
            {
                "OIDC_CLIENT_ID": "t",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_ISSUER": "https://i",
                "OIDC_SCOPES": "openid profile",
            },
            "must include openid and email",
        ),
        (
            {
                "OIDC_CLIENT_ID": "t",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_ISSUER": "https://i",
                "OIDC_TIMEOUT": "0",
            },
            "OIDC_TIMEOUT",
        ),
    ],
    ids=[
        "stray variable",
        "passwords off without sso",
        "no secret",
        "no issuer nor endpoints",
        "some endpoints missing",
        "plain http",
        "not a url",
        "unknown algorithm",
        "no email scope",
        "zero timeout",
    ],
)
def test_it_refuses_a_configuration_that_cannot_work(environ, variables, message):
    environ(**variables)

    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        env_oidc()


def test_it_accepts_plain_http_on_this_machine(environ):
    environ(OIDC_CLIENT_ID="t", OIDC_CLIENT_SECRET="s", OIDC_ISSUER="http://127.0.0.1:8080/o")

    assert env_oidc()["OIDC_ISSUER"] == "http://127.0.0.1:8080/o"


def test_it_adds_the_backend_and_lets_logout_reach_the_provider():
    variables = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    variables.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        OIDC_CLIENT_ID="tracker",
        OIDC_CLIENT_SECRET="s3",
        OIDC_ISSUER="https://idp.example.com",
        OIDC_END_SESSION_ENDPOINT="https://idp.example.com/logout",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AUTHENTICATION_BACKENDS[-1]); "
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )

    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=variables, capture_output=True, text=True
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "accounts.oidc.OIDCBackend",
        "[\"'self'\", 'https://idp.example.com']",
    ]
