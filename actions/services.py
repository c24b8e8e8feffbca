"""Writing action items: the one write path for the web page, the API, the demo and any
job. Each function checks the actor's role (PermissionDenied, HTTP 403) and the rules
(ValidationError, HTTP 400), then writes the row and its event (the timeline) in one
transaction and tells a new assignee once it commits.

The initiative row is locked for each write, as a stage move locks it: an action of the
stage being left cannot be added or reopened between the move's gate and its commit.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from actions import roles
from actions.models import ActionEvent, ActionItem, ActionStatus, EventKind
from improvement import notifications
from improvement.models import (
    CLOSED_STAGES,
    DMAIC_STAGES,
    PDCA_STAGES,
    Initiative,
    Methodology,
    NotificationKind,
    Stage,
)
from improvement.people import display_name

# What update_action changes; the status changes through set_status.
EDITABLE_FIELDS = ("title", "assignee", "due_on", "stage")
LABELS = {"title": "title", "assignee": "assignee", "due_on": "due date", "stage": "stage"}


def stages_for(initiative: Initiative) -> tuple[str, ...]:
    """The stages an action of this initiative may belong to: its methodology's."""
    if initiative.methodology == Methodology.PDCA:
        return PDCA_STAGES
    if initiative.methodology == Methodology.DMAIC:
        return DMAIC_STAGES
    return ()


def create_action(
    *, initiative: Initiative, actor, title: str, assignee, due_on, stage: str = ""
) -> ActionItem:
    """A new open action item on `initiative`, assigned to `assignee` (told of it)."""
    if not roles.can_manage(actor, initiative):
        raise PermissionDenied(_("Only the owner, the team or a reviewer can add action items."))
    with transaction.atomic():
        locked = _lock(initiative)
        action = ActionItem(
            initiative=locked,
            title=(title or "").strip(),
            assignee=assignee,
            due_on=due_on,
            stage=stage or "",
            created_by=actor,
        )
        _check(action, locked)
        action.save()
        ActionEvent.objects.create(
            action=action,
            initiative=locked,
            kind=EventKind.CREATED,
            actor=actor,
            assignee=assignee,
            at=action.created_at,
        )
        _tell_assignee(action, actor)
    return action


def update_action(*, action: ActionItem, actor, changes: dict) -> ActionItem:
    """Change the title, assignee, due date or stage (`changes`: field → value). A new
    assignee is told; a new due date gets its own reminders. Nothing changes when a rule
    refuses any of them."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("This field cannot be changed here.")))
    initiative = action.initiative
    if not roles.can_manage(actor, initiative):
        raise PermissionDenied(_("Only the owner, the team or a reviewer can edit action items."))
    with transaction.atomic():
        locked_initiative = _lock(initiative)
        locked = ActionItem.objects.select_for_update().get(pk=action.pk)
        locked.initiative = locked_initiative
        if "title" in changes:
            changes = {**changes, "title": (changes["title"] or "").strip()}
        if "stage" in changes:
            changes = {**changes, "stage": changes["stage"] or ""}
        before = {name: getattr(locked, _attname(name)) for name in changes}
        changed = [name for name, value in changes.items() if before[name] != _pk(value, name)]
        if not changed:
            return action
        for name in changed:
            setattr(locked, name, changes[name])
        saved = list(changed)
        if "due_on" in changed:
            # The reminders already sent were for the old date.
            locked.reminded_before_on = locked.reminded_due_on = None
            saved += ["reminded_before_on", "reminded_due_on"]
        _check(locked, locked_initiative)
        locked.save(update_fields=saved)
        described = [
            _difference(name, before[name], getattr(locked, _attname(name)))
            for name in changed
            if name != "assignee"
        ]
        now = timezone.now()
        if described:
            ActionEvent.objects.create(
                action=locked,
                initiative=locked_initiative,
                kind=EventKind.CHANGED,
                actor=actor,
                at=now,
                detail="; ".join(described),
            )
        if "assignee" in changed:
            ActionEvent.objects.create(
                action=locked,
                initiative=locked_initiative,
                kind=EventKind.ASSIGNED,
                actor=actor,
                assignee=locked.assignee,
                at=now,
            )
            _tell_assignee(locked, actor)
    _refresh(action, locked)
    return action


def set_status(*, action: ActionItem, actor, status: str) -> ActionItem:
    """Mark the action done or cancelled, or open again; the same status changes nothing.
    Its assignee may, as may whoever may edit it."""
    if status not in ActionStatus.values:
        allowed = ", ".join(ActionStatus.values)
        raise ValidationError(
            {
                "status": _("“%(status)s” is not a status; use one of %(allowed)s.")
                % {"status": status, "allowed": allowed}
            }
        )
    initiative = action.initiative
    if not roles.can_tick(actor, action, initiative):
        raise PermissionDenied(
            _("Only the assignee, the owner, the team or a reviewer can tick off this action.")
        )
    with transaction.atomic():
        locked_initiative = _lock(initiative)
        _check_open_initiative(locked_initiative)
        locked = ActionItem.objects.select_for_update().get(pk=action.pk)
        if locked.status == status:
            _refresh(action, locked)
            return action
        now = timezone.now()
        locked.status = status
        locked.closed_at = None if status == ActionStatus.OPEN else now
        locked.save(update_fields=["status", "closed_at"])
        kind = {
            ActionStatus.OPEN: EventKind.REOPENED,
            ActionStatus.DONE: EventKind.DONE,
            ActionStatus.CANCELLED: EventKind.CANCELLED,
        }[status]
        ActionEvent.objects.create(
            action=locked, initiative=locked_initiative, kind=kind, actor=actor, at=now
        )
    _refresh(action, locked)
    return action


# --- the rules ------------------------------------------------------------------------------


def _lock(initiative: Initiative) -> Initiative:
    """The initiative's row, locked until the transaction ends, with what the rules read
    as it stands now (a move may have changed the stage since the caller read it)."""
    return Initiative.objects.select_for_update().get(pk=initiative.pk)


def _check_open_initiative(initiative: Initiative) -> None:
    if initiative.stage in CLOSED_STAGES:
        state = Stage(initiative.stage).label.lower()
        raise ValidationError(
            _("“%(title)s” is %(state)s: its action items no longer change.")
            % {"title": initiative.title, "state": state}
        )


def _check(action: ActionItem, initiative: Initiative) -> None:
    """Every rule on the action's own fields, each error under its field."""
    _check_open_initiative(initiative)
    errors = {}
    try:
        action.full_clean(exclude=["initiative", "created_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    inactive = action.assignee_id is not None and not action.assignee.is_active
    if inactive and "assignee" not in errors:
        errors["assignee"] = [_("Assign the action to someone who can sign in (an active user).")]
    if action.stage and action.stage not in stages_for(initiative) and "stage" not in errors:
        if stages_for(initiative):
            names = ", ".join(Stage(s).label for s in stages_for(initiative))
            errors["stage"] = [
                _("Choose one of this initiative's stages (%(names)s), or none.") % {"names": names}
            ]
        else:
            errors["stage"] = [_("Choose no stage until the methodology is chosen.")]
    if errors:
        raise ValidationError(errors)


def _tell_assignee(action: ActionItem, actor) -> None:
    """The assignee hears of it (not when they assigned it to themselves), as they chose
    to hear about assignments (improvement.notifications)."""
    initiative = action.initiative
    notifications.notify(
        initiative=initiative,
        kind=NotificationKind.ASSIGNED,
        # Written in the assignee's language (a function: improvement.notifications).
        message=lambda: (
            _("%(person)s assigned you an action on “%(initiative)s”: “%(title)s”, due %(day)s.")
            % {
                "person": display_name(actor),
                "initiative": initiative.title,
                "title": action.title,
                "day": date_format(action.due_on),
            }
        ),
        user_ids=[action.assignee_id],
        exclude=actor.pk,
    )


def _attname(name: str) -> str:
    return "assignee_id" if name == "assignee" else name


def _pk(value, name: str):
    if name == "assignee" and value is not None and not isinstance(value, int):
        return value.pk
    return value


def _difference(name: str, old, new) -> str:
    def shown(value):
        if value in ("", None):
            return "none"
        if name == "stage":
            return Stage(value).label
        if name == "due_on":
            return f"{value:%Y-%m-%d}"
        return f"“{value}”"

    return f"{LABELS[name]}: {shown(old)} → {shown(new)}"


def _refresh(action: ActionItem, saved: ActionItem) -> None:
    """The caller's instance as saved. (Setting a foreign key's id drops the cached
    object when it changes: a new assignee is read again when asked for.)"""
    for field in ActionItem._meta.concrete_fields:
        setattr(action, field.attname, getattr(saved, field.attname))
