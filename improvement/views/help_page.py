"""The help page (/help/): what each result status, statistical test, threshold and
control-chart rule means, and how ROI and benefit are worked out. The initiative page
links each term to its anchor here (#status-at_risk, #test-welch_t, #alpha, #rule-1, …).

The figures it quotes (thresholds, the autocorrelation rule, the limit points, the
currency) are read from the code and settings that apply them, so the page cannot drift
from what is computed."""

from decimal import Decimal

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from improvement.result_words import CONTROL_RULES, rule_words
from metrics.models import ResultStatus, StatisticalTest
from metrics.results.figures import ALPHA, INTERIM_ALPHA
from metrics.stats.autocorrelation import MATERIAL_R1, MIN_POINTS

# What each status means, in the order a result moves through them.
STATUS_MEANINGS = {
    "not_computed": (
        gettext_lazy("Not computed"),
        gettext_lazy(
            "No result yet. Once an initiative has gone live, its results "
            "are computed every night and whenever its measurements, change "
            "date or stage change."
        ),
    ),
    ResultStatus.NO_DATA: (
        None,
        gettext_lazy(
            "Nothing has been measured since the change went live (its "
            "change date), so there is nothing to compare with the baseline "
            "yet."
        ),
    ),
    ResultStatus.INSUFFICIENT_DATA: (
        None,
        gettext_lazy(
            "There are measurements after the change, but no test could run "
            "yet: fewer than 2 points after the change (or fewer than 2 in "
            "the baseline window), points that follow each other so closely "
            "that they count as fewer than 2 independent ones "
            "(autocorrelation, below), no variation at all, or no baseline "
            "to compare with."
        ),
    ),
    ResultStatus.ACHIEVED: (
        None,
        gettext_lazy(
            "The change is significantly better than the baseline (p below "
            "the threshold α) and the current value has reached the target."
        ),
    ),
    ResultStatus.IMPROVING: (
        None,
        gettext_lazy(
            "The change is significantly better than the baseline (p below "
            "the threshold α), but the current value has not reached the "
            "target yet. A result is never “improving” without a p-value: "
            "the status is set from the test."
        ),
    ),
    ResultStatus.AT_RISK: (
        None,
        gettext_lazy(
            "The data were tested, and the difference from the baseline is "
            "not significant: with this much variation it could be noise, "
            "whichever way it points. More data after the change (or a "
            "larger effect) will tell. An interim result is held to the "
            "stricter interim threshold until the target's date."
        ),
    ),
    ResultStatus.REGRESSED: (
        None,
        gettext_lazy(
            "The metric is significantly worse than the baseline (p below "
            "the threshold α, in the wrong direction)."
        ),
    ),
    ResultStatus.ERROR: (
        None,
        gettext_lazy(
            "The target's data could not be computed — a measurement that no "
            "rule should have let in, such as a proportion outside 0–1. The "
            "result names it; correct or delete that measurement. The other "
            "targets are computed as usual."
        ),
    ),
}

TEST_MEANINGS = {
    StatisticalTest.WELCH: (
        gettext_lazy(
            "With a baseline window: compares the mean of the window's "
            "measurements with the mean after the change, without assuming "
            "the two have the same spread."
        )
    ),
    StatisticalTest.ONE_SAMPLE_T: (
        gettext_lazy(
            "With a baseline typed in by hand (no window of data): compares "
            "the mean after the change with that value."
        )
    ),
    StatisticalTest.TWO_PROPORTION_Z: (
        gettext_lazy(
            "For a rate whose every point carries its sample size (defects "
            "per batch, calls resolved per day): pools the events and trials "
            "before and after the change and compares the two proportions, "
            "so a day of 500 items weighs ten times a day of 50."
        )
    ),
    StatisticalTest.FISHER_EXACT: (
        gettext_lazy(
            "The exact test used instead of the two-proportion z-test when "
            "an expected count is under 5, where the z-test's approximation "
            "is poor."
        )
    ),
    StatisticalTest.ONE_PROPORTION_Z: (
        gettext_lazy(
            "A rate with sample sizes after the change, against a baseline "
            "proportion typed in by hand."
        )
    ),
    StatisticalTest.BINOMIAL_EXACT: (
        gettext_lazy("The exact test used instead of the one-proportion z-test for small counts.")
    ),
}

# The worked example of risk-adjusted ROI on the page.
ROI_EXAMPLE = {"benefit": Decimal("42000"), "confidence": Decimal("0.7"), "cost": Decimal("3000")}


def statuses() -> list[dict]:
    labels = dict(ResultStatus.choices)
    return [
        {"code": code, "label": label or labels[code], "meaning": meaning}
        for code, (label, meaning) in STATUS_MEANINGS.items()
    ]


def tests() -> list[dict]:
    return [
        {"code": code, "label": label, "meaning": TEST_MEANINGS[code]}
        for code, label in StatisticalTest.choices
    ]


def help_page(request):
    """Every term the result pages use, defined once."""
    example = ROI_EXAMPLE
    expected = example["benefit"] * example["confidence"]
    context = {
        "statuses": statuses(),
        "tests": tests(),
        "rules": [(rule, rule_words(rule)) for rule in sorted(CONTROL_RULES)],
        "alpha": ALPHA,
        "interim_alpha": INTERIM_ALPHA,
        "material_r1": MATERIAL_R1,
        "min_points": MIN_POINTS,
        "limit_points": settings.CONTROL_LIMIT_POINTS,
        "currency": settings.CURRENCY,
        "roi": {
            **example,
            "expected": expected,
            "net": expected - example["cost"],
            "value": (expected - example["cost"]) / example["cost"],
        },
    }
    return render(request, "improvement/help.html", context)
