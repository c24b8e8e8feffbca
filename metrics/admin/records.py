"""Admin for the recorded numbers: the KPI catalog, targets, measurements, results and
signal alerts.

Results are computed by jobs, so the admin shows them but does not let anyone type them
in; a frozen baseline cannot be edited here either (DESIGN.md, "Metrics and results").
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.urls import path, reverse
from django.utils.html import format_html

from metrics.admin import import_page

# Importing them registers the review desk and the quarter closes.
from metrics.models import (
    Measurement,
    Metric,
    ResultSnapshot,
    SignalAlert,
    Target,
)

# Set only by the workflow, when a move freezes the baseline.
FREEZE_FIELDS = Target.FREEZE_FIELDS
BASELINE_FIELDS = Target.BASELINE_FIELDS

# The most recent measurements shown on a target's page; the rest are on the
# measurement list, filtered by target.
MEASUREMENT_INLINE_ROWS = 50


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "direction", "pillar", "chart_kind", "is_active"]
    list_filter = ["is_active", "pillar", "direction", "chart_kind"]
    search_fields = ["name", "description"]


class TargetForm(forms.ModelForm):
    """Disables a frozen target's baseline fields.

    TargetAdmin makes them read-only itself, but an inline's get_readonly_fields() is
    given the initiative, not each row's target, so the inline needs the form to do it.
    A disabled field keeps its stored value whatever the POST says.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_frozen:
            for name in BASELINE_FIELDS:
                if name in self.fields:
                    self.fields[name].disabled = True


class FrozenFilter(admin.SimpleListFilter):
    title = "baseline frozen"
    parameter_name = "frozen"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(frozen_at__isnull=self.value() == "no")
        return queryset


class TargetInline(admin.TabularInline):
    """The targets on an initiative's page (registered on InitiativeAdmin)."""

    model = Target
    form = TargetForm
    fields = [
        "metric",
        "is_primary",
        "baseline_value",
        "baseline_start",
        "baseline_end",
        "baseline_source",
        "baseline_n",
        "frozen_at",
        "target_value",
        "target_date",
        "value_per_unit",
        "benefit_type",
    ]
    readonly_fields = ["baseline_source", "baseline_n", "frozen_at"]
    autocomplete_fields = ["metric"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # Each row's heading is str(target), which reads the metric.
        return super().get_queryset(request).select_related("metric")


class RecentMeasurementsFormSet(BaseInlineFormSet):
    """Only the latest MEASUREMENT_INLINE_ROWS measurements of a target.

    A target can have hundreds; a form holding all of them is slow to render and, on
    save, would exceed DATA_UPLOAD_MAX_NUMBER_FIELDS. The slice is taken here because
    the inline filters the queryset by target after InlineModelAdmin.get_queryset().
    """

    def get_queryset(self):
        if not hasattr(self, "_recent"):
            self._recent = super().get_queryset()[:MEASUREMENT_INLINE_ROWS]
        return self._recent


class MeasurementInline(admin.TabularInline):
    model = Measurement
    formset = RecentMeasurementsFormSet
    fields = ["observed_at", "value", "sample_size", "source", "recorded_by"]
    readonly_fields = ["recorded_by"]
    ordering = ["-observed_at"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    form = TargetForm
    list_display = [
        "metric",
        "initiative",
        "is_primary",
        "baseline_value",
        "target_value",
        "target_date",
        "frozen",
        "benefit_type",
    ]
    list_filter = ["is_primary", FrozenFilter, "benefit_type", "metric__pillar"]
    search_fields = ["metric__name", "initiative__title"]
    autocomplete_fields = ["initiative", "metric"]
    readonly_fields = [*FREEZE_FIELDS, "created_at", "all_measurements"]
    fieldsets = [
        (None, {"fields": ["initiative", "metric", "is_primary"]}),
        ("Baseline", {"fields": list(BASELINE_FIELDS)}),
        ("Target", {"fields": ["target_value", "target_date", "value_per_unit", "benefit_type"]}),
        (None, {"fields": ["all_measurements", "created_at"]}),
    ]
    inlines = [MeasurementInline]

    def get_queryset(self, request):
        # str(target) reads the metric, so autocomplete results (measurements pick their
        # target) need it too, not only the list. The list's columns are joined here as
        # well: the changelist ignores list_select_related once get_queryset() has
        # selected related rows.
        return super().get_queryset(request).select_related("metric", "initiative")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return [*BASELINE_FIELDS, "created_at", "all_measurements"]
        return super().get_readonly_fields(request, obj)

    @admin.display(boolean=True, ordering="frozen_at", description="frozen")
    def frozen(self, obj):
        return obj.is_frozen

    @admin.display(description="measurements")
    def all_measurements(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:metrics_measurement_changelist")
        count = obj.measurements.count()
        return format_html('<a href="{}?target__id__exact={}">All {}</a>', url, obj.pk, count)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Measurement:
            return super().save_formset(request, form, formset, change)
        # Measurements entered here were recorded by the person saving the page.
        measurements = formset.save(commit=False)
        for measurement in formset.deleted_objects:
            measurement.delete()
        for measurement in measurements:
            if measurement.recorded_by_id is None:
                measurement.recorded_by = request.user
            measurement.save()
        formset.save_m2m()


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    list_display = [
        "observed_at",
        "value",
        "sample_size",
        "target",
        "initiative",
        "source",
        "recorded_by",
    ]
    list_filter = ["source", "target__metric"]
    list_select_related = ["target__metric", "target__initiative", "recorded_by"]
    search_fields = ["target__metric__name", "target__initiative__title"]
    date_hierarchy = "observed_at"
    autocomplete_fields = ["target"]
    readonly_fields = ["recorded_by", "created_at"]

    @admin.display(ordering="target__initiative__title")
    def initiative(self, obj):
        return obj.target.initiative

    def save_model(self, request, obj, form, change):
        if obj.recorded_by_id is None and not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="metrics_measurement_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a CSV or XLSX file, preview it, confirm: see metrics.imports."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return import_page.import_view(self, request)


@admin.register(ResultSnapshot)
class ResultSnapshotAdmin(admin.ModelAdmin):
    """Computed by the results job: viewable, never typed in. Deleting one is allowed
    (the job recomputes it), so deleting a target is not blocked by its results."""

    list_display = [
        "target",
        "initiative",
        "as_of",
        "status",
        "n_before",
        "n_after",
        "baseline_mean",
        "current_mean",
        "improvement_pct",
        "significant",
        "realized_annual_benefit",
    ]
    list_filter = ["status", "significant", "target__metric__pillar"]
    list_select_related = ["target__metric", "target__initiative"]
    search_fields = ["target__metric__name", "target__initiative__title"]
    date_hierarchy = "as_of"

    @admin.display(ordering="target__initiative__title")
    def initiative(self, obj):
        return obj.target.initiative

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignalAlert)
class SignalAlertAdmin(admin.ModelAdmin):
    """Written by the sustainment watch, once per signalling point: read-only here."""

    list_display = ["target", "initiative", "observed_at", "value", "rule", "created_at"]
    list_filter = ["rule"]
    list_select_related = ["target__metric", "target__initiative"]
    search_fields = ["target__metric__name", "target__initiative__title"]
    date_hierarchy = "created_at"

    @admin.display(ordering="target__initiative__title")
    def initiative(self, obj):
        return obj.target.initiative

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
