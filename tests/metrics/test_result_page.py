"""How a result was proven, on the web pages (issue 13): the initiative page's result says
which test ran, its threshold (interim before the target's due date, else final), the
95 % intervals of the improvement and of the annual benefit, and the autocorrelation
adjustment; "not enough data yet" has its own badge; the dashboard labels its ledger
figures proven and unproven. Every figure comes from a result the results job computed."""

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from scipy import stats as scipy_stats

from improvement.models import Stage
from improvement.templatetags.tracker import signed_figure
from metrics import selectors
from metrics.models import Direction, ResultStatus
from metrics.results.compute import compute_results
from tests.factories import (
    LiveInitiativeFactory,
    MetricFactory,
    QuarterlyResultFactory,
    ResultSnapshotFactory,
    TargetFactory,
    record_series,
)

pytestmark = pytest.mark.django_db

CHANGE = dt.date(2026, 3, 2)
AS_OF = dt.date(2026, 6, 30)
# 20 points that wander (a high day follows a high day): r₁ = 0.572 > 0.2 on ≥ 10 points,
# so the one-sample test counts 20·(1 − r₁)/(1 + r₁) = 5.44 points.
WANDERING = [11.0, 11.4, 11.9, 11.6, 11.2, 11.5, 12.1, 12.4, 12.0, 11.7]
WANDERING += [11.9, 12.3, 12.6, 12.2, 11.8, 12.0, 12.5, 12.8, 12.4, 12.1]


def page_of(initiative) -> str:
    return reverse("improvement:initiative", args=[initiative.pk])


def computed(*, before=(), after=(), direction=Direction.HIGHER_IS_BETTER, **fields):
    """A live initiative's primary target with `before` one a day up to the day before the
    change (its baseline window, when given) and `after` one a day from it, and its
    result as of AS_OF."""
    if before:
        fields["baseline_start"] = CHANGE - dt.timedelta(days=len(before))
        fields["baseline_end"] = CHANGE - dt.timedelta(days=1)
        fields["baseline_value"] = None
    target = TargetFactory(
        initiative=LiveInitiativeFactory(implemented_on=CHANGE),
        metric=MetricFactory(direction=direction, unit="hours"),
        value_per_unit=Decimal("1000"),
        **fields,
    )
    record_series(target, first=CHANGE - dt.timedelta(days=len(before)), values=before)
    record_series(target, first=CHANGE, values=after)
    compute_results(initiative_id=target.initiative_id, as_of=AS_OF)
    return target


def test_it_shows_an_interim_result_adjusted_for_autocorrelation(web_as, user):
    # Due 30 September, looked at on 30 June: interim, so p must be below 0.001.
    target = computed(
        after=WANDERING, baseline_value=10.0, target_value=13.0, target_date=dt.date(2026, 9, 30)
    )

    response = web_as(user).get(page_of(target.initiative))

    assert response.status_code == 200
    html = response.content.decode()
    x = np.array(WANDERING)
    d = x - x.mean()
    r1 = (d[1:] * d[:-1]).sum() / (d * d).sum()
    n_eff = 20 * (1 - r1) / (1 + r1)
    half = scipy_stats.t.ppf(0.975, n_eff - 1) * math.sqrt(x.var(ddof=1) / n_eff)
    low, high = x.mean() - 10 - half, x.mean() - 10 + half
    assert (signed_figure(low), signed_figure(high)) == ("+1.428", "+2.512")
    for text in [
        '20 points after the change (5.4 <a href="/help/#autocorrelation">effective</a>)',
        "95 % CI</a> +1.428 to +2.512 hours (positive is better): all of it an improvement",
        "<dd>&lt; 0.001</dd>",  # p = 0.00037: below 0.001, so proven even at an interim look
        'significant — <a href="/help/#test-one_sample_t">One-sample t-test against the '
        "typed baseline</a>",
        '<a href="/help/#alpha">interim</a> — needs p &lt; 0.001 until 2026-09-30',
        "adjusted for autocorrelation</a>, r₁ = 0.57</dd>",
        '<span class="status improving">Improving</span>',
        # Money in CURRENCY, whole units from 1,000 up, both ends of its interval alike.
        '<dd>$1,970 <small>a year</small></dd><dd class="provenance">hard savings</dd>',
        "95 % CI</a> $1,428 to $2,512 a year",
    ]:
        assert text in html, text
    assert "final, α" not in html


def test_it_shows_a_final_result_with_its_test_and_intervals(web_as, user):
    # Lower is better; due before the look: the final threshold, 0.05.
    before, after = [20, 22, 18, 20], [15, 16, 14, 15, 17]
    target = computed(
        before=before,
        after=after,
        direction=Direction.LOWER_IS_BETTER,
        target_value=12.0,
        target_date=dt.date(2026, 6, 1),
    )

    response = web_as(user).get(page_of(target.initiative))

    assert response.status_code == 200
    html = response.content.decode()
    # The interval of after − before, turned round (positive is better), × 1000 a year.
    interval = scipy_stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    low, high = -interval.high, -interval.low
    benefit = [f"${Decimal(repr(float(v))) * 1000:,.0f}" for v in (low, high)]
    for text in [
        f"95 % CI</a> {signed_figure(low)} to {signed_figure(high)} hours",
        'significant — <a href="/help/#test-welch_t">Welch&#x27;s two-sample t-test</a>',
        '<a href="/help/#alpha">final</a>, α = 0.05',
        "<dd>$4,600 <small>a year</small></dd>",  # 20 − 15.4 = 4.6 hours
        f"95 % CI</a> {benefit[0]} to {benefit[1]} a year",
    ]:
        assert text in html, text
    assert 0 < low < 4.6 < high
    assert "interim" not in html
    assert "adjusted for autocorrelation" not in html  # 4 and 5 points: too few to check


def test_it_shows_not_enough_data_yet_with_its_own_badge(web_as, user):
    # A steady climb: r₁ = 0.74, so 12 points count as 1.8, fewer than a test needs.
    after = [11.0, 11.2, 11.5, 11.9, 12.2, 12.6, 12.8, 13.1, 13.0, 13.4, 13.6, 13.9]
    target = computed(after=after, baseline_value=10.0, target_value=13.0)

    response = web_as(user).get(page_of(target.initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert target.results.get().status == ResultStatus.INSUFFICIENT_DATA
    assert '<span class="status insufficient_data">Not enough data yet</span>' in html
    assert "12 points after the change</dd>" in html
    # The result's own section: the idea's text above it is made up and may say anything.
    results = html[html.index('id="targets-h"') : html.index('id="activity-h"')]
    for absent in ["significant", "interim", "final, α", "adjusted for autocorrelation"]:
        assert absent not in results, absent
    css = Path(settings.BASE_DIR, "static", "css", "app.css").read_text()
    assert ".status.insufficient_data {" in css


def test_it_shows_how_a_result_was_proven_without_more_queries(web_as, user, count_queries):
    bare = TargetFactory(initiative=LiveInitiativeFactory(stage=Stage.CHECK))
    record_series(bare, first=CHANGE, values=WANDERING)
    ResultSnapshotFactory(target=bare, as_of=AS_OF, status=ResultStatus.AT_RISK)
    proven = computed(
        after=WANDERING, baseline_value=10.0, target_value=13.0, target_date=dt.date(2026, 9, 30)
    )
    client = web_as(user)
    client.get(page_of(bare.initiative))  # warm per-process caches

    _, without = count_queries(client, page_of(bare.initiative))
    response, with_evidence = count_queries(client, page_of(proven.initiative))

    assert "adjusted for autocorrelation" in response.content.decode()
    assert with_evidence == without


def test_it_labels_the_dashboards_benefit_proven(web_as, user):
    today = timezone.localdate()
    QuarterlyResultFactory(
        year=today.year, quarter=(today.month - 1) // 3 + 1, computed_benefit=12345
    )

    response = web_as(user).get(reverse("improvement:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "$12,345 <small>proven</small>" in html
    assert "Proven: quarters whose change is statistically significant" in html
    assert "unproven)" not in html  # nothing unproven to show


def test_it_shows_the_dashboards_unproven_benefit_beside_the_proven(web_as, user, monkeypatch):
    # The dashboard shows an "unproven" sum when metrics.selectors.quarter_benefits gives
    # one for the quarter.
    def benefits(*, quarters, rows=None):
        figures = [
            {"computed": Decimal("1000"), "unproven": Decimal("2500.40"), "validated": None},
            {"computed": Decimal("0"), "unproven": None, "validated": Decimal("900")},
        ]
        return dict(zip(quarters, figures, strict=True))

    monkeypatch.setattr(selectors, "quarter_benefits", benefits)

    response = web_as(user).get(reverse("improvement:dashboard"))

    html = response.content.decode()
    # In CURRENCY, whole units: a headline; the desk keeps the cents.
    assert "$1,000 <small>proven</small> <small>(+ $2,500 unproven)</small>" in html
    assert "$0 <small>proven</small> <small>(validated $900)</small>" in html
