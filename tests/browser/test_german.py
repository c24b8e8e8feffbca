"""The UI in German, in Debian's Chromium against the live server: a person who chose
German sees every main page in German — headings, navigation, buttons, figures and dates —
with none of base.html's or the pages' English left, and nothing wider than a phone
although German words are longer. Screenshots at 1280 and 390 px
(BROWSER_SCREENSHOTS=/tmp/shots)."""

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.catalogues import compile_catalogues
from accounts.services import set_language
from improvement.models import Methodology, Stage
from metrics.results.compute import compute_results
from tests.factories import (
    CampaignFactory,
    InitiativeFactory,
    MetricFactory,
    NotificationFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
# English that base.html's navigation and the pages' common words would show if they
# were not translated ("Dashboard" and "Board" are German words too).
ENGLISH = [
    "Skip to content",
    "Submit idea",
    "Initiatives",
    "Campaigns",
    "My work",
    "Notifications",
    "Help",
    "Log out",
    "Improvement tracker",
    "Next steps",
    "Targets and results",
    "Save",
    "Stage",
    " a year",
    "Choose a pillar",
    "I own",
    "Intake",
    " each.",
]


@pytest.fixture(autouse=True)
def compiled():
    compile_catalogues()


# The ideas' own text, in German: the factory's is random English, which may hold one of
# the phrases looked for (a run failed on a problem statement with "Save").
GERMAN_TEXT = {
    "problem_statement": "Das Umrüsten an Linie 3 dauert fast eine Stunde.",
    "proposed_change": "Werkzeuge vorbereiten, während die Linie noch läuft.",
}


@pytest.fixture
def site(db):
    today = timezone.localdate()
    greta = UserFactory(username="greta", first_name="Greta", last_name="Gruber")
    set_language(user=greta, language="de")
    change = today - dt.timedelta(days=40)
    live = TriagedInitiativeFactory(
        title="Rüstzeiten an Linie 3 halbieren",
        **GERMAN_TEXT,
        stage=Stage.CHECK,
        methodology=Methodology.PDCA,
        owner=greta,
        submitted_by=greta,
        implemented_on=change,
        estimated_annual_benefit=48000,
        estimated_cost=12000,
        confidence=0.7,
    )
    target = TargetFactory(
        initiative=live,
        metric=MetricFactory(name="Rüstzeit", unit="min"),
        baseline_value=None,
        baseline_start=change - dt.timedelta(days=20),
        baseline_end=change - dt.timedelta(days=1),
        target_value=30.0,
        target_date=today + dt.timedelta(days=60),
        value_per_unit=1200,
    )
    noise = random.Random(18)
    record_series(
        target,
        first=change - dt.timedelta(days=20),
        values=[round(48 + noise.gauss(0, 2), 1) for _ in range(20)],
    )
    record_series(
        target, first=change, values=[round(36 + noise.gauss(0, 2), 1) for _ in range(40)]
    )
    compute_results(initiative_id=live.pk)
    for i in range(6):
        TriagedInitiativeFactory(
            title=f"Verbesserungsidee Nummer {i} mit einem ziemlich langen Titel",
            impact=1 + i % 5,
            effort=1 + (i * 2) % 5,
            owner=greta,
            **GERMAN_TEXT,
        )
    campaign = CampaignFactory(
        title="Wie können wir Wartezeiten halbieren?",
        opens_on=today - dt.timedelta(days=5),
        closes_on=today + dt.timedelta(days=25),
    )
    InitiativeFactory(
        title="Zweites Prüfgerät", submitted_by=greta, campaign=campaign, **GERMAN_TEXT
    )
    NotificationFactory(recipient=greta, initiative=live, message="„Rüstzeiten“ ist gewechselt.")
    return SimpleNamespace(greta=greta, live=live, campaign=campaign, today=today)


# Each main page and the German heading it must show.
PAGES = {
    "dashboard": (lambda s: "/", "Dashboard"),
    "ideas": (lambda s: "/initiatives/", "Initiativen"),
    "idea form": (lambda s: "/ideas/new/", "Idee einreichen"),
    "matrix": (lambda s: "/matrix/", "Wirkung-Aufwand-Matrix"),
    "board": (lambda s: "/board/", "Board"),
    "initiative": (lambda s: f"/initiatives/{s.live.pk}/", "Rüstzeiten an Linie 3 halbieren"),
    "my work": (lambda s: "/my-work/", "Meine Arbeit"),
    "notifications": (lambda s: "/notifications/", "Benachrichtigungen"),
    "preferences": (lambda s: "/notifications/settings/", "Einstellungen für Benachrichtigungen"),
    "campaign": (lambda s: f"/campaigns/{s.campaign.pk}/", "Wie können wir Wartezeiten halbieren?"),
    "A3": (lambda s: f"/initiatives/{s.live.pk}/a3/", "Rüstzeiten an Linie 3 halbieren"),
}


def test_it_shows_every_main_page_in_german(page, live_server, site, sign_in, screenshots):
    sign_in(page, site.greta)
    english_left = {}

    for name, (path, heading) in PAGES.items():
        page.goto(live_server.url + path(site))
        page.wait_for_load_state("networkidle")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.locator("h1")).to_have_text(heading)
        text = page.locator("body").inner_text()
        found = [phrase for phrase in ENGLISH if phrase in text]
        if found:
            english_left[name] = found
        screenshots(page, name.replace(" ", "-"))

    assert english_left == {}


def test_it_writes_figures_dates_and_stages_in_german(page, live_server, site, sign_in):
    sign_in(page, site.greta)

    page.goto(f"{live_server.url}/initiatives/{site.live.pk}/")

    people = page.locator("#people-h").locator("..")
    expect(people).to_contain_text("48.000\xa0$ pro Jahr")  # CURRENCY is USD by default
    expect(people).to_contain_text("bei 0,70 Konfidenz")
    expect(page.locator(".stage.big")).to_have_text("Prüfen")
    expect(page.locator(".stepper")).to_contain_text("Planen")
    expect(page.locator(".stepper")).to_contain_text("Umsetzen")
    expect(page.locator(".stepper")).to_contain_text("Handeln")
    submitted = site.live.created_at.astimezone(dt.UTC).date()
    months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember"]  # fmt: skip
    expect(page.locator(".page-head")).to_contain_text(
        f"am {submitted.day}. {months[submitted.month - 1]} {submitted.year}"
    )
    expect(page.locator("#targets")).to_contain_text("Baseline")
    expect(page.locator("#targets")).to_contain_text("Zielwert")


def test_it_counts_characters_in_german_on_the_idea_form(page, live_server, site, sign_in):
    sign_in(page, site.greta)

    page.goto(f"{live_server.url}/ideas/new/")
    page.get_by_label("Titel").fill("Rüstzeit")

    form = page.locator("form").last
    expect(form).to_contain_text("höchstens 10.000 Zeichen")  # the help text, grouped
    expect(form).to_contain_text("8 von 200 Zeichen")  # counter.js, words from the page
    expect(form).to_contain_text("0 von 10.000 Zeichen")


def test_no_german_page_is_wider_than_a_phone(page, live_server, site, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(page, site.greta)
    too_wide = {}

    for name, (path, _heading) in PAGES.items():
        page.goto(live_server.url + path(site))
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width

    assert too_wide == {}


def test_it_signs_in_through_a_german_sign_in_page(browser, live_server, site):
    """Signed out there is no profile to ask: the browser's language (de-DE) decides."""
    site.greta.set_password("demo-pass-2026")
    site.greta.save()
    context = browser.new_context(locale="de-DE", timezone_id="UTC")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        expect(page.locator("h1")).to_have_text("Anmelden")
        page.get_by_label("Benutzername").fill("greta")
        page.get_by_label("Passwort").fill("demo-pass-2026")
        page.get_by_role("button", name="Anmelden").click()

        expect(page.locator("h1")).to_have_text("Dashboard")
        expect(page.get_by_role("button", name="Abmelden")).to_be_attached()
    finally:
        context.close()
