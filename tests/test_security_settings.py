"""Production settings are secure by default: `check --deploy` finds nothing, HTTPS is
enforced, cookies are Secure and HttpOnly. Development (DEBUG on) stays plain HTTP so
`make run` works on http://127.0.0.1:8000. Each override is strict like every variable.

Settings are read once per process, so these start Django in a fresh interpreter."""

import json
import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from tests.test_settings import start_django

SECURITY_VARIABLES = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_LOCKOUT_MINUTES",
    "PROXY_COUNT",
    "CSRF_TRUSTED_ORIGINS",
)
SHOWN = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "CONTENT_SECURITY_POLICY",
    "AXES_FAILURE_LIMIT",
    "AXES_LOCKOUT_PARAMETERS",
    "AXES_RESET_ON_SUCCESS",
    "PROXY_COUNT",
)


def production(**variables: str) -> dict[str, str]:
    """The environment of a production process: DEBUG off, a strong key, a host name."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tracker.example.com",
        **variables,
    }


def security_settings(**variables: str) -> dict:
    """The security settings Django starts with under `variables` (others unset)."""
    cleared = dict.fromkeys(SECURITY_VARIABLES)
    names = ", ".join(repr(name) for name in SHOWN)
    run = start_django(
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in ({names},)}}, default=str))",
        **{**cleared, **variables},
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def in_production() -> dict:
    return security_settings(**production())


@pytest.fixture(scope="module")
def in_development() -> dict:
    return security_settings(DEBUG=None, SECRET_KEY=None)


def test_it_passes_the_deployment_checklist_with_production_settings():
    cleared = dict.fromkeys(SECURITY_VARIABLES)
    run = start_django(
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')",
        **{**cleared, **production()},
    )

    assert run.returncode == 0, run.stderr
    assert "System check identified no issues" in run.stdout
    assert "WARNINGS" not in run.stdout + run.stderr


def test_it_is_https_only_with_secure_cookies_in_production(in_production):
    s = in_production

    assert s["DEBUG"] is False
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] == 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SECURE_HSTS_PRELOAD"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] is None
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["CSRF_COOKIE_HTTPONLY"] is True
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"


def test_it_stays_plain_http_for_development(in_development):
    s = in_development

    assert s["DEBUG"] is True
    assert s["SECURE_SSL_REDIRECT"] is False
    assert s["SECURE_HSTS_SECONDS"] == 0
    assert s["SESSION_COOKIE_SECURE"] is False
    assert s["CSRF_COOKIE_SECURE"] is False
    # What does not get in the way of plain HTTP stays on.
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"] == ["'self'"]


def test_it_applies_the_same_content_security_policy_everywhere(in_production, in_development):
    development = in_development["CONTENT_SECURITY_POLICY"]

    assert in_production["CONTENT_SECURITY_POLICY"] == development
    assert development["DIRECTIVES"] == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }


def test_it_lets_a_deployment_behind_a_tls_proxy_say_so():
    s = security_settings(
        **production(
            SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
            SECURE_SSL_REDIRECT="0",
            PROXY_COUNT="1",
        )
    )

    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_SSL_REDIRECT"] is False
    assert s["PROXY_COUNT"] == 1
    # The cookies stay Secure: the browser still talks HTTPS to the proxy.
    assert s["SESSION_COOKIE_SECURE"] is True


def test_it_lets_a_deployment_tune_hsts():
    s = security_settings(
        **production(
            SECURE_HSTS_SECONDS="3600",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="no",
            SECURE_HSTS_PRELOAD="off",
        )
    )

    assert (
        s["SECURE_HSTS_SECONDS"],
        s["SECURE_HSTS_INCLUDE_SUBDOMAINS"],
        s["SECURE_HSTS_PRELOAD"],
    ) == (3600, False, False)


def test_it_locks_out_a_username_and_address_pair_after_five_failures_by_default(
    in_production,
):
    s = in_production

    assert s["AXES_FAILURE_LIMIT"] == 5
    assert s["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert s["AXES_RESET_ON_SUCCESS"] is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto"),
        ("SECURE_SSL_REDIRECT", "sometimes"),
        ("SECURE_HSTS_SECONDS", "-1"),
        ("SECURE_HSTS_PRELOAD", "2"),
        ("LOGIN_FAILURE_LIMIT", "0"),
        ("LOGIN_LOCKOUT_MINUTES", "soon"),
        ("PROXY_COUNT", "-1"),
    ],
)
def test_it_refuses_to_start_with_a_bad_security_value(name, value):
    run = start_django(**production(**{name: value}))

    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr
    assert f"{name}=" in run.stderr


# --- parsing details ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["HTTP_X_FORWARDED_PROTO", " HTTP_X_FORWARDED_SSL "])
def test_it_reads_the_proxy_header_as_django_names_it(monkeypatch, raw):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", raw)

    assert env.env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER") == (raw.strip(), "https")


@pytest.mark.parametrize("raw", [None, ""])
def test_it_assumes_no_tls_proxy_when_the_header_is_not_named(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("SECURE_PROXY_SSL_HEADER", raising=False)
    else:
        monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", raw)

    assert env.env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER") is None


@pytest.mark.parametrize(
    "raw", ["X-Forwarded-Proto", "http_x_forwarded_proto", "HTTP_X FORWARDED", "REMOTE_ADDR"]
)
def test_it_refuses_a_proxy_header_django_would_never_see(monkeypatch, raw):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", raw)

    with pytest.raises(ImproperlyConfigured, match=r"SECURE_PROXY_SSL_HEADER=.*HTTP_X_FORWARDED"):
        env.env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
