"""The dashboard's charts (metrics.dashboard_chart): the benefit booked per quarter,
proven, unproven and validated, from one query; the initiatives per stage; both as SVG
whose bars carry their values, with the figures in a table; the page in the same number
of queries however many ledger rows and initiatives there are."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from improvement.models import Stage
from metrics import dashboard_chart, selectors
from metrics.dashboard_chart import (
    B_LEFT,
    B_PLOT_BOTTOM,
    B_TOP,
    P_LEFT,
    P_RIGHT,
    TEXT,
    WIDTH,
    benefit_chart,
    pipeline_chart,
    recent_quarters,
)
from metrics.periods import quarter_of
from tests.factories import (
    InitiativeFactory,
    QuarterlyResultFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

BAR = re.compile(r'<rect [^>]*class="bar (\w+)"[^>]*data-value="([^"]+)"')


def bars(html: str) -> list[tuple[str, Decimal]]:
    """Each bar drawn, in document order: (its kind, its value)."""
    return [(kind, Decimal(value)) for kind, value in BAR.findall(html)]


def section(html: str, heading_id: str) -> str:
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def figure(year, quarter, computed="0", unproven="0", validated=None) -> dict:
    return {
        "year": year,
        "quarter": quarter,
        "computed": Decimal(computed),
        "unproven": Decimal(unproven),
        "validated": None if validated is None else Decimal(validated),
    }


@pytest.fixture
def quarters():
    """The dashboard's six quarters, oldest first: this one last."""
    return recent_quarters(timezone.localdate())


@pytest.fixture
def dashboard(web_as):
    def get():
        response = web_as(UserFactory()).get(reverse("improvement:dashboard"))
        assert response.status_code == 200
        return response.content.decode()

    return get


# --- the quarters ----------------------------------------------------------------------


def test_it_takes_the_six_quarters_up_to_today_across_a_year_end():
    assert recent_quarters(dt.date(2026, 2, 14)) == [
        (2024, 4),
        (2025, 1),
        (2025, 2),
        (2025, 3),
        (2025, 4),
        (2026, 1),
    ]


# --- benefit per quarter: the query ------------------------------------------------------


def test_it_sums_each_quarters_benefit_in_one_query(db, django_assert_num_queries):
    QuarterlyResultFactory(year=2026, quarter=1, computed_benefit="1000.50")
    QuarterlyResultFactory(year=2026, quarter=1, computed_benefit="250.00")
    QuarterlyResultFactory(year=2026, quarter=1, unproven_benefit="300.00")
    QuarterlyResultFactory(year=2026, quarter=2, unproven_benefit="40.00", validated_benefit=35)
    QuarterlyResultFactory(year=2025, quarter=4, computed_benefit="999.00")  # not asked for

    with django_assert_num_queries(1):
        figures = selectors.benefit_by_quarter(quarters=[(2026, 1), (2026, 2), (2026, 3)])

    assert figures == [
        figure(2026, 1, computed="1250.50", unproven="300.00"),
        figure(2026, 2, unproven="40.00", validated="35.00"),
        figure(2026, 3),
    ]


# --- benefit per quarter: the chart ------------------------------------------------------


def test_it_draws_each_quarters_proven_unproven_and_validated_bars(db, dashboard, quarters):
    (y1, q1), (y2, q2) = quarters[-2], quarters[-1]
    QuarterlyResultFactory(year=y1, quarter=q1, computed_benefit="1200.00", validated_benefit=1100)
    QuarterlyResultFactory(year=y2, quarter=q2, unproven_benefit="400.00")
    QuarterlyResultFactory(year=y2, quarter=q2, computed_benefit="800.00")

    html = section(dashboard(), "benefit-chart-h")

    zero = Decimal("0")
    assert bars(html) == [
        *[(kind, zero) for _ in quarters[:-2] for kind in ("proven", "unproven")],
        ("proven", Decimal("1200.00")),
        ("unproven", zero),
        ("validated", Decimal("1100.00")),
        ("proven", Decimal("800.00")),
        ("unproven", Decimal("400.00")),
    ]
    assert f"<title>{y1} Q{q1}: validated 1,100</title>" in html
    assert f"<title>{y2} Q{q2} (to date): unproven 400</title>" in html
    # The same figures as a table, for screen readers and for reading the numbers.
    assert f'<tr><th scope="row">{y1} Q{q1}</th><td>1,200</td><td>0</td><td>1,100</td></tr>' in html
    assert (
        f'<tr><th scope="row">{y2} Q{q2} (to date)</th><td>800</td><td>400</td><td>—</td></tr>'
        in html
    )
    assert '<svg viewBox="0 0 640 ' in html
    assert 'role="img" aria-labelledby="benefit-chart-t" aria-describedby="benefit-chart-d"' in html


def test_it_draws_bars_to_scale_from_the_zero_line():
    chart = benefit_chart(
        [figure(2026, 1, computed="1000"), figure(2026, 2, computed="2000", unproven="-500")],
        current=(2026, 2),
    )

    proven_1, _, proven_2, loss = chart.bars
    assert proven_2.height == pytest.approx(2 * proven_1.height, abs=0.2)
    assert proven_1.y + proven_1.height == pytest.approx(chart.zero_y)
    # A loss hangs below the zero line, a quarter of the 2000 bar's length.
    assert (loss.y, loss.kind) == (chart.zero_y, "unproven")
    assert loss.height == pytest.approx(proven_2.height / 4, abs=0.2)
    assert proven_2.y >= B_TOP
    assert loss.y + loss.height <= B_PLOT_BOTTOM


def test_it_draws_no_validated_bar_before_a_review():
    chart = benefit_chart([figure(2026, 1, computed="10", validated="0")], current=(2026, 1))
    unreviewed = benefit_chart([figure(2026, 1, computed="10")], current=(2026, 1))

    assert [bar.kind for bar in chart.bars] == ["proven", "unproven", "validated"]
    assert [bar.kind for bar in unreviewed.bars] == ["proven", "unproven"]


def test_it_says_so_when_no_quarter_has_benefit(db, dashboard):
    InitiativeFactory()

    html = section(dashboard(), "benefit-chart-h")

    assert "No benefit booked in the last six quarters." in html
    assert "<svg" not in html


def test_its_benefit_labels_fit_their_margins_on_a_phone(quarters):
    """At the largest `.chart text` size: the tick labels left of the plot, the quarters
    below it each within its own group."""
    chart = benefit_chart(
        [figure(*q, computed="-12500", unproven="99000") for q in quarters], current=quarters[-1]
    )

    longest_tick = max(len(tick["label"]) for tick in chart.ticks)
    assert longest_tick * 0.6 * TEXT <= B_LEFT - 6
    group = (chart.plot_right - chart.left) / len(quarters)
    assert len("2026") * 0.6 * TEXT < group
    assert chart.year_y + TEXT / 2 <= chart.height


# --- the pipeline --------------------------------------------------------------------------


def test_it_draws_the_initiatives_in_each_stage(db, dashboard):
    InitiativeFactory.create_batch(3)
    TriagedInitiativeFactory.create_batch(2)
    TriagedInitiativeFactory(stage=Stage.PLAN)

    html = section(dashboard(), "pipeline-chart-h")

    assert bars(html) == [("stage", 3), ("stage", 2), ("stage", 1)]
    assert "<title>Plan: 1 initiative</title>" in html
    assert '<title id="pipeline-chart-t">Initiatives per stage: 6 in 3 stages</title>' in html
    assert '<tr><th scope="row">Submitted</th><td>3</td></tr>' in html


def test_it_draws_the_pipelines_bars_to_scale():
    chart = pipeline_chart([("Submitted", 4), ("Backlog", 0), ("Plan", 1), ("Do", 2)])

    assert [row["label"] for row in chart.rows] == ["Submitted", "Plan", "Do"]
    longest, plan, do = (bar.width for bar in chart.bars)
    assert longest == WIDTH - P_LEFT - P_RIGHT
    assert (plan, do) == (pytest.approx(longest / 4, abs=0.1), pytest.approx(longest / 2, abs=0.1))
    # Each count fits right of its bar, each stage's name left of the bars.
    assert all(row["count_x"] + 4 * 0.6 * TEXT <= WIDTH for row in chart.rows)
    assert len("Completed") * 0.6 * TEXT <= chart.label_x


def test_it_says_so_when_there_are_no_initiatives(db, dashboard):
    html = section(dashboard(), "pipeline-chart-h")

    assert "No initiatives yet." in html


# --- the page ------------------------------------------------------------------------------


def test_it_shows_the_dashboard_in_the_same_queries_however_many_rows(
    web_as, count_queries, quarters
):
    client = web_as(UserFactory())
    url = reverse("improvement:dashboard")

    def add(n):
        for i in range(n):
            year, quarter = quarters[i % len(quarters)]
            stage = [Stage.SUBMITTED, Stage.BACKLOG, Stage.PLAN, Stage.DO][i % 4]
            initiative = TriagedInitiativeFactory(stage=stage)
            QuarterlyResultFactory(
                initiative=initiative,
                year=year,
                quarter=quarter,
                computed_benefit=100 if i % 2 else None,
                unproven_benefit=None if i % 2 else 50,
                validated_benefit=90 if i % 3 == 0 else None,
            )

    add(5)
    client.get(url)  # session and the like, once
    _, small = count_queries(client, url)
    add(45)
    response, large = count_queries(client, url)

    assert response.status_code == 200
    assert len(bars(section(response.content.decode(), "benefit-chart-h"))) > 12
    assert small == large


def test_it_names_this_quarter_to_date(db, dashboard):
    year, quarter = quarter_of(timezone.localdate())
    QuarterlyResultFactory(year=year, quarter=quarter, computed_benefit=5)

    html = section(dashboard(), "benefit-chart-h")

    assert f"to {year} Q{quarter} (to date)</title>" in html
    assert dashboard_chart.QUARTERS == 6
