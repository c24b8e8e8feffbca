"""Single sign-on in a real browser: from the tracker's login page through the test
OpenID provider's (tests/sso/idp) login form and consent page, back to the dashboard,
signed in as the person the provider vouched for — a reviewer, from the groups claim."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.test_accessibility import AXE, assert_accessible
from tests.sso.idp.harness import PASSWORD, REVIEWER_GROUP

# serialized_rollback: the Reviewers group (a data migration) after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_signs_in_through_the_provider_to_the_dashboard(page, live_server, sso, screenshots):
    sso.set_claims(
        "ada",
        email="ada@example.com",
        email_verified=True,
        name="Ada Lovelace",
        groups=[REVIEWER_GROUP],
    )
    page.context.add_init_script(path=AXE)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page, "login page with single sign-on")
    screenshots(page, "login")

    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert page.url == f"{live_server.url}/"
    expect(page.get_by_text("Ada Lovelace")).to_be_attached()
    screenshots(page, "signed-in")
    ada = get_user_model().objects.get(email="ada@example.com")
    assert ada.groups.filter(name="Reviewers").exists()


def test_it_shows_only_the_provider_when_passwords_are_off(
    page, live_server, sso, settings, screenshots
):
    settings.LOCAL_PASSWORD_LOGIN = False
    page.context.add_init_script(path=AXE)

    page.goto(f"{live_server.url}/accounts/login/")

    expect(page.get_by_role("link", name="Sign in with Test IdP")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    assert_accessible(page, "login page, single sign-on only")
    screenshots(page, "login-sso-only")


def test_it_says_why_when_the_provider_sends_no_verified_email(page, live_server, sso, screenshots):
    sso.set_claims("grace", email="grace@example.com", email_verified=False)
    page.context.add_init_script(path=AXE)
    page.goto(f"{live_server.url}/accounts/login/")

    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", name="Not signed in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("has not verified your e-mail address")
    assert_accessible(page, "refused single sign-on")
    screenshots(page, "refused")
    assert not get_user_model().objects.filter(email="grace@example.com").exists()
