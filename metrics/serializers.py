from rest_framework import serializers

from config.serializers import RefuseUnknownFieldsMixin
from metrics.ids import parse_id
from metrics.models import (
    BaselineSource,
    Measurement,
    Metric,
    QuarterlyResult,
    ResultSnapshot,
    Target,
)


class NumberField(serializers.FloatField):
    """A finite number; JSON true/false are not numbers (float(True) would be 1.0)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(serializers.PrimaryKeyRelatedField):
    """A related row named by its id: a JSON integer or a string of the digits 0–9
    (metrics.ids), so 43.5, "43.5", "１２", "²" or true are refused rather than read as
    row 43, 12 or 1.

    With `resolved` (a name), the rows are looked up in the serializer's context under
    that name — a dict by id the caller read in one query for a whole batch — instead of
    one query per item."""

    default_error_messages = {"not_an_id": "Give an id: a whole number such as 42."}

    def __init__(self, *, resolved: str | None = None, **kwargs):
        self.resolved = resolved
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        pk = parse_id(data)
        if pk is None:
            self.fail("not_an_id")
        rows = self.context.get(self.resolved) if self.resolved else None
        if rows is None:
            return super().to_internal_value(pk)
        try:
            return rows[pk]
        except KeyError:
            self.fail("does_not_exist", pk_value=pk)


class MetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = Metric
        fields = ["id", "name", "description", "unit", "direction", "pillar", "chart_kind"]


class TargetSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    refuse_on_create = False  # a PATCH names unknown fields; a create ignores them
    # The rules on a target's own fields (the baseline window, a frozen baseline) are the
    # model's: metrics.services full_clean()s the target, and the API answers its
    # ValidationError with a 400 naming the field (config.api.exception_handler).
    is_frozen = serializers.BooleanField(read_only=True)
    # "" until the baseline is frozen. Declared here because a ModelSerializer drops
    # allow_blank from read-only fields, and the schema would then refuse "".
    baseline_source = serializers.ChoiceField(
        BaselineSource.choices, allow_blank=True, read_only=True
    )
    metric = IdField(queryset=Metric.objects.filter(is_active=True))
    baseline_value = NumberField(required=False, allow_null=True)
    target_value = NumberField(required=False, allow_null=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "initiative",
            "metric",
            "is_primary",
            "baseline_value",
            "baseline_start",
            "baseline_end",
            "baseline_source",
            "baseline_n",
            "is_frozen",
            "frozen_at",
            "frozen_by",
            "target_value",
            "target_date",
            "value_per_unit",
            "benefit_type",
        ]
        read_only_fields = ["initiative", "baseline_source", "baseline_n", "frozen_at", "frozen_by"]


class MeasurementSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    refuse_on_create = False  # a PATCH names unknown fields; a create ignores them
    # The API reads a batch's targets in one query (metrics.services.targets_for_recording)
    # and passes them in the context as "targets".
    target = IdField(
        queryset=Target.objects.select_related("initiative", "metric"), resolved="targets"
    )
    value = NumberField()
    sample_size = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    class Meta:
        model = Measurement
        fields = ["id", "target", "observed_at", "value", "sample_size", "source", "recorded_by"]
        read_only_fields = ["source", "recorded_by"]
        # Uniqueness and ranges are checked for the whole batch by the service
        # (metrics.services.record_measurements), the same for web, API and import.
        validators = []


class ControlSerializer(serializers.Serializer):
    center = serializers.FloatField()
    ucl = serializers.FloatField()
    lcl = serializers.FloatField()
    mr_bar = serializers.FloatField(allow_null=True)
    sigma = serializers.FloatField()
    provisional = serializers.BooleanField()
    signals = serializers.ListField(child=serializers.DictField())


class ResultSerializer(serializers.ModelSerializer):
    control = ControlSerializer(allow_null=True)

    class Meta:
        model = ResultSnapshot
        fields = [
            "target",
            "as_of",
            "n_before",
            "n_after",
            "baseline_mean",
            "current_mean",
            "improvement",
            "improvement_pct",
            "progress_pct",
            "welch_t",
            "welch_df",
            "p_value",
            "significant",
            "status",
            "realized_annual_benefit",
            "control",
            "computed_at",
        ]
        read_only_fields = fields


class QuarterlyResultSerializer(serializers.ModelSerializer):
    initiative_title = serializers.CharField(source="initiative.title", read_only=True)
    area = serializers.IntegerField(source="initiative.area_id", read_only=True)
    closed = serializers.BooleanField(read_only=True)

    class Meta:
        model = QuarterlyResult
        fields = [
            "id",
            "initiative",
            "initiative_title",
            "area",
            "target",
            "year",
            "quarter",
            "n_measurements",
            "baseline_mean",
            "quarter_mean",
            "improvement",
            "improvement_pct",
            "progress_pct",
            "p_value",
            "significant",
            "status",
            "computed_benefit",
            "validated_benefit",
            "review_note",
            "reviewed_at",
            "reviewed_by",
            "closed",
        ]
        read_only_fields = fields


class QuarterlyResultReviewSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """What a reviewer may change on a ledger row (PATCH /api/quarterly-results/{id}/)."""

    class Meta:
        model = QuarterlyResult
        fields = ["validated_benefit", "review_note"]
