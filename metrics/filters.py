import datetime as dt

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from improvement.models import Area
from metrics.models import Measurement, QuarterlyResult, ResultStatus

# The id columns' range (BigAutoField): SQLite cannot even compare with a larger number.
ID_RANGE = {"min_value": -(2**63), "max_value": 2**63 - 1}


class InstantField(IsoDateTimeField):
    """An ISO 8601 date-time, in UTC: PostgreSQL refuses UTC offsets beyond ±15:59, which
    Python accepts."""

    def to_python(self, value):
        when = super().to_python(value)
        try:
            return None if when is None else when.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError("This time is out of range.", code="invalid") from None


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


class MeasurementFilter(django_filters.FilterSet):
    target = django_filters.NumberFilter(field_name="target_id", **ID_RANGE)
    since = InstantFilter(field_name="observed_at", lookup_expr="gte")
    until = InstantFilter(field_name="observed_at", lookup_expr="lte")

    class Meta:
        model = Measurement
        fields = ["target", "since", "until"]


class QuarterlyResultFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter()
    quarter = django_filters.ChoiceFilter(choices=[(q, f"Q{q}") for q in range(1, 5)])
    area = django_filters.ModelChoiceFilter(
        field_name="initiative__area", queryset=Area.objects.all()
    )
    status = django_filters.ChoiceFilter(choices=ResultStatus.choices)

    class Meta:
        model = QuarterlyResult
        fields = ["year", "quarter", "area", "status"]
