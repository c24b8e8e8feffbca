"""Which language a person gets: the one they chose on their settings page, else their
browser's (Accept-Language), else English — with the choice loaded with the user, in the
one query that loads them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Profile
from accounts.services import set_language
from config.auth import ModelBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = "/notifications/settings/"
LANGUAGE = "/settings/language/"


def test_it_saves_the_chosen_language_and_shows_the_pages_in_it(web_as, user):
    client = web_as(user)

    response = client.post(LANGUAGE, {"language": "de"}, follow=True)

    assert response.status_code == 200
    assert Profile.objects.get(user=user).language == "de"
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Ihre Sprache ist gespeichert." in html
    assert "<h1>Einstellungen für Benachrichtigungen</h1>" in html
    dashboard = client.get("/").content.decode()
    assert "<h1>Dashboard</h1>" in dashboard
    assert "Idee einreichen" in dashboard and "Submit idea" not in dashboard
    assert response.headers["Content-Language"] == "de"


def test_it_goes_back_to_the_browsers_language_when_the_choice_is_cleared(web_as, german):
    client = web_as(german)

    response = client.post(LANGUAGE, {"language": ""}, follow=True)

    assert response.status_code == 200
    assert Profile.objects.get(user=german).language == ""
    assert "Your language is saved." in response.content.decode()
    assert "Initiativen" in client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()


def test_it_refuses_a_language_the_site_does_not_have_and_saves_nothing(web_as, user):
    response = web_as(user).post(LANGUAGE, {"language": "fr"})

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Profile.objects.filter(user=user).exists()


def test_it_refuses_an_unknown_language_in_the_service_too(user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        set_language(user=user, language="xx")

    assert not Profile.objects.filter(user=user).exists()


def test_it_follows_the_browser_for_someone_who_has_not_chosen(web_as, user):
    client = web_as(user)

    german = client.get("/initiatives/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    english = client.get("/initiatives/")

    assert german.status_code == english.status_code == 200
    assert "<h1>Initiativen</h1>" in german.content.decode()
    assert "<h1>Initiatives</h1>" in english.content.decode()


def test_it_prefers_the_persons_choice_over_the_browser(web_as, german):
    user_english = UserFactory()
    set_language(user=user_english, language="en")

    chose_german = web_as(german).get("/my-work/", HTTP_ACCEPT_LANGUAGE="en")
    chose_english = web_as(user_english).get("/my-work/", HTTP_ACCEPT_LANGUAGE="de")

    assert "<h1>Meine Arbeit</h1>" in chose_german.content.decode()
    assert "<h1>My work</h1>" in chose_english.content.decode()


def test_it_shows_the_sign_in_page_in_the_browsers_language(client):
    german = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de")
    english = client.get("/accounts/login/")

    assert german.status_code == english.status_code == 200
    assert "<h1>Anmelden</h1>" in german.content.decode()
    assert "<h1>Sign in</h1>" in english.content.decode()


def test_it_loads_the_language_with_the_user_in_one_query(german):
    with CaptureQueriesContext(connection) as queries:
        user = ModelBackend().get_user(german.pk)

    assert len(queries) == 1
    assert user.preferred_language == "de"
    assert ModelBackend().get_user(UserFactory().pk).preferred_language is None


def test_it_costs_no_query_to_use_the_language_on_a_page(web_as, german, user):
    """The dashboard makes as many queries for someone who chose a language as for
    someone who did not."""
    with CaptureQueriesContext(connection) as chosen:
        assert web_as(german).get("/").status_code == 200
    with CaptureQueriesContext(connection) as browser:
        assert web_as(user).get("/").status_code == 200

    assert len(chosen) == len(browser)
