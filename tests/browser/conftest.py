"""Fixtures for the browser tests: headless Chromium (Debian's, never a downloaded one)
driven by Playwright's sync API, against pytest-django's live server.

Playwright's sync API leaves an asyncio event loop running in the test's thread while it
is started. Two things follow, both handled by `browser`:

- Django refuses ORM calls from a thread with a running loop ("async unsafe"). Nothing
  here is actually async, so DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser runs.
- Django keeps database connections per thread *and*, while a loop runs, per asyncio
  context: ORM calls made while Playwright runs use a second connection. So Playwright is
  started after the test database is set up (and its migration data restored) and is
  stopped, with the connections it saw closed, before the database is flushed; both then
  happen on the test's own connection, as pytest-django expects.

Two helpers every module uses: `sign_in` (a user's session in the browser, without the
sign-in form) and `screenshots` (each page a test looks at, 1280 and 390 px wide, saved
when BROWSER_SCREENSHOTS names a folder: `BROWSER_SCREENSHOTS=/tmp/shots make test`).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
# The widths screenshots are taken at: a desktop and a phone.
SCREENSHOT_WIDTHS = {"desktop": 1280, "phone": 390}


def pytest_collection_modifyitems(config, items):
    """Without Debian's Chromium the browser tests are skipped, each saying why."""
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM}: browser test skipped")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


@pytest.fixture
def browser(transactional_db, live_server, monkeypatch):
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()  # the connections opened beside the event loop


@pytest.fixture
def page(browser):
    """A page in a fresh context (no cookies); fails the test on any JavaScript error."""
    context = browser.new_context(locale="en-US", timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def sign_in(live_server):
    """`sign_in(page, user)`: the page's browser context carries `user`'s session, one
    made by the test client rather than the sign-in form (test_browser.py and
    test_accessibility.py go through the form). Signing in someone else replaces it."""
    from django.conf import settings
    from django.test import Client

    def sign_in(page, user) -> None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )

    return sign_in


@pytest.fixture
def screenshots(request):
    """`screenshots(page, name)`: the whole page as it is now, at each of
    SCREENSHOT_WIDTHS, saved as <folder>/<test module>-<name>-<width>.png when the
    environment's BROWSER_SCREENSHOTS names a folder; otherwise nothing (and no time)."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")

    def screenshots(page, name: str) -> None:
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        for width in SCREENSHOT_WIDTHS.values():
            page.set_viewport_size({"width": width, "height": size["height"]})
            page.screenshot(path=Path(folder) / f"{module}-{name}-{width}.png", full_page=True)
        page.set_viewport_size(size)

    return screenshots


@pytest.fixture(scope="session")
def idp():
    """The test OpenID provider (tests/sso/idp), one per test run, shared with tests/sso."""
    from tests.sso.idp import harness

    return harness.running()


@pytest.fixture
def sso(idp, settings, monkeypatch):
    """Single sign-on on, against the test provider (tests/sso/idp/harness.py);
    `sso.set_claims(username, …)` says who the provider's users are."""
    from tests.sso.idp import harness

    idp.clear_claims()
    harness.configure(settings, monkeypatch, idp)
    return idp
