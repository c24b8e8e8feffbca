"""Importing measurements from a CSV or XLSX file (the admin's import page).

The file has a header row naming the columns `initiative` (an id or an exact title),
`metric` (a catalog name), `observed_at` (a date or date-time), `value` and optionally
`sample_size`; letter case and column order do not matter. A target is found by its
initiative and metric. Rows are numbered as a spreadsheet shows them: the header is row 1.

`read_table()` turns the file into plain text cells; `check()` parses and resolves them,
and records them through metrics.services.record_measurements — the same all-or-nothing
batch, per-item checks and results recompute as the web page and the API — inside a
transaction that is rolled back for a preview (`dry_run=True`). Every problem names its
row and column; if there is one, nothing is saved.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from improvement import visibility
from metrics import services
from metrics.forms import (
    BadCell,
    digits_hint,
    in_the_future,
    read_number,
    read_value,
    read_when,
)
from metrics.ids import parse_id
from metrics.models import MeasurementSource, Metric, Target
from metrics.periods import end_of_today
from metrics.services import MAX_BATCH

COLUMNS = ("initiative", "metric", "observed_at", "value", "sample_size")
REQUIRED = COLUMNS[:4]
# The service names the target when the actor may not record on it: that is the
# initiative column of the file.
SERVICE_COLUMNS = {"target": "initiative"}


class FileUnreadable(Exception):
    """The upload is not a CSV or XLSX table with the expected header."""


@dataclass
class Problem:
    row: int | None  # None: about the file as a whole
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"Row {self.row}"] if self.row else []
        if self.column:
            where.append(f"column “{self.column}”")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class Outcome:
    """What an import did (or, for a preview, would do)."""

    items: list[dict] = field(default_factory=list)  # each with its "row" number
    problems: list[Problem] = field(default_factory=list)
    saved: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


# --- reading the file --------------------------------------------------------------------


def read_table(upload) -> list[list[str]]:
    """The file's rows as text cells, the header first. XLSX by its extension or content,
    else CSV (UTF-8, comma, semicolon or tab separated)."""
    name = (getattr(upload, "name", "") or "").lower()
    head = upload.read(4)
    upload.seek(0)
    if name.endswith(".xlsx") or head == b"PK\x03\x04":
        return _read_xlsx(upload)
    return _read_csv(upload)


def _read_csv(upload) -> list[list[str]]:
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileUnreadable(
            _("The file is neither an XLSX workbook nor UTF-8 CSV text.")
        ) from None
    delimiter = _delimiter(text.split("\n", 1)[0])
    try:
        return [
            [cell.strip() for cell in line]
            for line in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error:  # a cell of more than 128 KiB
        raise FileUnreadable(_("The file is not a CSV table: a cell is far too long.")) from None


def _delimiter(header: str) -> str:
    """The separator that splits the header into the most known column names: the header
    is the one line whose cells are known, where csv.Sniffer guesses from a sample and
    can take the decimal comma of "2026-01-05;12,5" for the separator."""
    return max(
        ",;\t",
        key=lambda d: sum(
            _column_name(cell) in COLUMNS for cell in next(csv.reader([header], delimiter=d), [])
        ),
    )


def _read_xlsx(upload) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise FileUnreadable(_("The file could not be read as an XLSX workbook.")) from None
    try:
        sheet = book.worksheets[0]
        return [[_xlsx_text(v) for v in line] for line in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _xlsx_text(value) -> str:
    """A cell as the text a person would have typed (dates ISO, 30.0 as 30)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- checking and recording ----------------------------------------------------------------


def check(table: list[list[str]], *, actor, dry_run: bool) -> Outcome:
    """Parse, resolve and record the rows; with `dry_run` roll everything back. Problems
    are collected from every row before anything is decided, so one pass names them all;
    if there is any, nothing is saved."""
    outcome = Outcome()
    records = _records(table, outcome)
    if not records or len(records) > MAX_BATCH:
        return outcome
    targets = _resolve(records, outcome, actor=actor)
    bad_rows = {problem.row for problem in outcome.problems}
    first_row: dict[tuple, int] = {}
    for record in records:
        number, target = record["row"], targets.get(record["row"])
        if target is None or number in bad_rows:
            continue
        key = (target.pk, record["item"]["observed_at"])
        if key in first_row:
            # Caught here rather than by the service, whose message counts list items.
            outcome.problems.append(
                Problem(number, "observed_at", f"same target and time as row {first_row[key]}.")
            )
            continue
        first_row[key] = number
        outcome.items.append({**record["item"], "target": target, "row": number})
    if outcome.items:
        # With problems already found, still check the good rows (nothing is saved).
        _record(outcome, actor=actor, dry_run=dry_run or not outcome.ok)
    outcome.problems.sort(
        key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else 0)
    )
    if not outcome.ok:
        outcome.saved = 0
    return outcome


def _records(table, outcome) -> list[dict]:
    header = [_column_name(cell) for cell in (table[0] if table else [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        names = ", ".join(missing)
        outcome.problems.append(
            Problem(
                1,
                None,
                f"the header must name the columns {', '.join(REQUIRED)} (missing: {names}).",
            )
        )
        return []
    index = {name: header.index(name) for name in COLUMNS if name in header}
    records, latest = [], end_of_today()
    for number, line in enumerate(table[1:], start=2):
        if not any(line):
            continue
        cells = {name: (line[i] if i < len(line) else "") for name, i in index.items()}
        item, problems = _parse(number, cells, latest=latest)
        outcome.problems.extend(problems)
        records.append({"row": number, "cells": cells, "item": item})
    if not records:
        outcome.problems.append(Problem(None, None, "The file has no measurements."))
    if len(records) > MAX_BATCH:
        outcome.problems.append(
            Problem(None, None, f"Import at most {MAX_BATCH} measurements at a time.")
        )
    return records


def _column_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def _parse(number: int, cells: dict, *, latest: dt.datetime) -> tuple[dict, list[Problem]]:
    """A row's cells read as the paste box reads them (metrics.forms), and every problem
    of the row. `latest` is the end of today: a measurement after it is refused."""
    problems, item = [], {}
    for name in REQUIRED:
        if not cells.get(name):
            problems.append(Problem(number, name, "this cell is empty."))
    if cells.get("observed_at"):
        try:
            item["observed_at"] = read_when(cells["observed_at"])
        except BadCell as exc:
            problems.append(Problem(number, "observed_at", str(exc)))
        else:
            future = in_the_future(cells["observed_at"], item["observed_at"], latest)
            if future:
                problems.append(Problem(number, "observed_at", future))
    if cells.get("value"):
        # A decimal comma whatever the separator: a comma-separated file quotes such a cell.
        try:
            item["value"] = read_value(cells["value"], decimal_comma=True)
        except BadCell as exc:
            problems.append(Problem(number, "value", str(exc)))
    if cells.get("sample_size"):
        try:
            size = read_number(cells["sample_size"])
        except BadCell:
            size = None
        if size is None or not size.is_integer() or size < 1:
            problems.append(
                Problem(
                    number,
                    "sample_size",
                    f"“{cells['sample_size']}” is not a whole number of at least 1"
                    f"{digits_hint(cells['sample_size'])}.",
                )
            )
        else:
            item["sample_size"] = int(size)
    return item, problems


def _resolve(records, outcome, *, actor) -> dict[int, Target]:
    """Each row's target, from its initiative (id or title) and metric name, in four
    queries whatever the number of rows (the fourth reads the initiatives' teams, for the
    service's role check). Titles and names match ignoring letter case. An initiative the
    actor may not see (improvement.visibility) is as unknown as one that does not exist."""
    # An id in the digits 0–9 (metrics.ids): str.isdigit() also says yes to "²" and "１２".
    ids = {parse_id(r["cells"]["initiative"]) for r in records} - {None}
    titles = {r["cells"]["initiative"].lower() for r in records}
    names = {r["cells"]["metric"].lower() for r in records}
    initiatives = list(
        visibility.visible_initiatives(actor)
        .annotate(lower_title=Lower("title"))
        .filter(Q(pk__in=ids) | Q(lower_title__in=titles))
        .values_list("pk", "lower_title")
    )
    by_title: dict[str, list[int]] = {}
    for pk, title in initiatives:
        by_title.setdefault(title, []).append(pk)
    known_ids = {pk for pk, _ in initiatives}
    metrics = dict(
        Metric.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name__in=names)
        .values_list("lower_name", "pk")
    )
    # With each initiative's team, so the service's role check reads nothing more.
    targets = {
        (t.initiative_id, t.metric_id): t
        for t in Target.objects.select_related("initiative", "metric")
        .prefetch_related("initiative__team")
        .filter(initiative_id__in=known_ids, metric_id__in=metrics.values())
    }
    found = {}
    for record in records:
        number, cells = record["row"], record["cells"]
        initiative, metric = cells["initiative"], cells["metric"]
        if not initiative or not metric:
            continue  # already reported as empty
        if parse_id(initiative) in known_ids:
            initiative_id = parse_id(initiative)
        else:
            matches = by_title.get(initiative.lower(), [])
            if len(matches) != 1:
                message = (
                    f"no initiative has the id or title “{initiative}”."
                    if not matches
                    else f"{len(matches)} initiatives are titled “{initiative}”: give the id."
                )
                if not matches and digits_hint(initiative):
                    # "²" or "１２": digits to str.isdigit() and int(), not an id (metrics.ids).
                    message = (
                        f"“{initiative}” is not an id or a title: write an id with the "
                        "digits 0–9, or give the exact title."
                    )
                outcome.problems.append(Problem(number, "initiative", message))
                continue
            initiative_id = matches[0]
        metric_id = metrics.get(metric.lower())
        if metric_id is None:
            outcome.problems.append(
                Problem(number, "metric", f"“{metric}” is not a metric in the catalog.")
            )
            continue
        target = targets.get((initiative_id, metric_id))
        if target is None:
            outcome.problems.append(
                Problem(
                    number, "metric", f"initiative #{initiative_id} has no target on “{metric}”."
                )
            )
            continue
        found[number] = target
    return found


def _record(outcome: Outcome, *, actor, dry_run: bool) -> None:
    items = [{k: v for k, v in item.items() if k != "row"} for item in outcome.items]
    try:
        with transaction.atomic():
            rows = services.record_measurements(
                actor=actor, items=items, source=MeasurementSource.IMPORT
            )
            if dry_run:
                # A rolled-back savepoint also drops the recompute queued on commit.
                transaction.set_rollback(True)
    except (services.MeasurementErrors, services.RecordingRefused) as exc:
        for index, errors in sorted(exc.errors.items()):
            for name, messages in errors.items():
                for message in messages:
                    outcome.problems.append(
                        Problem(
                            outcome.items[index]["row"],
                            SERVICE_COLUMNS.get(name, name),
                            _sentence(message),
                        )
                    )
        return
    outcome.saved = 0 if dry_run else len(rows)


def _sentence(message: str) -> str:
    return message[:1].lower() + message[1:]
