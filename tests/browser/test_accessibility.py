"""An automated accessibility check: axe-core (tests/browser/vendor/) on every page, as
each role sees it, in Debian's Chromium against the live server. A violation of impact
"serious" or "critical" fails the test, which names each one: its rule, its impact, the
elements (CSS selectors) and the page.

axe is added to the browser context as an init script: the DevTools protocol runs it in
every page before the page's own scripts, so the Content Security Policy (no inline
script) stays in force for the pages checked. The data is built with the factories and
the real results and ledger jobs: an initiative live for 100 days with a primary target
measured before and after its change, its computed result (the run chart and its control
limits) and its ledger rows (the dashboard's benefit chart).
"""

import datetime as dt
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from improvement.models import Methodology, Stage
from metrics.ledger.rollup import rollup_quarter
from metrics.models import QuarterlyResult
from metrics.periods import previous_quarter, quarter_of
from metrics.results.compute import compute_results
from tests.factories import (
    AdminFactory,
    CommentFactory,
    InitiativeFactory,
    MetricFactory,
    NotificationFactory,
    ReviewerFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
BLOCKING = ("serious", "critical")
EVERY_IMPACT = ("minor", "moderate", *BLOCKING)

# Committed data the live server can see; serialized_rollback restores what the data
# migrations created (the Reviewers group, the KPI catalog) after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(db):
    """Four people and the initiatives they see; every page's path is built from it."""
    today = timezone.localdate()
    carla = UserFactory(username="carla", first_name="Carla", last_name="Contributor")
    oscar = UserFactory(username="oscar", first_name="Oscar", last_name="Owner")
    rita = ReviewerFactory(username="rita", first_name="Rita", last_name="Reviewer")
    admin = AdminFactory(username="ada", first_name="Ada", last_name="Admin")

    idea = InitiativeFactory(title="Label the returns shelf", submitted_by=carla)
    TriagedInitiativeFactory(title="Print the pick lists", impact=5, effort=1, owner=oscar)
    TriagedInitiativeFactory(title="One in-tray", stage=Stage.DO, owner=oscar)

    # Live for 100 days, in Act (its targets get a control chart), its change working.
    change = today - dt.timedelta(days=100)
    live = TriagedInitiativeFactory(
        title="Faster refunds",
        stage=Stage.ACT,
        methodology=Methodology.PDCA,
        owner=oscar,
        submitted_by=carla,
        implemented_on=change,
        root_cause="Refunds wait for a second signature.",
    )
    live.team.add(carla)
    target = TargetFactory(
        initiative=live,
        metric=MetricFactory(name="Refund time", unit="days"),
        baseline_value=None,
        baseline_start=change - dt.timedelta(days=60),
        baseline_end=change - dt.timedelta(days=1),
        target_value=12.0,
        target_date=today + dt.timedelta(days=30),
        value_per_unit=1000,
    )
    TargetFactory(initiative=live, metric=MetricFactory(name="Refund complaints"), is_primary=False)
    noise = random.Random(15)
    record_series(
        target,
        first=change - dt.timedelta(days=60),
        values=[round(20 + noise.gauss(0, 1.5), 1) for _ in range(60)],
    )
    record_series(
        target, first=change, values=[round(13 + noise.gauss(0, 1.2), 1) for _ in range(100)]
    )
    compute_results(initiative_id=live.pk)
    # The ledger of the quarters the 100 days after the change fall in; the last one's
    # benefit validated by a reviewer.
    this = quarter_of(today)
    last = previous_quarter(*this)
    for year, quarter in (previous_quarter(*last), last, this):
        rollup_quarter(year=year, quarter=quarter)
    QuarterlyResult.objects.filter(year=last[0], quarter=last[1]).update(validated_benefit=2000)
    assert QuarterlyResult.objects.filter(initiative=live).exists()  # the chart has bars

    CommentFactory(initiative=live, author=rita, body="The signatures log shows it too.")
    for person in (carla, oscar, rita):
        NotificationFactory(recipient=person, initiative=live, message="Faster refunds moved.")
    return SimpleNamespace(
        people={"contributor": carla, "owner": oscar, "reviewer": rita, "admin": admin},
        idea=idea,
        live=live,
        target=target,
    )


# (who, which page, its path given the site); None signs nobody in.
PAGES = {
    "sign-in": (None, lambda s: "/accounts/login/"),
    "dashboard": ("contributor", lambda s: "/"),
    "submit idea": ("contributor", lambda s: "/ideas/new/"),
    "initiatives list": ("contributor", lambda s: "/initiatives/"),
    "board": ("contributor", lambda s: "/board/"),
    "matrix": ("contributor", lambda s: "/matrix/"),
    "my work": ("contributor", lambda s: "/my-work/"),
    "notifications": ("contributor", lambda s: "/notifications/"),
    "notification settings": ("contributor", lambda s: "/notifications/settings/"),
    "help": ("contributor", lambda s: "/help/"),
    "initiative (team member)": ("contributor", lambda s: f"/initiatives/{s.live.pk}/"),
    "own idea": ("contributor", lambda s: f"/initiatives/{s.idea.pk}/"),
    "dashboard (owner)": ("owner", lambda s: "/"),
    "my work (owner)": ("owner", lambda s: "/my-work/"),
    "initiative with targets and results": ("owner", lambda s: f"/initiatives/{s.live.pk}/"),
    "recording page of a target": ("owner", lambda s: f"/targets/{s.target.pk}/record/"),
    "dashboard (reviewer)": ("reviewer", lambda s: "/"),
    "submitted idea (reviewer)": ("reviewer", lambda s: f"/initiatives/{s.idea.pk}/"),
    "initiative (reviewer)": ("reviewer", lambda s: f"/initiatives/{s.live.pk}/"),
    "recording page (reviewer)": ("reviewer", lambda s: f"/targets/{s.target.pk}/record/"),
    "matrix (reviewer)": ("reviewer", lambda s: "/matrix/"),
    "my work (reviewer)": ("reviewer", lambda s: "/my-work/"),
    "initiatives list (reviewer)": ("reviewer", lambda s: "/initiatives/?stage=submitted"),
    "admin change page of an initiative": (
        "admin",
        lambda s: f"/admin/improvement/initiative/{s.live.pk}/change/",
    ),
}
# Pages with serious violations in code this check does not own: reported, expected to
# fail until fixed (strict: once fixed, the xfail fails, and the entry goes).
KNOWN: dict[str, str] = {}  # page name → the violation it still has, for xfail(strict=True)
# Pages held to no violation at all, of any impact: those whose lesser findings were fixed
# (the recording page's headings went h1 → h4), so that they stay fixed.
SPOTLESS = {
    "recording page of a target",
    "recording page (reviewer)",
    "help",
    "notification settings",
}


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now, every rule it runs by default."""
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )


def describe(violations: list[dict], where: str) -> str:
    return "\n".join(
        f"{where}: {v['id']} ({v['impact']}) {v['help']} — {', '.join(v['targets'])}"
        for v in violations
    )


def assert_accessible(page, where: str, impacts: tuple[str, ...] = BLOCKING) -> None:
    """No violation of these impacts (serious or critical unless told) on the page as it
    is now. Every violation found is printed (pytest shows them with -rA, and on a
    failure)."""
    violations = axe_violations(page)
    if violations:
        print(describe(violations, where))
    blocking = [v for v in violations if v["impact"] in impacts]
    assert not blocking, f"axe-core found {' or '.join(impacts)} violations:\n" + describe(
        blocking, where
    )


def check(page, live_server, path: str, where: str, impacts: tuple[str, ...] = BLOCKING) -> None:
    page.context.add_init_script(path=AXE)
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, f"{where}: {path} answered {response.status}"
    expect(page.locator("h1").first).to_be_visible()
    assert_accessible(page, where, impacts)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN[name]))
        if name in KNOWN
        else name
        for name in PAGES
    ],
)
def test_it_finds_no_serious_accessibility_violation(page, live_server, site, name, sign_in):
    role, path = PAGES[name]
    if role is not None:
        sign_in(page, site.people[role])

    impacts = EVERY_IMPACT if name in SPOTLESS else BLOCKING
    check(page, live_server, path(site), f"{name} as {role or 'a visitor'}", impacts)


def test_it_finds_none_on_the_recording_page_with_a_correction_form_open(
    page, live_server, site, sign_in, screenshots
):
    """The form htmx fetches into the recording page takes its headings' level (h2,
    beside "Corrections"), as the page itself does (the same form on the initiative page
    is an h4, under its target's h3)."""
    sign_in(page, site.people["reviewer"])
    check(page, live_server, f"/targets/{site.target.pk}/record/", "recording page", EVERY_IMPACT)
    page.get_by_role("link", name="Correct the measurement of").first.click()

    form = page.get_by_role("form", name="Correct the measurement of")
    expect(form.get_by_role("heading", level=2)).to_be_visible()
    assert page.url.endswith(f"/targets/{site.target.pk}/record/")  # fetched, not followed
    assert_accessible(page, "recording page with a correction form open", EVERY_IMPACT)
    screenshots(page, "recording-page-correction")


def test_it_finds_none_on_a_refused_sign_in(page, live_server, site):
    page.context.add_init_script(path=AXE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("didn't match")

    assert_accessible(page, "refused sign-in as a visitor")


def test_it_finds_none_on_the_paused_sign_in(page, live_server, site):
    page.context.add_init_script(path=AXE)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill("carla")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()

    assert_accessible(page, "paused sign-in as a visitor")


def test_it_names_the_rule_impact_and_element_of_a_violation(page, live_server, site):
    """The check itself: axe runs in the page, under its CSP, and a violation fails with
    what and where."""
    page.context.add_init_script(path=AXE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => {
            const input = document.createElement("input");
            input.id = "unlabelled";
            document.querySelector("form").append(input);
        }"""
    )

    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "sign-in with an unlabelled input")

    assert "sign-in with an unlabelled input: label (critical)" in str(failure.value)
    assert "#unlabelled" in str(failure.value)


def test_its_dashboard_charts_keep_their_text_at_11_px_on_a_390_px_phone(
    browser, live_server, site, sign_in
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    try:
        sign_in(page, site.people["owner"])
        check(page, live_server, "/", "dashboard as the owner, 390 px wide")
        charts = page.locator("figure.chart svg")
        expect(charts).to_have_count(2)
        # Each text's size on screen: its font size in viewBox units, scaled to the box.
        smallest = page.evaluate(
            """() => Math.min(...[...document.querySelectorAll("figure.chart svg")].flatMap(
                svg => {
                    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                    return [...svg.querySelectorAll("text")].map(
                        text => parseFloat(getComputedStyle(text).fontSize) * scale);
                }))"""
        )
        assert smallest >= 11
        assert page.locator(".bar.proven").count() >= 1
    finally:
        context.close()
