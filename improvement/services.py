"""Changing initiatives outside stage moves: submitting, editing by role, support and
comments. The web views and the API call these same functions."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from improvement import notifications, roles
from improvement.models import Comment, Initiative, Support


def submit_idea(*, actor, **fields) -> Initiative:
    """A new idea, stage `submitted`; the submitter follows it from the start."""
    initiative = Initiative(submitted_by=actor, **fields)
    initiative.full_clean()
    initiative.save()
    return initiative


def refused_fields(*, actor, initiative: Initiative, fields) -> list[str]:
    """The fields of `fields` this actor may not change on this initiative."""
    allowed = roles.editable_fields(actor, initiative)
    return sorted(set(fields) - allowed)


def update_initiative(*, initiative: Initiative, actor, changes: dict) -> Initiative:
    """Apply `changes` (field → already-validated value) if the actor's role allows all
    of them; otherwise change nothing and raise PermissionDenied naming the fields.

    Many-to-many fields (`team`, `watchers`) are not changed here."""
    refused = refused_fields(actor=actor, initiative=initiative, fields=changes)
    if refused:
        raise PermissionDenied(f"You may not edit: {', '.join(refused)}.")
    with transaction.atomic():
        before = {"owner": initiative.owner_id, "sponsor": initiative.sponsor_id}
        for field, value in changes.items():
            setattr(initiative, field, value)
        initiative.full_clean()
        initiative.save(update_fields=[*changes, "updated_at"])
        for role in ("owner", "sponsor"):
            user_id = getattr(initiative, f"{role}_id")
            if role in changes and user_id and user_id != before[role]:
                notifications.assigned(
                    initiative=initiative, role=role, user_id=user_id, actor_id=actor.pk
                )
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
