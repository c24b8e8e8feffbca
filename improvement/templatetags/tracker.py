from django import template

from improvement.people import display_name

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's full name, else their username; "—" for nobody."""
    return display_name(user, nobody="—")


@register.filter
def stage_label(code: str) -> str:
    from improvement.models import Stage

    return Stage(code).label if code in Stage.values else code


@register.filter
def quadrant_label(code: str | None) -> str:
    from improvement.models import Quadrant

    return Quadrant(code).label if code in Quadrant.values else "—"


@register.filter
def number(value, places: int = 4) -> str:
    """A figure with up to `places` decimals and no trailing zeros: 12.5, 0.8947, 3."""
    if value is None or value == "":
        return "—"
    text = f"{float(value):.{int(places)}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
