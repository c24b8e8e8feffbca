import datetime as dt

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from improvement import visibility
from improvement.models import Area
from metrics.ids import parse_id
from metrics.models import Measurement, QuarterlyResult, ResultStatus


class IdFormField(forms.CharField):
    """An id in a query string: the digits 0–9 only (metrics.ids), so `target=1.5` or
    `area=１` is a 400 naming the parameter rather than a filter on row 1."""

    default_error_messages = {"not_an_id": "Give an id: a whole number such as 42."}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        pk = parse_id(value)
        if pk is None:
            raise forms.ValidationError(self.error_messages["not_an_id"], code="not_an_id")
        return pk


class IdFilter(django_filters.Filter):
    field_class = IdFormField


class YearFormField(IdFormField):
    default_error_messages = {"not_an_id": "Give a year: a whole number such as 2026."}


class YearFilter(django_filters.Filter):
    field_class = YearFormField


class StrictModelChoiceField(django_filters.fields.ModelChoiceField):
    """A ModelChoiceField that takes only a plain id (see IdFormField)."""

    def to_python(self, value):
        if value not in self.empty_values and parse_id(value) is None:
            raise forms.ValidationError(
                IdFormField.default_error_messages["not_an_id"], code="not_an_id"
            )
        return super().to_python(value)


class StrictModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = StrictModelChoiceField


def visible_areas_of(request):
    """The areas an area filter offers and accepts: those the caller may see
    (improvement.visibility), in tree order; every area without a request."""
    if request is None:
        return Area.objects.all()
    return visibility.visible_areas(request.user)


class AreaTreeField(StrictModelChoiceField):
    """An area by id; its choices are named indented by depth, so a select shows the tree."""

    def label_from_instance(self, obj):
        return obj.label


# The schema names the parameter an integer (an area's id): the filtered models other
# than Initiative have no `area` field for drf-spectacular to read its type from.
@extend_schema_field(OpenApiTypes.INT)
class AreaSubtreeFilter(StrictModelChoiceFilter):
    """An area and every area under it: a site's figures roll up its departments and
    lines (one `path LIKE 'prefix%'` on the area's index). `initiative` is the lookup
    from the filtered model to its initiative ("" for initiatives). Additive: the
    parameter is still one area's id."""

    field_class = AreaTreeField

    def __init__(self, *, initiative: str = "initiative", **kwargs):
        self.initiative = initiative
        kwargs.setdefault("queryset", visible_areas_of)
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return visibility.in_subtree(qs, value, self.initiative)


class InstantField(IsoDateTimeField):
    """An ISO 8601 date-time, in UTC: PostgreSQL refuses UTC offsets beyond ±15:59, which
    Python accepts."""

    def to_python(self, value):
        when = super().to_python(value)
        try:
            return None if when is None else when.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(_("This time is out of range."), code="invalid") from None


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


class MeasurementFilter(django_filters.FilterSet):
    target = IdFilter(field_name="target_id")
    since = InstantFilter(field_name="observed_at", lookup_expr="gte")
    until = InstantFilter(field_name="observed_at", lookup_expr="lte")

    class Meta:
        model = Measurement
        fields = ["target", "since", "until"]


class QuarterlyResultFilter(django_filters.FilterSet):
    year = YearFilter()
    quarter = django_filters.ChoiceFilter(choices=[(q, f"Q{q}") for q in range(1, 5)])
    area = AreaSubtreeFilter(initiative="initiative")
    status = django_filters.ChoiceFilter(choices=ResultStatus.choices)

    class Meta:
        model = QuarterlyResult
        fields = ["year", "quarter", "area", "status"]
