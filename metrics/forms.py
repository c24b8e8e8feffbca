import csv
import datetime as dt
import io
import math

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from metrics.ids import parse_id
from metrics.models import Metric, Target
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
        labels = {"is_primary": "Primary target", "value_per_unit": "Money per unit per year"}
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
        field.choices = [("", field.empty_label), *((m.pk, str(m)) for m in field.queryset)]


class MeasurementForm(forms.Form):
    observed_at = forms.DateTimeField(
        label="Observed at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    value = forms.FloatField(label="Value")
    sample_size = forms.IntegerField(label="Sample size", min_value=1, required=False)


def parse_when(text: str) -> dt.datetime | None:
    """A date or a date-time; a date means midnight, local time."""
    text = text.strip()
    when = parse_datetime(text)
    if when is None:
        day = parse_date(text)
        if day is None:
            return None
        when = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


# The longest paste: MAX_BATCH lines of a date-time with its offset, a value and a sample
# size take well under 80 characters each. Checked before any line is parsed.
MAX_PASTE_LENGTH = MAX_BATCH * 80


class BulkMeasurementForm(forms.Form):
    """Measurements pasted as CSV: `observed_at,value[,sample_size]`, one per line; a
    header line is allowed. Every bad line is named; nothing is saved if one is bad."""

    rows = forms.CharField(
        label="Paste measurements (CSV: date or date-time, value, optional sample size)",
        max_length=MAX_PASTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "2026-03-01,12.5\n2026-03-08,11.9"}),
    )

    def clean_rows(self):
        items, errors = [], []
        text = self.cleaned_data["rows"].strip()
        # The line limit before any line is parsed, as the API counts a list's items first
        # (a header line may come on top).
        if sum(1 for line in text.splitlines() if line.strip()) > MAX_BATCH + 1:
            raise forms.ValidationError(f"Paste at most {MAX_BATCH} measurements at a time.")
        lines = list(csv.reader(io.StringIO(text)))
        first = 1
        if lines and lines[0] and parse_when(lines[0][0]) is None and not _is_number(lines[0][1:2]):
            lines, first = lines[1:], 2  # a header line
        for number, line in enumerate(lines, start=first):
            if not any(cell.strip() for cell in line):
                continue
            item, problem = _parse_line(line)
            if problem:
                errors.append(f"Line {number}: {problem}")
            else:
                items.append({**item, "line": number})
        if errors:
            raise forms.ValidationError(errors)
        if not items:
            raise forms.ValidationError("Paste at least one measurement.")
        if len(items) > MAX_BATCH:
            raise forms.ValidationError(f"Paste at most {MAX_BATCH} measurements at a time.")
        return items


def _is_number(cells: list[str]) -> bool:
    try:
        return bool(cells) and math.isfinite(float(cells[0]))
    except ValueError:
        return False


def _parse_line(line: list[str]) -> tuple[dict | None, str | None]:
    if len(line) not in (2, 3):
        return None, "expected a date, a value and optionally a sample size."
    when = parse_when(line[0])
    if when is None:
        return None, f"“{line[0].strip()}” is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)."
    try:
        value = float(line[1])
    except ValueError:
        return None, f"“{line[1].strip()}” is not a number."
    if not math.isfinite(value):
        return None, "the value must be a finite number."
    item = {"observed_at": when, "value": value}
    if len(line) == 3 and line[2].strip():
        try:
            item["sample_size"] = int(line[2])
        except ValueError:
            return None, f"sample size “{line[2].strip()}” is not a whole number."
        if item["sample_size"] < 1:
            return None, "the sample size must be at least 1."
    return item, None


def blank_recording_forms(target: Target) -> dict:
    """A target's two recording forms, with ids of their own on a page of several."""
    return {
        "measurement_form": MeasurementForm(auto_id=f"id_t{target.pk}_%s"),
        "bulk_form": BulkMeasurementForm(auto_id=f"id_t{target.pk}_%s"),
    }
