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
"""

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
