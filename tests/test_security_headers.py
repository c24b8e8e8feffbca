"""What the browser is told: a strict Content Security Policy on every page, no framing,
and — with the production settings — HTTPS only, HSTS, and Secure, HttpOnly cookies.

The production tests take the security settings a `DEBUG=0` process really starts with
(read in a fresh interpreter) and apply them here, so they test the shipped defaults."""

import json
import re
from pathlib import Path

import pytest

from tests.test_security_settings import production, security_settings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
APPLIED = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "CONTENT_SECURITY_POLICY",
)


def policy_of(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


@pytest.fixture(scope="module")
def production_settings() -> dict:
    return security_settings(**production())


@pytest.fixture
def in_production(settings, production_settings):
    """This process with the production security settings (Django's middleware reads
    them when a test client makes its first request)."""
    for name in APPLIED:
        setattr(settings, name, production_settings[name])
    return settings


@pytest.fixture
def signed_in(web_as, user):
    return web_as(user)


# --- Content Security Policy --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/initiatives/", "/board/", "/matrix/", "/my-work/", "/notifications/", "/ideas/new/"],
)
def test_it_sends_the_strict_policy_with_every_page(signed_in, url):
    response = signed_in.get(url)

    assert response.status_code == 200
    assert policy_of(response) == POLICY


def test_it_sends_the_strict_policy_to_anonymous_visitors(client, db):
    response = client.get("/accounts/login/")

    assert policy_of(response) == POLICY


def test_it_sends_the_strict_policy_with_the_admin(web_as, admin_user):
    for url in ("/admin/", "/admin/improvement/initiative/", "/admin/improvement/initiative/add/"):
        assert policy_of(web_as(admin_user).get(url)) == POLICY, url


def test_it_allows_inline_code_nowhere_in_the_global_policy(signed_in):
    header = signed_in.get("/")["Content-Security-Policy"]

    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def test_it_loosens_only_styles_for_the_api_docs(signed_in):
    response = signed_in.get("/api/docs/")

    assert response.status_code == 200
    policy = policy_of(response)
    assert policy["style-src"] == {"'self'", "'unsafe-inline'"}
    assert {k: v for k, v in policy.items() if k != "style-src"} == {
        k: v for k, v in POLICY.items() if k != "style-src"
    }


def test_it_serves_the_api_docs_start_up_script_from_a_url_not_inline(signed_in):
    page = signed_in.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)

    assert scripts
    assert all("src=" in attributes and not body.strip() for attributes, body in scripts)
    start_up = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page)
    assert start_up, page
    script = signed_in.get(start_up.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_it_keeps_htmx_from_injecting_styles_or_evaluating_code(signed_in):
    page = signed_in.get("/").content.decode()

    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert config, "base.html lacks the htmx-config meta tag"
    assert json.loads(config.group(1)) == {"includeIndicatorStyles": False, "allowEval": False}


def test_it_hands_scripts_the_csrf_token_in_the_page_so_the_cookie_can_be_httponly(signed_in):
    page = signed_in.get("/").content.decode()
    docs_script = signed_in.get("/api/docs/?script=").content.decode()

    headers = re.search(r"<body hx-headers='([^']*)'>", page)
    assert headers
    assert len(json.loads(headers.group(1))["X-CSRFToken"]) == 64
    assert re.search(r'request\.headers\["X-CSRFTOKEN"\] = "\w{64}"', docs_script)


def test_it_keeps_our_templates_free_of_inline_scripts_and_styles():
    """The policy refuses inline code: a <script> without src, a <style> element, a
    style="" attribute or an on…="" handler in a template would be blocked in the browser.
    Styles belong in a stylesheet under static/, linked with <link rel="stylesheet">."""
    patterns = {
        "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
        "<style> element": re.compile(r"<style\b", re.I),
        'style="" attribute': re.compile(r"\sstyle\s*=", re.I),
        "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
        "javascript: URL": re.compile(r"javascript:", re.I),
    }
    comments = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for what, pattern in patterns.items()
        if pattern.search(comments.sub("", path.read_text()))
    ]

    assert not found, "blocked by the Content Security Policy:\n" + "\n".join(found)


# --- framing and sniffing -----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/admin/", "/api/docs/"])
def test_it_forbids_framing_and_content_sniffing(web_as, admin_user, url):
    response = web_as(admin_user).get(url)

    assert response["X-Frame-Options"] == "DENY"
    assert "'none'" in policy_of(response)["frame-ancestors"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# --- production: HTTPS only ---------------------------------------------------------------


def test_it_redirects_plain_http_to_https_in_production(in_production, client, db):
    response = client.get("/accounts/login/?next=/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/?next=/"


def test_it_sends_hsts_over_https_in_production(in_production, client, db):
    response = client.get("/accounts/login/", secure=True)

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_it_marks_the_csrf_and_session_cookies_secure_and_httponly_in_production(
    in_production, client, user
):
    page = client.get("/accounts/login/", secure=True)
    signed_in = client.post(
        "/accounts/login/",
        {"username": user.username, "password": "pass-for-tests"},
        secure=True,
    )

    assert signed_in.status_code == 302
    csrf, session = page.cookies["csrftoken"], signed_in.cookies["sessionid"]
    assert (csrf["secure"], csrf["httponly"]) == (True, True)
    assert (session["secure"], session["httponly"]) == (True, True)
    assert session["samesite"] == "Lax"


def test_it_trusts_the_named_proxy_header_for_https(in_production, client, db):
    in_production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    behind_proxy = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    plain = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http")

    assert behind_proxy.status_code == 200
    assert "Strict-Transport-Security" in behind_proxy
    assert plain.status_code == 301


def test_it_ignores_a_forwarded_proto_header_when_no_proxy_is_named(in_production, client, db):
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301


def test_it_serves_plain_http_without_hsts_in_development(client, db):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
    assert not response.cookies["csrftoken"]["secure"]
