from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from config.serializers import RefuseUnknownFieldsMixin
from metrics.ids import parse_id
from metrics.models import (
    TEXT_MAX_LENGTH,
    BaselineSource,
    Measurement,
    Metric,
    QuarterlyResult,
    ResultSnapshot,
    StatisticalTest,
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


def correction_reason_field() -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Why: required to correct frozen evidence, kept in the history."),
    )


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
    # Why a frozen target is corrected (a reviewer's): kept in its history.
    reason = correction_reason_field()

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
            "reason",
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


class MeasurementCorrectionSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """`PATCH /api/measurements/{id}/`: the time, value or sample size, and the reason
    (required; metrics.services.correct_measurement checks the rest)."""

    value = NumberField(required=False)
    sample_size = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH, write_only=True)

    class Meta:
        model = Measurement
        fields = ["observed_at", "value", "sample_size", "reason"]
        extra_kwargs = {"observed_at": {"required": False}}
        validators = []


# The kind of a control chart, as the results job stores it.
CONTROL_CHARTS = [("p", "p-chart"), ("xmr", "Individuals (XmR) chart")]


class BaselinePhaseSerializer(serializers.Serializer):
    """The baseline phase's own chart (before the change date): its centre line from 2
    points; its limits and signals only with at least CONTROL_LIMIT_POINTS points (else
    null limits and no signals)."""

    chart = serializers.ChoiceField(CONTROL_CHARTS)
    center = serializers.FloatField()
    ucl = serializers.FloatField(allow_null=True)
    lcl = serializers.FloatField(allow_null=True)
    mr_bar = serializers.FloatField(allow_null=True)
    sigma = serializers.FloatField(allow_null=True)
    size = serializers.FloatField(allow_null=True)
    n_points = serializers.IntegerField()
    signals = serializers.ListField(child=serializers.DictField())


class ControlSerializer(serializers.Serializer):
    """The post-change phase's chart; the keys after `signals` came with the phases
    (README, "How a result is computed"), not required: the API changes only additively."""

    center = serializers.FloatField()
    ucl = serializers.FloatField()
    lcl = serializers.FloatField()
    mr_bar = serializers.FloatField(allow_null=True)
    sigma = serializers.FloatField()
    provisional = serializers.BooleanField()
    signals = serializers.ListField(child=serializers.DictField())
    chart = serializers.ChoiceField(CONTROL_CHARTS, required=False)
    size = serializers.FloatField(
        allow_null=True,
        required=False,
        help_text=gettext_lazy(
            "A p-chart's average sample size (null for XmR), at which ucl, "
            "lcl and sigma are given; each point is checked against its own "
            "limits."
        ),
    )
    limit_points = serializers.IntegerField(
        required=False,
        help_text=gettext_lazy("How many points, from the change date on, the limits came from."),
    )
    since = serializers.DateField(
        required=False, help_text=gettext_lazy("The change date: the limits are drawn from it on.")
    )
    baseline = BaselinePhaseSerializer(allow_null=True, required=False)

    def to_representation(self, instance: dict) -> dict:
        # A figure stored before the phases has none of their keys: they are left out, not
        # served as null (DRF fills a missing nullable key with None), which would say
        # "no baseline chart" where none was computed.
        data = super().to_representation(instance)
        return {name: value for name, value in data.items() if name in instance}


def test_method_field() -> serializers.ChoiceField:
    """The test behind a p-value; "" when no test could run. Declared, not generated: a
    ModelSerializer drops allow_blank from read-only fields, and the schema would then
    refuse ""."""
    return serializers.ChoiceField(
        StatisticalTest.choices,
        allow_blank=True,
        read_only=True,
        help_text=_('The test behind p_value; "" when no test could run.'),
    )


# How a result was proven (README, "How a result is computed"), after the original
# fields: the API changes only additively.
RESULT_EVIDENCE_FIELDS = [
    "test_method",
    "alpha",
    "interim",
    "improvement_low",
    "improvement_high",
    "benefit_low",
    "benefit_high",
    "r1_before",
    "r1_after",
    "n_eff_before",
    "n_eff_after",
    "error",
]
# What the evidence fields mean, for the OpenAPI schema (the model fields carry no help).
EVIDENCE_HELP = {
    "alpha": "The significance threshold: 0.001 while interim, 0.05 for the final look.",
    "interim": "Looked at before the target's due date: needs p < 0.001 (Haybittle–Peto).",
    "improvement_low": "The 95 % confidence interval of the improvement (positive is better).",
    "improvement_high": "The 95 % confidence interval of the improvement (positive is better).",
    "benefit_low": "The 95 % confidence interval of the benefit.",
    "benefit_high": "The 95 % confidence interval of the benefit.",
    "r1_before": "Lag-1 autocorrelation of the before sample (two-sample tests only).",
    "r1_after": "Lag-1 autocorrelation of the after sample.",
    "n_eff_before": "Effective size of the before sample, where autocorrelation adjusted it.",
    "n_eff_after": "Effective size of the after sample, where autocorrelation adjusted it.",
    "error": 'Why the status is "error": what in the data could not be computed.',
}


class ResultSerializer(serializers.ModelSerializer):
    control = ControlSerializer(allow_null=True)
    test_method = test_method_field()

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
            *RESULT_EVIDENCE_FIELDS,
        ]
        read_only_fields = fields
        extra_kwargs = {name: {"help_text": text} for name, text in EVIDENCE_HELP.items()}


class QuarterlyResultSerializer(serializers.ModelSerializer):
    initiative_title = serializers.CharField(source="initiative.title", read_only=True)
    area = serializers.IntegerField(source="initiative.area_id", read_only=True)
    closed = serializers.BooleanField(read_only=True)
    test_method = test_method_field()

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
            # Added with issue 13: `computed_benefit` is the proven benefit (a significant
            # quarter), `unproven_benefit` the rest; the test, its threshold, the intervals.
            "unproven_benefit",
            "test_method",
            "alpha",
            "improvement_low",
            "improvement_high",
            "benefit_low",
            "benefit_high",
        ]
        read_only_fields = fields
        extra_kwargs = {
            **{
                name: {"help_text": EVIDENCE_HELP[name]}
                for name in [
                    "alpha",
                    "improvement_low",
                    "improvement_high",
                    "benefit_low",
                    "benefit_high",
                ]
            },
            "computed_benefit": {
                "help_text": "Proven benefit: the quarter's share of the realized annual "
                "benefit, booked only when the quarter's test is significant."
            },
            "unproven_benefit": {
                "help_text": "The quarter's share of the realized annual benefit when its "
                "test is not significant (not booked as proven)."
            },
        }


class QuarterlyResultReviewSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """What a reviewer may change on a ledger row (PATCH /api/quarterly-results/{id}/)."""

    read_only_hints = dict.fromkeys(
        ["computed_benefit", "unproven_benefit", "benefit_low", "benefit_high"],
        "is computed from the measurements; a reviewer records validated_benefit instead.",
    )

    class Meta:
        model = QuarterlyResult
        fields = ["validated_benefit", "review_note"]
