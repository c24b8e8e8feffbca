"""Recording the root-cause analysis: 5-why chains and the fishbone's causes. The web
forms, the API and the demo data call these functions, and only these write the rows.

Each function checks the actor's right first (PermissionDenied), then the values
(ValidationError, field → messages) and writes nothing unless everything holds. Every
write records who made it, and why when it is a correction after the gate
(problem_solving.rules).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from config.text import clean_reason
from improvement import roles
from improvement.models import Initiative
from problem_solving import rules
from problem_solving.models import MAX_WHYS, STATEMENT_TEXT, Cause, FiveWhy, WhyStep

CAUSE_FIELDS = ("category", "text", "verified", "evidence")


@dataclass(frozen=True)
class Why:
    """One why of a chain as the callers give it, in order."""

    answer: str
    is_root_cause: bool = False
    verified: bool = False


def check_edit(*, actor, initiative: Initiative, reason: str = "") -> str:
    """Refuse an actor who may not change this analysis (PermissionDenied), or a
    correction after the gate without a reason (ValidationError on "reason"); return the
    reason as kept in the history."""
    if not rules.can_edit(actor, initiative):
        if rules.is_gated(initiative) and not roles.is_closed(initiative):
            raise PermissionDenied(
                _("The root-cause gate has passed: only a reviewer can correct the analysis.")
            )
        raise PermissionDenied(_("You may not change this initiative's root-cause analysis."))
    reason = clean_reason(reason)
    if rules.is_gated(initiative) and not reason:
        raise ValidationError(
            {"reason": _("The root-cause gate has checked this analysis: give the reason.")}
        )
    return reason


# --- 5-why chains ---------------------------------------------------------------------------


def create_five_why(
    *, initiative: Initiative, actor, problem: str, steps: Iterable[Why] = (), reason: str = ""
) -> FiveWhy:
    """A new chain on `initiative`: its problem and, optionally, its first whys."""
    reason = check_edit(actor=actor, initiative=initiative, reason=reason)
    chain = FiveWhy(initiative=initiative, problem=_text(problem), created_by=actor)
    whys = _checked_whys(steps)
    _full_clean(chain, exclude=["initiative", "created_by"])
    with transaction.atomic():
        _save(chain, actor, reason)
        _write_steps(chain, [], whys, actor=actor, reason=reason)
    return chain


def update_five_why(
    *,
    chain: FiveWhy,
    actor,
    problem: str | None = None,
    steps: Iterable[Why] | None = None,
    reason: str = "",
) -> FiveWhy:
    """Change a chain's problem and/or its whys. `steps`, when given, is the whole chain
    in order: the whys beyond it are deleted (so a why is removed by leaving it out)."""
    reason = check_edit(actor=actor, initiative=chain.initiative, reason=reason)
    whys = None if steps is None else _checked_whys(steps)
    with transaction.atomic():
        # Two people editing one chain take turns: each rewrites the steps it read.
        locked = FiveWhy.objects.select_for_update().get(pk=chain.pk)
        if problem is not None and _text(problem) != locked.problem:
            locked.problem = _text(problem)
            _full_clean(locked, exclude=["initiative", "created_by"])
            _save(locked, actor, reason)
        if whys is not None:
            existing = list(locked.steps.select_for_update().order_by("position"))
            _write_steps(locked, existing, whys, actor=actor, reason=reason)
    chain.refresh_from_db()
    return chain


def delete_five_why(*, chain: FiveWhy, actor, reason: str = "") -> None:
    reason = check_edit(actor=actor, initiative=chain.initiative, reason=reason)
    with transaction.atomic():
        for step in chain.steps.all():
            _delete(step, actor, reason)
        _delete(chain, actor, reason)


def _checked_whys(steps: Iterable[Why]) -> list[Why]:
    """The whys as stored (answers stripped), or ValidationError on "steps"."""
    whys = [Why(_text(w.answer), bool(w.is_root_cause), bool(w.verified)) for w in steps]
    errors = []
    if len(whys) > MAX_WHYS:
        errors.append(f"A chain holds at most {MAX_WHYS} whys ({len(whys)} given).")
    for number, why in enumerate(whys, start=1):
        if not isinstance(why.answer, str) or not why.answer:
            errors.append(f"Why {number}: write the answer.")
        elif "\x00" in why.answer:
            errors.append(f"Why {number}: the answer holds a NUL character.")
        elif len(why.answer) > STATEMENT_TEXT:
            errors.append(f"Why {number}: keep the answer to {STATEMENT_TEXT} characters.")
        if why.verified and not why.is_root_cause:
            errors.append(f"Why {number}: only the root cause is verified.")
    if sum(why.is_root_cause for why in whys) > 1:
        errors.append(_("Mark one why as the root cause, not several."))
    if errors:
        raise ValidationError({"steps": errors})
    return whys


def _write_steps(chain: FiveWhy, existing: list[WhyStep], whys: list[Why], *, actor, reason):
    """Make the chain's rows match `whys`, position by position: a row keeps its id
    while its position exists, so its history reads as a change rather than a new row.
    A row losing the root-cause mark is saved first, so one chain never holds two."""
    changed = []
    for position, why in enumerate(whys, start=1):
        if position <= len(existing):
            step = existing[position - 1]
            if (step.answer, step.is_root_cause, step.verified) == (
                why.answer,
                why.is_root_cause,
                why.verified,
            ):
                continue
        else:
            step = WhyStep(chain=chain, position=position)
        step.answer, step.is_root_cause, step.verified = why.answer, why.is_root_cause, why.verified
        changed.append(step)
    for step in existing[len(whys) :]:
        _delete(step, actor, reason)
    for step in sorted(changed, key=lambda s: s.is_root_cause):
        _save(step, actor, reason)


# --- the fishbone ---------------------------------------------------------------------------


def add_cause(
    *,
    initiative: Initiative,
    actor,
    category: str,
    text: str,
    verified: bool = False,
    evidence: str = "",
    reason: str = "",
) -> Cause:
    reason = check_edit(actor=actor, initiative=initiative, reason=reason)
    cause = Cause(
        initiative=initiative,
        category=category,
        text=_text(text),
        verified=bool(verified),
        evidence=_text(evidence),
        created_by=actor,
    )
    _full_clean(cause, exclude=["initiative", "created_by"])
    _save(cause, actor, reason)
    return cause


def update_cause(*, cause: Cause, actor, changes: Mapping, reason: str = "") -> Cause:
    """Apply `changes` (a subset of CAUSE_FIELDS) if they are all valid; else nothing."""
    reason = check_edit(actor=actor, initiative=cause.initiative, reason=reason)
    unknown = set(changes) - set(CAUSE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of a cause."))
    changed = False
    for field, value in changes.items():
        value = _text(value) if field in ("text", "evidence") else value
        if field == "verified":
            value = bool(value)
        if getattr(cause, field) != value:
            setattr(cause, field, value)
            changed = True
    if changed:
        try:
            _full_clean(cause, exclude=["initiative", "created_by"])
        except ValidationError:
            cause.refresh_from_db()
            raise
        _save(cause, actor, reason)
    return cause


def delete_cause(*, cause: Cause, actor, reason: str = "") -> None:
    reason = check_edit(actor=actor, initiative=cause.initiative, reason=reason)
    _delete(cause, actor, reason)


# --- helpers --------------------------------------------------------------------------------


def _text(value) -> str:
    """Text as stored: stripped; anything not text is refused by the field's checks."""
    return value.strip() if isinstance(value, str) else value


def _full_clean(instance, *, exclude: list[str]) -> None:
    """The fields' own checks (length, choices, not blank) — which cover the model's
    check constraints — without the unique constraints' queries, and no NUL character
    (PostgreSQL's text cannot store one)."""
    errors = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, str) and "\x00" in value:
            errors[field.name] = [_("The text holds a NUL character.")]
    if errors:
        raise ValidationError(errors)
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _save(instance, actor, reason: str) -> None:
    instance._history_user = actor
    instance._change_reason = reason
    instance.save()


def _delete(instance, actor, reason: str) -> None:
    instance._history_user = actor
    instance._change_reason = reason
    instance.delete()
