"""Changing the area tree: create, move, rename, restrict — the one write path (the admin
calls it too). Who sees what follows from the tree (improvement.visibility), so only
administrators change it.

Treebeard keeps the materialized paths: adding or moving a node may shift the paths of
its new siblings (kept in name order), in one transaction. An area object read before
such a change can hold a stale path, so each function re-reads what it moves."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from improvement import roles
from improvement.models import Area


def _check_actor(actor) -> None:
    if not roles.is_admin(actor):
        raise PermissionDenied(_("Only an administrator may change the areas."))


def _check_name_free(*, name: str, parent: Area | None, exclude_pk: int | None = None) -> None:
    siblings = (
        Area.objects.filter(depth=1)
        if parent is None
        else Area.objects.filter(depth=parent.depth + 1, path__startswith=parent.path)
    )
    if siblings.filter(name=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": _("An area beside it already has this name.")})


def check_place(*, area: Area | None, name: str, parent: Area | None) -> None:
    """Refuse (ValidationError) a name taken among the new siblings, or a move of an
    area under itself. The forms ask it too, so the refusal shows on the form."""
    if area is not None and parent is not None and parent.path.startswith(area.path):
        raise ValidationError({"parent": _("An area cannot move under itself.")})
    _check_name_free(name=name.strip(), parent=parent, exclude_pk=area.pk if area else None)


def _fresh(area: Area | None) -> Area | None:
    return None if area is None else Area.objects.get(pk=area.pk)


@transaction.atomic
def create_area(
    *,
    actor,
    name: str,
    parent: Area | None = None,
    description: str = "",
    restricted: bool = False,
) -> Area:
    """A new area under `parent` (a new site without one)."""
    _check_actor(actor)
    parent = _fresh(parent)
    area = Area(name=name.strip(), description=description, restricted=restricted)
    area.full_clean(exclude=["path", "depth", "numchild"], validate_constraints=False)
    check_place(area=None, name=area.name, parent=parent)
    if parent is None:
        return Area.objects.add_root(instance=area)
    return Area.objects.add_child(parent, instance=area)


@transaction.atomic
def move_area(*, actor, area: Area, parent: Area | None) -> Area:
    """Move `area`, with everything under it, under `parent` (to the top without one).
    Its initiatives go with it; who may see them follows the new place."""
    _check_actor(actor)
    area, parent = _fresh(area), _fresh(parent)
    check_place(area=area, name=area.name, parent=parent)
    _place(area, parent)
    return Area.objects.get(pk=area.pk)


def _place(area: Area, parent: Area | None) -> None:
    """Put `area` in name order under `parent`, or among the roots."""
    if parent is not None:
        Area.objects.move(area, parent, "sorted-child")
        return
    first_root = Area.objects.filter(depth=1).exclude(pk=area.pk).order_by("path").first()
    if first_root is not None:
        Area.objects.move(area, first_root, "sorted-sibling")


@transaction.atomic
def update_area(*, actor, area: Area, name: str, description: str, restricted: bool) -> Area:
    """Rename, describe and restrict (or open) an area. A rename keeps the siblings in
    name order."""
    _check_actor(actor)
    area = _fresh(area)
    name = name.strip()
    parent = Area.objects.get_parent(area)
    renamed = name != area.name
    if renamed:
        check_place(area=area, name=name, parent=parent)
    area.name, area.description, area.restricted = name, description, restricted
    area.full_clean(validate_constraints=False)
    area.save(update_fields=["name", "description", "restricted"])
    if renamed:
        _place(area, parent)
    return Area.objects.get(pk=area.pk)


def rename_area(*, actor, area: Area, name: str) -> Area:
    return update_area(
        actor=actor,
        area=area,
        name=name,
        description=area.description,
        restricted=area.restricted,
    )


def restrict_area(*, actor, area: Area, restricted: bool = True) -> Area:
    return update_area(
        actor=actor,
        area=area,
        name=area.name,
        description=area.description,
        restricted=restricted,
    )


def tree_choices(areas) -> list[tuple[int, str]]:
    """(id, name indented by depth) for a select that shows the tree; `areas` in tree
    (path) order."""
    return [(area.pk, area.label) for area in areas]
