import django_filters

from improvement.models import Area
from metrics.models import Measurement, QuarterlyResult, ResultStatus


class MeasurementFilter(django_filters.FilterSet):
    target = django_filters.NumberFilter(field_name="target_id")
    since = django_filters.IsoDateTimeFilter(field_name="observed_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="observed_at", lookup_expr="lte")

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
