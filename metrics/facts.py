"""The facts about an initiative's numbers that the workflow asks about: what its gates
check (targets, baselines, post-change measurements and results), and the baseline
freeze that a move performs.

The workflow calls only these functions; it never reads metrics' tables itself.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, F, FloatField, Max, Min, Q, QuerySet, Sum
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from metrics.models import (
    IN_WINDOW,
    BaselineSource,
    ChartKind,
    Measurement,
    ResultSnapshot,
    Target,
)
from metrics.periods import day_start


@dataclass(frozen=True)
class TargetFacts:
    """An initiative's targets, summed up for the gates."""

    count: int
    primaries: int
    without_target_value: list[str]
    without_baseline: list[str]
    # Why a target value is no improvement on the baseline it would freeze with.
    worsening: list[str]


def target_facts(*, initiative_id: int) -> TargetFacts:
    """One query: every target, with the baseline its window would freeze with."""
    targets = list(_with_window_baseline(Target.objects.filter(initiative_id=initiative_id)))
    return TargetFacts(
        count=len(targets),
        primaries=sum(t.is_primary for t in targets),
        without_target_value=[t.metric.name for t in targets if t.target_value is None],
        without_baseline=[t.metric.name for t in targets if _frozen_value(t) is None],
        worsening=[problem for t in targets if (problem := t.worsening_target(_frozen_value(t)))],
    )


def _with_window_baseline(targets: QuerySet) -> QuerySet:
    """Targets with their metric and what their baseline window holds: its count, mean,
    least and greatest value, and for proportions the pooled counts Σ p·n and Σ n."""
    counted = Q(IN_WINDOW, measurements__sample_size__isnull=False)
    return (
        targets.select_related("metric")
        .annotate(
            in_window=Count("measurements", filter=IN_WINDOW),
            window_mean=Avg("measurements__value", filter=IN_WINDOW),
            window_min=Min("measurements__value", filter=IN_WINDOW),
            window_max=Max("measurements__value", filter=IN_WINDOW),
            window_counted=Count("measurements", filter=counted),
            window_events=Sum(
                F("measurements__value") * F("measurements__sample_size"),
                filter=counted,
                output_field=FloatField(),
            ),
            window_trials=Sum("measurements__sample_size", filter=counted),
        )
        .order_by("id")
    )


def _window_value(target: Target) -> float | None:
    """The mean of the window's measurements as the results engine takes it: exactly the
    value when all are equal; for a proportion with every sample size known, the pooled
    proportion Σ p·n / Σ n."""
    if not target.in_window:
        return None
    if target.window_min == target.window_max:
        return target.window_min
    if _pooled(target):
        return target.window_events / target.window_trials
    return target.window_mean


def _pooled(target: Target) -> bool:
    """Whether the window's value is a proportion pooled over its sample sizes (Σ p·n / Σ n)
    rather than the plain mean: a proportion metric, every sample size known, and values
    that differ (equal values are taken exactly)."""
    if not target.in_window or target.window_min == target.window_max:
        return False
    counted = target.window_counted == target.in_window and target.window_trials
    return target.metric.chart_kind == ChartKind.PROPORTION and bool(counted)


def _frozen_value(target: Target) -> float | None:
    """The baseline this target has, or would freeze with now."""
    if target.is_frozen or target.baseline_value is not None:
        return target.baseline_value
    return _window_value(target)


def has_measurement_since(*, initiative_id: int, day: dt.date) -> bool:
    """Whether the primary target has a measurement on or after `day`."""
    return Measurement.objects.filter(
        target__initiative_id=initiative_id,
        target__is_primary=True,
        observed_at__gte=day_start(day),
    ).exists()


def has_post_change_result(*, initiative_id: int, since: dt.date) -> bool:
    """Whether a result from post-change data, as of `since` (the change date) or later,
    exists for the primary target — so a new PDCA cycle needs a result of its own."""
    return ResultSnapshot.objects.filter(
        target__initiative_id=initiative_id,
        target__is_primary=True,
        n_after__gt=0,
        as_of__gte=since,
    ).exists()


def freeze_baselines(
    *, initiative_id: int, actor, target_ids=None, reason: str = "Baseline frozen."
) -> int:
    """Freeze every unfrozen baseline of the initiative (or those of `target_ids`);
    returns how many were frozen.

    A hand-entered value is kept as entered; without one, the value becomes the mean of
    the measurements in the baseline window (`_window_value`) and their count is
    recorded. Called inside the move's (or the new target's) transaction, so a refused
    or failed write freezes nothing."""
    unfrozen = Target.objects.filter(initiative_id=initiative_id, frozen_at__isnull=True)
    if target_ids is not None:
        unfrozen = unfrozen.filter(pk__in=target_ids)
    targets = list(_with_window_baseline(unfrozen))
    now = timezone.now()
    for target in targets:
        if target.baseline_value is None:
            target.baseline_value = _window_value(target)
            target.baseline_n = target.in_window
            target.baseline_source = BaselineSource.WINDOW
        else:
            target.baseline_source = BaselineSource.MANUAL
            target.baseline_n = None
        target.frozen_at = now
        target.frozen_by = actor
    bulk_update_with_history(
        targets,
        Target,
        ["baseline_value", "baseline_n", "baseline_source", "frozen_at", "frozen_by"],
        default_user=actor,
        default_change_reason=reason,
    )
    return len(targets)


@dataclass(frozen=True)
class BaselinePreview:
    """The baseline a target would freeze with if its initiative moved now."""

    target_id: int
    metric: str
    value: float | None  # None: nothing to freeze yet (no value typed, no data in the window)
    source: str | None  # BaselineSource.MANUAL or .WINDOW; None without either
    n: int | None  # the window's measurements (None for a typed value)
    start: dt.date | None  # the window, when the value comes from one
    end: dt.date | None
    pooled: bool  # a proportion pooled over its sample sizes, rather than a plain mean


def baseline_preview(*, initiative_id: int) -> list[BaselinePreview]:
    """What `freeze_baselines` would freeze now, target by target, without writing: the
    initiative's unfrozen targets by id, each with the same rule — a typed value as
    typed, else the window's value (`_window_value`) and its count. One query."""
    unfrozen = Target.objects.filter(initiative_id=initiative_id, frozen_at__isnull=True)
    previews = []
    for target in _with_window_baseline(unfrozen):
        typed = target.baseline_value is not None
        windowed = not typed and target.baseline_start is not None
        previews.append(
            BaselinePreview(
                target_id=target.pk,
                metric=target.metric.name,
                value=target.baseline_value if typed else _window_value(target),
                source=(
                    BaselineSource.MANUAL if typed else BaselineSource.WINDOW if windowed else None
                ),
                n=target.in_window if windowed else None,
                start=target.baseline_start if windowed else None,
                end=target.baseline_end if windowed else None,
                pooled=windowed and _pooled(target),
            )
        )
    return previews


def windows_reaching(*, initiative_id: int, day: dt.date) -> list[str]:
    """The metrics of the initiative's targets whose baseline window ends on or after
    `day`: a change date there would put the same points before and after."""
    return list(
        Target.objects.filter(initiative_id=initiative_id, baseline_end__gte=day)
        .order_by("id")
        .values_list("metric__name", flat=True)
    )
