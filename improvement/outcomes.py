"""What became of an initiative, in one line: its primary target's newest result, as My
work shows it and the result and completion notifications say it — "Improving: cycle
time −17.8 % (p = 0.011)"."""

from collections.abc import Iterable

from babel.numbers import get_decimal_symbol
from django.db.models import OuterRef, Subquery

from improvement.formatting import active_locale
from improvement.models import DEAD_STAGES
from metrics.models import ResultSnapshot, ResultStatus, Target

# A test ran: the result says whether the change worked. (No data, not enough data and an
# error say only that it cannot be told yet.)
MEASURED = (
    ResultStatus.ACHIEVED,
    ResultStatus.IMPROVING,
    ResultStatus.AT_RISK,
    ResultStatus.REGRESSED,
)

MINUS = "\N{MINUS SIGN}"


def latest_primary_results(*, initiative_ids: Iterable[int]) -> dict[int, ResultSnapshot]:
    """The newest result of each of these initiatives' primary target, with its target and
    metric, by initiative id; an initiative without one is left out. One query however
    many initiatives: an index probe on (target, as_of) per primary target."""
    newest = ResultSnapshot.objects.filter(target=OuterRef("pk")).order_by("-as_of")
    latest_ids = (
        Target.objects.filter(initiative_id__in=list(initiative_ids), is_primary=True)
        .annotate(latest_id=Subquery(newest.values("pk")[:1]))
        .values("latest_id")
    )
    rows = ResultSnapshot.objects.filter(pk__in=latest_ids).select_related("target__metric")
    return {row.target.initiative_id: row for row in rows}


def result_line(result: ResultSnapshot) -> str:
    """One result in words: its status, the metric, how much it moved and the p-value
    once measured ("At risk: cycle time −2.1 % (p = 0.31)"); else why there is no
    figure yet ("Not enough data yet (cycle time)")."""
    metric = result.target.metric
    status = ResultStatus(result.status).label
    name = in_sentence(metric.name)
    if result.status not in MEASURED:
        return f"{status} ({name})"
    moved = change(result)
    line = f"{status}: {name} {moved}" if moved else f"{status}: {name}"
    if result.p_value is not None:
        line += f" ({p_text(result.p_value)})"
    return line


def change(result: ResultSnapshot) -> str:
    """How far the metric itself moved from its baseline: in per cent of the baseline
    ("−17.8 %": a lower cycle time is a minus, however good), or in the metric's unit
    when the baseline is 0 and a percentage means nothing; "" without figures."""
    metric = result.target.metric
    if result.improvement_pct is not None:
        # improvement_pct is positive when better; the metric's own direction of travel
        # is what a person reads in "cycle time −17.8 %".
        pct = -result.improvement_pct if metric.lower_is_better else result.improvement_pct
        return f"{signed(round(pct, 1), '.1f')} %"
    if result.current_mean is not None and result.baseline_mean is not None:
        moved = result.current_mean - result.baseline_mean
        return f"{signed(moved, '.4g')} {metric.unit}".rstrip()
    return ""


def signed(value: float, spec: str) -> str:
    """`value` with its sign, a true minus sign, and the active locale's decimal sign:
    "+3.0", "−17.8", "0.0" ("−17,8" in German)."""
    text = decimal_sign(format(abs(value), spec))
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"{MINUS}{text}"
    return text


def p_text(p: float) -> str:
    """The p-value in words: two significant figures ("p = 0.011"), or "p < 0.001"."""
    return decimal_sign("p < 0.001" if p < 0.001 else f"p = {p:.2g}")


def decimal_sign(text: str) -> str:
    """A number written by Python, with the active locale's decimal sign."""
    return text.replace(".", get_decimal_symbol(active_locale()))


def in_sentence(name: str) -> str:
    """A metric's name inside a sentence: "Cycle time" → "cycle time"; an acronym such
    as "NPS" or "CSAT score" keeps its capitals."""
    first = name.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return name
    return name[:1].lower() + name[1:]


# --- the first measured result -------------------------------------------------------------


def awaiting_first_result(
    *, initiative_id: int | None = None, id_range: tuple[int, int] | None = None
) -> list[int]:
    """The primary targets (of one initiative, an id range, or all) that the results job may measure
    for the first time: of initiatives whose change is in and that are still alive, with
    no measured result yet. Read before the job runs, so that afterwards the ones it
    measured can be told apart from those measured before (`newly_measured`)."""
    targets = Target.objects.filter(
        is_primary=True, initiative__implemented_on__isnull=False
    ).exclude(initiative__stage__in=DEAD_STAGES)
    if initiative_id is not None:
        targets = targets.filter(initiative_id=initiative_id)
    if id_range is not None:
        targets = targets.filter(pk__range=id_range)
    return list(targets.exclude(latest_status__in=MEASURED).values_list("pk", flat=True))


# Targets per query: SQLite caps the parameters of a statement.
BATCH = 500


def newly_measured(*, target_ids: list[int]) -> list[int]:
    """The initiatives of those of these targets (read by `awaiting_first_result`) whose
    newest result is now a measured one."""
    found = []
    for start in range(0, len(target_ids), BATCH):
        found += Target.objects.filter(
            pk__in=target_ids[start : start + BATCH], latest_status__in=MEASURED
        ).values_list("initiative_id", flat=True)
    return found
