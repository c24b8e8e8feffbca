"""Exporting the desk: a CSV or XLSX file holds exactly the filtered rows, then the
totals (all rows and per benefit type)."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from metrics.models import BenefitType, ResultStatus, StatisticalTest
from tests.factories import AreaFactory, LedgerRowFactory, QuarterCloseFactory
from tests.metrics.desk import desk_url

pytestmark = pytest.mark.django_db

HEADER_ID = "Initiative id"


@pytest.fixture
def desk(client, staff_reviewer):
    client.force_login(staff_reviewer)
    return client


@pytest.fixture
def rows():
    """Four 2026 Q1 rows in the Warehouse (two hard and one soft proven, one hard
    unproven: an interim quarter not significant at 0.001), and rows the filter leaves
    out: Warehouse in Q2, another area in Q1."""
    warehouse = AreaFactory(name="Warehouse")
    wanted = [
        LedgerRowFactory(
            initiative__area=warehouse,
            computed_benefit=Decimal("1000.00"),
            validated_benefit=Decimal("900.00"),
            test_method=StatisticalTest.WELCH,
            alpha=0.05,
            improvement_low=1.5,
            improvement_high=8.5,
            benefit_low=Decimal("375.00"),
            benefit_high=Decimal("2125.00"),
        ),
        LedgerRowFactory(
            initiative__area=warehouse,
            computed_benefit=Decimal("250.25"),
            validated_benefit=None,
        ),
        LedgerRowFactory(
            initiative__area=warehouse,
            target__benefit_type=BenefitType.SOFT,
            computed_benefit=Decimal("400.00"),
            validated_benefit=Decimal("100.50"),
        ),
        LedgerRowFactory(
            initiative__area=warehouse,
            p_value=0.004,
            significant=False,
            status=ResultStatus.AT_RISK,
            computed_benefit=None,
            unproven_benefit=Decimal("620.75"),
            test_method=StatisticalTest.ONE_SAMPLE_T,
            alpha=0.001,
            improvement_low=-0.5,
            improvement_high=5.5,
            benefit_low=Decimal("-125.00"),
            benefit_high=Decimal("1375.00"),
        ),
    ]
    LedgerRowFactory(initiative__area=warehouse, quarter=2, computed_benefit=Decimal("7"))
    LedgerRowFactory(
        initiative__area=warehouse, quarter=2, computed_benefit=None, unproven_benefit=3
    )
    LedgerRowFactory(computed_benefit=Decimal("5"))
    return warehouse, wanted


# The test, its threshold and the improvement's interval, by column.
EVIDENCE = ["Test", "Alpha", "Improvement 95 % CI low", "Improvement 95 % CI high"]
FILTERS = lambda area: {"year": 2026, "quarter": 1, "area": area.pk}  # noqa: E731


# Money headers name the currency (settings.CURRENCY, USD by default).
TOTALLED = ["Proven benefit (USD)", "Unproven benefit (USD)", "Validated benefit (USD)"]


def split(lines: list[list]) -> tuple[list, list[list], dict]:
    """(header, data lines, {total label: (proven, unproven, validated)})."""
    header, rest = lines[0], lines[1:]
    blank = next(i for i, line in enumerate(rest) if not any(c not in (None, "") for c in line))
    columns = [header.index(name) for name in TOTALLED]
    totals = {line[0]: tuple(Decimal(str(line[c])) for c in columns) for line in rest[blank + 1 :]}
    return header, rest[:blank], totals


EXPECTED_TOTALS = {
    "Total": (Decimal("1650.25"), Decimal("620.75"), Decimal("1000.50")),
    "Total hard savings": (Decimal("1250.25"), Decimal("620.75"), Decimal("900.00")),
    "Total soft savings": (Decimal("400.00"), Decimal("0.00"), Decimal("100.50")),
    "Total cost avoidance": (Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
}


def test_it_exports_the_filtered_rows_as_csv(desk, rows):
    area, wanted = rows

    response = desk.get(desk_url("export", "csv"), FILTERS(area))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ledger-')
    text = response.content.decode("utf-8-sig")
    header, data, totals = split(list(csv.reader(io.StringIO(text))))
    ids = header.index(HEADER_ID)
    assert sorted(int(line[ids]) for line in data) == sorted(r.initiative_id for r in wanted)
    assert totals == EXPECTED_TOTALS
    first = next(line for line in data if int(line[ids]) == wanted[0].initiative_id)
    assert first[header.index("Area")] == "Warehouse"
    assert first[header.index("Validated benefit (USD)")] == "900.00"
    assert first[header.index("Benefit type")] == "Hard savings"
    # The unproven benefit beside the proven one, then the interval; the test and its α.
    proven_at = header.index("Proven benefit (USD)")
    assert header[proven_at : proven_at + 5] == [
        "Proven benefit (USD)",
        "Unproven benefit (USD)",
        "Benefit 95 % CI low (USD)",
        "Benefit 95 % CI high (USD)",
        "Validated benefit (USD)",
    ]
    assert first[proven_at : proven_at + 4] == ["1000.00", "", "375.00", "2125.00"]
    assert [first[header.index(name)] for name in EVIDENCE] == [
        "Welch's two-sample t-test",
        "0.05",
        "1.5",
        "8.5",
    ]
    unproven = next(line for line in data if int(line[ids]) == wanted[3].initiative_id)
    assert unproven[proven_at : proven_at + 4] == ["", "620.75", "-125.00", "1375.00"]
    assert [unproven[header.index(name)] for name in EVIDENCE] == [
        "One-sample t-test against the typed baseline",
        "0.001",
        "-0.5",
        "5.5",
    ]
    assert unproven[header.index("Significant")] == "no"


def test_it_exports_the_filtered_rows_as_xlsx(desk, rows):
    area, wanted = rows

    response = desk.get(desk_url("export", "xlsx"), FILTERS(area))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    header, data, totals = split(lines)
    ids = header.index(HEADER_ID)
    assert sorted(line[ids] for line in data) == sorted(r.initiative_id for r in wanted)
    assert totals == EXPECTED_TOTALS
    unproven = next(line for line in data if line[ids] == wanted[3].initiative_id)
    proven_at = header.index("Proven benefit (USD)")
    assert unproven[proven_at : proven_at + 4] == [None, 620.75, -125, 1375]
    assert [unproven[header.index(name)] for name in EVIDENCE] == [
        "One-sample t-test against the typed baseline",
        0.001,
        -0.5,
        5.5,
    ]


def test_it_exports_the_search_and_the_closed_quarters_too(desk):
    QuarterCloseFactory(year=2026, quarter=1)
    wanted = LedgerRowFactory(initiative__title="Cross-dock the returns")
    LedgerRowFactory(initiative__title="Label the bins")

    response = desk.get(desk_url("export", "csv"), {"q": "cross-dock"})

    header, data, totals = split(
        list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    )
    assert [int(line[header.index(HEADER_ID)]) for line in data] == [wanted.initiative_id]
    assert data[0][header.index("Closed")] == "yes"
    assert totals["Total"] == (Decimal("1250.00"), Decimal("0.00"), Decimal("0.00"))


def test_it_exports_the_selected_rows_from_the_action(desk, rows):
    _, wanted = rows

    response = desk.post(
        desk_url(),
        {"action": "export_selected_csv", "_selected_action": [wanted[0].pk, wanted[2].pk]},
    )

    assert response.status_code == 200
    header, data, totals = split(
        list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    )
    assert sorted(int(line[header.index(HEADER_ID)]) for line in data) == sorted(
        [wanted[0].initiative_id, wanted[2].initiative_id]
    )
    assert totals["Total"] == (Decimal("1400.00"), Decimal("0.00"), Decimal("1000.50"))


def test_it_keeps_text_that_looks_like_a_formula_as_text(desk):
    LedgerRowFactory(initiative__title='=HYPERLINK("http://evil.example","Click")')

    response = desk.get(desk_url("export", "csv"))

    header, data, _ = split(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))))
    assert data[0][header.index("Initiative")] == '\'=HYPERLINK("http://evil.example","Click")'


def test_it_refuses_an_unknown_export_format(desk):
    assert desk.get(desk_url("export", "pdf")).status_code == 404


def test_it_exports_only_for_people_who_may_see_the_desk(client, user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)

    assert client.get(desk_url("export", "csv")).status_code == 403
