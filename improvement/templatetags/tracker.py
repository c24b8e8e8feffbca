from babel.numbers import get_decimal_symbol
from django import template
from django.conf import settings

from improvement import formatting
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
    """A figure with up to `places` decimals and no trailing zeros, with the active
    locale's decimal sign: 12.5, 0.8947, 3 (12,5 in German)."""
    if value is None or value == "":
        return "—"
    text = f"{float(value):.{int(places)}f}".rstrip("0").rstrip(".")
    text = "0" if text == "-0" else text
    return text.replace(".", get_decimal_symbol(formatting.active_locale()))


# --- figures, money and p-values for the active language (improvement.formatting) ---------


@register.filter
def figure(value, digits: int = formatting.FIGURE_DIGITS) -> str:
    """A mean, limit or improvement to `digits` significant digits (4), whole digits
    kept, in the active locale: 45.67, 116,097; "—" for none."""
    return formatting.number_text(value, locale=formatting.active_locale(), digits=int(digits))


@register.filter
def signed_figure(value, digits: int = formatting.FIGURE_DIGITS) -> str:
    """As `figure`, with a plus sign when above 0: an improvement, +1.5."""
    return formatting.number_text(
        value, locale=formatting.active_locale(), digits=int(digits), sign=True
    )


@register.filter
def percent(value, decimals: int = 1) -> str:
    """A number of percent (21.4) as the locale writes it: 21.4% (en-US), 21,4 % (de)."""
    return formatting.percent_text(value, locale=formatting.active_locale(), decimals=int(decimals))


@register.filter
def signed_percent(value, decimals: int = 1) -> str:
    """As `percent`, with a plus sign when above 0: +21.4%."""
    return formatting.percent_text(
        value, locale=formatting.active_locale(), decimals=int(decimals), sign=True
    )


MONEY_PRECISION = {"": None, "cents": False, "whole": True}


@register.filter
def money(value, precision: str = "") -> str:
    """An amount in settings.CURRENCY: whole units from 1,000 up ($116,097), else cents
    ($620.75); `money:"cents"` always in cents, as a ledger shows them; `money:"whole"`
    always in whole units, as a headline shows them."""
    return formatting.money_text(
        value,
        currency=settings.CURRENCY,
        locale=formatting.active_locale(),
        whole=MONEY_PRECISION[precision],
    )


@register.filter
def p_value(value, alpha=None) -> str:
    """A p-value: "< 0.001", else 3 significant digits, never rounded onto `alpha`."""
    return formatting.p_value_text(value, locale=formatting.active_locale(), alpha=alpha)


@register.simple_tag
def result_words(result, target):
    """`{% result_words result target as words %}`: the result in plain words
    (improvement.result_words)."""
    from improvement.result_words import explain

    return explain(result, target)
