"""Numbers: the KPI catalog, targets with frozen baselines, measurements, computed
results and the quarterly ledger."""

import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Now
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.choices import TextChoices
from improvement.models import Initiative, Pillar

# The largest finite double. `BETWEEN -MAX AND MAX` refuses ±Infinity everywhere and NaN
# on PostgreSQL (which sorts NaN above every number); SQLite stores NaN as NULL, which
# the NOT NULL column refuses.
MAX_FLOAT = sys.float_info.max

# The range of a measured value: far beyond any KPI, and far below where the statistics
# overflow a double (a sum of squares of a million such values stays finite). A CHECK
# constraint and Measurement.clean() both hold it, so no path stores a value that would
# make the results job fail.
MAX_VALUE = 1e15
VALUE_RANGE_MESSAGE = f"Give a value from -{MAX_VALUE:,.0f} to {MAX_VALUE:,.0f}."
# The sample_size column's range (32 bits on every database).
MAX_SAMPLE_SIZE = 2_147_483_647


# The longest note or description a person may type, the same on every path: the API's
# serializers and the web and admin forms read it from the field, and full_clean() checks
# it through the validator (a TextField's max_length alone is not checked by the model).
TEXT_MAX_LENGTH = 5000


def text_field(**options) -> models.TextField:
    return models.TextField(
        max_length=TEXT_MAX_LENGTH, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)], **options
    )


def finite(field: str, *, nullable: bool = False) -> Q:
    condition = Q(**{f"{field}__gte": -MAX_FLOAT, f"{field}__lte": MAX_FLOAT})
    return Q(**{f"{field}__isnull": True}) | condition if nullable else condition


def finite_constraints(model: str, *fields: str, nullable: bool = True) -> list:
    return [
        models.CheckConstraint(
            condition=finite(field, nullable=nullable), name=f"{model}_{field}_finite"
        )
        for field in fields
    ]


class Direction(TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", _("Higher is better")
    LOWER_IS_BETTER = "lower_is_better", _("Lower is better")


class ChartKind(TextChoices):
    INDIVIDUALS = "individuals", _("Individuals (XmR)")
    PROPORTION = "proportion", _("Proportion (p-chart)")


class BenefitType(TextChoices):
    HARD = "hard", _("Hard savings")
    SOFT = "soft", _("Soft savings")
    AVOIDANCE = "avoidance", _("Cost avoidance")


class BaselineSource(TextChoices):
    MANUAL = "manual", _("Entered by hand")
    WINDOW = "window", _("Mean of measurements in the window")


class MeasurementSource(TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    IMPORT = "import", _("Import")


class ResultStatus(TextChoices):
    NO_DATA = "no_data", _("No data")
    ACHIEVED = "achieved", _("Achieved")
    IMPROVING = "improving", _("Improving")
    AT_RISK = "at_risk", _("At risk")
    REGRESSED = "regressed", _("Regressed")
    # Data after the change, but no test could run yet (too few points, no reference).
    INSUFFICIENT_DATA = "insufficient_data", _("Not enough data yet")
    # The target's data could not be computed (a row no rule should have let in); the
    # result's `error` says why, and the other targets' results are written regardless.
    ERROR = "error", _("Could not be computed")


class StatisticalTest(TextChoices):
    """The test behind a result's p-value (metrics.results.figures)."""

    WELCH = "welch_t", _("Welch's two-sample t-test")
    ONE_SAMPLE_T = "one_sample_t", _("One-sample t-test against the typed baseline")
    TWO_PROPORTION_Z = "two_proportion_z", _("Two-proportion z-test on pooled counts")
    FISHER_EXACT = "fisher_exact", _("Fisher's exact test on pooled counts")
    ONE_PROPORTION_Z = "one_proportion_z", _("One-proportion z-test against the typed baseline")
    BINOMIAL_EXACT = "binomial_exact", _("Exact binomial test against the typed baseline")


class Metric(models.Model):
    """A KPI in the catalog."""

    name = models.CharField(max_length=120, unique=True)
    description = text_field(blank=True)
    unit = models.CharField(max_length=40, help_text=_("e.g. hours, %, EUR, points."))
    direction = models.CharField(max_length=20, choices=Direction.choices)
    pillar = models.CharField(max_length=20, choices=Pillar.choices)
    chart_kind = models.CharField(
        max_length=20, choices=ChartKind.choices, default=ChartKind.INDIVIDUALS
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="metric_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(pillar__in=Pillar.values), name="metric_pillar_valid"
            ),
            models.CheckConstraint(
                condition=Q(chart_kind__in=ChartKind.values), name="metric_chart_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    @property
    def lower_is_better(self) -> bool:
        return self.direction == Direction.LOWER_IS_BETTER


# A measurement inside its target's baseline window (inclusive local dates), as a filter
# on Target's measurements. Used only on one initiative's few targets (the gates, the
# freeze, the ORM's samples), so the date transform on observed_at costs nothing.
IN_WINDOW = Q(
    baseline_start__isnull=False,
    baseline_end__isnull=False,
    measurements__observed_at__date__gte=F("baseline_start"),
    measurements__observed_at__date__lte=F("baseline_end"),
)


class Target(models.Model):
    """What an initiative promises to move: a metric, its frozen baseline and a target.

    Once frozen, the evidence (EVIDENCE_FIELDS) changes only as a correction with a
    reason: `save()` refuses any other change whoever calls, and the service lets only a
    reviewer give one (metrics.services.update_target)."""

    # Set by the workflow when it freezes the baseline; never typed in.
    FREEZE_FIELDS = ("baseline_source", "baseline_n", "frozen_at", "frozen_by")
    # All of a baseline.
    BASELINE_FIELDS = ("baseline_value", "baseline_start", "baseline_end", *FREEZE_FIELDS)
    # What a result is measured against: frozen with the baseline.
    EVIDENCE_FIELDS = (
        "metric",
        "is_primary",
        *BASELINE_FIELDS,
        "target_value",
        "value_per_unit",
    )

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="targets")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="targets")
    is_primary = models.BooleanField(default=False)

    baseline_value = models.FloatField(null=True, blank=True)
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    baseline_source = models.CharField(max_length=10, choices=BaselineSource.choices, blank=True)
    baseline_n = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Measurements the baseline was computed from.")
    )
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    target_value = models.FloatField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    value_per_unit = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Money per unit of improvement per year."),
    )
    benefit_type = models.CharField(
        max_length=10, choices=BenefitType.choices, default=BenefitType.HARD
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The status of the newest result, kept by the results job (metrics.results.compute) so that
    # "what is at risk" is an index lookup rather than a look at every target's results.
    # db_default too: a row inserted outside the ORM (bench.generate, a bulk load) starts
    # with no result, as one made through the ORM does.
    latest_status = models.CharField(
        max_length=20,
        choices=ResultStatus.choices,
        blank=True,
        editable=False,
        default="",
        db_default="",
    )
    # The results job's work list, kept by the write path (metrics.results.stale): since
    # when this target's inputs changed without its result being recomputed (None: its
    # result is current). A target starts stale, inserted through the ORM or not.
    results_stale_since = models.DateTimeField(
        null=True, blank=True, editable=False, db_default=Now()
    )

    class Meta:
        ordering = ["-is_primary", "id"]
        indexes = [
            models.Index(
                fields=["latest_status"],
                condition=Q(
                    is_primary=True,
                    latest_status__in=[ResultStatus.AT_RISK, ResultStatus.REGRESSED],
                ),
                name="target_primary_needs_attention",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative"],
                condition=Q(is_primary=True),
                name="target_one_primary_per_initiative",
                violation_error_message="This initiative already has a primary target.",
            ),
            models.UniqueConstraint(
                fields=["initiative", "metric"], name="target_one_per_metric_per_initiative"
            ),
            *finite_constraints("target", "baseline_value", "target_value"),
            # Target.clean() says the same on the field, for forms and the services.
            models.CheckConstraint(
                condition=Q(baseline_start__isnull=True)
                | Q(baseline_end__isnull=True)
                | Q(baseline_start__lte=models.F("baseline_end")),
                name="target_baseline_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(baseline_source="") | Q(baseline_source__in=BaselineSource.values),
                name="target_baseline_source_valid",
            ),
            # A frozen baseline has a value and says where it came from.
            models.CheckConstraint(
                condition=Q(frozen_at__isnull=True)
                | (Q(baseline_value__isnull=False) & ~Q(baseline_source="")),
                name="target_frozen_has_value",
            ),
            models.CheckConstraint(
                condition=Q(benefit_type__in=BenefitType.values), name="target_benefit_type_valid"
            ),
            # One baseline source (Target.clean() says it on the field): a typed value,
            # or a window whose mean the freeze stores as the value.
            models.CheckConstraint(
                condition=Q(baseline_start__isnull=True)
                | Q(baseline_source=BaselineSource.WINDOW)
                | Q(baseline_source="", baseline_value__isnull=True),
                name="target_one_baseline_source",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(metric)s on #%(initiative)s") % {
            "metric": self.metric.name,
            "initiative": self.initiative_id,
        }

    audit = HistoricalRecords(excluded_fields=["latest_status", "results_stale_since"])

    def save(self, *args, **kwargs):
        self.check_frozen()
        super().save(*args, **kwargs)
        self._evidence_as_loaded = self._evidence()
        self.correction_reason = ""

    def clean(self) -> None:
        """The rules that make one baseline and one direction: messages on the fields,
        for forms, the API and the services alike."""
        errors = {}
        start, end = self.baseline_start, self.baseline_end
        if (start is None) != (end is None):
            errors["baseline_end"] = "Give both ends of the baseline window, or neither."
        elif start is not None and start > end:
            errors["baseline_end"] = "The baseline window must end on or after its start."
        typed = self.baseline_value is not None and self.baseline_source != BaselineSource.WINDOW
        if typed and start is not None:
            errors["baseline_value"] = (
                "Choose one baseline: a value typed in, or a window of measurements whose "
                "mean becomes the baseline — not both."
            )
        initiative = self.initiative if self.initiative_id else None
        changed_on = initiative.implemented_on if initiative else None
        if end is not None and changed_on is not None and end >= changed_on:
            errors["baseline_end"] = (
                "The baseline window must end before the change went live "
                f"({changed_on:%Y-%m-%d}): otherwise the same measurements would be both "
                "before and after."
            )
        problem = self.worsening_target()
        if problem and "baseline_value" not in errors:
            errors["target_value"] = problem
        if errors:
            raise ValidationError(errors)

    def worsening_target(self, baseline: float | None = None) -> str:
        """Why the target value is no improvement on the baseline (`baseline`, or the
        target's own value), or "" when it is one or either is unknown."""
        baseline = self.baseline_value if baseline is None else baseline
        if baseline is None or self.target_value is None or not self.metric_id:
            return ""
        lower = self.metric.lower_is_better
        if (self.target_value < baseline) if lower else (self.target_value > baseline):
            return ""
        side = "below" if lower else "above"
        way = "lower" if lower else "higher"
        return (
            f"{self.metric.name} is better {way}: the target must be {side} the baseline "
            f"({baseline:g})."
        )

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @classmethod
    def from_db(cls, db, field_names, values):
        target = super().from_db(db, field_names, values)
        target._evidence_as_loaded = target._evidence()
        target.correction_reason = ""
        return target

    def _evidence(self) -> dict:
        return {f: self.__dict__.get(self._meta.get_field(f).attname) for f in self.EVIDENCE_FIELDS}

    def check_frozen(self) -> None:
        """Raise ValidationError naming each frozen field that was changed, unless the
        change is a correction: `correction_reason` set (by the service, for a reviewer)."""
        changed = self.changed_frozen_fields()
        if changed and not getattr(self, "correction_reason", ""):
            raise ValidationError(
                dict.fromkeys(
                    changed,
                    "The baseline is frozen: only a reviewer can correct this, with a reason.",
                )
            )

    def changed_frozen_fields(self) -> list[str]:
        """Evidence fields changed since this frozen target was loaded."""
        loaded = getattr(self, "_evidence_as_loaded", None)
        if not loaded or loaded["frozen_at"] is None:
            return []
        now = self._evidence()
        return [f for f in self.EVIDENCE_FIELDS if now[f] != loaded[f]]


class Measurement(models.Model):
    """One observation of a target's metric."""

    # No index of its own: the (target, observed_at) unique constraint's index serves
    # lookups by target. With a second, smaller one the planner read a target's points
    # through it and sorted them, rather than range-scanning the pair in time order: the
    # results job's baseline read took 0.18–0.24 s with it, 0.10–0.14 s without
    # (bench/README.md, "Results job").
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="measurements", db_index=False
    )
    observed_at = models.DateTimeField()
    value = models.FloatField()
    sample_size = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("For proportions: the number of items inspected.")
    )
    source = models.CharField(
        max_length=10, choices=MeasurementSource.choices, default=MeasurementSource.WEB
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    audit = HistoricalRecords()

    class Meta:
        ordering = ["observed_at", "id"]
        constraints = [
            # Also the index for every series read: WHERE target_id = … ORDER BY observed_at.
            models.UniqueConstraint(
                fields=["target", "observed_at"], name="measurement_one_per_target_and_time"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=-MAX_VALUE, value__lte=MAX_VALUE),
                name="measurement_value_in_range",
                violation_error_message=VALUE_RANGE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True) | Q(sample_size__gte=1),
                name="measurement_sample_size_positive",
            ),
            models.CheckConstraint(
                condition=Q(source__in=MeasurementSource.values), name="measurement_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(value)s at %(moment)s") % {
            "value": self.value,
            "moment": date_format(self.observed_at, "DATETIME_FORMAT"),
        }

    def clean(self) -> None:
        """The value's domain, which needs the metric: a CHECK constraint cannot read
        another table, so a proportion's 0–1 lives here and in the service (and a row
        that slips past both costs its own target's result, not the job)."""
        if self.target_id and abs(self.value) <= MAX_VALUE:
            problem = value_problem(self.target.metric, self.value)
            if problem:
                raise ValidationError({"value": problem})


def value_problem(metric: Metric, value: float) -> str:
    """Why `value` cannot be a measurement of `metric`, or ""."""
    if not abs(value) <= MAX_VALUE:
        return VALUE_RANGE_MESSAGE
    if metric.chart_kind == ChartKind.PROPORTION and not 0 <= value <= 1:
        return (
            f"{value:g} is not a proportion: {metric.name} ({metric.unit}) takes a value "
            "from 0 to 1 — for 12 %, give 0.12."
        )
    return ""


class ResultSnapshot(models.Model):
    """A target's realized result as of a date; recomputing the same date replaces it."""

    # No index of its own: the (target, as_of) unique constraint's index serves lookups
    # by target, and one index less makes the results job's upsert cheaper.
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="results", db_index=False
    )
    as_of = models.DateField()
    n_before = models.PositiveIntegerField(default=0)
    n_after = models.PositiveIntegerField(default=0)
    baseline_mean = models.FloatField(null=True, blank=True)
    current_mean = models.FloatField(null=True, blank=True)
    improvement = models.FloatField(null=True, blank=True)
    improvement_pct = models.FloatField(null=True, blank=True)
    progress_pct = models.FloatField(null=True, blank=True)
    welch_t = models.FloatField(null=True, blank=True)
    welch_df = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    significant = models.BooleanField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ResultStatus.choices, default=ResultStatus.NO_DATA
    )
    realized_annual_benefit = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )
    control = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    # How the result was proven (metrics.results.figures; README, "How a result is
    # computed"): the test, the 95 % confidence interval of the improvement and of the
    # benefit, the significance threshold (interim: before the target's due date), the
    # lag-1 autocorrelation of each sample and the effective sizes where it was material.
    test_method = models.CharField(
        max_length=24, choices=StatisticalTest.choices, blank=True, default=""
    )
    improvement_low = models.FloatField(null=True, blank=True)
    improvement_high = models.FloatField(null=True, blank=True)
    benefit_low = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    benefit_high = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    alpha = models.FloatField(null=True, blank=True)
    interim = models.BooleanField(null=True, blank=True)
    r1_before = models.FloatField(null=True, blank=True)
    r1_after = models.FloatField(null=True, blank=True)
    n_eff_before = models.FloatField(null=True, blank=True)
    n_eff_after = models.FloatField(null=True, blank=True)
    # Why the status is `error`: what in the target's data could not be computed.
    error = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-as_of", "-id"]
        get_latest_by = "as_of"
        constraints = [
            # Also the index for "latest result of a target": WHERE target_id = … ORDER BY as_of.
            models.UniqueConstraint(
                fields=["target", "as_of"], name="result_one_per_target_and_date"
            ),
            *finite_constraints(
                "result",
                "baseline_mean",
                "current_mean",
                "improvement",
                "improvement_pct",
                "progress_pct",
                "welch_t",
                "welch_df",
                "improvement_low",
                "improvement_high",
                "n_eff_before",
                "n_eff_after",
            ),
            models.CheckConstraint(
                condition=Q(p_value__isnull=True) | Q(p_value__gte=0, p_value__lte=1),
                name="result_p_value_0_1",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ResultStatus.values), name="result_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(test_method="") | Q(test_method__in=StatisticalTest.values),
                name="result_test_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(alpha__isnull=True) | Q(alpha__gt=0, alpha__lt=1),
                name="result_alpha_0_1",
            ),
            models.CheckConstraint(
                condition=(Q(r1_before__isnull=True) | Q(r1_before__gte=-1, r1_before__lte=1))
                & (Q(r1_after__isnull=True) | Q(r1_after__gte=-1, r1_after__lte=1)),
                name="result_r1_within_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} as of {self.as_of}: {self.status}"


class QuarterClosed(ValidationError):
    """A change to a ledger row of a closed quarter (or a second close of it)."""

    def __init__(self, year: int, quarter: int, message: str | None = None):
        self.year, self.quarter = year, quarter
        super().__init__(
            message or f"{year} Q{quarter} is closed: its ledger rows can no longer be changed."
        )


def live_by_quarter_end(initiative, year, quarter) -> Q:
    """The initiative (a path like "initiative") went live on or before the last day of
    the quarter given by the `year` and `quarter` expressions."""
    on = f"{initiative}__implemented_on"
    return Q(**{f"{on}__year__lt": year}) | Q(
        **{f"{on}__year": year, f"{on}__month__lte": quarter * 3}
    )


class QuarterlyResultQuerySet(models.QuerySet):
    def with_closed(self) -> "QuarterlyResultQuerySet":
        """Annotate `closed`: the row's quarter has been closed."""
        closes = QuarterClose.objects.filter(year=OuterRef("year"), quarter=OuterRef("quarter"))
        return self.annotate(closed=Exists(closes))

    def open(self) -> "QuarterlyResultQuerySet":
        return self.with_closed().filter(closed=False)

    def closed(self) -> "QuarterlyResultQuerySet":
        return self.with_closed().filter(closed=True)

    def with_double_counting(self) -> "QuarterlyResultQuerySet":
        """Annotate `double_counted`: another initiative in the same area claims a benefit
        on the same metric in the same quarter, both having gone live by its end.

        A ledger row is a claim on its target's metric over the part of the quarter after
        the change; two claims in one quarter from initiatives live by its last day both
        run to that day, so their periods overlap. Served by ledger_quarter_idx."""
        rivals = QuarterlyResult.objects.filter(
            live_by_quarter_end("initiative", OuterRef("year"), OuterRef("quarter")),
            year=OuterRef("year"),
            quarter=OuterRef("quarter"),
            initiative__area=OuterRef("initiative__area"),
            target__metric=OuterRef("target__metric"),
        ).exclude(initiative=OuterRef("initiative"))
        live = live_by_quarter_end("initiative", F("year"), F("quarter"))
        return self.annotate(
            double_counted=models.Case(
                models.When(live & Exists(rivals), then=True),
                default=False,
                output_field=models.BooleanField(),
            )
        )

    def totals(self) -> dict:
        """One query: row counts, the proven (`computed`), unproven and validated benefit
        in total and per benefit type (the target's, e.g. `unproven_hard`), and the span
        of quarters the rows cover. A row books its benefit as proven or as unproven,
        never both (ledger_benefit_proven_or_unproven), so the two never overlap."""
        sums = {}
        for kind in [None, *BenefitType.values]:
            only = Q(target__benefit_type=kind) if kind else Q()
            suffix = f"_{kind}" if kind else ""
            sums[f"computed{suffix}"] = Sum("computed_benefit", filter=only)
            sums[f"unproven{suffix}"] = Sum("unproven_benefit", filter=only)
            sums[f"validated{suffix}"] = Sum("validated_benefit", filter=only)
        return self.order_by().aggregate(
            rows=Count("pk"),
            unreviewed=Count("pk", filter=Q(reviewed_at__isnull=True)),
            first_year=models.Min("year"),
            last_year=models.Max("year"),
            first_quarter=models.Min("quarter"),
            last_quarter=models.Max("quarter"),
            **sums,
        )


class QuarterlyResult(models.Model):
    """One ledger row: an initiative's primary-target figures over one quarter.

    A row of a closed quarter cannot be changed: `save()` refuses it whoever calls. The
    rollup bulk-upserts, bypassing save(), so it checks the quarter itself (under lock)."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="quarterly_results"
    )
    # CASCADE: an open quarter's row goes with its target (the rollup writes the
    # quarter again); a closed quarter's row stops the delete (refuse_closed_quarter_delete).
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, null=True, blank=True, related_name="quarterly_results"
    )
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    n_measurements = models.PositiveIntegerField(default=0)
    baseline_mean = models.FloatField(null=True, blank=True)
    quarter_mean = models.FloatField(null=True, blank=True)
    improvement = models.FloatField(null=True, blank=True)
    improvement_pct = models.FloatField(null=True, blank=True)
    progress_pct = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    significant = models.BooleanField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ResultStatus.choices, default=ResultStatus.NO_DATA
    )
    # The quarter's share of the realized annual benefit: booked here, as proven, only
    # when the quarter's test is significant; otherwise it is `unproven_benefit`.
    computed_benefit = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    unproven_benefit = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    # The test behind p_value, its threshold, and the 95 % interval of the improvement and
    # of the quarter's benefit (metrics.results.figures).
    test_method = models.CharField(
        max_length=24, choices=StatisticalTest.choices, blank=True, default=""
    )
    alpha = models.FloatField(null=True, blank=True)
    improvement_low = models.FloatField(null=True, blank=True)
    improvement_high = models.FloatField(null=True, blank=True)
    benefit_low = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    benefit_high = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    validated_benefit = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    review_note = text_field(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuarterlyResultQuerySet.as_manager()
    # Reviews and corrections; the rollup's bulk upserts of computed figures are not
    # history (the figures are recomputed from the recorded measurements).
    audit = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-year", "-quarter", "initiative_id"]
        verbose_name = "quarterly result"
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "year", "quarter"], name="ledger_one_row_per_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="ledger_quarter_1_4"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2200), name="ledger_year_sane"
            ),
            *finite_constraints(
                "ledger",
                "baseline_mean",
                "quarter_mean",
                "improvement",
                "improvement_pct",
                "progress_pct",
                "improvement_low",
                "improvement_high",
            ),
            models.CheckConstraint(
                condition=Q(p_value__isnull=True) | Q(p_value__gte=0, p_value__lte=1),
                name="ledger_p_value_0_1",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ResultStatus.values), name="ledger_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(test_method="") | Q(test_method__in=StatisticalTest.values),
                name="ledger_test_method_valid",
            ),
            # A benefit is booked as proven or as unproven, never as both.
            models.CheckConstraint(
                condition=Q(computed_benefit__isnull=True) | Q(unproven_benefit__isnull=True),
                name="ledger_benefit_proven_or_unproven",
            ),
        ]
        indexes = [
            # The review desk: WHERE year = … AND quarter = ….
            models.Index(fields=["year", "quarter"], name="ledger_quarter_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.initiative_id} {self.year} Q{self.quarter}"

    def save(self, *args, **kwargs):
        # Only changes are refused: a closed quarter's rows were written before it closed
        # (the rollup never inserts into a closed quarter).
        if not self._state.adding and self.in_closed_quarter():
            raise QuarterClosed(self.year, self.quarter)
        super().save(*args, **kwargs)

    def in_closed_quarter(self) -> bool:
        return QuarterClose.objects.filter(year=self.year, quarter=self.quarter).exists()

    @property
    def period(self) -> str:
        return f"{self.year} Q{self.quarter}"


class QuarterClose(models.Model):
    """A closed quarter: its ledger rows are frozen from then on."""

    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    closed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = text_field(blank=True)

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="quarter_closed_once"),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_close_quarter_1_4"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2200), name="quarter_close_year_sane"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(year)s Q%(quarter)s closed") % {
            "year": self.year,
            "quarter": self.quarter,
        }


class QuarterReopen(models.Model):
    """A closed quarter an administrator reopened, and why.

    Reopening deletes the quarter's QuarterClose row, so every check of a closed quarter
    (the rollup, the review services, the rows' save()) sees it open again without
    knowing about reopens, and it can be closed again later. The close it undid — who,
    when, with what note — is kept here: the ledger's history of a quarter is its
    QuarterClose row (if closed now) and these rows."""

    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    close_note = text_field(blank=True)
    reopened_at = models.DateTimeField(default=timezone.now)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = text_field()

    class Meta:
        # No index: a handful of rows a year, read by the admin's history list.
        ordering = ["-reopened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_reopen_quarter_1_4"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2200), name="quarter_reopen_year_sane"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="quarter_reopen_has_reason"),
        ]

    def __str__(self) -> str:
        return gettext("%(year)s Q%(quarter)s reopened") % {
            "year": self.year,
            "quarter": self.quarter,
        }


class SignalAlert(models.Model):
    """A control-chart signal on a completed initiative that its owner was alerted to;
    one per target and point, so the nightly watch alerts each signal once."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="signal_alerts")
    observed_at = models.DateTimeField()
    value = models.FloatField()
    rule = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "observed_at"], name="signal_alert_once_per_point"
            ),
            models.CheckConstraint(
                condition=Q(rule__gte=1, rule__lte=4), name="signal_alert_rule_1_4"
            ),
            *finite_constraints("signal_alert", "value", nullable=False),
        ]

    def __str__(self) -> str:
        return f"Rule {self.rule} signal on target {self.target_id} at {self.observed_at}"


@receiver(pre_delete, sender=Initiative)
@receiver(pre_delete, sender=Target)
def refuse_closed_quarter_delete(sender, instance, **kwargs):
    """A closed quarter's ledger rows stay, whatever deletes their target or initiative
    (a service, the admin, a cascade): the delete is refused and says why.

    Connected for both senders, so Django's collector sends it for each object, cascades
    included, before anything is deleted."""
    rows = QuarterlyResult.objects.closed().filter(
        Q(target=instance) if sender is Target else Q(initiative=instance)
    )
    row = rows.order_by("year", "quarter").first()
    if row is not None:
        what = "target" if sender is Target else "initiative"
        raise QuarterClosed(
            row.year,
            row.quarter,
            f"This {what} has a ledger row in {row.period}, which is closed: it cannot be "
            "deleted. Reopen the quarter first if it must be.",
        )
