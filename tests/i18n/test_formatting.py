"""Dates, numbers and money as the reader's language writes them: German readers get
1.234,5, 3. Dezember 2026 and 1.234,00 €; English readers what the pages always showed."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from accounts.services import set_language
from improvement.models import Stage
from improvement.outcomes import result_line
from metrics.models import ResultStatus
from tests.factories import InitiativeFactory

SHOWN = (
    "{% load tracker %}{{ figure|figure:5 }} | {{ amount|money:'cents' }} | "
    "{{ big|money }} | {{ pct|signed_percent }} | {{ day|date }} | "
    "{{ moment|date:'DATETIME_FORMAT' }} | {{ p|p_value:0.05 }} | {{ measured|number }}"
)
VALUES = {
    "figure": 1234.5,
    "amount": Decimal("1234"),
    "big": Decimal("116097.45"),
    "pct": 21.4,
    "day": dt.date(2026, 12, 3),
    "moment": dt.datetime(2026, 12, 3, 14, 5),
    "p": 0.0812,
    "measured": 12.5,  # a measurement as recorded (the records table, corrections)
}


def shown(language: str) -> list[str]:
    with translation.override(language):
        return Template(SHOWN).render(Context(VALUES)).split(" | ")


def test_it_writes_figures_money_and_dates_as_a_german_reader_does(settings):
    settings.CURRENCY = "EUR"

    assert shown("de") == [
        "1.234,5",
        "1.234,00\xa0€",
        "116.097\xa0€",
        "+21,4\xa0%",
        "3. Dezember 2026",
        "3. Dezember 2026, 14:05",
        "0,0812",
        "12,5",
    ]


def test_it_writes_them_as_the_english_pages_always_have(settings):
    settings.CURRENCY = "EUR"

    assert shown("en") == [
        "1,234.5",
        "€1,234.00",
        "€116,097",
        "+21.4%",
        "2026-12-03",
        "2026-12-03 14:05",
        "0.0812",
        "12.5",
    ]


@pytest.mark.django_db
def test_it_shows_a_german_reader_german_dates_and_money_on_the_pages(web_as, settings):
    settings.CURRENCY = "EUR"
    initiative = InitiativeFactory(
        stage=Stage.BACKLOG,
        estimated_annual_benefit=Decimal("12500"),
        estimated_cost=Decimal("620.75"),
    )
    initiative.created_at = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
    initiative.save(update_fields=["created_at"])
    set_language(user=initiative.submitted_by, language="de")

    response = web_as(initiative.submitted_by).get(f"/initiatives/{initiative.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "am 3. Dezember 2026" in html
    assert "12.500\xa0€ pro Jahr" in html
    assert "620,75\xa0€" in html


def test_it_writes_the_one_line_result_with_the_readers_decimal_sign():
    metric = SimpleNamespace(name="Cycle time", unit="min", lower_is_better=True)
    result = SimpleNamespace(
        status=ResultStatus.IMPROVING,
        target=SimpleNamespace(metric=metric),
        improvement_pct=17.84,
        p_value=0.0113,
    )

    with translation.override("de"):
        german = result_line(result)
    with translation.override("en"):
        english = result_line(result)

    assert german.endswith("cycle time \N{MINUS SIGN}17,8 % (p = 0,011)")
    assert english == "Improving: cycle time \N{MINUS SIGN}17.8 % (p = 0.011)"
