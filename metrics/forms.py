import calendar
import csv
import datetime as dt
import math
import re

from django import forms
from django.utils import timezone
from django.utils.dateparse import date_re, datetime_re, parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics.ids import parse_id
from metrics.models import (
    MAX_SAMPLE_SIZE,
    MAX_VALUE,
    TEXT_MAX_LENGTH,
    VALUE_RANGE_MESSAGE,
    Metric,
    Target,
)
from metrics.periods import end_of_today
from metrics.services import MAX_BATCH


class IdChoiceField(forms.ModelChoiceField):
    """A row chosen by its id, written in the digits 0–9 only (metrics.ids): left to
    itself the ORM reads "１" (full-width) as 1."""

    def to_python(self, value):
        if value not in self.empty_values and parse_id(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class TargetForm(forms.ModelForm):
    metric = IdChoiceField(queryset=Metric.objects.filter(is_active=True))

    class Meta:
        model = Target
        fields = [
            "metric",
            "is_primary",
            "baseline_value",
            "baseline_start",
            "baseline_end",
            "target_value",
            "target_date",
            "value_per_unit",
            "benefit_type",
        ]
        labels = {
            "is_primary": gettext_lazy("Primary target"),
            "value_per_unit": gettext_lazy("Money per unit per year"),
        }
        widgets = {
            "baseline_start": forms.DateInput(attrs={"type": "date"}),
            "baseline_end": forms.DateInput(attrs={"type": "date"}),
            "target_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, initiative=None, **kwargs):
        super().__init__(*args, **kwargs)
        if initiative is not None:
            self.instance.initiative = initiative
        # The catalog as a list, read with one plain query: left to itself the field reads
        # it through a server-side cursor on PostgreSQL (DECLARE, FETCH, CLOSE) each time
        # it renders. A POST is still checked against the queryset.
        field = self.fields["metric"]
        if self.instance.metric_id is not None:
            # An edit keeps the target's own metric, even one taken out of the catalog.
            field.queryset = field.queryset | Metric.objects.filter(pk=self.instance.metric_id)
        field.choices = [("", field.empty_label), *((m.pk, str(m)) for m in field.queryset)]


# --- reading what people type, paste or import ------------------------------------------
# One reading of a date, a value and a sample size for the paste box, the one-measurement
# form and the admin import, so each refuses the same things with the same words.

DATE_FORMATS = "use YYYY-MM-DD or YYYY-MM-DD HH:MM"
# A number in the digits 0–9 and a point: float() also reads "١٢" (Arabic-Indic digits),
# "１２" (full-width), "1_000", "nan" and "infinity", as int() reads the digits.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class BadCell(ValueError):
    """A cell that does not read as what it should; str() is the sentence to show."""


def read_when(text: str) -> dt.datetime:
    """A date or a date-time, aware; a date means midnight, local time. Raises BadCell
    saying why not: not a date, digits of another script, or well-formed but not on the
    calendar (2026-02-30, month 13, year 0, hour 25, an offset of a day or more)."""
    text = text.strip()
    if not text.isascii():
        # Django's patterns read "\d" as any script's digits: "２０２６-03-01" would pass.
        raise BadCell(
            _("“%(text)s” is not a date%(digits_hint)s (%(DATE_FORMATS)s).")
            % {"text": text, "digits_hint": digits_hint(text), "DATE_FORMATS": DATE_FORMATS}
        )
    try:
        when = parse_datetime(text)
        if when is None:
            day = parse_date(text)
            when = None if day is None else dt.datetime.combine(day, dt.time.min)
    except ValueError:
        # Well-formed but impossible: Django raises where it would answer None.
        raise BadCell(
            _("“%(text)s” is not a date: %(impossible)s.")
            % {"text": text, "impossible": _impossible(text)}
        ) from None
    if when is None:
        raise BadCell(
            _("“%(text)s” is not a date (%(DATE_FORMATS)s).")
            % {"text": text, "DATE_FORMATS": DATE_FORMATS}
        )
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def parse_when(text: str) -> dt.datetime | None:
    """read_when(), or None instead of saying why."""
    try:
        return read_when(text)
    except BadCell:
        return None


def _impossible(text: str) -> str:
    """Why a date or date-time that Django's patterns match is not one."""
    match = datetime_re.match(text) or date_re.match(text)
    parts = {k: v for k, v in match.groupdict().items() if v} if match else {}
    year, month, day = (int(parts.get(name, 1)) for name in ("year", "month", "day"))
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return f"years run from {dt.MINYEAR:04d} to {dt.MAXYEAR}"
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{calendar.month_name[month]} {year} has {days} days"
    hour, minute, second = (int(parts.get(name, 0)) for name in ("hour", "minute", "second"))
    if hour > 23 or minute > 59 or second > 59:
        return "there is no such time of day"
    if "tzinfo" in parts:
        return f"{parts['tzinfo']} is not a UTC offset (they are less than 24 hours)"
    return "there is no such day"


def in_the_future(text: str, when: dt.datetime, latest: dt.datetime) -> str:
    """Why `when` (typed as `text`) may not be recorded yet, or "". `latest` is
    metrics.periods.end_of_today(), read once for a whole batch."""
    if when <= latest:
        return ""
    return f"“{text.strip()}” is in the future: record what has been observed."


def read_number(text: str, *, decimal_comma: bool = False) -> float:
    """A finite number written with the digits 0–9 and a point, or with `decimal_comma`
    a comma (12,5: a semicolon- or tab-separated paste from a European spreadsheet)."""
    text = text.strip()
    spelled = text
    if decimal_comma and spelled.count(",") == 1 and "." not in spelled:
        spelled = spelled.replace(",", ".")
    if not NUMBER.fullmatch(spelled):
        raise BadCell(
            _("“%(text)s” is not a number%(digits_hint)s.")
            % {"text": text, "digits_hint": digits_hint(text)}
        )
    value = float(spelled)
    if not math.isfinite(value):  # 1e400
        raise BadCell(
            _("“%(text)s” is out of range: %(sentence)s")
            % {"text": text, "sentence": _sentence(VALUE_RANGE_MESSAGE)}
        )
    return value


def read_value(text: str, *, decimal_comma: bool = False) -> float:
    """A measured value: a number within ±MAX_VALUE (metrics.models), checked here so a
    paste names it in the same pass as its other lines' problems."""
    value = read_number(text, decimal_comma=decimal_comma)
    if abs(value) > MAX_VALUE:
        raise BadCell(
            _("“%(strip)s” is out of range: %(sentence)s")
            % {"strip": text.strip(), "sentence": _sentence(VALUE_RANGE_MESSAGE)}
        )
    return value


def digits_hint(text: str) -> str:
    """Why a cell of digits that look right is refused: "²", "١" or "１" are numerals to
    Python's str.isdigit() and float(), but not numbers anyone means to type here."""
    if any(not c.isascii() and c.isnumeric() for c in text):
        return ": write it with the digits 0–9"
    return ""


def _sentence(message: str) -> str:
    return message[:1].lower() + message[1:]


# --- one measurement --------------------------------------------------------------------


class PlainNumberMixin:
    """A number field that reads numbers as NUMBER spells them: int() and float() also take
    other scripts' digits ("١", "１２"), "1_000" and "nan"."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            if digits_hint(value):
                raise forms.ValidationError(
                    _("“%(strip)s” is not a number%(digits_hint)s.")
                    % {"strip": value.strip(), "digits_hint": digits_hint(value)},
                    code="invalid",
                )
            if not NUMBER.fullmatch(value.strip()):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class ValueField(PlainNumberMixin, forms.FloatField):
    """A measured value within ±MAX_VALUE, checked here as well as by the service so the
    form names it together with a bad date."""

    def validate(self, value):
        super().validate(value)
        if value is not None and abs(value) > MAX_VALUE:
            raise forms.ValidationError(VALUE_RANGE_MESSAGE, code="max_value")


class SampleSizeField(PlainNumberMixin, forms.IntegerField):
    pass


class WhenField(forms.DateTimeField):
    """A date-time in the spellings Django's field takes (the browser's picker sends ISO);
    when refused, read_when() says why — no such day, month or offset — and digits of
    another script are refused, which Django's ISO pattern would read."""

    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(_why_not_a_date(value), code="invalid")
        try:
            return super().to_python(value)
        except forms.ValidationError:
            if isinstance(value, str) and value.strip():
                raise forms.ValidationError(_why_not_a_date(value), code="invalid") from None
            raise


def _why_not_a_date(text: str) -> str:
    try:
        read_when(text)
    except BadCell as exc:
        return str(exc)
    # read_when() takes what Django's field refused: name the spellings this site reads.
    return f"“{text.strip()}” is not a date ({DATE_FORMATS})."


class MeasurementForm(forms.Form):
    observed_at = WhenField(
        label=gettext_lazy("Observed at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    value = ValueField(label=gettext_lazy("Value"))
    sample_size = SampleSizeField(
        label=gettext_lazy("Sample size"), min_value=1, max_value=MAX_SAMPLE_SIZE, required=False
    )

    def clean_observed_at(self):
        when = self.cleaned_data["observed_at"]
        # Named as typed, in its own offset: 0001-01-01 00:00+01:00 has no local time.
        problem = in_the_future(f"{when:%Y-%m-%d %H:%M}", when, end_of_today())
        if problem:
            raise forms.ValidationError(problem)
        return when


# --- many, pasted ---------------------------------------------------------------------------

# The longest paste: MAX_BATCH lines of a date-time with its offset, a value and a sample
# size take well under 80 characters each. Checked before any line is parsed.
MAX_PASTE_LENGTH = MAX_BATCH * 80
# The separators a paste may use, preferred in this order when lines hold as many of
# each: a spreadsheet copies cells tab-separated, a European one saves them with
# semicolons, and either may carry a decimal comma — a comma never separates those.
DELIMITERS = ("\t", ";", ",")
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as a textarea counts lines (not str.splitlines)


class BulkMeasurementForm(forms.Form):
    """Measurements pasted from a spreadsheet or typed: `observed_at,value[,sample_size]`,
    one per line, separated by commas, semicolons or tabs; a header line is allowed.
    Every problem of every line is named, each on its own; nothing is saved if one is bad."""

    rows = forms.CharField(
        label=gettext_lazy("Paste measurements (date or date-time, value, optional sample size)"),
        help_text=(
            gettext_lazy(
                "One per line, separated by commas, semicolons or tabs (as a "
                "spreadsheet copies them); a header line is skipped."
            )
        ),
        max_length=MAX_PASTE_LENGTH,
        # Unstripped, so the line numbers are those of the text as pasted.
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "2026-03-01,12.5\n2026-03-08,11.9"}),
    )

    def clean_rows(self):
        lines = [
            (number, line)
            for number, line in enumerate(LINE_BREAK.split(self.cleaned_data["rows"]), start=1)
            if line.strip()
        ]
        # The line limit before any line is parsed, as the API counts a list's items first
        # (a header line may come on top).
        if len(lines) > MAX_BATCH + 1:
            raise forms.ValidationError(
                _("Paste at most %(MAX_BATCH)s measurements at a time.") % {"MAX_BATCH": MAX_BATCH}
            )
        delimiter = _delimiter(line for _, line in lines)
        latest = end_of_today()
        items, errors = [], []
        for number, line in lines:
            cells = _cells(line, delimiter)
            item, problems = _parse_line(cells, decimal_comma=delimiter != ",", latest=latest)
            if problems and number == lines[0][0] and _is_header(cells):
                continue
            errors.extend(f"Line {number}: {problem}" for problem in problems)
            if not problems:
                items.append({**item, "line": number})
        if errors:
            raise forms.ValidationError(errors)
        if not items:
            raise forms.ValidationError(_("Paste at least one measurement."))
        if len(items) > MAX_BATCH:
            raise forms.ValidationError(
                _("Paste at most %(MAX_BATCH)s measurements at a time.") % {"MAX_BATCH": MAX_BATCH}
            )
        return items


def _delimiter(lines) -> str:
    """The separator found on the most lines; on a tie the first of DELIMITERS, so
    "2026-01-05;12,5" is read as separated by semicolons."""
    counts = dict.fromkeys(DELIMITERS, 0)
    for line in lines:
        for delimiter in DELIMITERS:
            counts[delimiter] += delimiter in line
    return max(DELIMITERS, key=counts.__getitem__)


def _cells(line: str, delimiter: str) -> list[str] | None:
    """The line's cells, without the empty ones a spreadsheet copies after the last; None
    when the csv module cannot read it (a cell of more than 128 KiB)."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except csv.Error:
        return None
    while len(cells) > 2 and not cells[-1].strip():
        cells.pop()
    return cells


def _is_header(cells: list[str] | None) -> bool:
    """A first line that is not a measurement is a header only if no cell starts as a
    number or a date does: "2026-02-30,12" is a bad measurement, not column names."""
    return cells is not None and not any(re.match(r"\s*[\d+\-.]", cell) for cell in cells)


def _parse_line(
    cells: list[str] | None, *, decimal_comma: bool, latest: dt.datetime
) -> tuple[dict, list[str]]:
    """A pasted line as an item, and every problem it has (an empty list when none)."""
    if cells is None or len(cells) not in (2, 3):
        return {}, ["expected a date, a value and optionally a sample size."]
    item, problems = {}, []
    if not cells[0].strip():
        problems.append("the date is missing.")
    else:
        try:
            item["observed_at"] = read_when(cells[0])
        except BadCell as exc:
            problems.append(str(exc))
        else:
            future = in_the_future(cells[0], item["observed_at"], latest)
            if future:
                problems.append(future)
    if not cells[1].strip():
        problems.append("the value is missing.")
    else:
        try:
            item["value"] = read_value(cells[1], decimal_comma=decimal_comma)
        except BadCell as exc:
            problems.append(str(exc))
    size = cells[2].strip() if len(cells) == 3 else ""
    if size:
        try:
            number = read_number(size)
        except BadCell:
            number = None
        if number is None or not number.is_integer():
            problems.append(f"sample size “{size}” is not a whole number{digits_hint(size)}.")
        elif number < 1:
            problems.append("the sample size must be at least 1.")
        elif number > MAX_SAMPLE_SIZE:
            problems.append(f"the sample size must be at most {MAX_SAMPLE_SIZE:,}.")
        else:
            item["sample_size"] = int(number)
    return item, problems


def blank_recording_forms(target: Target) -> dict:
    """A target's two recording forms, with ids of their own on a page of several."""
    return {
        "measurement_form": MeasurementForm(auto_id=f"id_t{target.pk}_%s"),
        "bulk_form": BulkMeasurementForm(auto_id=f"id_t{target.pk}_%s"),
    }


# --- corrections: a target edited or deleted, a measurement corrected or deleted ---------
# The services decide (metrics.services.update_target, delete_target, correct_measurement,
# delete_measurement): who may, when a reason is needed, what a frozen baseline or a
# closed quarter refuses. These forms only read what was typed.

# A reason is as long as any note a person may type (the history keeps it in full).
REASON_MAX_LENGTH = TEXT_MAX_LENGTH


def reason_field(*, always: bool, help_text: str) -> forms.CharField:
    """The reason kept in the history. Never required by the form: the service says when
    one is needed, in its own words, on this field. `always`: the browser asks for one
    (the service always will)."""
    return forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"required": True} if always else {}),
    )


class TargetEditForm(TargetForm):
    """A target's fields and the reason. Once its baseline is frozen the evidence
    (Target.EVIDENCE_FIELDS) is a reviewer's to correct, with a reason: for anyone else
    those fields are shown but not editable."""

    def __init__(self, *args, reviewer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        frozen = self.instance.is_frozen
        for name in Target.EVIDENCE_FIELDS:
            if frozen and not reviewer and name in self.fields:
                self.fields[name].disabled = True
        if frozen and reviewer:
            help_text = _("Required to correct a frozen baseline: it is kept in the history.")
        else:
            help_text = "Optional: kept in the history."
        self.fields["reason"] = reason_field(always=frozen and reviewer, help_text=help_text)

    def changes(self) -> dict:
        """Field → new value, for each field changed."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "reason"}


class MeasurementCorrectionForm(MeasurementForm):
    """A measurement's time, value and sample size as they should be, and why."""

    FIELDS = ("observed_at", "value", "sample_size")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # To the second, in the form the browser's picker reads (the local time zone's).
        self.fields["observed_at"].widget = forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
        )
        self.fields["reason"] = reason_field(
            always=True, help_text=_("Why it was wrong: kept in the history.")
        )

    def changes(self) -> dict:
        """Field → new value, for each field changed. The time is shown to the second, so
        a time kept as shown is the time as it was, fractions of a second included."""
        changes = {name: self.cleaned_data[name] for name in self.changed_data}
        changes = {name: value for name, value in changes.items() if name in self.FIELDS}
        was = self.initial.get("observed_at")
        if was is not None and changes.get("observed_at") == was.replace(microsecond=0):
            del changes["observed_at"]
        return changes


class DeletionForm(forms.Form):
    """The reason for a deletion; `always` when the service always asks for one."""

    def __init__(self, *args, always: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = _("Kept in the history.") if always else _("Optional: kept in the history.")
        self.fields["reason"] = reason_field(always=always, help_text=help_text)
