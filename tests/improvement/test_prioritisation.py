"""Prioritisation in SQL: quadrant, impact/effort ratio, risk-adjusted ROI and rank.

A score at or above settings.QUADRANT_THRESHOLD (default 3) is high. The ranked backlog
orders by quadrant (quick_win, major_project, fill_in, avoid), then ratio, then ROI, then
oldest first; `order="roi"` puts ROI first.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import QuerySet

from improvement.models import Initiative, Quadrant, Stage
from tests.factories import InitiativeFactory, TriagedInitiativeFactory

pytestmark = pytest.mark.django_db

DAY_ONE = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)


def prioritised(initiative) -> Initiative:
    return Initiative.objects.with_priority().get(pk=initiative.pk)


def backlog_item(title, impact, effort, *, day, benefit=None, confidence=None, cost=None):
    """A backlog idea created on DAY_ONE + `day` (so "oldest first" is explicit)."""
    return TriagedInitiativeFactory(
        title=title,
        impact=impact,
        effort=effort,
        created_at=DAY_ONE + dt.timedelta(days=day),
        estimated_annual_benefit=None if benefit is None else Decimal(benefit),
        confidence=None if confidence is None else Decimal(confidence),
        estimated_cost=None if cost is None else Decimal(cost),
    )


def titles(queryset) -> list[str]:
    return [item.title for item in queryset]


# --- quadrant ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("impact", "effort", "quadrant"),
    [
        (3, 2, Quadrant.QUICK_WIN),
        (5, 1, Quadrant.QUICK_WIN),
        (3, 3, Quadrant.MAJOR_PROJECT),
        (5, 5, Quadrant.MAJOR_PROJECT),
        (2, 2, Quadrant.FILL_IN),
        (1, 1, Quadrant.FILL_IN),
        (2, 3, Quadrant.AVOID),
        (1, 5, Quadrant.AVOID),
    ],
)
def test_it_places_an_idea_in_its_quadrant_at_the_default_threshold(impact, effort, quadrant):
    initiative = InitiativeFactory(impact=impact, effort=effort)

    assert prioritised(initiative).quadrant == quadrant


@pytest.mark.parametrize(
    ("impact", "effort", "quadrant"),
    [
        (3, 2, Quadrant.FILL_IN),
        (3, 3, Quadrant.FILL_IN),
        (4, 3, Quadrant.QUICK_WIN),
        (4, 4, Quadrant.MAJOR_PROJECT),
        (3, 4, Quadrant.AVOID),
    ],
)
def test_it_moves_the_quadrant_boundary_with_the_threshold(impact, effort, quadrant, settings):
    settings.QUADRANT_THRESHOLD = 4
    initiative = InitiativeFactory(impact=impact, effort=effort)

    assert prioritised(initiative).quadrant == quadrant


@pytest.mark.parametrize(
    ("impact", "effort"), [(None, None), (4, None), (None, 2)], ids=["neither", "impact", "effort"]
)
def test_it_gives_an_unscored_idea_no_quadrant_and_no_ratio(impact, effort):
    initiative = InitiativeFactory(impact=impact, effort=effort)

    item = prioritised(initiative)

    assert (item.quadrant, item.ratio) == (None, None)


# --- ratio and ROI -------------------------------------------------------------------------


@pytest.mark.parametrize(("impact", "effort", "ratio"), [(3, 2, 1.5), (1, 4, 0.25), (5, 5, 1.0)])
def test_it_computes_the_impact_effort_ratio(impact, effort, ratio):
    initiative = InitiativeFactory(impact=impact, effort=effort)

    assert prioritised(initiative).ratio == pytest.approx(ratio)


@pytest.mark.parametrize(
    ("benefit", "confidence", "cost", "roi"),
    [
        ("1000", "0.50", "200", 1.5),  # (1000 × 0.5 − 200) / 200
        ("100", "0.50", "100", -0.5),
        ("12000", "1.00", "3000", 3.0),
        ("5000", "0.00", "1000", -1.0),
    ],
)
def test_it_computes_the_risk_adjusted_roi(benefit, confidence, cost, roi):
    initiative = InitiativeFactory(
        estimated_annual_benefit=Decimal(benefit),
        confidence=Decimal(confidence),
        estimated_cost=Decimal(cost),
    )

    assert prioritised(initiative).risk_adjusted_roi == pytest.approx(roi)


@pytest.mark.parametrize(
    ("benefit", "confidence", "cost"),
    [
        ("1000", "0.50", "0"),
        ("1000", "0.50", None),
        (None, "0.50", "200"),
        ("1000", None, "200"),
    ],
    ids=["cost zero", "no cost", "no benefit", "no confidence"],
)
def test_it_has_no_roi_without_a_positive_cost_and_an_estimate(benefit, confidence, cost):
    initiative = InitiativeFactory(
        estimated_annual_benefit=None if benefit is None else Decimal(benefit),
        confidence=None if confidence is None else Decimal(confidence),
        estimated_cost=None if cost is None else Decimal(cost),
    )

    assert prioritised(initiative).risk_adjusted_roi is None


# --- ranking -------------------------------------------------------------------------------


def make_mixed_backlog() -> None:
    """Created out of rank order, so neither id nor creation order gives the answer."""
    backlog_item("avoid", 2, 5, day=0)
    backlog_item("fill-in, ratio 2", 2, 1, day=1)
    backlog_item("major, ratio 0.6", 3, 5, day=2)
    backlog_item("quick, ratio 2, no ROI, newer", 4, 2, day=9)
    backlog_item("quick, ratio 2, no ROI, older", 4, 2, day=8)
    backlog_item("quick, ratio 2, ROI 1", 4, 2, day=5, benefit="400", confidence="0.50", cost="100")
    backlog_item("quick, ratio 2, ROI 3", 4, 2, day=6, benefit="800", confidence="0.50", cost="100")
    backlog_item("quick, ratio 5", 5, 1, day=7)
    backlog_item("major, ratio 1", 5, 5, day=3, benefit="9000", confidence="1.00", cost="10")


MATRIX_ORDER = [
    "quick, ratio 5",
    "quick, ratio 2, ROI 3",
    "quick, ratio 2, ROI 1",
    "quick, ratio 2, no ROI, older",
    "quick, ratio 2, no ROI, newer",
    "major, ratio 1",
    "major, ratio 0.6",
    "fill-in, ratio 2",
    "avoid",
]


def test_it_ranks_by_quadrant_then_ratio_then_roi_then_age():
    make_mixed_backlog()

    ranked = Initiative.objects.ranked()

    assert titles(ranked) == MATRIX_ORDER


def test_it_numbers_the_ranks_from_one():
    make_mixed_backlog()

    ranked = list(Initiative.objects.backlog())

    assert [item.rank for item in ranked] == list(range(1, len(MATRIX_ORDER) + 1))
    assert titles(ranked) == MATRIX_ORDER


def test_it_ranks_unscored_ideas_last():
    scored = backlog_item("scored avoid", 1, 5, day=2)
    unscored = InitiativeFactory(title="unscored", created_at=DAY_ONE)

    ranked = Initiative.objects.filter(pk__in=[scored.pk, unscored.pk]).ranked()

    assert [(item.title, item.rank) for item in ranked] == [("scored avoid", 1), ("unscored", 2)]


def test_it_ranks_by_roi_first_when_asked():
    backlog_item("quick, ROI 1", 4, 2, day=0, benefit="400", confidence="0.50", cost="100")
    backlog_item("avoid, ROI 5", 1, 5, day=1, benefit="600", confidence="1.00", cost="100")
    backlog_item("fill-in, no ROI", 2, 2, day=2)
    backlog_item("quick, no ROI", 5, 1, day=3)
    backlog_item("major, ROI 1", 4, 4, day=4, benefit="200", confidence="1.00", cost="100")

    ranked = Initiative.objects.backlog(order="roi")

    assert [(item.title, item.rank) for item in ranked] == [
        ("avoid, ROI 5", 1),
        ("quick, ROI 1", 2),
        ("major, ROI 1", 3),
        ("quick, no ROI", 4),
        ("fill-in, no ROI", 5),
    ]


def test_it_filters_the_ranked_backlog_like_any_queryset():
    make_mixed_backlog()

    majors = Initiative.objects.backlog().filter(quadrant=Quadrant.MAJOR_PROJECT)

    assert isinstance(majors, QuerySet)
    assert titles(majors) == ["major, ratio 1", "major, ratio 0.6"]
    assert majors.count() == 2
    assert titles(majors.filter(impact=5)) == ["major, ratio 1"]


def test_it_keeps_only_backlog_ideas_in_the_backlog():
    backlog_item("in the backlog", 4, 2, day=0)
    for stage in (Stage.SUBMITTED, Stage.PLAN, Stage.REJECTED, Stage.COMPLETED):
        TriagedInitiativeFactory(title=stage, stage=stage, rejection_reason="No.")

    backlog = Initiative.objects.backlog()

    assert titles(backlog) == ["in the backlog"]
    assert {item.stage for item in backlog} == {Stage.BACKLOG}
