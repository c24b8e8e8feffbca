"""Forecast accuracy: estimated annual benefit (pro-rated to the closed quarters) against
the validated benefit of those quarters, per owner and per area — checked against a case
worked out by hand."""

from decimal import Decimal

import pytest

from metrics.ledger import reports
from tests.factories import (
    AreaFactory,
    LedgerRowFactory,
    LiveInitiativeFactory,
    QuarterCloseFactory,
    UserFactory,
)
from tests.metrics.desk import desk_url

pytestmark = pytest.mark.django_db


def rows_for(initiative, validated_by_quarter: dict[int, str | None]):
    """One 2026 ledger row per quarter, all on the initiative's one primary target."""
    target = None
    for quarter, validated in validated_by_quarter.items():
        extra = {"target": target} if target else {}
        row = LedgerRowFactory(
            initiative=initiative, quarter=quarter, validated_benefit=validated, **extra
        )
        target = row.target


@pytest.fixture
def case():
    """2026 Q1 and Q2 are closed, Q3 is open.

    | initiative | owner | area      | estimate | Q1 validated | Q2 validated | Q3 (open) |
    | A          | Omar  | Warehouse | 40 000   | 9 000        | 11 000       | 5 000     |
    | B          | Omar  | Finance   | 10 000   | 1 000        | —            |           |
    | C          | Priya | Warehouse |  6 000   | (none)       | 1 200        |           |
    | D          | Priya | Finance   | (none)   | 3 000        |              |           |

    A: estimated 40 000 × 2/4 = 20 000, validated 20 000.   B: 2 500 vs 1 000.
    C: 3 000 vs 1 200 (one row not validated).              D: no estimate — left out.
    Omar: 22 500 vs 21 000 → 0.93.   Priya: 3 000 vs 1 200 → 0.40.
    Warehouse: 23 000 vs 21 200 → 0.92.   Finance: 2 500 vs 1 000 → 0.40.
    All: 25 500 vs 22 200 → 0.87, over 3 initiatives and 5 closed rows.
    """
    omar = UserFactory(username="omar", first_name="Omar", last_name="Haddad")
    priya = UserFactory(username="priya", first_name="Priya", last_name="Nair")
    warehouse, finance = AreaFactory(name="Warehouse"), AreaFactory(name="Finance")

    def initiative(owner, area, estimate):
        return LiveInitiativeFactory(owner=owner, area=area, estimated_annual_benefit=estimate)

    rows_for(initiative(omar, warehouse, "40000"), {1: "9000", 2: "11000", 3: "5000"})
    rows_for(initiative(omar, finance, "10000"), {1: "1000"})
    rows_for(initiative(priya, warehouse, "6000"), {1: None, 2: "1200"})
    rows_for(initiative(priya, finance, None), {1: "3000"})
    QuarterCloseFactory(year=2026, quarter=1)
    QuarterCloseFactory(year=2026, quarter=2)
    return omar, priya, warehouse, finance


def figures(line) -> tuple:
    return (line.label, line.initiatives, line.quarters, line.estimated, line.validated, line.ratio)


def test_it_compares_estimates_with_validated_benefits_per_owner(case):
    lines = reports.forecast_accuracy("owner")

    assert [figures(line) for line in lines] == [
        ("Omar Haddad (omar)", 2, 3, Decimal("22500.00"), Decimal("21000.00"), Decimal("0.93")),
        ("Priya Nair (priya)", 1, 2, Decimal("3000.00"), Decimal("1200.00"), Decimal("0.40")),
    ]
    assert [line.not_validated for line in lines] == [0, 1]
    assert lines[0].difference == Decimal("-1500.00")


def test_it_compares_estimates_with_validated_benefits_per_area(case):
    lines = reports.forecast_accuracy("area")

    assert [figures(line) for line in lines] == [
        ("Finance", 1, 1, Decimal("2500.00"), Decimal("1000.00"), Decimal("0.40")),
        ("Warehouse", 2, 4, Decimal("23000.00"), Decimal("21200.00"), Decimal("0.92")),
    ]


def test_it_totals_the_closed_quarters(case):
    total = reports.overall()

    assert figures(total) == (
        "All",
        3,
        5,
        Decimal("25500.00"),
        Decimal("22200.00"),
        Decimal("0.87"),
    )
    assert total.computed == Decimal("6250.00")  # 5 closed rows × 1 250


def test_it_reports_the_proven_and_the_unproven_benefit_apart(case, client, staff_reviewer):
    # One more closed row: Q2 of a new Finance initiative of Omar's, whose quarter was not
    # significant: 400 unproven, nothing proven.
    omar, _, _, finance = case
    LedgerRowFactory(
        initiative=LiveInitiativeFactory(owner=omar, area=finance, estimated_annual_benefit="2000"),
        quarter=2,
        significant=False,
        computed_benefit=None,
        unproven_benefit=Decimal("400.00"),
        validated_benefit=Decimal("0.00"),
    )

    by_area = {line.label: line for line in reports.forecast_accuracy("area")}
    total = reports.overall()

    assert (by_area["Finance"].computed, by_area["Finance"].unproven) == (
        Decimal("1250.00"),
        Decimal("400.00"),
    )
    assert (by_area["Warehouse"].computed, by_area["Warehouse"].unproven) == (
        Decimal("5000.00"),
        Decimal("0.00"),
    )
    assert (total.computed, total.unproven) == (Decimal("6250.00"), Decimal("400.00"))
    client.force_login(staff_reviewer)
    content = client.get(desk_url("forecast")).content.decode()
    assert '<th scope="col" class="num">Proven</th>' in content
    assert '<th scope="col" class="num">Unproven</th>' in content
    assert '<td class="num">6,250.00</td>\n        <td class="num">400.00</td>' in content


def test_it_has_no_ratio_without_an_estimate():
    line = reports.Accuracy(
        key=1,
        label="x",
        initiatives=1,
        quarters=1,
        not_validated=0,
        estimated=Decimal("0.00"),
        validated=Decimal("10.00"),
        computed=Decimal("0.00"),
    )

    assert line.ratio is None


def test_it_counts_nothing_before_a_quarter_closes():
    rows_for(LiveInitiativeFactory(estimated_annual_benefit="4000"), {1: "1000"})

    assert reports.forecast_accuracy("owner") == []
    assert reports.overall().estimated == Decimal("0.00")


def test_it_shows_the_report_in_the_admin(client, staff_reviewer, case, count_queries):
    client.force_login(staff_reviewer)
    client.get(desk_url("forecast"))  # warm caches

    response, queries = count_queries(client, desk_url("forecast"))

    assert response.status_code == 200
    content = response.content.decode()
    for text in ["Per owner", "Per area", "Omar Haddad (omar)", "22,500.00", "0.93", "0.87"]:
        assert text in content, text
    assert "estimated annual benefit × its closed quarters ÷ 4" in content
    assert queries <= 8  # session, user, permissions, three report queries
    desk = client.get(desk_url())
    assert desk_url("forecast") in desk.content.decode()
