"""Changing initiatives outside stage moves: submitting, editing by role, support and
comments. The web views and the API call these same functions."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from config.text import clean_reason
from improvement import events, notifications, roles, visibility
from improvement.models import INTAKE_STAGES, Comment, Initiative, Support
from metrics import facts as metric_facts
from metrics.results import stale


def repeat_window() -> dt.timedelta:
    """How long an identical second submission counts as the same one (a double click, a
    client retrying after a timeout): settings.IDEA_REPEAT_MINUTES, 10 by default."""
    return dt.timedelta(minutes=getattr(settings, "IDEA_REPEAT_MINUTES", 10))


def submit_idea(*, actor, **fields) -> tuple[Initiative, bool]:
    """A new idea, stage `submitted` (its submitter is told of every move), and True; or,
    when this person submitted the very same idea (every field equal) within
    `repeat_window()`, that idea and False.

    Concurrent identical submissions take turns on the submitter's user row, locked for
    the check and the insert: the second waits for the first to commit, then finds it."""
    initiative = Initiative(submitted_by=actor, **fields)
    initiative.full_clean()
    _check_campaign_open(initiative)
    _check_campaign_visible(actor, initiative)
    _check_area_visible(actor, initiative.area_id)
    same = {name: getattr(initiative, name) for name in {*roles.IDEA_FIELDS, *fields}}
    with transaction.atomic():
        # This person's submissions take turns here, on PostgreSQL. (SQLite ignores FOR
        # UPDATE; a repeat sent while the first is still being written may slip through.)
        list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values("pk"))
        earlier = (
            Initiative.objects.filter(
                submitted_by=actor, created_at__gte=timezone.now() - repeat_window(), **same
            )
            .order_by("created_at", "pk")
            .first()
        )
        if earlier is not None:
            return earlier, False
        initiative.save()
        events.send_on_commit(events.idea_submitted, initiative_id=initiative.pk)
    return initiative, True


def _sees_area(actor, area_id: int) -> bool:
    return visibility.visible_areas(actor).filter(pk=area_id).exists()


def _check_area_visible(actor, area_id: int) -> None:
    """An idea goes only into an area its submitter (or editor) may see: one they could
    not follow, or a private area's they are not part of, is refused as unknown."""
    if area_id is not None and not _sees_area(actor, area_id):
        raise ValidationError({"area": _("Choose one of the areas you may see.")})


def _check_campaign_visible(actor, initiative: Initiative) -> None:
    """A campaign of a private area the submitter is not part of is unknown to them."""
    campaign = initiative.campaign
    if campaign is not None and not _sees_area(actor, campaign.area_id):
        raise ValidationError({"campaign": _("Choose one of the campaigns you may see.")})


def _check_campaign_open(initiative: Initiative) -> None:
    """An idea joins a campaign only while the campaign is open, today in the site's time
    zone. (The campaign is read through the foreign key: improvement does not import the
    campaigns app built on it.)"""
    campaign = initiative.campaign
    if campaign is not None and not campaign.is_open(on=timezone.localdate()):
        raise ValidationError(
            {
                "campaign": _("The campaign “%(title)s” is not open for ideas today.")
                % {"title": campaign.title}
            }
        )


def refused_fields(*, actor, initiative: Initiative, fields) -> list[str]:
    """The fields of `fields` this actor may not change on this initiative."""
    allowed = roles.editable_fields(actor, initiative)
    return sorted(set(fields) - allowed)


def check_update(*, initiative: Initiative, actor, changes: dict, reason: str = "") -> dict:
    """Refuse what no path may do — PermissionDenied for a field the actor's role does
    not reach, ValidationError for a rule — and return the changes that change a value.

    The rules beyond the role table: the methodology is fixed once work has started; a
    field a passed gate checked (roles.gated_fields) changes only with a reason; a
    change date may not fall inside a target's baseline window."""
    reason = clean_reason(reason)
    changes = {f: v for f, v in changes.items() if _value(initiative, f) != _pk(v)}
    refused = refused_fields(actor=actor, initiative=initiative, fields=changes)
    if refused:
        raise PermissionDenied(_("You may not edit: %(join)s.") % {"join": ", ".join(refused)})
    errors = {}
    if "area" in changes:
        try:
            _check_area_visible(actor, _pk(changes["area"]))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for role in ("owner", "sponsor"):
        person = changes.get(role)
        if isinstance(person, models.Model) and not visibility.can_see(person, initiative):
            errors[role] = _(
                "%(name)s may not see this initiative: make them a member of its area first."
            ) % {"name": person.get_username()}
    if "methodology" in changes and initiative.stage not in INTAKE_STAGES:
        errors["methodology"] = _("The methodology is fixed once work has started.")
    gated = sorted(roles.gated_fields(initiative) & changes.keys())
    if gated and not reason.strip():
        for field in gated:
            errors[field] = "A gate has already checked this: give the reason for the correction."
    changed_on = changes.get("implemented_on")
    if changed_on is not None:
        reaching = metric_facts.windows_reaching(initiative_id=initiative.pk, day=changed_on)
        if reaching:
            errors["implemented_on"] = _(
                "The baseline window of %(targets)s reaches %(day)s: the change must go live "
                "after the baseline window ends."
            ) % {"targets": ", ".join(reaching), "day": date_format(changed_on)}
    if errors:
        raise ValidationError(errors)
    return changes


def _value(initiative: Initiative, field: str):
    return getattr(initiative, initiative._meta.get_field(field).attname)


def _pk(value):
    return value.pk if isinstance(value, models.Model) else value


def update_initiative(
    *, initiative: Initiative, actor, changes: dict, reason: str = ""
) -> Initiative:
    """Apply `changes` (field → already-validated value) if every rule allows all of
    them (`check_update`); otherwise change nothing and raise. Records who, what and
    why in the initiative's history; tells a new owner or sponsor.

    Many-to-many fields (`team`, `watchers`) are not changed here."""
    changes = check_update(initiative=initiative, actor=actor, changes=changes, reason=reason)
    if not changes:
        return initiative
    with transaction.atomic():
        before = {"owner": initiative.owner_id, "sponsor": initiative.sponsor_id}
        for field, value in changes.items():
            setattr(initiative, field, value)
        initiative.full_clean()
        initiative._history_user = actor
        initiative._change_reason = reason.strip()
        initiative.save(update_fields=[*changes, "updated_at"])
        for role in ("owner", "sponsor"):
            user_id = getattr(initiative, f"{role}_id")
            if role in changes and user_id and user_id != before[role]:
                notifications.assigned(
                    initiative=initiative, role=role, user_id=user_id, actor_id=actor.pk
                )
        if {"implemented_on", "stage"} & changes.keys():
            stale.inputs_changed(initiative_ids=[initiative.pk])
    return initiative


def support(*, initiative: Initiative, actor) -> bool:
    """+1 from `actor`; returns False if they already supported it."""
    _, created = Support.objects.get_or_create(initiative=initiative, user=actor)
    return created


def withdraw_support(*, initiative: Initiative, actor) -> bool:
    deleted, _ = Support.objects.filter(initiative=initiative, user=actor).delete()
    return bool(deleted)


def add_comment(*, initiative: Initiative, actor, body: str) -> Comment:
    comment = Comment(initiative=initiative, author=actor, body=body.strip())
    comment.full_clean()
    comment.save()
    return comment
