"""The facts about an initiative's numbers that the workflow asks about: what its gates
check (targets, baselines, post-change measurements and results), and the baseline
freeze that a move performs.

The workflow calls only these functions; it never reads metrics' tables itself.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count
from django.utils import timezone

from metrics.models import IN_WINDOW, BaselineSource, Measurement, ResultSnapshot, Target
from metrics.periods import day_start


@dataclass(frozen=True)
class TargetFacts:
    """An initiative's targets, summed up for the gates."""

    count: int
    primaries: int
    without_target_value: list[str]
    without_baseline: list[str]


def target_facts(*, initiative_id: int) -> TargetFacts:
    """One query: every target, with how many measurements fall in its baseline window."""
    targets = list(
        Target.objects.filter(initiative_id=initiative_id)
        .select_related("metric")
        .annotate(in_window=Count("measurements", filter=IN_WINDOW))
        .order_by("id")
    )
    return TargetFacts(
        count=len(targets),
        primaries=sum(t.is_primary for t in targets),
        without_target_value=[t.metric.name for t in targets if t.target_value is None],
        without_baseline=[
            t.metric.name for t in targets if t.baseline_value is None and not t.in_window
        ],
    )


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


def freeze_baselines(*, initiative_id: int, actor) -> int:
    """Freeze every unfrozen baseline of the initiative; returns how many were frozen.

    A hand-entered value is kept as entered; without one, the value becomes the mean of
    the measurements in the baseline window and their count is recorded. Called inside
    the move's transaction, so a refused or failed move freezes nothing."""
    targets = list(
        Target.objects.filter(initiative_id=initiative_id, frozen_at__isnull=True)
        .annotate(
            in_window=Count("measurements", filter=IN_WINDOW),
            window_mean=Avg("measurements__value", filter=IN_WINDOW),
        )
        .order_by("id")
    )
    now = timezone.now()
    for target in targets:
        if target.baseline_value is None:
            target.baseline_value = target.window_mean
            target.baseline_n = target.in_window
            target.baseline_source = BaselineSource.WINDOW
        else:
            target.baseline_source = BaselineSource.MANUAL
            target.baseline_n = None
        target.frozen_at = now
        target.frozen_by = actor
    Target.objects.bulk_update(
        targets, ["baseline_value", "baseline_n", "baseline_source", "frozen_at", "frozen_by"]
    )
    return len(targets)
