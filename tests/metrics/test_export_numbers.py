"""The desk's exports carry figures as numbers a reader can use (issue 15): money to the
cent and statistics to 6 significant digits — no 45.12727272727273 — with the currency in
the money headers and the metric's unit beside the statistics; in an XLSX every figure is
a number cell with its column's number format."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from metrics.ledger import exports
from tests.factories import LedgerRowFactory, MetricFactory
from tests.metrics.desk import desk_url

pytestmark = pytest.mark.django_db

RAW = {
    "baseline_mean": 45.12727272727273,
    "quarter_mean": 38.97142857142857,
    "improvement": 6.155844155844159,
    "improvement_low": 2.0000004999,
    "improvement_high": 10.311688311688,
    "improvement_pct": 13.641083521444704,
    "progress_pct": 61.55844155844159,
    "p_value": 2.008e-05,
    "alpha": 0.05,
    "computed_benefit": Decimal("16937.93"),
    "benefit_low": Decimal("-125.00"),
    "benefit_high": Decimal("28123.40"),
}


@pytest.fixture
def desk(client, staff_reviewer):
    client.force_login(staff_reviewer)
    return client


@pytest.fixture
def row():
    return LedgerRowFactory(
        target__metric=MetricFactory(name="Invoice cycle time", unit="days"), **RAW
    )


def first_line(lines: list[list]) -> dict:
    return dict(zip(lines[0], lines[1], strict=True))


def test_it_names_the_currency_and_the_unit_in_the_header(desk, row, settings):
    settings.CURRENCY = "EUR"

    text = desk.get(desk_url("export", "csv")).content.decode("utf-8-sig")

    line = first_line(list(csv.reader(io.StringIO(text))))
    for header in [
        "Proven benefit (EUR)",
        "Unproven benefit (EUR)",
        "Benefit 95 % CI low (EUR)",
        "Benefit 95 % CI high (EUR)",
        "Validated benefit (EUR)",
    ]:
        assert header in line, header
    assert line["Unit"] == "days"
    assert line["Primary metric"] == "Invoice cycle time"


def test_it_rounds_the_csvs_statistics_and_keeps_money_to_the_cent(desk, row):
    text = desk.get(desk_url("export", "csv")).content.decode("utf-8-sig")

    line = first_line(list(csv.reader(io.StringIO(text))))
    assert {
        name: line[name]
        for name in [
            "Baseline mean",
            "Quarter mean",
            "Improvement",
            "Improvement 95 % CI low",
            "Improvement 95 % CI high",
            "Improvement %",
            "Progress %",
            "p-value",
            "Alpha",
            "Proven benefit (USD)",
            "Unproven benefit (USD)",
            "Benefit 95 % CI low (USD)",
            "Benefit 95 % CI high (USD)",
            "Measurements",
        ]
    } == {
        "Baseline mean": "45.1273",
        "Quarter mean": "38.9714",
        "Improvement": "6.15584",
        "Improvement 95 % CI low": "2",  # 2.0000004999 to 6 significant digits
        "Improvement 95 % CI high": "10.3117",
        "Improvement %": "13.6411",
        "Progress %": "61.5584",
        "p-value": "0.00002008",  # not 2.008e-05, not 0
        "Alpha": "0.05",
        "Proven benefit (USD)": "16937.93",
        "Unproven benefit (USD)": "",
        "Benefit 95 % CI low (USD)": "-125.00",
        "Benefit 95 % CI high (USD)": "28123.40",
        "Measurements": "12",
    }


def test_it_writes_the_xlsx_figures_as_number_cells_with_number_formats(desk, row):
    response = desk.get(desk_url("export", "xlsx"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    expected = {
        # column: (value, number format)
        "Year": (2026, "0"),
        "Measurements": (12, "0"),
        "Baseline mean": (45.1273, "#,##0.0###"),
        "Quarter mean": (38.9714, "#,##0.0###"),
        "Improvement": (6.15584, "#,##0.0###"),
        "Improvement 95 % CI high": (10.3117, "#,##0.0###"),
        "Improvement %": (13.6411, "0.0"),
        "Progress %": (61.5584, "0.0"),
        "p-value": (2.008e-05, '[<0.001]"< 0.001";0.000'),
        "Alpha": (0.05, "0.000"),
        "Proven benefit (USD)": (16937.93, "#,##0.00"),
        "Benefit 95 % CI low (USD)": (-125, "#,##0.00"),
        "Benefit 95 % CI high (USD)": (28123.4, "#,##0.00"),
    }
    for name, (value, number_format) in expected.items():
        cell = cells[name]
        assert cell.data_type == "n", name
        assert cell.value == pytest.approx(value, rel=1e-12), name
        assert cell.number_format == number_format, name
    assert cells["Unproven benefit (USD)"].value is None
    assert cells["Initiative"].data_type == "s"
    assert cells["Unit"].value == "days"
    assert all(cell.font.b for cell in sheet[1])


def test_it_writes_the_totals_as_money_to_the_cent(desk, row):
    LedgerRowFactory(computed_benefit=Decimal("0.13"))

    response = desk.get(desk_url("export", "xlsx"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    total = next(line for line in sheet.iter_rows() if line[0].value == "Total")
    proven = total[header.index("Proven benefit (USD)")]
    assert proven.data_type == "n"
    assert proven.number_format == "#,##0.00"
    assert proven.value == pytest.approx(16938.06)


def test_every_figure_column_has_a_number_format():
    kinds = {column.header: column.kind for column in exports.columns()}

    figures = [header for header, kind in kinds.items() if kind != exports.TEXT]
    assert all(exports.XLSX_FORMATS.get(kinds[header]) for header in figures)
    assert "Baseline mean" in figures and "p-value" in figures
