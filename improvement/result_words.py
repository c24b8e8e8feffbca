"""A target's result in plain words, for the initiative page: what its status means for
this target, the improvement and its confidence interval, what the p-value says, the
benefit, and the control chart's signals with their rules named.

Every sentence is built from the result's own fields (no query), with the numbers
formatted for the active language and money in settings.CURRENCY. The terms are defined
on the help page (improvement.views.help_page); the template links them there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext_lazy

from improvement import formatting
from improvement.formatting import active_locale
from metrics.models import ResultStatus
from metrics.results.figures import ALPHA
from metrics.stats.rules import RULE_WORDS

# The Western Electric rules as metrics.stats.rules applies them (qcc 3.0), in words
# (translated where shown).
CONTROL_RULES = RULE_WORDS
# metrics.stats is pure Python (no Django), so its words are marked for the catalogue
# here; tests/i18n/test_messages.py checks they are the same words.
RULE_WORDS_MARKED = [
    gettext_noop("a point beyond the 3σ control limits"),
    gettext_noop("2 of 3 points in a row beyond 2σ on the same side of the centre line"),
    gettext_noop("4 of 5 points in a row beyond 1σ on the same side of the centre line"),
    gettext_noop("8 points in a row on one side of the centre line"),
]
# Signals listed by date on the page; the count covers them all.
SIGNALS_LISTED = 5


def rule_words(rule: int | None) -> str:
    return _(CONTROL_RULES[rule]) if rule in CONTROL_RULES else _("rule %(rule)s") % {"rule": rule}


@dataclass
class Signal:
    day: dt.date | None
    rule: int
    words: str


@dataclass
class ResultWords:
    """The sentences the page shows under a target's figures; None where they do not
    apply (no test, no money per unit, no control chart)."""

    status: str
    improvement: str | None = None
    interval: str | None = None
    chance: str | None = None
    benefit: str | None = None  # a year, in settings.CURRENCY
    benefit_kind: str = ""
    benefit_interval: str | None = None
    benefit_booking: str | None = None
    signals: list[Signal] = field(default_factory=list)
    signal_count: int = 0

    @property
    def signals_summary(self) -> str:
        return ngettext(
            "%(n)s control-chart signal since the change",
            "%(n)s control-chart signals since the change",
            self.signal_count,
        ) % {"n": self.signal_count}

    @property
    def more_signals(self) -> int:
        return self.signal_count - len(self.signals)


def explain(result, target) -> ResultWords:
    """The words for `result` (a metrics ResultSnapshot, or None before the first
    computation) of `target`."""
    locale = active_locale()
    if result is None:
        return ResultWords(
            status=_(
                "Not computed yet: results are computed every night and whenever "
                "measurements are recorded, once the change has gone live."
            )
        )
    words = ResultWords(status=_status(result, target, locale))
    unit = target.metric.unit
    if result.improvement is not None:
        words.improvement = _improvement(result, unit, locale)
    if result.improvement_low is not None and result.improvement_high is not None:
        words.interval = _interval(result, unit, target.metric.lower_is_better, locale)
    if result.p_value is not None:
        words.chance = _chance(result.p_value, locale)
    if result.realized_annual_benefit is not None:
        _benefit(words, result, target, locale)
    _signals(words, result.control)
    return words


# --- the status ------------------------------------------------------------------------------


def _alpha(result) -> float:
    # Results computed before thresholds were stored were all tested at ALPHA.
    return ALPHA if result.alpha is None else result.alpha


def _p_against_alpha(result, locale: str) -> str:
    if result.p_value is None:
        # Only a result computed before p-values were kept can be significant without one:
        # the results job sets the status from the p-value (metrics.results.figures).
        return _("p-value not recorded with this result (recomputing the results records it)")
    return formatting.p_comparison(result.p_value, _alpha(result), locale=locale)


def _so_far(result, unit: str, locale: str) -> str:
    """The improvement as a percentage of the baseline, else in the metric's unit."""
    if result.improvement_pct is not None:
        return formatting.percent_text(result.improvement_pct, locale=locale, sign=True)
    amount = formatting.number_text(result.improvement, locale=locale, sign=True)
    return f"{amount} {unit}".strip()


def _interim(result, target) -> str:
    if not result.interim:
        return ""
    due = target.target_date
    return " " + (
        _(
            "(the stricter interim threshold until the target date, %(due)s; "
            "from then on p < %(final)s will do)"
        )
        % {
            "due": f"{due:%Y-%m-%d}" if due else "—",
            "final": formatting.number_text(ALPHA, locale=active_locale()),
        }
    )


def _status(result, target, locale: str) -> str:
    status = result.status
    unit = target.metric.unit
    p_text = _p_against_alpha(result, locale)
    if status == ResultStatus.ACHIEVED:
        return _(
            "Achieved: significantly better than the baseline (%(p)s) and at the target — "
            "%(current)s %(unit)s against a target of %(target)s %(unit)s."
        ) % {
            "p": p_text,
            "current": formatting.number_text(result.current_mean, locale=locale),
            "target": formatting.number_text(target.target_value, locale=locale),
            "unit": unit,
        }
    if status == ResultStatus.IMPROVING:
        text = _(
            "Improving: the change is significantly better than the baseline — "
            "%(so_far)s so far, %(p)s"
        ) % {"so_far": _so_far(result, unit, locale), "p": p_text}
        if result.progress_pct is not None:
            text += _(" — but not at the target yet (%(progress)s of the way)") % {
                "progress": formatting.percent_text(result.progress_pct, locale=locale, decimals=0)
            }
        return text + "."
    if status == ResultStatus.AT_RISK:
        values = {"so_far": _so_far(result, unit, locale), "p": p_text}
        if result.improvement is not None and result.improvement > 0:
            text = _(
                "At risk: the change is not yet distinguishable from noise — "
                "%(so_far)s so far, but %(p)s"
            )
        else:
            text = _(
                "At risk: no improvement that stands out from the noise — %(so_far)s so far, %(p)s"
            )
        return text % values + _interim(result, target) + "."
    if status == ResultStatus.REGRESSED:
        return _(
            "Regressed: the metric is significantly worse than the baseline — %(so_far)s, %(p)s."
        ) % {"so_far": _so_far(result, unit, locale), "p": p_text}
    if status == ResultStatus.INSUFFICIENT_DATA:
        return _insufficient(result, target)
    if status == ResultStatus.NO_DATA:
        return _(
            "No data: nothing has been measured since the change went live, so there is "
            "nothing to compare with the baseline yet."
        )
    if status == ResultStatus.ERROR:
        return _("Could not be computed: %(why)s") % {"why": result.error or _("see the admin.")}
    return str(status)


def _insufficient(result, target) -> str:
    if result.n_after < 2:
        return ngettext(
            "Not enough data yet: %(n)s point after the change; a test needs at least 2.",
            "Not enough data yet: %(n)s points after the change; a test needs at least 2.",
            result.n_after,
        ) % {"n": result.n_after}
    if target.baseline_start and result.n_before < 2:
        return ngettext(
            "Not enough data yet: the baseline window holds %(n)s point; "
            "a test against it needs at least 2.",
            "Not enough data yet: the baseline window holds %(n)s points; "
            "a test against it needs at least 2.",
            result.n_before,
        ) % {"n": result.n_before}
    return ngettext(
        "Not enough data yet: no test could run on the %(n)s point after the change.",
        "Not enough data yet: no test could run on the %(n)s points after the change — "
        "they do not vary, or each follows the one before so closely (autocorrelation) "
        "that they count as fewer than 2 independent points, or there is no baseline.",
        result.n_after,
    ) % {"n": result.n_after}


# --- the improvement, its interval and the test ------------------------------------------------


def _improvement(result, unit: str, locale: str) -> str:
    if result.improvement == 0:
        return _("the same as the baseline")
    amount = formatting.number_text(abs(result.improvement), locale=locale)
    values = {"amount": f"{amount} {unit}".strip()}
    better = result.improvement > 0
    if result.improvement_pct is None:
        text = (
            _("%(amount)s better than the baseline")
            if better
            else _("%(amount)s worse than the baseline")
        )
        return text % values
    values["pct"] = formatting.percent_text(abs(result.improvement_pct), locale=locale)
    text = (
        _("%(amount)s (%(pct)s) better than the baseline")
        if better
        else _("%(amount)s (%(pct)s) worse than the baseline")
    )
    return text % values


def _interval(result, unit: str, lower_is_better: bool, locale: str) -> str:
    low, high = result.improvement_low, result.improvement_high
    values = {
        "low": formatting.number_text(low, locale=locale, sign=True),
        "high": formatting.number_text(high, locale=locale, sign=True),
        "unit": unit,
    }
    if low > 0:
        meaning = _("all of it an improvement")
    elif high < 0:
        meaning = _("all of it a deterioration")
    else:
        meaning = _("it includes no change at all")
    if lower_is_better:
        text = _("%(low)s to %(high)s %(unit)s (positive is better, here a fall): %(meaning)s")
    else:
        text = _("%(low)s to %(high)s %(unit)s (positive is better): %(meaning)s")
    return text % {**values, "meaning": meaning}


def _chance(p: float, locale: str) -> str:
    chance = formatting.chance_in(p)
    if chance is None:
        return _(
            "If the change had made no difference, a difference this large would arise by "
            "chance less than 1 time in %(out_of)s."
        ) % {"out_of": formatting.number_text(1000, locale=locale)}
    times, out_of = chance
    if times >= out_of:
        return _(
            "If the change had made no difference, a difference this large would arise by "
            "chance almost every time: the data show no effect."
        )
    return ngettext(
        "If the change had made no difference, a difference at least this large would "
        "arise by chance about %(times)s time in %(out_of)s.",
        "If the change had made no difference, a difference at least this large would "
        "arise by chance about %(times)s times in %(out_of)s.",
        times,
    ) % {"times": times, "out_of": formatting.number_text(out_of, locale=locale)}


# --- money -------------------------------------------------------------------------------------


# The benefit types inside a sentence: lower case in English, a noun's capital in German.
BENEFIT_KINDS = {
    "hard": pgettext_lazy("benefit type in a sentence", "hard savings"),
    "soft": pgettext_lazy("benefit type in a sentence", "soft savings"),
    "avoidance": pgettext_lazy("benefit type in a sentence", "cost avoidance"),
}


def _benefit(words: ResultWords, result, target, locale: str) -> None:
    currency = settings.CURRENCY
    words.benefit = formatting.money_text(
        result.realized_annual_benefit, currency=currency, locale=locale
    )
    words.benefit_kind = str(BENEFIT_KINDS.get(target.benefit_type, "")) or (
        target.get_benefit_type_display().lower()
    )
    if result.benefit_low is not None and result.benefit_high is not None:
        low, high = formatting.money_range(
            result.benefit_low, result.benefit_high, currency=currency, locale=locale
        )
        words.benefit_interval = _("%(low)s to %(high)s a year") % {"low": low, "high": high}
    if result.significant:
        words.benefit_booking = _("proven: the change is significant")
    elif result.significant is False:
        words.benefit_booking = _("unproven until the change is significant")


# --- the control chart -------------------------------------------------------------------------


def _signals(words: ResultWords, control: dict | None) -> None:
    """The post-change phase's signals: the baseline phase's are the old process."""
    if not control:
        return
    signals = control.get("signals") or []
    words.signal_count = len(signals)
    words.signals = [
        Signal(day=_day(s.get("observed_at")), rule=s.get("rule"), words=rule_words(s.get("rule")))
        for s in signals[-SIGNALS_LISTED:]
    ]


def _day(observed_at: str | None) -> dt.date | None:
    if not observed_at:
        return None
    try:
        moment = dt.datetime.fromisoformat(observed_at)
    except ValueError:
        return None
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
