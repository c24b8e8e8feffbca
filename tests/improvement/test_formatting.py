"""Numbers, money and p-values as people read them (improvement.formatting): rounded to
the digits that mean something, written as the locale writes them. Pure functions: no
database, no request."""

from decimal import Decimal

import pytest

from improvement import formatting
from improvement.formatting import (
    cents,
    chance_in,
    money_range,
    money_text,
    number_text,
    p_comparison,
    p_value_text,
    percent_text,
    plain_number,
    rounded,
)
from tests.test_settings import start_django

NBSP = "\xa0"

# --- significant digits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (45.6667, 4, Decimal("45.67")),
        (45.12727272727273, 6, Decimal("45.1273")),
        (0.000123456, 4, Decimal("0.0001235")),
        (2.008e-05, 6, Decimal("0.0000200800")),
        (116097.4, 4, Decimal("116097")),  # whole digits are never rounded away
        (1234.5, 4, Decimal("1235")),  # half away from zero
        (-1234.5, 4, Decimal("-1235")),
        (0.0125, 2, Decimal("0.013")),  # from its decimal repr, not the binary float
        (20.0, 4, Decimal("20.00")),
        (0, 4, Decimal("0")),
        (-0.00001, 1, Decimal("0.00001") * -1),
        (Decimal("12.3456"), 3, Decimal("12.3")),
    ],
)
def test_it_rounds_to_significant_digits(value, digits, expected):
    assert rounded(value, digits) == expected


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), float("-inf"), True, "x"])
def test_it_leaves_what_is_no_number_out(value):
    assert rounded(value) is None
    assert number_text(value, locale="en_US") == "—"


def test_it_never_gives_negative_zero():
    assert str(rounded(-0.0001, 1)) == "-0.0001"
    assert rounded(-0.0, 4) == 0 and not rounded(-0.0, 4).is_signed()
    assert number_text(-0.0, locale="en_US") == "0"
    assert percent_text(-0.04, locale="en_US") == "0.0%"


@pytest.mark.parametrize(
    ("value", "en", "de"),
    [
        (45.6667, "45.67", "45,67"),
        (116097.4, "116,097", "116.097"),
        (0.000123456, "0.0001235", "0,0001235"),
        (2.008e-05, "0.00002008", "0,00002008"),
        (2.8e-21, "2.8E-21", "2,8E-21"),
        (20.0, "20", "20"),
        (1_000_000, "1,000,000", "1.000.000"),
        (-3.14159, "-3.142", "-3,142"),
    ],
)
def test_it_writes_a_figure_for_the_locale(value, en, de):
    assert number_text(value, locale="en_US") == en
    assert number_text(value, locale="de_DE") == de


def test_it_signs_an_improvement():
    assert number_text(1.5, locale="en_US", sign=True) == "+1.5"
    assert number_text(-1.5, locale="en_US", sign=True) == "-1.5"
    assert number_text(0, locale="en_US", sign=True) == "0"
    assert percent_text(21.44, locale="en_US", sign=True) == "+21.4%"
    assert percent_text(21.44, locale="de_DE", sign=True) == f"+21,4{NBSP}%"
    assert percent_text(-12.5, locale="en_US", sign=True) == "-12.5%"
    assert percent_text(62.5, locale="en_US", decimals=0) == "63%"


def test_it_falls_back_to_en_us_for_a_locale_babel_does_not_know():
    assert number_text(1234.5, locale="xx_YY") == "1,235"
    assert number_text(1234.5, locale="de-DE") == "1.235"


# --- money ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "en", "de"),
    [
        # Whole units from 1,000 up: an annual benefit's cents are noise.
        (Decimal("116097.45"), "$116,097", f"116.097{NBSP}$"),
        (Decimal("1000"), "$1,000", f"1.000{NBSP}$"),
        (Decimal("999.99"), "$999.99", f"999,99{NBSP}$"),
        (Decimal("620.75"), "$620.75", f"620,75{NBSP}$"),
        (Decimal("-125"), "-$125.00", f"-125,00{NBSP}$"),
        (Decimal("-16937.93"), "-$16,938", f"-16.938{NBSP}$"),
        (42000.0, "$42,000", f"42.000{NBSP}$"),
        (0, "$0.00", f"0,00{NBSP}$"),
    ],
)
def test_it_writes_money_in_en_us_and_de_de(amount, en, de):
    assert money_text(amount, currency="USD", locale="en_US") == en
    assert money_text(amount, currency="USD", locale="de_DE") == de


def test_it_writes_each_currency_its_own_way():
    assert money_text(Decimal("1500.5"), currency="EUR", locale="en_US") == "€1,501"
    assert money_text(Decimal("1500.5"), currency="EUR", locale="de_DE") == f"1.501{NBSP}€"
    # The yen has no minor unit: no cents even below 1,000.
    assert money_text(Decimal("620.75"), currency="JPY", locale="en_US") == "¥621"
    assert money_text(Decimal("620.75"), currency="CHF", locale="de_CH") == f"CHF{NBSP}620.75"


def test_it_writes_money_to_the_cent_when_asked():
    amount = Decimal("12345.60")
    assert money_text(amount, currency="USD", locale="en_US", whole=False) == "$12,345.60"
    assert money_text(amount, currency="USD", locale="de_DE", whole=False) == f"12.345,60{NBSP}$"
    assert money_text(None, currency="USD", locale="en_US") == "—"


def test_it_writes_both_ends_of_an_interval_alike():
    assert money_range(620.75, 1375, currency="USD", locale="en_US") == ("$621", "$1,375")
    assert money_range(-125, 625.5, currency="USD", locale="en_US") == ("-$125.00", "$625.50")
    assert money_range(-1250, 3.5, currency="USD", locale="en_US") == ("-$1,250", "$4")


def test_it_rounds_money_to_cents_half_away_from_zero():
    assert cents(694.444) == Decimal("694.44")
    assert cents(0.125) == Decimal("0.13")
    assert cents(Decimal("-0.125")) == Decimal("-0.13")
    assert cents(None) is None


# --- p-values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "en", "de"),
    [
        (0, "< 0.001", "< 0,001"),  # never "0": data cannot show a chance is zero
        (2.8e-21, "< 0.001", "< 0,001"),
        (0.0004, "< 0.001", "< 0,001"),
        (0.000999, "< 0.001", "< 0,001"),
        (0.001, "0.001", "0,001"),
        (0.0012345, "0.00123", "0,00123"),
        (0.05, "0.05", "0,05"),
        (0.123456, "0.123", "0,123"),
        (0.99996, "1", "1"),
        (1, "1", "1"),
        (None, "—", "—"),
    ],
)
def test_it_writes_a_p_value(p, en, de):
    assert p_value_text(p, locale="en_US") == en
    assert p_value_text(p, locale="de_DE") == de


def test_it_never_rounds_a_p_value_onto_its_threshold():
    # 0.04996 is significant at 0.05: "0.05" would say it is not.
    assert p_value_text(0.04996, locale="en_US") == "0.05"
    assert p_value_text(0.04996, locale="en_US", alpha=0.05) == "0.04996"
    assert p_value_text(0.0499999, locale="en_US", alpha=0.05) == "0.0499999"
    assert p_value_text(0.0500004, locale="en_US", alpha=0.05) == "0.05"  # not below: fine


@pytest.mark.parametrize(
    ("p", "alpha", "expected"),
    [
        (0.08, 0.05, "p = 0.08 ≥ 0.05"),
        (0.0123, 0.05, "p = 0.0123 < 0.05"),
        (2.8e-21, 0.05, "p < 0.001"),
        (0.0004, 0.001, "p < 0.001"),
        (0.003, 0.001, "p = 0.003 ≥ 0.001"),
        (0.001, 0.001, "p = 0.001 ≥ 0.001"),
    ],
)
def test_it_compares_a_p_value_with_its_threshold(p, alpha, expected):
    assert p_comparison(p, alpha, locale="en_US") == expected


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.08, (8, 100)),
        (0.012, (1, 100)),
        (0.01, (1, 100)),
        (0.0049, (5, 1000)),
        (0.001, (1, 1000)),
        (0.0004, None),
        (0, None),
        (0.5, (50, 100)),
    ],
)
def test_it_turns_a_p_value_into_times_in_a_hundred_or_a_thousand(p, expected):
    assert chance_in(p) == expected


# --- files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (45.12727272727273, "45.1273"),
        (2.008e-05, "0.00002008"),
        (2.8e-21, "2.8e-21"),
        (116097.456, "116097"),
        (1375, "1375"),
        (-0.5, "-0.5"),
        (0.0, "0"),
        (1234567.891, "1234568"),
    ],
)
def test_it_writes_a_number_for_a_file_without_locale(value, expected):
    text = plain_number(rounded(value, formatting.EXPORT_DIGITS))
    assert text == expected
    assert float(text) == pytest.approx(value, rel=1e-5)


def test_it_writes_nothing_for_no_number_in_a_file():
    assert plain_number(None) == ""


# --- the CURRENCY setting ------------------------------------------------------------------------


def test_it_refuses_to_start_with_a_currency_that_is_no_iso_4217_code():
    run = start_django(CURRENCY="dollars")

    assert run.returncode != 0
    assert "ImproperlyConfigured: CURRENCY='dollars' is not an ISO 4217 currency code" in run.stderr


def test_it_reads_the_currency_in_any_case_and_defaults_to_usd():
    shown = "from django.conf import settings as s; print(s.CURRENCY)"

    assert start_django(shown, CURRENCY=" eur ").stdout.split() == ["EUR"]
    assert start_django(shown, CURRENCY="").stdout.split() == ["USD"]
