"""Recording numbers: targets and measurements. The web views, the API and the admin
import call these same functions."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects

from config.celery import enqueue_on_commit
from improvement import roles
from improvement.models import Initiative
from metrics.models import ChartKind, Measurement, MeasurementSource, Target


def create_target(*, initiative: Initiative, actor, **fields) -> Target:
    if not roles.can_record(actor, initiative):
        raise PermissionDenied("Only the owner and the team can add targets.")
    target = Target(initiative=initiative, **fields)
    target.full_clean()
    _save_target(target)
    return target


def update_target(*, target: Target, actor, changes: dict) -> Target:
    """Apply `changes`; a frozen baseline refuses any change to its fields (the model's
    save() raises ValidationError naming them, before anything is written)."""
    if not roles.can_record(actor, target.initiative):
        raise PermissionDenied("Only the owner and the team can change targets.")
    for field, value in changes.items():
        setattr(target, field, value)
    target.check_frozen()  # before full_clean, so the refusal names the field
    target.full_clean()
    _save_target(target, update_fields=list(changes))
    return target


def _save_target(target: Target, **options) -> None:
    """Save, refusing a lost race as full_clean() refuses a plain duplicate.

    Two people adding a primary target to one initiative (or two targets on one metric)
    at the same moment both pass full_clean(); the second INSERT then waits for the
    first to commit and violates the unique constraint. Inside a savepoint, so the
    caller's transaction stays usable, and checked again: the rival row is visible now,
    so validate_constraints() names the rule with its usual message."""
    try:
        with transaction.atomic():
            target.save(**options)
    except IntegrityError:
        target.validate_constraints()
        raise ValidationError(
            "Another change to this initiative's targets was saved at the same moment: "
            "reload and try again."
        ) from None


# Far beyond any KPI, and far below where the statistics overflow a double: one value of
# 1e300 would make the results query fail for every target at once (PostgreSQL's AVG and
# VAR_SAMP raise on overflow, as does SQLite's variance), nightly run included.
MAX_VALUE = 1e15
# The sample_size column's range (a PositiveIntegerField: 32 bits on every database);
# a larger number would fail the INSERT itself.
MAX_SAMPLE_SIZE = 2_147_483_647


# The most measurements one batch may carry, however it arrives (API, paste, import).
MAX_BATCH = 5000


NOT_RECORDER = "Only the initiative's owner and team can record measurements."


class MeasurementErrors(Exception):
    """Some items of a batch are bad; `errors` maps each bad item's index to its field
    errors — the shape DRF gives a list's validation errors."""

    def __init__(self, errors: dict[int, dict]):
        self.errors = errors
        super().__init__(errors)


class RecordingRefused(PermissionDenied):
    """The actor may not record on some of the targets: `target_ids` names them, and for
    a batch `errors` maps each refused item's index to its errors (the shape of
    MeasurementErrors)."""

    def __init__(self, target_ids: list[int], errors: dict[int, dict] | None = None):
        self.target_ids, self.errors = target_ids, errors or {}
        named = ", ".join(f"#{pk}" for pk in target_ids[:10])
        more = f" and {len(target_ids) - 10} more" if len(target_ids) > 10 else ""
        target = "target" if len(target_ids) == 1 else "targets"
        super().__init__(f"{NOT_RECORDER} You may not record on {target} {named}{more}.")


def targets_for_recording(*, actor, ids: Iterable[int]) -> dict[int, Target]:
    """The targets with these ids, by id, each with its initiative, team and metric read:
    two queries however many there are. Raises RecordingRefused naming those the actor
    may not record on. Unknown ids are left out, for the caller to name.

    The API calls this before it checks a batch item by item, so a batch the caller may
    not record is refused at the cost of these two queries, whatever its size."""
    ids = set(ids)
    if not ids:
        return {}
    targets = {
        target.pk: target
        for target in Target.objects.select_related("initiative", "metric")
        .prefetch_related("initiative__team")
        .filter(pk__in=ids)
    }
    refused = _refused(actor, targets.values())
    if refused:
        raise RecordingRefused(refused)
    return targets


def _refused(actor, targets: Iterable[Target]) -> list[int]:
    """Ids of the targets the actor may not record on (improvement.roles.can_record),
    in a fixed number of queries: what is not loaded yet of the targets' initiatives,
    their teams and metrics is read once for all of them."""
    distinct = list({id(target): target for target in targets}.values())
    prefetch_related_objects(distinct, "metric", "initiative__team")
    allowed: dict[int, bool] = {}
    for target in distinct:
        if target.initiative_id not in allowed:
            allowed[target.initiative_id] = roles.can_record(actor, target.initiative)
    return sorted({target.pk for target in distinct if not allowed[target.initiative_id]})


def record_measurements(*, actor, items: list[dict], source: str = MeasurementSource.WEB):
    """Save a batch of measurements, all or nothing.

    `items` are dicts with `target` (a Target), `observed_at`, `value` and optionally
    `sample_size`, already type-checked. Refuses the whole batch, cheapest check first
    and each before any work on the next: a batch of no item or more than MAX_BATCH
    (ValidationError); targets the actor may not record on (RecordingRefused, naming each
    such item); then, naming each bad item (MeasurementErrors), a number out of range or
    a (target, observed_at) pair taken, in the batch or in the database. A fixed number
    of queries whatever the batch's size (bar the INSERT's batches on SQLite). Stores
    times in UTC. Queues the results job for each initiative touched."""
    if not 1 <= len(items) <= MAX_BATCH:
        raise ValidationError(f"Send between 1 and {MAX_BATCH} measurements at a time.")
    refused = set(_refused(actor, (item["target"] for item in items)))
    if refused:
        raise RecordingRefused(
            sorted(refused),
            {
                i: {"target": [NOT_RECORDER]}
                for i, item in enumerate(items)
                if item["target"].pk in refused
            },
        )
    errors: list[dict] = [{} for _ in items]
    instants = [_instant(item["observed_at"]) for item in items]
    first_seen: dict[tuple[int, object], int] = {}
    for i, item in enumerate(items):
        target = item["target"]
        if abs(item["value"]) > MAX_VALUE:
            errors[i]["value"] = [f"Give a value from -{MAX_VALUE:,.0f} to {MAX_VALUE:,.0f}."]
        elif target.metric.chart_kind == ChartKind.PROPORTION and not 0 <= item["value"] <= 1:
            errors[i]["value"] = ["This metric is a proportion: give a value from 0 to 1."]
        if (item.get("sample_size") or 0) > MAX_SAMPLE_SIZE:
            errors[i]["sample_size"] = [f"Give a sample size of at most {MAX_SAMPLE_SIZE:,}."]
        if instants[i] is None:
            errors[i]["observed_at"] = ["This time is out of range."]
            continue
        key = (target.pk, instants[i])
        if key in first_seen:
            errors[i]["observed_at"] = [
                f"Same target and time as item {first_seen[key] + 1} of this list."
            ]
        first_seen.setdefault(key, i)

    taken = set(
        Measurement.objects.filter(
            target_id__in={t for t, _ in first_seen},
            observed_at__in={at for _, at in first_seen},
        ).values_list("target_id", "observed_at")
    )
    for i, item in enumerate(items):
        if (item["target"].pk, instants[i]) in taken:
            errors[i]["observed_at"] = ["This target already has a measurement at this time."]
    if any(errors):
        raise MeasurementErrors({i: e for i, e in enumerate(errors) if e})

    rows = [
        Measurement(
            target=item["target"],
            observed_at=observed_at,
            value=item["value"],
            sample_size=item.get("sample_size"),
            source=source,
            recorded_by=actor,
        )
        for item, observed_at in zip(items, instants, strict=True)
    ]
    try:
        with transaction.atomic():
            Measurement.objects.bulk_create(rows)
    except IntegrityError:
        # Someone recorded the same timestamp between our check and our insert.
        raise MeasurementErrors(
            {0: {"observed_at": ["A measurement at one of these times was just recorded."]}}
        ) from None
    _queue_results({item["target"].initiative_id for item in items})
    return rows


def _instant(when: dt.datetime) -> dt.datetime | None:
    """`when` in UTC: one spelling per instant, and one PostgreSQL takes (it refuses UTC
    offsets beyond ±15:59, which Python, so a form, a paste or an import, accepts). None
    when the instant falls outside the years a datetime can hold."""
    try:
        return when.astimezone(dt.UTC)
    except OverflowError:
        return None


def _queue_results(initiative_ids: set[int]) -> None:
    """Recompute results for the initiatives that got new data, after commit."""
    for initiative_id in sorted(initiative_ids):
        enqueue_on_commit("metrics.tasks.measure_results", initiative_id=initiative_id)
