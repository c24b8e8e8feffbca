"""The desk's exports never break on what people typed, and never hand a spreadsheet a
formula: control characters a file cannot hold are replaced, and every text that a
spreadsheet would run is kept as text — through the admin's export endpoints, CSV and
XLSX, read back as a spreadsheet program would."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from metrics.ledger import exports
from metrics.models import QuarterlyResult
from tests.factories import LedgerRowFactory
from tests.metrics.desk import desk_url

pytestmark = pytest.mark.django_db

R = "\ufffd"  # the replacement character

# (what was typed, the cell the export must hold)
PAYLOADS = [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://evil.example","Click")', '\'=HYPERLINK("http://evil.example","Click")'),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("\n=1+1", "'\n=1+1"),
    ("＝1+1", "'＝1+1"),  # full-width signs, which spreadsheets read as their ASCII twins
    ("＋1", "'＋1"),
    ("－1", "'－1"),
    ("＠SUM(A1)", "'＠SUM(A1)"),
    ("|calc'!A0", "'|calc'!A0"),  # DDE
    ("%0A=1+1", "'%0A=1+1"),
    ("  =1+1", "'  =1+1"),  # spaces first
    ("\u3000=1+1", "'\u3000=1+1"),  # an ideographic space
    ("\xa0+1", "'\xa0+1"),  # a no-break space
    ("Faster\x1binvoicing", f"Faster{R}invoicing"),  # ESC: illegal in XLSX
    ("\x01=cmd", f"{R}=cmd"),
    ("bell\x07 tab\x0b form\x0c shift\x0e unit\x1f", f"bell{R} tab{R} form{R} shift{R} unit{R}"),
    ("Two\nlines\tand a tab", "Two\nlines\tand a tab"),  # kept: the formats hold them
    ("Plain title 5% better", "Plain title 5% better"),
]


@pytest.fixture
def desk(client, staff_reviewer):
    client.force_login(staff_reviewer)
    return client


@pytest.fixture
def rows():
    """One ledger row per payload, typed as the initiative's title and the review note;
    {initiative id: expected cell}."""
    expected = {}
    for typed, cell in PAYLOADS:
        row = LedgerRowFactory(
            initiative__title=typed, review_note=typed, validated_benefit=Decimal("-12.50")
        )
        expected[row.initiative_id] = cell
    return expected


def data_lines(lines: list[list]) -> tuple[list, list[list]]:
    header, rest = lines[0], lines[1:]
    blank = next(i for i, line in enumerate(rest) if not any(c not in (None, "") for c in line))
    return header, rest[:blank]


def cells(lines: list[list], column: str) -> dict:
    header, data = data_lines(lines)
    key, index = header.index("Initiative id"), header.index(column)
    return {int(line[key]): line[index] for line in data}


def test_it_exports_every_payload_as_neutralised_text_in_csv(desk, rows):
    response = desk.get(desk_url("export", "csv"))

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert cells(lines, "Initiative") == rows
    assert cells(lines, "Review note") == rows
    # Numbers stay numbers: a negative benefit is not a formula.
    assert set(cells(lines, "Validated benefit (USD)").values()) == {"-12.50"}


def test_it_exports_every_payload_as_neutralised_text_in_xlsx(desk, rows):
    response = desk.get(desk_url("export", "xlsx"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    # XML reads a carriage return back as a newline.
    expected = {pk: cell.replace("\r", "\n") for pk, cell in rows.items()}
    assert cells(lines, "Initiative") == expected
    assert cells(lines, "Review note") == expected
    assert set(cells(lines, "Validated benefit (USD)").values()) == {-12.5}
    # No cell of the file is a formula.
    assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)


def test_it_exports_the_selected_rows_with_the_same_care(desk, rows):
    selected = list(rows)[:3]
    pks = list(
        QuarterlyResult.objects.filter(initiative_id__in=selected).values_list("pk", flat=True)
    )

    response = desk.post(
        desk_url("changelist"), {"action": "export_selected_xlsx", "_selected_action": pks}
    )

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    assert cells(lines, "Initiative") == {pk: rows[pk] for pk in selected}


@pytest.mark.parametrize(
    ("typed", "cell"),
    [
        ("nul\x00byte", f"nul{R}byte"),  # PostgreSQL refuses it, SQLite stores it
        ("lone \ud800 surrogate", f"lone {R} surrogate"),  # UTF-8 cannot encode it
        ("non-characters \ufffe\uffff", f"non-characters {R}{R}"),
    ],
)
def test_it_replaces_what_no_file_can_hold_in_both_formats(typed, cell):
    assert exports._csv_cell(typed) == cell
    assert exports._xlsx_cell(typed) == cell
