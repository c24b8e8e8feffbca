from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's full name, else their username; "—" for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def stage_label(code: str) -> str:
    from improvement.models import Stage

    return Stage(code).label if code in Stage.values else code


@register.filter
def quadrant_label(code: str | None) -> str:
    from improvement.models import Quadrant

    return Quadrant(code).label if code in Quadrant.values else "—"
