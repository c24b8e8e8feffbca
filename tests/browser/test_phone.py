"""The main pages on a phone (390 px wide), in Debian's Chromium against the live server:
no page is wider than the screen (a wide table scrolls inside its card), the navigation is
folded into "Menu" and opens and closes without JavaScript of ours, and no request of a
page fails (the favicon included). On a wide screen the links show and "Menu" does not.
"""

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from improvement.models import LONG_TEXT, Methodology, Stage
from metrics.models import ResultStatus
from metrics.results.compute import compute_results
from problem_solving.models import Category
from tests.factories import (
    ActionItemFactory,
    InitiativeFactory,
    MetricFactory,
    NotificationFactory,
    ResultSnapshotFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)
from tests.problem_solving.factories import CauseFactory

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
# A title as long as the form takes, in long words: what made tables and chips overflow.
LONG_TITLE = ("Reconfigure the inbound-logistics-scheduling-spreadsheet " * 4)[:200].strip()

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(db):
    today = timezone.localdate()
    carla = UserFactory(username="carla", first_name="Carla", last_name="Contributor")
    idea = InitiativeFactory(
        title=LONG_TITLE,
        submitted_by=carla,
        # The longest problem statement the form takes, with one very long "word".
        problem_statement=(("x" * 300 + " ") + "Forms wait in two in-trays. " * 350)[:LONG_TEXT],
    )
    assert len(idea.problem_statement) <= LONG_TEXT
    for i in range(12):
        TriagedInitiativeFactory(
            title=f"{LONG_TITLE[:150]} {i}", impact=1 + i % 5, effort=1 + (i * 2) % 5
        )

    # Live for 60 days, its primary target measured before and after the change.
    change = today - dt.timedelta(days=60)
    live = TriagedInitiativeFactory(
        title="Faster refunds",
        stage=Stage.ACT,
        methodology=Methodology.PDCA,
        owner=carla,
        submitted_by=carla,
        implemented_on=change,
    )
    target = TargetFactory(
        initiative=live,
        metric=MetricFactory(name="Refund time", unit="days"),
        baseline_value=None,
        baseline_start=change - dt.timedelta(days=30),
        baseline_end=change - dt.timedelta(days=1),
        target_value=12.0,
        target_date=today + dt.timedelta(days=30),
    )
    noise = random.Random(15)
    record_series(
        target,
        first=change - dt.timedelta(days=30),
        values=[round(20 + noise.gauss(0, 1.5), 1) for _ in range(30)],
    )
    record_series(
        target, first=change, values=[round(13 + noise.gauss(0, 1.2), 1) for _ in range(60)]
    )
    compute_results(initiative_id=live.pk)
    # Action items and a fishbone on it: a table and a drawing wider than a phone.
    for k, status in enumerate(["open", "done", "cancelled"]):
        ActionItemFactory(
            initiative=live,
            title=f"{LONG_TITLE[:150]} {k}",
            assignee=carla,
            created_by=carla,
            status=status,
            due_on=today - dt.timedelta(days=k),
        )
    for category in Category.values:
        CauseFactory(initiative=live, category=category, text=LONG_TITLE[:150], created_by=carla)

    # The dashboard's "at risk" table, with a long title and metric name.
    slipping = TriagedInitiativeFactory(
        title=LONG_TITLE, stage=Stage.DO, owner=carla, implemented_on=change
    )
    ResultSnapshotFactory(
        target=TargetFactory(
            initiative=slipping,
            metric=MetricFactory(name="First-contact-resolution-rate-for-priority-customers"),
        ),
        status=ResultStatus.AT_RISK,
        improvement_pct=-3.5,
    )
    for _ in range(3):
        NotificationFactory(recipient=carla, initiative=live, message=f"{LONG_TITLE} moved.")
    return SimpleNamespace(carla=carla, idea=idea, live=live, target=target)


PAGES = {
    "dashboard": lambda s: "/",
    "initiatives list": lambda s: "/initiatives/",
    "matrix": lambda s: "/matrix/",
    "board": lambda s: "/board/",
    "my work": lambda s: "/my-work/",
    "initiative with results": lambda s: f"/initiatives/{s.live.pk}/",
    "long idea": lambda s: f"/initiatives/{s.idea.pk}/",
    "submit idea": lambda s: "/ideas/new/",
    "notifications": lambda s: "/notifications/",
    "notification settings": lambda s: "/notifications/settings/",
    "recording page": lambda s: f"/targets/{s.target.pk}/record/",
    "help": lambda s: "/help/",
    "A3 page": lambda s: f"/initiatives/{s.live.pk}/a3/",
}


def failed_requests(page) -> list[str]:
    """Every response of 400 or more the page gets from now on, as "status url"."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return failed


def test_no_main_page_is_wider_than_a_phone(page, live_server, site, sign_in, screenshots):
    page.set_viewport_size(PHONE)
    sign_in(page, site.carla)
    failed = failed_requests(page)
    too_wide = {}

    for name, path in PAGES.items():
        page.goto(live_server.url + path(site))
        page.wait_for_load_state("networkidle")  # htmx parts fetched on load are in too
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
        # The menu is folded: its summary shows, its links do not.
        expect(page.locator("summary", has_text="Menu")).to_be_visible()
        expect(page.get_by_role("link", name="Board", exact=True)).to_be_hidden()
        screenshots(page, name.replace(" ", "-"))
    # /favicon.ico, which a browser asks for on its own (a bookmark, a restored tab).
    icon = page.goto(f"{live_server.url}/favicon.ico")

    assert too_wide == {}
    assert failed == []
    assert (icon.status, icon.url) == (200, f"{live_server.url}/static/favicon.svg")
    assert icon.request.redirected_from.url == f"{live_server.url}/favicon.ico"


def test_the_dashboards_table_scrolls_inside_its_card(page, live_server, site, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(page, site.carla)
    page.goto(live_server.url + "/")

    wrap = page.locator("#attention-h ~ .table-wrap")
    expect(wrap.get_by_role("link", name=LONG_TITLE)).to_have_count(1)
    scroll, client = wrap.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert client <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert scroll >= client


def test_the_menu_opens_and_leads_to_a_page_on_a_phone(page, live_server, site, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(page, site.carla)
    page.goto(live_server.url + "/")
    menu = page.locator("summary", has_text="Menu")
    board = page.get_by_role("link", name="Board", exact=True)
    header_height = page.locator("header.topbar").bounding_box()["height"]
    assert header_height < 60  # one line: the brand and "Menu"
    # The unread count shows on the folded menu.
    expect(menu.locator(".badge")).to_have_text("3 unread")
    expect(menu).to_have_accessible_name("Menu 3 unread")  # the ☰ is decoration

    menu.click()

    expect(board).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("details.menu")).to_have_attribute("open", "")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    menu.click()
    expect(board).to_be_hidden()

    menu.focus()
    page.keyboard.press("Enter")  # a keyboard opens it too
    expect(board).to_be_visible()
    board.click()

    expect(page.get_by_role("heading", name="Board", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Board", exact=True)).to_be_hidden()  # folded again


def test_the_links_show_without_a_menu_on_a_wide_screen(page, live_server, site, sign_in):
    page.set_viewport_size(WIDE)
    sign_in(page, site.carla)
    page.goto(live_server.url + "/matrix/")

    expect(page.locator("summary", has_text="Menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Board", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Matrix", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.locator("header.topbar").bounding_box()["height"] < 60
    page.locator("a.brand").focus()
    page.keyboard.press("Tab")  # the links are reached from the keyboard, in order
    expect(nav.get_by_role("link", name="Dashboard", exact=True)).to_be_focused()


def test_a_matrix_chip_shows_its_whole_title_on_focus(page, live_server, site, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(page, site.carla)
    page.goto(live_server.url + "/matrix/")
    chip = page.locator("table.matrix .chip").first
    title = chip.get_attribute("title")
    text = chip.locator("span")
    cut = chip.bounding_box()
    assert text.bounding_box()["width"] > cut["width"]  # the title is longer than its chip

    chip.focus()

    shown = text.bounding_box()
    assert shown["width"] > cut["width"] and shown["height"] > cut["height"]  # all of it
    assert chip.bounding_box() == cut  # the chip keeps its place: nothing moves
    expect(chip).to_have_accessible_name(title)
    # Whichever chip has focus, its title stays on the screen.
    for each in page.locator("table.matrix .chip").all():
        each.focus()
        box = each.locator("span").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.get_by_text("higher impact ↑")).to_be_visible()
    expect(page.get_by_text("more effort →")).to_be_visible()


def test_the_idea_form_counts_characters_and_keeps_a_pasted_title_whole(
    page, live_server, site, sign_in
):
    page.set_viewport_size(PHONE)
    sign_in(page, site.carla)
    page.goto(live_server.url + "/ideas/new/")
    title = page.get_by_label("Title")

    title.fill("y" * 230)  # as a paste: all of it arrives

    assert len(title.input_value()) == 230
    counter = page.locator("#id_title_helptext + .counter")
    expect(counter).to_have_text("230 of 200 characters: 30 too many")
    expect(counter).to_have_class("counter over")
    page.get_by_label("What is the problem?").fill("Line one\nline two")
    expect(page.locator("#id_problem_statement_helptext + .counter")).to_have_text(
        "18 of 10,000 characters"  # a line break counts two, as the server counts it
    )
    page.get_by_label("Area").select_option(index=1)
    page.get_by_label("Pillar").select_option(label="Customer")
    page.get_by_role("button", name="Submit idea").click()

    expect(
        page.get_by_text("The title has 230 characters: at most 200 characters fit.")
    ).to_be_visible()
    assert len(page.get_by_label("Title").input_value()) == 230
