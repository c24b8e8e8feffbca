"""Admin for the recorded numbers: the KPI catalog, targets, measurements, results and
signal alerts.

Results are computed by jobs, so the admin shows them but does not let anyone type them
in. Targets and measurements are written only through metrics.services, here as in the
app: a target's page saves through update_target (a frozen baseline changes only as a
reviewer's correction, with a reason), measurements come in through the import page.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from improvement.visibility import VisibleOnlyAdmin
from metrics import services
from metrics.admin import import_page

# Importing them registers the review desk and the quarter closes.
from metrics.models import (
    TEXT_MAX_LENGTH,
    Measurement,
    Metric,
    QuarterlyResult,
    ResultSnapshot,
    SignalAlert,
    Target,
)
from metrics.results import stale

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

    def save_model(self, request, obj, form, change):
        # A metric's direction or kind changes how its targets' results are computed.
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and {"direction", "chart_kind"} & set(form.changed_data):
                stale.inputs_changed(metric_id=obj.pk)


class TargetForm(forms.ModelForm):
    """A target's page: saved through metrics.services.update_target, whose rules are
    checked here so that a refusal shows on the form. A frozen target's evidence changes
    only as a reviewer's correction, with the reason given below."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TEXT_MAX_LENGTH,
        help_text=gettext_lazy("Why, when correcting a frozen baseline: kept in the history."),
    )
    actor = None  # set per request by TargetAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        changes = {f: cleaned[f] for f in self.changed_data if f in cleaned and f != "reason"}
        try:
            services.check_target_update(
                target=self.instance,
                actor=self.actor,
                changes=changes,
                reason=cleaned.get("reason", ""),
            )
        except PermissionDenied as exc:
            raise forms.ValidationError(str(exc)) from None
        return cleaned

    def _post_clean(self):
        # The service validated the instance (full_clean, with the correction's reason);
        # the form's own model validation would refuse the frozen fields without it.
        pass


class FrozenFilter(admin.SimpleListFilter):
    title = gettext_lazy("baseline frozen")
    parameter_name = "frozen"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(frozen_at__isnull=self.value() == "no")
        return queryset


class ReadOnlyInline(admin.TabularInline):
    """Shown, never written here: the rows are changed on their own admin page or in the
    app, through their service."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TargetInline(ReadOnlyInline):
    """The targets on an initiative's page (registered on InitiativeAdmin)."""

    model = Target
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
    readonly_fields = fields

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


class MeasurementInline(ReadOnlyInline):
    model = Measurement
    formset = RecentMeasurementsFormSet
    fields = ["observed_at", "value", "sample_size", "source", "recorded_by"]
    readonly_fields = fields
    ordering = ["-observed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


@admin.register(Target)
class TargetAdmin(VisibleOnlyAdmin, SimpleHistoryAdmin):
    """Targets are added in the app (or the API); here a target is corrected, through
    the service, or deleted while its baseline is open. The History button shows every
    change: who, when, old → new and why."""

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
    autocomplete_fields = ["metric"]
    readonly_fields = ["initiative", *FREEZE_FIELDS, "created_at", "all_measurements"]
    fieldsets = [
        (None, {"fields": ["initiative", "metric", "is_primary"]}),
        (gettext_lazy("Baseline"), {"fields": list(BASELINE_FIELDS)}),
        (
            gettext_lazy("Target"),
            {"fields": ["target_value", "target_date", "value_per_unit", "benefit_type"]},
        ),
        (gettext_lazy("Correction"), {"fields": ["reason"]}),
        (None, {"fields": ["all_measurements", "created_at"]}),
    ]
    inlines = [MeasurementInline]

    def get_queryset(self, request):
        # str(target) reads the metric, so autocomplete results (measurements pick their
        # target) need it too, not only the list. The list's columns are joined here as
        # well: the changelist ignores list_select_related once get_queryset() has
        # selected related rows.
        return super().get_queryset(request).select_related("metric", "initiative")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A frozen target is deleted in the app by a reviewer, with a reason.
        return super().has_delete_permission(request, obj) and not (obj and obj.is_frozen)

    def save_model(self, request, obj, form, change):
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f != "reason"}
        services.update_target(
            target=obj, actor=request.user, changes=changes, reason=form.cleaned_data["reason"]
        )

    def delete_model(self, request, obj):
        services.delete_target(target=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for target in queryset:
            services.delete_target(target=target, actor=request.user)

    def get_deleted_objects(self, objs, request):
        """Django's confirmation page, with a closed quarter's ledger rows (and a frozen
        target) listed as what prevents the delete."""
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        for target in objs:
            if target.is_frozen:
                protected.append(f"{target}: its baseline is frozen (delete it in the app)")
        closed = QuarterlyResult.objects.closed().filter(target__in=list(objs))
        protected += [f"Ledger row {row} of a closed quarter" for row in closed]
        if protected:
            perms = set()  # the page then names what protects them, not a permission
        return deleted, counts, perms, protected

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


@admin.register(Measurement)
class MeasurementAdmin(VisibleOnlyAdmin, SimpleHistoryAdmin):
    initiative_lookup = "target__initiative"
    """Measurements are recorded and corrected in the app, the API or the import page
    here, all through metrics.services; this list shows them and their history."""

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

    @admin.display(ordering="target__initiative__title")
    def initiative(self, obj):
        return obj.target.initiative

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        # One at a time goes through the same import: a file, a preview, a confirm.
        return redirect("admin:metrics_measurement_import")

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
class ResultSnapshotAdmin(VisibleOnlyAdmin, admin.ModelAdmin):
    initiative_lookup = "target__initiative"
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
class SignalAlertAdmin(VisibleOnlyAdmin, admin.ModelAdmin):
    initiative_lookup = "target__initiative"
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
