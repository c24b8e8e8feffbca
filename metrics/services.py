"""Recording numbers: targets and measurements. The web views, the API and the admin
import call these same functions."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from config.text import clean_reason
from improvement import roles, visibility
from improvement.models import BASELINE_FROZEN_STAGES, Initiative
from metrics import facts
from metrics.models import (
    MAX_SAMPLE_SIZE,
    MAX_VALUE,
    BaselineSource,
    Measurement,
    MeasurementSource,
    QuarterClose,
    Target,
    value_problem,
)
from metrics.periods import end_of_today, quarter_of
from metrics.results import stale

__all__ = ["MAX_SAMPLE_SIZE", "MAX_VALUE"]  # where the API and the tests read them

# Plain text, translated where it is used (`_(REASON_NEEDED)`): marked for the catalogue.
REASON_NEEDED = gettext_noop("Give the reason for this correction: it is kept in the history.")


def create_target(*, initiative: Initiative, actor, reason: str = "", **fields) -> Target:
    """A new target. Added once the initiative's baselines are frozen (PDCA Do, DMAIC
    Analyze, or later), it is frozen as it is created, so it needs a baseline then. A
    `reason` (the API's target fields carry one, for corrections) goes into its history."""
    if not _open_to(actor, initiative):
        raise PermissionDenied(_("Only the owner and the team can add targets while it runs."))
    target = Target(initiative=initiative, **fields)
    target.full_clean()
    freeze_now = initiative.working_stage in BASELINE_FROZEN_STAGES
    if freeze_now and target.baseline_value is None:
        raise ValidationError(
            {
                "baseline_value": _(
                    "This initiative's baselines are already frozen: give the "
                    "baseline value this target is measured against."
                )
            }
        )
    with transaction.atomic():
        target._history_user = actor
        if reason.strip():
            target._change_reason = reason.strip()
        _save_target(target)
        if freeze_now:
            facts.freeze_baselines(initiative_id=initiative.pk, actor=actor, target_ids=[target.pk])
            target.refresh_from_db()
    return target


def check_target_update(*, target: Target, actor, changes: dict, reason: str = "") -> list[str]:
    """Apply `changes` to `target` (not saved) and refuse what the rules refuse; returns
    the frozen evidence fields the changes correct. Before the freeze the owner and the
    team edit freely; after it a change to the evidence (Target.EVIDENCE_FIELDS) is a
    reviewer's correction, with a reason."""
    reason = clean_reason(reason)
    correcting = target.is_frozen and roles.reviews(actor, target.initiative)
    if not correcting and not _open_to(actor, target.initiative):
        raise PermissionDenied(_("Only the owner and the team can change targets while it runs."))
    for field, value in changes.items():
        setattr(target, field, value)
    corrected = target.changed_frozen_fields()
    if corrected and roles.reviews(actor, target.initiative):
        if not reason.strip():
            raise ValidationError({"reason": _(REASON_NEEDED)})
        target.correction_reason = reason.strip()
    target.check_frozen()  # before full_clean, so the refusal names the field
    target.full_clean()
    return corrected


def update_target(*, target: Target, actor, changes: dict, reason: str = "") -> Target:
    """Apply `changes` if `check_target_update` allows them; a baseline window moved by a
    correction freezes the baseline again from its data. Nothing is written when
    anything is refused; the history records who, what and why."""
    reason = clean_reason(reason)
    corrected = check_target_update(target=target, actor=actor, changes=changes, reason=reason)
    with transaction.atomic():
        target._history_user = actor
        target._change_reason = reason.strip()
        _save_target(target, update_fields=list(changes) or None)
        window = {"baseline_start", "baseline_end"} & set(corrected)
        if window and target.baseline_source == BaselineSource.WINDOW:
            _refreeze(target, actor=actor, reason=reason)
        stale.inputs_changed(target_ids=[target.pk])
    return target


def delete_target(*, target: Target, actor, reason: str = "") -> None:
    """Delete a target: the owner and the team before its baseline freezes, a reviewer
    with a reason after. Its measurements go with it (and stay in the history); a target
    with a ledger row in a closed quarter cannot be deleted (QuarterClosed)."""
    reason = clean_reason(reason)
    if target.is_frozen:
        _check_correction(actor, reason, target.initiative)
    elif not _open_to(actor, target.initiative):
        raise PermissionDenied(_("Only the owner and the team can delete targets while it runs."))
    with transaction.atomic():
        target._history_user = actor
        target._change_reason = reason.strip() or "Deleted."
        target.delete()
        # Its results go with it; the initiative's ledger rows follow.
        stale.inputs_changed(initiative_ids=[target.initiative_id], mark=False)


def _open_to(actor, initiative: Initiative) -> bool:
    """The owner and the team shape targets while the initiative runs; once it is
    completed, cancelled or rejected, its targets change only as a reviewer's correction."""
    return roles.can_record(actor, initiative) and not roles.is_closed(initiative)


def _check_correction(actor, reason: str, initiative: Initiative) -> None:
    if not roles.reviews(actor, initiative):
        raise PermissionDenied(
            _("The baseline is frozen: only a reviewer can correct it, with a reason.")
        )
    if not reason.strip():
        raise ValidationError({"reason": _(REASON_NEEDED)})


def _refreeze(target: Target, *, actor, reason: str) -> None:
    """The window-based baseline again from the window's data, after a reviewer's
    correction moved the window or the data in it."""
    Target.objects.filter(pk=target.pk).update(frozen_at=None, baseline_value=None)
    try:
        with transaction.atomic():
            facts.freeze_baselines(
                initiative_id=target.initiative_id,
                actor=actor,
                target_ids=[target.pk],
                reason=f"Baseline frozen again from its window's data: {reason.strip()}",
            )
    except IntegrityError:
        raise ValidationError(
            {"baseline_start": _("No measurements fall in this window: a baseline needs data.")}
        ) from None
    target.refresh_from_db()


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
            _(
                "Another change to this initiative's targets was saved at the "
                "same moment: reload and try again."
            )
        ) from None


# The most measurements one batch may carry, however it arrives (API, paste, import).
MAX_BATCH = 5000


NOT_RECORDER = gettext_noop("Only the initiative's owner and team can record measurements.")


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
        if len(target_ids) > 10:
            named = _("%(named)s and %(more)d more") % {
                "named": named,
                "more": len(target_ids) - 10,
            }
        refused = ngettext(
            "You may not record on target %(named)s.",
            "You may not record on targets %(named)s.",
            len(target_ids),
        ) % {"named": named}
        super().__init__(f"{_(NOT_RECORDER)} {refused}")


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
        # A target the actor may not see is as unknown as one that does not exist.
        for target in visibility.visible(Target.objects.all(), actor)
        .select_related("initiative", "metric")
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
        raise ValidationError(
            _("Send between 1 and %(MAX_BATCH)s measurements at a time.") % {"MAX_BATCH": MAX_BATCH}
        )
    refused = set(_refused(actor, (item["target"] for item in items)))
    if refused:
        raise RecordingRefused(
            sorted(refused),
            {
                i: {"target": [_(NOT_RECORDER)]}
                for i, item in enumerate(items)
                if item["target"].pk in refused
            },
        )
    errors: list[dict] = [{} for _ in items]
    instants = [_instant(item["observed_at"]) for item in items]
    first_seen: dict[tuple[int, object], int] = {}
    latest = end_of_today()
    for i, item in enumerate(items):
        target = item["target"]
        problem = value_problem(target.metric, item["value"])
        if problem:
            errors[i]["value"] = [problem]
        if (item.get("sample_size") or 0) > MAX_SAMPLE_SIZE:
            errors[i]["sample_size"] = [f"Give a sample size of at most {MAX_SAMPLE_SIZE:,}."]
        if instants[i] is None:
            errors[i]["observed_at"] = [_("This time is out of range.")]
            continue
        when = _when_problem(target, instants[i], actor=actor, latest=latest)
        if when:
            errors[i]["observed_at"] = [when]
        key = (target.pk, instants[i])
        if key in first_seen:
            errors[i]["observed_at"] = [
                _("Same target and time as item %(value)s of this list.")
                % {"value": first_seen[key] + 1}
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
            errors[i]["observed_at"] = [_("This target already has a measurement at this time.")]
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
            stale.inputs_changed(target_ids={item["target"].pk for item in items})
    except IntegrityError:
        # Someone recorded the same timestamp between our check and our insert.
        raise MeasurementErrors(
            {0: {"observed_at": ["A measurement at one of these times was just recorded."]}}
        ) from None
    return rows


def _when_problem(target: Target, instant: dt.datetime, *, actor, latest=None) -> str:
    """Why `instant` cannot carry a measurement of `target` for this actor, or "": a time
    after `latest` (the end of today in TIME_ZONE), or inside the frozen evidence — the
    baseline window of a frozen target, or before the change date once frozen — which
    only a reviewer's correction reaches."""
    day = _local_day(instant)
    if latest is not None and instant > latest:
        return f"{day:%Y-%m-%d} is in the future: record what has been observed."
    if not _in_frozen_evidence(target, day) or roles.reviews(actor, target.initiative):
        return ""
    if target.baseline_start is not None:
        return (
            f"{day:%Y-%m-%d} is in the frozen baseline window "
            f"({target.baseline_start:%Y-%m-%d} to {target.baseline_end:%Y-%m-%d}): "
            "only a reviewer can correct the baseline."
        )
    return (
        f"{day:%Y-%m-%d} is before the change went live "
        f"({target.initiative.implemented_on:%Y-%m-%d}) and the baseline is frozen: only a "
        "reviewer can correct the baseline."
    )


def _in_frozen_evidence(target: Target, day: dt.date) -> bool:
    if not target.is_frozen:
        return False
    if target.baseline_start is not None:
        return target.baseline_start <= day <= target.baseline_end
    changed_on = target.initiative.implemented_on
    return changed_on is not None and day < changed_on


def _local_day(instant: dt.datetime) -> dt.date:
    return timezone.localtime(instant, timezone.get_default_timezone()).date()


def correct_measurement(
    *, measurement: Measurement, actor, changes: dict, reason: str
) -> Measurement:
    """Correct a measurement's time, value or sample size, with a reason kept in its
    history. The same rules as recording it, for the old and the new time alike; a
    measurement of a closed quarter cannot be corrected."""
    reason = clean_reason(reason)
    target = measurement.target
    _check_changeable(measurement, actor=actor, reason=reason)
    _keep_first_version(measurement)
    old_day = _local_day(measurement.observed_at)
    for field, value in changes.items():
        setattr(measurement, field, value)
    errors = {}
    problem = value_problem(target.metric, measurement.value)
    if problem:
        errors["value"] = [problem]
    if (measurement.sample_size or 0) > MAX_SAMPLE_SIZE:
        errors["sample_size"] = [f"Give a sample size of at most {MAX_SAMPLE_SIZE:,}."]
    instant = _instant(measurement.observed_at)
    if instant is None:
        errors["observed_at"] = [_("This time is out of range.")]
    else:
        measurement.observed_at = instant
        when = _when_problem(target, instant, actor=actor, latest=end_of_today())
        when = when or _closed_quarter(instant)
        if when:
            errors["observed_at"] = [when]
    if errors:
        raise ValidationError(errors)
    measurement.full_clean(exclude=["target", "recorded_by"])
    measurement._history_user = actor
    measurement._change_reason = reason.strip()
    try:
        with transaction.atomic():
            measurement.save()
            _after_correction(
                target, actor=actor, days=[old_day, _local_day(instant)], reason=reason
            )
    except IntegrityError:
        raise ValidationError(
            {"observed_at": [_("This target already has a measurement at this time.")]}
        ) from None
    return measurement


def delete_measurement(*, measurement: Measurement, actor, reason: str) -> None:
    """Delete a measurement, with a reason: it leaves the statistics and stays in the
    history. The same rules as correcting it."""
    reason = clean_reason(reason)
    _check_changeable(measurement, actor=actor, reason=reason)
    _keep_first_version(measurement)
    measurement._history_user = actor
    measurement._change_reason = reason.strip()
    day = _local_day(measurement.observed_at)
    with transaction.atomic():
        measurement.delete()
        _after_correction(measurement.target, actor=actor, days=[day], reason=reason)


def _keep_first_version(measurement: Measurement) -> None:
    """The measurement as recorded, as its first version in the history, when it has
    none yet: written only when a measurement is first corrected or deleted, so that a
    batch of thousands costs no history rows (bench/README.md, batch benchmark) and a
    correction still shows what it was before — also for rows recorded before the audit
    trail began. Dated and attributed as recorded."""
    if not Measurement.audit.filter(id=measurement.pk).exists():
        Measurement.audit.bulk_history_create(
            [measurement],
            default_user=measurement.recorded_by,
            default_date=measurement.created_at,
            default_change_reason="Recorded.",
        )


def _check_changeable(measurement: Measurement, *, actor, reason: str) -> None:
    """Refuse a correction or deletion: the role, the reason, the frozen evidence and a
    closed quarter, checked on the measurement as it stands."""
    target = measurement.target
    if not roles.can_record(actor, target.initiative) and not roles.reviews(
        actor, target.initiative
    ):
        raise PermissionDenied(_("Only the owner and the team can correct measurements."))
    if not reason.strip():
        raise ValidationError({"reason": _(REASON_NEEDED)})
    when = _when_problem(target, measurement.observed_at, actor=actor)
    when = when or _closed_quarter(measurement.observed_at)
    if when:
        raise ValidationError({"observed_at": [when]})


def _closed_quarter(instant: dt.datetime) -> str:
    year, quarter = quarter_of(_local_day(instant))
    if QuarterClose.objects.filter(year=year, quarter=quarter).exists():
        return (
            f"{year} Q{quarter} is closed: its measurements can no longer be corrected or deleted."
        )
    return ""


def _after_correction(target: Target, *, actor, days: list[dt.date], reason: str) -> None:
    """A correction inside a window-based frozen baseline freezes it again from the
    window's data, so the baseline and its n stay those of the data tested. The results
    are recomputed."""
    window = target.baseline_source == BaselineSource.WINDOW and target.is_frozen
    if window and any(_in_frozen_evidence(target, day) for day in days):
        _refreeze(target, actor=actor, reason=reason)
    stale.inputs_changed(target_ids=[target.pk])


def _instant(when: dt.datetime) -> dt.datetime | None:
    """`when` in UTC: one spelling per instant, and one PostgreSQL takes (it refuses UTC
    offsets beyond ±15:59, which Python, so a form, a paste or an import, accepts). None
    when the instant falls outside the years a datetime can hold."""
    try:
        return when.astimezone(dt.UTC)
    except OverflowError:
        return None
