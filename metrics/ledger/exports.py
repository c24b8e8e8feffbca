"""The review desk's export: ledger rows as CSV or XLSX, with a totals block.

`export_rows()` takes the rows to export — the admin passes the changelist's filtered
queryset — so a file holds exactly what the reviewer was looking at."""

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from improvement.people import display_name
from metrics.models import BenefitType

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _metric(row) -> str:
    return row.target.metric.name if row.target_id else ""


def _benefit_type(row) -> str:
    return row.target.get_benefit_type_display() if row.target_id else ""


COLUMNS: list[tuple[str, Callable]] = [
    ("Year", lambda r: r.year),
    ("Quarter", lambda r: r.quarter),
    ("Initiative id", lambda r: r.initiative_id),
    ("Initiative", lambda r: r.initiative.title),
    ("Area", lambda r: r.initiative.area.name),
    ("Methodology", lambda r: r.initiative.get_methodology_display()),
    ("Owner", lambda r: display_name(r.initiative.owner)),
    ("Primary metric", _metric),
    ("Measurements", lambda r: r.n_measurements),
    ("Baseline mean", lambda r: r.baseline_mean),
    ("Quarter mean", lambda r: r.quarter_mean),
    ("Improvement", lambda r: r.improvement),
    ("Improvement 95 % CI low", lambda r: r.improvement_low),
    ("Improvement 95 % CI high", lambda r: r.improvement_high),
    ("Improvement %", lambda r: r.improvement_pct),
    ("Progress %", lambda r: r.progress_pct),
    ("Test", lambda r: r.get_test_method_display()),
    ("p-value", lambda r: r.p_value),
    ("Alpha", lambda r: r.alpha),
    ("Significant", lambda r: r.significant),
    ("Status", lambda r: r.get_status_display()),
    # Proven: the computed benefit of a quarter whose test is significant; unproven: the
    # computed benefit of any other. A row has one or the other, never both.
    ("Proven benefit", lambda r: r.computed_benefit),
    ("Unproven benefit", lambda r: r.unproven_benefit),
    ("Benefit 95 % CI low", lambda r: r.benefit_low),
    ("Benefit 95 % CI high", lambda r: r.benefit_high),
    ("Validated benefit", lambda r: r.validated_benefit),
    ("Benefit type", _benefit_type),
    ("Reviewed by", lambda r: display_name(r.reviewed_by)),
    ("Reviewed at", lambda r: r.reviewed_at),
    ("Review note", lambda r: r.review_note),
    ("Double counted", lambda r: r.double_counted),
    ("Closed", lambda r: r.closed),
]
HEADERS = [name for name, _ in COLUMNS]
# The columns the totals lines fill: totals() key → column.
TOTAL_COLUMNS = {
    "computed": HEADERS.index("Proven benefit"),
    "unproven": HEADERS.index("Unproven benefit"),
    "validated": HEADERS.index("Validated benefit"),
}


def export_queryset(rows):
    """The rows with what the columns read, in a fixed number of queries."""
    return (
        rows.select_related(
            "initiative__area", "initiative__owner", "target__metric", "reviewed_by"
        )
        .with_closed()
        .with_double_counting()
    )


def export_rows(rows) -> Iterator[list]:
    """The header, one line per row, a blank line, then the totals — proven, unproven and
    validated, each in its own column — of all rows and of each benefit type (the
    target's)."""
    rows = export_queryset(rows)
    yield HEADERS
    for row in rows.iterator(chunk_size=2000):
        yield [value(row) for _, value in COLUMNS]
    totals = rows.totals()
    yield []
    labels = [("", "Total"), *((f"_{k}", f"Total {v.lower()}") for k, v in BenefitType.choices)]
    for suffix, label in labels:
        line = [""] * len(HEADERS)
        line[0] = label
        for key, column in TOTAL_COLUMNS.items():
            line[column] = totals[f"{key}{suffix}"] or Decimal("0.00")
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


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, str):
        return _text_safe(value)
    return str(value)  # a number: "-3.5" is a negative number, not a formula


def as_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in export_rows(rows):
        writer.writerow([_csv_cell(v) for v in line])
    # A BOM, so Excel opens the UTF-8 file with accents intact.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_cell(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None)  # XLSX has no time zones
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _text_safe(value)


def as_xlsx(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ledger")
    for i, line in enumerate(export_rows(rows)):
        cells = [_xlsx_cell(v) for v in line]
        if i == 0:
            cells = [WriteOnlyCell(sheet, value=name) for name in cells]
            for cell in cells:
                cell.font = Font(bold=True)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(extension: str) -> str:
    return f"ledger-{timezone.localdate():%Y-%m-%d}.{extension}"
