"""The review desk's export: ledger rows as CSV or XLSX, with a totals block.

`export_rows()` takes the rows to export — the admin passes the changelist's filtered
queryset — so a file holds exactly what the reviewer was looking at.

Figures are numbers, rounded as a reader needs them: money to whole cents, statistics to
6 significant digits (no 45.12727272727273). A CSV writes them locale-free ("1375.00",
"0.00002008"); an XLSX holds number cells, each column with its number format. Money
headers name the currency, "Proven benefit (USD)"; the statistics are in the unit of the
row's metric, in the Unit column."""

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from improvement import formatting
from improvement.people import display_name
from metrics.models import BenefitType

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _metric(row) -> str:
    return row.target.metric.name if row.target_id else ""


def _unit(row) -> str:
    return row.target.metric.unit if row.target_id else ""


def _benefit_type(row) -> str:
    return row.target.get_benefit_type_display() if row.target_id else ""


# What a column holds, which says how a file writes it: money to whole cents, statistics
# to STAT_DIGITS significant digits (a CSV's text and an XLSX's number alike), and in an
# XLSX the number format a spreadsheet shows it with.
TEXT = "text"
WHOLE = "whole"  # counts, years, ids
MONEY = "money"  # in settings.CURRENCY
STAT = "stat"  # in the metric's unit
PERCENT = "percent"  # a number of percent: 21.4
P_VALUE = "p_value"
THRESHOLD = "threshold"  # the test's alpha
MOMENT = "moment"
STAT_DIGITS = formatting.EXPORT_DIGITS
XLSX_FORMATS = {
    WHOLE: "0",
    MONEY: "#,##0.00",
    STAT: "#,##0.0###",
    PERCENT: "0.0",
    # The p-value itself is in the cell; below 0.001 it shows as "< 0.001", as on the pages.
    P_VALUE: '[<0.001]"< 0.001";0.000',
    THRESHOLD: "0.000",
    MOMENT: "yyyy-mm-dd hh:mm",
}


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable
    kind: str = TEXT
    total: str = ""  # the QuarterlyResult totals() key the totals lines put here


def columns() -> list[Column]:
    """The export's columns; money headers name settings.CURRENCY, the statistics are in
    the row's metric's unit (the Unit column)."""
    currency = settings.CURRENCY
    return [
        Column("Year", lambda r: r.year, WHOLE),
        Column("Quarter", lambda r: r.quarter, WHOLE),
        Column("Initiative id", lambda r: r.initiative_id, WHOLE),
        Column("Initiative", lambda r: r.initiative.title),
        Column("Area", lambda r: r.initiative.area.name),
        Column("Methodology", lambda r: r.initiative.get_methodology_display()),
        Column("Owner", lambda r: display_name(r.initiative.owner)),
        Column("Primary metric", _metric),
        Column("Unit", _unit),
        Column("Measurements", lambda r: r.n_measurements, WHOLE),
        Column("Baseline mean", lambda r: r.baseline_mean, STAT),
        Column("Quarter mean", lambda r: r.quarter_mean, STAT),
        Column("Improvement", lambda r: r.improvement, STAT),
        Column("Improvement 95 % CI low", lambda r: r.improvement_low, STAT),
        Column("Improvement 95 % CI high", lambda r: r.improvement_high, STAT),
        Column("Improvement %", lambda r: r.improvement_pct, PERCENT),
        Column("Progress %", lambda r: r.progress_pct, PERCENT),
        Column("Test", lambda r: r.get_test_method_display()),
        Column("p-value", lambda r: r.p_value, P_VALUE),
        Column("Alpha", lambda r: r.alpha, THRESHOLD),
        Column("Significant", lambda r: r.significant),
        Column("Status", lambda r: r.get_status_display()),
        # Proven: the computed benefit of a quarter whose test is significant; unproven:
        # the computed benefit of any other. A row has one or the other, never both.
        Column(f"Proven benefit ({currency})", lambda r: r.computed_benefit, MONEY, "computed"),
        Column(f"Unproven benefit ({currency})", lambda r: r.unproven_benefit, MONEY, "unproven"),
        Column(f"Benefit 95 % CI low ({currency})", lambda r: r.benefit_low, MONEY),
        Column(f"Benefit 95 % CI high ({currency})", lambda r: r.benefit_high, MONEY),
        Column(
            f"Validated benefit ({currency})", lambda r: r.validated_benefit, MONEY, "validated"
        ),
        Column("Benefit type", _benefit_type),
        Column("Reviewed by", lambda r: display_name(r.reviewed_by)),
        Column("Reviewed at", lambda r: r.reviewed_at, MOMENT),
        Column("Review note", lambda r: r.review_note),
        Column("Double counted", lambda r: r.double_counted),
        Column("Closed", lambda r: r.closed),
    ]


def _exported(value, kind: str):
    """A figure as both files hold it: money in whole cents, statistics to STAT_DIGITS
    significant digits (Decimals); anything else as it is."""
    if value is None or isinstance(value, bool):
        return value
    if kind == MONEY:
        return formatting.cents(value)
    if kind in (STAT, PERCENT, P_VALUE, THRESHOLD):
        return formatting.rounded(value, STAT_DIGITS)
    return value


def export_queryset(rows):
    """The rows with what the columns read, in a fixed number of queries."""
    return (
        rows.select_related(
            "initiative__area", "initiative__owner", "target__metric", "reviewed_by"
        )
        .with_closed()
        .with_double_counting()
    )


def export_rows(rows, cols: list[Column] | None = None) -> Iterator[list]:
    """The header, one line per row, a blank line, then the totals — proven, unproven and
    validated, each in its own column — of all rows and of each benefit type (the
    target's). Figures rounded as `_exported` says."""
    cols = cols or columns()
    rows = export_queryset(rows)
    yield [c.header for c in cols]
    for row in rows.iterator(chunk_size=2000):
        yield [_exported(c.value(row), c.kind) for c in cols]
    totals = rows.totals()
    yield []
    at = {c.total: i for i, c in enumerate(cols) if c.total}
    labels = [("", "Total"), *((f"_{k}", f"Total {v.lower()}") for k, v in BenefitType.choices)]
    for suffix, label in labels:
        line = [""] * len(cols)
        line[0] = label
        for key, column in at.items():
            line[column] = formatting.cents(totals[f"{key}{suffix}"] or Decimal("0.00"))
        yield line


# Characters XML 1.0 cannot hold, so neither can an XLSX cell (openpyxl raises
# IllegalCharacterError): the C0 controls but tab, newline and carriage return; lone
# surrogates, which UTF-8 cannot encode either (a CSV would fail the same way); and the
# two non-characters U+FFFE and U+FFFF. Each becomes U+FFFD, the replacement character,
# so the reader sees that something was there.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What makes Excel, LibreOffice or Google Sheets read a typed or imported cell as a formula
# (or, for "|", as a DDE command in older Excel; "%" starts LibreOffice's field syntax in
# some imports): the ASCII and the full-width signs, and the control characters that
# spreadsheets skip before them.
FORMULA_STARTS = frozenset("=+-@|%\t\r\n＝＋－＠｜％")


def _text_safe(value):
    """Text a spreadsheet shows as typed: characters a file cannot hold replaced, and a
    cell that a spreadsheet would run as a formula — starting with one of FORMULA_STARTS,
    even after spaces — kept as text by a leading apostrophe (OWASP "CSV injection"),
    so a title like "=HYPERLINK(…)" is never a live link."""
    if not isinstance(value, str):
        return value
    value = UNWRITABLE.sub("\ufffd", value)
    if value[:1] in FORMULA_STARTS or value.lstrip()[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def _csv_cell(value, kind: str = TEXT) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, str):
        return _text_safe(value)
    if isinstance(value, Decimal):
        # Money keeps its cents ("-12.50"); a statistic is written without trailing zeros
        # or an exponent ("0.00002008"). "-3.5" is a negative number, not a formula.
        return f"{value:f}" if kind == MONEY else formatting.plain_number(value)
    return str(value)


def as_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    cols = columns()
    for line in export_rows(rows, cols):
        writer.writerow([_csv_cell(v, c.kind) for v, c in zip(line, cols, strict=False)])
    # A BOM, so Excel opens the UTF-8 file with accents intact.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_cell(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None)  # XLSX has no time zones
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return float(value)  # a number cell; rounded already, so the float is exact enough
    return _text_safe(value)


def as_xlsx(rows) -> bytes:
    """The ledger as a sheet whose figures are number cells, each column with its number
    format (XLSX_FORMATS); the header bold."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ledger")
    cols = columns()
    formats = [XLSX_FORMATS.get(c.kind) for c in cols]
    lines = export_rows(rows, cols)
    header = [WriteOnlyCell(sheet, value=name) for name in next(lines)]
    for cell in header:
        cell.font = Font(bold=True)
    sheet.append(header)
    for line in lines:
        cells = []
        for value, number_format in zip(line, formats, strict=False):
            cell = _xlsx_cell(value)
            # Only a number gets a styled cell: the rest go in as they are (cheaper).
            if number_format and isinstance(cell, int | float | dt.datetime):
                cell = WriteOnlyCell(sheet, value=cell)
                cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(extension: str) -> str:
    return f"ledger-{timezone.localdate():%Y-%m-%d}.{extension}"
