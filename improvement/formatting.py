"""Numbers, money and p-values as people read them: rounded to the digits that mean
something, and written the way the reader's locale writes them (Babel, from the CLDR
data). Pure functions: the caller passes the locale ("en_US", "de_DE") and the currency
(ISO 4217); the template filters (improvement.templatetags.tracker) pass the active
language and settings.CURRENCY.

`active_locale()` is the one function here that reads Django: the active language as a
Babel locale, for callers that format for the current request.

Two kinds of output:

- *text* (`number_text`, `percent_text`, `money_text`, `p_value_text`) for pages, with
  the locale's separators, signs and currency placement: "$116,097", "116.097 $";
- *values* (`rounded`, `cents`, `plain_number`) for files, locale-free: a CSV or
  spreadsheet reads "45.1273", never "45,1273".
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern, get_plus_sign_symbol, parse_pattern

DASH = "—"  # what a missing figure shows
# Figures (means, improvements, limits) keep this many significant digits on a page...
FIGURE_DIGITS = 4
# ... statistics in an export this many (money: whole cents).
EXPORT_DIGITS = 6
# p-values: this many significant digits, and anything below P_FLOOR as "< 0.001".
P_DIGITS = 3
P_FLOOR = Decimal("0.001")
# Amounts of at least this much are shown in whole currency units: cents on a benefit
# of 116,097.45 a year are noise (the benefit is an estimate), on 620.75 they are not.
WHOLE_MONEY_FROM = Decimal("1000")
FALLBACK_LOCALE = "en_US"

Number = float | int | Decimal


def _decimal(value: Number | None) -> Decimal | None:
    """The value as a Decimal (a float by its shortest repr, so 0.1 is 0.1), or None when
    it is missing or not finite."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    except (TypeError, ValueError, InvalidOperation):
        return None
    return number if number.is_finite() else None


def rounded(value: Number | None, digits: int = FIGURE_DIGITS) -> Decimal | None:
    """`value` to `digits` significant digits, half away from zero — but never fewer than
    its whole digits: 45.6667 → 45.67, 0.000123456 → 0.0001235, 116097.4 → 116097 (not
    116100: a whole number rounded to tens reads as a different figure). None stays None;
    so do NaN and infinities. Never -0."""
    number = _decimal(value)
    if number is None:
        return None
    if number == 0:
        return Decimal(0)
    places = max(0, digits - 1 - number.adjusted())
    result = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return result if result != 0 else abs(result)


def cents(value: Number | None) -> Decimal | None:
    """Money to whole cents, half away from zero, as a ledger rounds it."""
    number = _decimal(value)
    return None if number is None else number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def plain_number(value: Decimal | None) -> str:
    """A rounded number as a file writes it: digits, a point, no grouping, no trailing
    zeros after the point, no exponent — "45.1273", "0.00002008", "116097" — except below
    10⁻⁶, where "2.8e-21" is clearer than twenty zeros."""
    if value is None:
        return ""
    if value != 0 and abs(value) < Decimal("1e-6"):
        significant = value.normalize()
        return f"{significant:.{len(significant.as_tuple().digits) - 1}e}"
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    """The Babel locale for "en_US", "de-DE", "de"; en_US for one Babel does not know."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK_LOCALE)


def _with_fraction(pattern: NumberPattern, low: int, high: int) -> NumberPattern:
    """The locale's pattern with `low` to `high` digits after the decimal separator."""
    changed = copy.copy(pattern)
    changed.frac_prec = (low, high)
    return changed


def _signed(text: str, value: Decimal, locale: Locale, sign: bool) -> str:
    """`text` with the locale's plus sign in front when `sign` and the value is above 0
    (a minus sign is the pattern's own)."""
    return get_plus_sign_symbol(locale) + text if sign and value > 0 else text


def number_text(
    value: Number | None, *, locale: str, digits: int = FIGURE_DIGITS, sign: bool = False
) -> str:
    """A figure to `digits` significant digits (see `rounded`), no trailing zeros, in the
    locale's notation: 45.67 (en_US), 45,67 (de_DE), 116,097; "—" when missing. With
    `sign`, an improvement: +1.5, -0.25. Below 10⁻⁶: scientific, 2.8E-21."""
    number = rounded(value, digits)
    if number is None:
        return DASH
    where = _locale(locale)
    if number != 0 and abs(number) < Decimal("1e-6"):
        pattern = parse_pattern("0." + "#" * (digits - 1) + "E0")
        return _signed(pattern.apply(number, where), number, where, sign)
    places = max(0, -number.as_tuple().exponent)
    pattern = _with_fraction(where.decimal_formats[None], 0, places)
    return _signed(pattern.apply(number, where), number, where, sign)


def percent_text(
    value: Number | None, *, locale: str, decimals: int = 1, sign: bool = False
) -> str:
    """A percentage given as a number of percent (21.4, not 0.214) with `decimals`
    decimals, as the locale writes percent: 21.4% (en_US), 21,4 % (de_DE)."""
    number = _decimal(value)
    if number is None:
        return DASH
    places = Decimal(1).scaleb(-decimals)
    number = number.quantize(places, rounding=ROUND_HALF_UP)
    number = abs(number) if number == 0 else number
    where = _locale(locale)
    pattern = _with_fraction(where.percent_formats[None], decimals, decimals)
    return _signed(pattern.apply(number / 100, where), number, where, sign)


def whole_money(*amounts: Number | None) -> bool:
    """Whether amounts shown together go in whole units: when the largest is ≥ 1,000."""
    present = [abs(d) for d in map(_decimal, amounts) if d is not None]
    return bool(present) and max(present) >= WHOLE_MONEY_FROM


def money_text(
    amount: Number | None, *, currency: str, locale: str, whole: bool | None = None
) -> str:
    """An amount in `currency`, as the locale writes money: $116,097 / 116.097 $ /
    € 620.75. `whole`: in whole units (rounded half away from zero); False: in the
    currency's minor units (cents; none for JPY); None: whole from 1,000 up
    (`whole_money`). "—" when missing."""
    number = _decimal(amount)
    if number is None:
        return DASH
    if whole is None:
        whole = whole_money(number)
    where = _locale(locale)
    pattern = where.currency_formats["standard"]
    if whole:
        number = number.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        number = abs(number) if number == 0 else number
        return _with_fraction(pattern, 0, 0).apply(
            number, where, currency=currency, currency_digits=False
        )
    return pattern.apply(number, where, currency=currency, currency_digits=True)


def money_range(
    low: Number | None, high: Number | None, *, currency: str, locale: str
) -> tuple[str, str]:
    """Two ends of an interval in the same precision: whole units when either is
    ≥ 1,000, so "$620.75 to $1,375" never happens."""
    whole = whole_money(low, high)
    return (
        money_text(low, currency=currency, locale=locale, whole=whole),
        money_text(high, currency=currency, locale=locale, whole=whole),
    )


def p_value_text(p: Number | None, *, locale: str, alpha: Number | None = None) -> str:
    """A p-value as a reader needs it: "< 0.001" below 0.001 (a p of 2.8e-21 or 0 is
    not "0": the data only say it is very small), else 3 significant digits: 0.0123,
    0.05, 0.123. Given the threshold `alpha`, never rounded onto or across it: p =
    0.04996 at α = 0.05 reads 0.04996, not 0.05. "—" when there is none."""
    number = _decimal(p)
    if number is None:
        return DASH
    if number < P_FLOOR:
        return "< " + number_text(P_FLOOR, locale=locale)
    digits = P_DIGITS
    threshold = _decimal(alpha)
    if threshold is not None and number < threshold:
        while digits < 15 and rounded(number, digits) >= threshold:
            digits += 1
    return number_text(number, locale=locale, digits=digits)


def p_comparison(p: Number | None, alpha: Number, *, locale: str) -> str:
    """The p-value against its threshold, as the significance was decided (p < α):
    "p = 0.08 ≥ 0.05", "p = 0.012 < 0.05", "p < 0.001"."""
    text = p_value_text(p, locale=locale, alpha=alpha)
    if text.startswith("<"):
        return f"p {text}"
    relation = "<" if p < alpha else "≥"
    return f"p = {text} {relation} {number_text(alpha, locale=locale)}"


def chance_in(p: Number) -> tuple[int, int] | None:
    """p as "n times in d" (d = 100 or 1,000), for a sentence: 0.08 → (8, 100), 0.0049 →
    (5, 1000), 0.012 → (1, 100); None below 0.001 ("less than 1 time in 1,000")."""
    number = _decimal(p)
    if number is None or number < P_FLOOR:
        return None
    denominator = 100 if number >= Decimal("0.01") else 1000
    times = int((number * denominator).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(1, times), denominator


def active_locale() -> str:
    """The Babel locale of Django's active language: "en_US" for en-us."""
    from django.conf import settings
    from django.utils import translation

    return translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
