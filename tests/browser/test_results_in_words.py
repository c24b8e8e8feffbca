"""Results as people read them, in a real browser (Debian's Chromium, Playwright, the live
server), on data the factories and the real results and ledger jobs make (issue 15,
items 1, 2 and 6):

- money carries the currency (settings.CURRENCY, USD: "$42,000"), figures are rounded, a
  tiny p-value reads "< 0.001" (never 0), and counts take the right plural ("1
  control-chart signal"), on the initiative page and the dashboard;
- each result says in words what its status means, how large the improvement is with
  its confidence interval, and how likely chance alone would be, and each term links to
  its definition on the help page;
- the submitter's My work shows the measured result in one line, and their notification
  settings are changed and saved in the page.

One initiative carries it all: live for 100 days, its refund time down from about 20
days to about 13, with one day that breaks the control limits.
"""

import datetime as dt
import random
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from improvement.models import Delivery, Methodology, NotificationPreference, Stage
from metrics.ledger.rollup import rollup_quarter
from metrics.models import ResultSnapshot
from metrics.periods import previous_quarter, quarter_of
from metrics.results.compute import compute_results
from tests.factories import (
    InitiativeFactory,
    MetricFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)

# A figure shown with more than 4 significant digits after the point: "45.6667",
# "16937.93" — what issue 15 saw before figures were rounded.
UNROUNDED = re.compile(r"\d\.\d{5,}")
MINUS = "\N{MINUS SIGN}"

# Committed data the live server can see; serialized_rollback restores what the data
# migrations created (the Reviewers group, the KPI catalog) after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(db):
    today = timezone.localdate()
    carla = UserFactory(username="carla", first_name="Carla", last_name="Contributor")
    oscar = UserFactory(username="oscar", first_name="Oscar", last_name="Owner")
    change = today - dt.timedelta(days=100)
    live = TriagedInitiativeFactory(
        title="Faster refunds",
        stage=Stage.ACT,
        methodology=Methodology.PDCA,
        owner=oscar,
        submitted_by=carla,
        implemented_on=change,
        estimated_annual_benefit=Decimal("42000.00"),
        estimated_cost=Decimal("16937.93"),
        confidence=Decimal("0.60"),
    )
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
    noise = random.Random(15)
    record_series(
        target,
        first=change - dt.timedelta(days=60),
        values=[round(20 + noise.gauss(0, 1.5), 1) for _ in range(60)],
    )
    after = [round(13 + noise.gauss(0, 1.2), 1) for _ in range(100)]
    after[70] = 22.0  # one bad day, far beyond the control limits the first 20 days set
    record_series(target, first=change, values=after)
    compute_results(initiative_id=live.pk)
    # The ledger of the quarters since the change: the dashboard's benefit.
    this = quarter_of(today)
    last = previous_quarter(*this)
    for year, quarter in (previous_quarter(*last), last, this):
        rollup_quarter(year=year, quarter=quarter)

    waiting = InitiativeFactory(title="Label the returns shelf", submitted_by=carla)
    return SimpleNamespace(
        carla=carla,
        oscar=oscar,
        live=live,
        target=target,
        waiting=waiting,
        result=ResultSnapshot.objects.get(target=target),
    )


def dollars(amount) -> str:
    """An amount of 1,000 or more as the page should show it in USD: whole dollars."""
    return f"${round(amount):,}"


def figure(article, term: str):
    """The first value (dd) of a term (dt) of a target's figures."""
    return article.locator("dl.figures > div").filter(has_text=term).locator("dd").first


def fact(page, term: str):
    """The value (dd) of a term (dt) of the initiative's facts."""
    return page.locator(f'dl.facts dt:has-text("{term}") + dd')


def sig(value: float) -> str:
    """A figure to 4 significant digits, without trailing zeros, as the page rounds it."""
    return format(value, ".4g")


def test_it_shows_money_in_the_currency_rounded_figures_and_a_tiny_p_value(
    page, live_server, site, sign_in, screenshots
):
    result = site.result
    assert result.p_value < 1e-6  # shown as "< 0.001", never as 0
    assert result.realized_annual_benefit >= 1000
    sign_in(page, site.oscar)
    page.goto(f"{live_server.url}/initiatives/{site.live.pk}/")

    expect(fact(page, "Estimated benefit")).to_have_text("$42,000 a year at 0.60 confidence")
    expect(fact(page, "Estimated cost")).to_have_text("$16,938")  # whole dollars from $1,000
    # (42,000 × 0.6 − 16,937.93) / 16,937.93, to 3 significant digits
    expect(fact(page, "Risk-adjusted ROI")).to_have_text("0.488 (return per unit of cost)")
    article = page.locator(f"#target-{site.target.pk}")
    expect(figure(article, "p-value")).to_have_text("< 0.001")
    expect(figure(article, "Realized benefit")).to_have_text(
        f"{dollars(result.realized_annual_benefit)} a year"
    )
    expect(article).to_contain_text(
        f"95 % CI {dollars(result.benefit_low)} to {dollars(result.benefit_high)} a year"
    )
    expect(figure(article, "Improvement")).to_have_text(f"+{result.improvement_pct:.1f}%")
    # One signal, in the singular.
    assert len(result.control["signals"]) == 1
    expect(article).to_contain_text("1 control-chart signal since the change:")
    assert "signals since" not in article.inner_text()
    assert not UNROUNDED.search(page.locator("main").inner_text())
    screenshots(page, "initiative")

    page.goto(f"{live_server.url}/")
    benefit = page.locator("section", has=page.locator("#benefit-h"))
    expect(benefit.locator("dd").first).to_have_text(re.compile(r"^\$[\d,]+ proven"))
    expect(page.get_by_role("link", name="1 active initiative I own")).to_be_visible()
    expect(page.get_by_role("link", name="0 ideas I submitted")).to_be_visible()
    assert not UNROUNDED.search(page.locator("main").inner_text())
    screenshots(page, "dashboard")


def test_it_explains_a_result_in_words_and_links_each_term_to_its_definition(
    page, live_server, site, sign_in, screenshots
):
    result = site.result
    sign_in(page, site.carla)
    page.goto(f"{live_server.url}/initiatives/{site.live.pk}/")
    article = page.locator(f"#target-{site.target.pk}")

    # What the status means for this target, the improvement, the chance.
    words = article.locator(".result-words p").first
    expect(words).to_contain_text(
        "Improving: the change is significantly better than the baseline — "
        f"+{result.improvement_pct:.1f}% so far, p < 0.001 — but not at the target yet"
    )
    expect(words).to_contain_text(
        f"The mean after the change is {sig(result.improvement)} days "
        f"({result.improvement_pct:.1f}%) better than the baseline."
    )
    expect(words).to_contain_text(
        "If the change had made no difference, a difference this large would arise by "
        "chance less than 1 time in 1,000."
    )
    # The improvement's interval, and what it says.
    expect(article).to_contain_text(
        f"95 % CI +{sig(result.improvement_low)} to +{sig(result.improvement_high)} days "
        "(positive is better, here a fall): all of it an improvement"
    )
    expect(figure(article, "Status")).to_have_text("Improving")
    screenshots(page, "result-words")

    # Every term links to the help page, at an anchor that is there.
    anchors = {
        href.split("#", 1)[1]
        for href in article.locator('a[href^="/help/#"]').evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    }
    assert {"status-improving", "p-value", "confidence-interval", "control-chart"} <= anchors
    article.get_by_role("link", name="p-value", exact=True).click()

    assert page.url == f"{live_server.url}/help/#p-value"
    heading = page.get_by_role("heading", name="The p-value")
    expect(heading).to_be_in_viewport()
    expect(page.locator("section", has=heading)).to_contain_text(
        "The p-value is the chance of a difference at least as large as the one measured "
        "if the change had in fact made no difference."
    )
    missing = page.evaluate(
        "ids => ids.filter(id => !document.getElementById(id))", sorted(anchors)
    )
    assert missing == []
    screenshots(page, "help")

    page.go_back()
    page.locator(f"#target-{site.target.pk}").get_by_role(
        "link", name="Improving", exact=True
    ).click()

    term = page.locator("#status-improving")
    expect(term).to_be_in_viewport()
    expect(page.locator("#status-improving + dd")).to_contain_text(
        "The change is significantly better than the baseline"
    )


def test_the_submitter_sees_the_result_in_my_work_and_chooses_how_to_hear(
    page, live_server, site, sign_in, screenshots
):
    sign_in(page, site.carla)
    page.goto(f"{live_server.url}/my-work/")

    submitted = page.locator("#submitted")
    measured = submitted.get_by_role("row").filter(has_text="Faster refunds")
    expect(measured.get_by_role("cell").nth(1)).to_have_text("Act")
    expect(measured.get_by_role("cell").last).to_have_text(
        f"Improving: refund time {MINUS}{site.result.improvement_pct:.1f} % (p < 0.001)"
    )
    waiting = submitted.get_by_role("row").filter(has_text="Label the returns shelf")
    expect(waiting.get_by_role("cell").nth(1)).to_have_text("Submitted")
    expect(waiting.get_by_role("cell").last).to_have_text("—")  # not measured yet
    screenshots(page, "my-work")

    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("link", name="Notification settings").click()
    moves = page.get_by_role("group", name="An idea I submitted moves to another stage")
    results = page.get_by_role("group", name="first measured result")
    moves.get_by_label("Off").check()
    results.get_by_label("Daily digest").check()
    screenshots(page, "notification-settings")
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_role("status")).to_contain_text("Your notification settings are saved.")
    saved = dict(
        NotificationPreference.objects.filter(user=site.carla).values_list("topic", "delivery")
    )
    assert saved["idea_moved"] == Delivery.OFF
    assert saved["result"] == Delivery.DIGEST
    # The page shows the choices saved.
    expect(moves.get_by_label("Off")).to_be_checked()
    expect(results.get_by_label("Daily digest")).to_be_checked()
    expect(
        page.get_by_role(
            "group", name="I am made the owner or sponsor of an initiative"
        ).get_by_label("Immediately")
    ).to_be_checked()
