"""The help page (/help/) defines every term the result pages use, at the anchors the
initiative page links to; only signed-in people see it."""

import pytest
from django.urls import reverse

from metrics.models import ResultStatus, StatisticalTest

pytestmark = pytest.mark.django_db

HELP = "/help/"


def test_it_is_at_help():
    assert reverse("improvement:help") == HELP


def test_it_sends_an_anonymous_visitor_to_sign_in(client):
    response = client.get(HELP)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={HELP}"


def test_it_shows_the_help_page_to_a_signed_in_user(web_as, user):
    response = web_as(user).get(HELP)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>What the results mean</h1>" in html
    # Linked from the main menu, marked as the current page here.
    assert '<a href="/help/" aria-current="page">Help</a>' in html


def test_it_defines_every_status_at_its_anchor(web_as, user):
    html = web_as(user).get(HELP).content.decode()

    for code, label in ResultStatus.choices:
        assert f'<dt id="status-{code}"><span class="status {code}">{label}</span></dt>' in html
    assert 'id="status-not_computed"' in html
    assert "A result is never “improving” without a p-value" in html


def test_it_defines_every_statistical_test_at_its_anchor(web_as, user):
    html = web_as(user).get(HELP).content.decode()

    for code, label in StatisticalTest.choices:
        assert f'<dt id="test-{code}">{label}' in html.replace("&#x27;", "'"), code


def test_it_explains_the_thresholds_autocorrelation_rules_and_roi(web_as, user):
    html = web_as(user).get(HELP).content.decode()

    for text in [
        '<dt id="alpha-final">Final: α = 0.05</dt>',
        '<dt id="alpha-interim">Interim: α = 0.001</dt>',
        "Haybittle–Peto",
        'id="autocorrelation"',
        "When r₁ is above 0.2 on a sample of at least 10 points",
        'id="confidence-interval"',
        'id="p-value"',
        "never as 0",
        # The control-chart rules as metrics.stats.rules applies them, in words.
        '<dt id="rule-1">Rule 1</dt>\n    <dd>A point beyond the 3σ control limits.</dd>',
        '<dt id="rule-2">Rule 2</dt>\n    <dd>2 of 3 points in a row beyond 2σ on the same side',
        '<dt id="rule-3">Rule 3</dt>\n    <dd>4 of 5 points in a row beyond 1σ on the same side',
        '<dt id="rule-4">Rule 4</dt>\n    <dd>8 points in a row on one side of the centre line.',
        'id="roi"',
        "(estimated annual benefit × confidence − estimated cost) / estimated cost",
        # 42,000 × 0.7 − 3,000 = 26,400; / 3,000 = 8.8
        "$26,400 / $3,000 = 8.8",
        "in USD",
    ]:
        assert text in html, text


def test_it_names_the_configured_currency(web_as, user, settings):
    settings.CURRENCY = "EUR"

    html = web_as(user).get(HELP).content.decode()

    assert "in EUR" in html
    assert "€26,400 / €3,000 = 8.8" in html
