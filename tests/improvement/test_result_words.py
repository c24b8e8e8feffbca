"""Each result on the initiative page in plain words (issue 15): what its status means for
this target, the improvement with its interval, what the p-value says, the benefit in
CURRENCY, and the control chart's signals with their rules named — each term linked to
its definition on the help page. The figures are the stored result's; nothing is
recomputed here."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from improvement.models import Stage
from metrics.models import Direction, ResultStatus, StatisticalTest
from tests.factories import (
    LiveInitiativeFactory,
    MetricFactory,
    ResultSnapshotFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 9, 30)


def target_of(**fields):
    """Refund time in days, lower is better: baseline 10, target 8, due 30 September,
    2,500 a year per day saved."""
    return TargetFactory(
        initiative=LiveInitiativeFactory(stage=Stage.CHECK),
        metric=MetricFactory(name="Refund time", unit="days", direction=Direction.LOWER_IS_BETTER),
        baseline_value=10.0,
        target_value=8.0,
        target_date=DUE,
        value_per_unit=Decimal("2500"),
        **fields,
    )


def with_test(status, **fields):
    """A result tested with Welch's test at the final α unless told otherwise."""
    defaults = {
        "n_before": 12,
        "n_after": 10,
        "test_method": StatisticalTest.WELCH,
        "alpha": 0.05,
        "interim": False,
    }
    return {"status": status, **defaults, **fields}


def results_section(client, target) -> str:
    """The targets section of the page, with its whitespace collapsed."""
    html = client.get(reverse("improvement:initiative", args=[target.initiative_id]))
    html = html.content.decode()
    section = html[html.index('id="targets-h"') : html.index('id="activity-h"')]
    return re.sub(r"[ \t\r\n]+", " ", section)  # a no-break space is the locale's own


def shown(web_as, user, **result) -> str:
    target = target_of()
    ResultSnapshotFactory(target=target, **result)
    return results_section(web_as(user), target)


# --- what each status means for this target ----------------------------------------------------


def test_it_says_at_risk_is_not_yet_distinguishable_from_noise(web_as, user):
    html = shown(
        web_as,
        user,
        **with_test(
            ResultStatus.AT_RISK,
            current_mean=7.86,
            improvement=2.14,
            improvement_pct=21.4,
            improvement_low=-0.31,
            improvement_high=4.59,
            p_value=0.08,
            significant=False,
            realized_annual_benefit=Decimal("5350.00"),
            benefit_low=Decimal("-775.00"),
            benefit_high=Decimal("11475.00"),
        ),
    )

    for text in [
        '<a href="/help/#status-at_risk"><span class="status at_risk">At risk</span></a>',
        "At risk: the change is not yet distinguishable from noise — +21.4% so far, "
        "but p = 0.08 ≥ 0.05.",
        "The mean after the change is 2.14 days (21.4%) better than the baseline.",
        "If the change had made no difference, a difference at least this large would arise "
        "by chance about 8 times in 100.",
        '<a href="/help/#confidence-interval">95 % CI</a> -0.31 to +4.59 days '
        "(positive is better, here a fall): it includes no change at all",
        "<dd>0.08</dd>",
        'not significant — <a href="/help/#test-welch_t">Welch&#x27;s two-sample t-test</a>',
        '<a href="/help/#alpha">final</a>, α = 0.05',
        # The benefit in the currency, whole units from 1,000 up, its interval alike.
        "<dd>$5,350 <small>a year</small></dd>",
        "95 % CI</a> -$775 to $11,475 a year",
        "unproven until the change is significant",
    ]:
        assert text in html, text


def test_it_says_an_interim_at_risk_result_is_held_to_the_interim_threshold(web_as, user):
    html = shown(
        web_as,
        user,
        **with_test(
            ResultStatus.AT_RISK,
            improvement=1.2,
            improvement_pct=12.0,
            p_value=0.0034,
            significant=False,
            alpha=0.001,
            interim=True,
        ),
    )

    assert (
        "At risk: the change is not yet distinguishable from noise — +12.0% so far, but "
        "p = 0.0034 ≥ 0.001 (the stricter interim threshold until the target date, "
        "2026-09-30; from then on p &lt; 0.05 will do)."
    ) in html
    assert '<a href="/help/#alpha">interim</a> — needs p &lt; 0.001 until 2026-09-30' in html
    assert "about 3 times in 1,000" in html


def test_it_says_an_at_risk_result_that_points_the_wrong_way_shows_no_improvement(web_as, user):
    html = shown(
        web_as,
        user,
        **with_test(
            ResultStatus.AT_RISK,
            improvement=-0.5,
            improvement_pct=-5.0,
            p_value=0.41,
            significant=False,
        ),
    )

    assert (
        "At risk: no improvement that stands out from the noise — -5.0% so far, p = 0.41 ≥ 0.05."
    ) in html
    assert "The mean after the change is 0.5 days (5.0%) worse than the baseline." in html


def test_it_says_improving_with_its_p_value_and_progress(web_as, user):
    html = shown(
        web_as,
        user,
        **with_test(
            ResultStatus.IMPROVING,
            current_mean=8.5,
            improvement=1.5,
            improvement_pct=15.0,
            progress_pct=75.0,
            improvement_low=0.4,
            improvement_high=2.6,
            p_value=0.0123,
            significant=True,
            realized_annual_benefit=Decimal("3750.00"),
        ),
    )

    for text in [
        "Improving: the change is significantly better than the baseline — +15.0% so far, "
        "p = 0.0123 &lt; 0.05 — but not at the target yet (75% of the way).",
        "95 % CI</a> +0.4 to +2.6 days (positive is better, here a fall): all of it an improvement",
        "about 1 time in 100.",
        "<dd>+15.0%</dd>",
        "75% of the way to target",
        "<dd>$3,750 <small>a year</small></dd>",
        '<a href="/help/#proven">proven: the change is significant</a>',
    ]:
        assert text in html, text


def test_it_says_achieved_with_the_value_against_the_target(web_as, user):
    html = shown(
        web_as,
        user,
        **with_test(
            ResultStatus.ACHIEVED,
            current_mean=7.6667,
            improvement=2.3333,
            improvement_pct=23.333,
            progress_pct=116.7,
            p_value=2.8e-21,
            significant=True,
        ),
    )

    assert (
        "Achieved: significantly better than the baseline (p &lt; 0.001) and at the target — "
        "7.667 days against a target of 8 days."
    ) in html
    assert "<dd>&lt; 0.001</dd>" in html  # never "0"
    assert "<dd>7.667</dd>" in html  # 4 significant digits, not 7.6667
    assert "less than 1 time in 1,000." in html


def test_it_says_regressed_is_significantly_worse(web_as, user):
    html = shown(
        web_as,
        user,
        **with_test(
            ResultStatus.REGRESSED,
            improvement=-1.25,
            improvement_pct=-12.5,
            p_value=0.0004,
            significant=True,
        ),
    )

    assert (
        "Regressed: the metric is significantly worse than the baseline — -12.5%, p &lt; 0.001."
    ) in html
    assert '<span class="status regressed">Regressed</span>' in html


def test_it_says_why_there_is_not_enough_data_yet(web_as, user):
    html = shown(web_as, user, status=ResultStatus.INSUFFICIENT_DATA, n_after=1)

    assert "Not enough data yet: 1 point after the change; a test needs at least 2." in html
    assert '<a href="/help/#status-insufficient_data">' in html


def test_it_says_no_data_means_nothing_measured_since_the_change(web_as, user):
    html = shown(web_as, user, status=ResultStatus.NO_DATA)

    assert "No data: nothing has been measured since the change went live" in html


def test_it_says_why_a_result_could_not_be_computed(web_as, user):
    html = shown(
        web_as,
        user,
        status=ResultStatus.ERROR,
        error="A measurement outside 0–1 on a proportion metric (from 0 to 42): correct it.",
    )

    assert "Could not be computed: A measurement outside 0–1 on a proportion metric" in html


def test_it_says_a_target_without_a_result_is_not_computed_yet(web_as, user):
    target = target_of()

    html = results_section(web_as(user), target)

    assert (
        '<a href="/help/#status-not_computed"><span class="status no_data">Not computed</span></a>'
    ) in html
    assert "Not computed yet: results are computed every night" in html


def test_it_says_when_a_significant_result_has_no_p_value_recorded(web_as, user):
    # The results job sets the status from the p-value, so only a row written before
    # p-values were kept (or by hand) can be "improving" without one: it says so.
    html = shown(web_as, user, status=ResultStatus.IMPROVING, improvement=1.0, improvement_pct=10.0)

    assert "<dd>—</dd>" in html
    assert (
        "Improving: the change is significantly better than the baseline — +10.0% so far, "
        "p-value not recorded with this result (recomputing the results records it)."
    ) in html


# --- money in CURRENCY, and the control chart ----------------------------------------------------


def test_it_shows_the_benefit_in_the_configured_currency(web_as, user, settings):
    settings.CURRENCY = "EUR"

    html = shown(
        web_as,
        user,
        **with_test(
            ResultStatus.IMPROVING,
            improvement=0.25,
            p_value=0.01,
            significant=True,
            realized_annual_benefit=Decimal("625.50"),
            benefit_low=Decimal("125.00"),
            benefit_high=Decimal("1125.00"),
        ),
    )

    assert "<dd>€625.50 <small>a year</small></dd>" in html  # cents below 1,000
    assert "95 % CI</a> €125 to €1,125 a year" in html  # both ends alike


def test_it_names_the_rule_of_each_control_chart_signal(web_as, user):
    def signal(day, rule):
        return {"observed_at": f"2026-05-{day:02d}T12:00:00+00:00", "value": 14.2, "rule": rule}

    control = {
        "center": 8.0,
        "ucl": 11.0,
        "lcl": 5.0,
        "mr_bar": 1.1,
        "sigma": 1.0,
        "provisional": False,
        "signals": [signal(3, 1), signal(12, 4)],
    }
    html = shown(web_as, user, **with_test(ResultStatus.AT_RISK, p_value=0.2, control=control))

    assert (
        '<a href="/help/#control-chart">2 control-chart signals since the change</a>: '
        '2026-05-03, <a href="/help/#rule-1">a point beyond the 3σ control limits</a>; '
        '2026-05-12, <a href="/help/#rule-4">8 points in a row on one side of the centre '
        "line</a>."
    ) in html

    control["signals"] = [signal(3, 2)]
    html = shown(web_as, user, **with_test(ResultStatus.AT_RISK, p_value=0.2, control=control))
    assert "1 control-chart signal since the change</a>: 2026-05-03" in html
    assert "2 of 3 points in a row beyond 2σ on the same side of the centre line" in html

    control["signals"] = []
    html = shown(web_as, user, **with_test(ResultStatus.AT_RISK, p_value=0.2, control=control))
    assert 'No <a href="/help/#control-chart">control-chart signals</a> since the change' in html


def test_it_writes_the_figures_as_the_active_language_does(web_as, user, settings):
    settings.LANGUAGE_CODE = "de-de"

    html = shown(
        web_as,
        user,
        **with_test(
            ResultStatus.AT_RISK,
            improvement=2.14,
            improvement_pct=21.4,
            p_value=0.0812,
            significant=False,
            realized_annual_benefit=Decimal("5350.00"),
        ),
    )

    assert "<dd>+21,4\xa0%</dd>" in html
    assert "<dd>0,0812</dd>" in html
    # The words are German too now (locale/de): "pro Jahr" for "a year".
    assert "<dd>5.350\xa0$ <small>pro Jahr</small></dd>" in html
    assert "p = 0,0812 ≥ 0,05" in html
