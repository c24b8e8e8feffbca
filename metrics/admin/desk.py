"""The quarterly review desk: the ledger's admin, where reviewers validate benefits, mark
rows reviewed, export, and close a quarter; and the forecast-accuracy report.

Every change goes through metrics.ledger.review (the API calls the same functions),
which refuses a closed quarter; here a closed quarter's rows are also shown read-only, in
the list and on their own page. Closing a quarter is metrics.admin.close; the list
filters are metrics.admin.filters.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from improvement import formatting, roles, visibility
from improvement.people import display_name
from improvement.visibility import VisibleOnlyAdmin
from metrics.admin import close as admin_close
from metrics.admin.close import benefit_lines
from metrics.admin.filters import (
    AreaSubtreeFilter,
    ClosedFilter,
    DoubleCountedFilter,
    QuarterFilter,
    ReviewedFilter,
)
from metrics.admin.reopen import reopen_url
from metrics.ledger import exports, reports, review, rollup
from metrics.ledger.rollup import COMPUTED_FIELDS
from metrics.models import QuarterClosed, QuarterlyResult
from metrics.results.figures import ALPHA

REVIEW_FIELDS = ["validated_benefit", "review_note"]
EXPORT_FORMATS = {
    "csv": (exports.as_csv, exports.CSV_TYPE),
    "xlsx": (exports.as_xlsx, exports.XLSX_TYPE),
}


class ReadOnlyValue(forms.Widget):
    """Shows a disabled field's value as text (a closed quarter's row in the list)."""

    def render(self, name, value, attrs=None, renderer=None):
        if value in (None, ""):
            value = "—"
        elif not isinstance(value, str):
            value = _money(value)
        return format_html('<span class="readonly">{}</span>', value)


class ReviewForm(forms.ModelForm):
    """A row's review fields, in the list and on the row's page. On a closed quarter's
    row they are disabled: a disabled field keeps its stored value whatever is posted, so
    the row never counts as changed and is never saved."""

    class Meta:
        model = QuarterlyResult
        fields = REVIEW_FIELDS
        widgets = {"review_note": forms.Textarea(attrs={"rows": 2, "cols": 24})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and _closed(self.instance):
            for name in REVIEW_FIELDS:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].widget = ReadOnlyValue()


def _closed(row) -> bool:
    """Whether the row's quarter is closed: from the desk's annotation when present."""
    closed = getattr(row, "closed", None)
    return row.in_closed_quarter() if closed is None else closed


def _money(value) -> str:
    """An amount of the ledger in settings.CURRENCY, to the cent: "$12,345.60"."""
    return formatting.money_text(
        value, currency=settings.CURRENCY, locale=formatting.active_locale(), whole=False
    )


def _figure(value, *, sign: bool = False) -> str:
    """A mean or an improvement to 4 significant digits, as the pages show it."""
    return formatting.number_text(value, locale=formatting.active_locale(), sign=sign)


def _alpha(row) -> float:
    """The row's significance threshold; rows rolled up before thresholds were stored
    were all tested at ALPHA."""
    return ALPHA if row.alpha is None else row.alpha


@admin.register(QuarterlyResult)
class QuarterlyResultAdmin(VisibleOnlyAdmin, admin.ModelAdmin):
    """The quarterly ledger. The rollup job writes the figures; reviewers enter only the
    validated benefit and a note, and a closed quarter's rows cannot be changed at all."""

    form = ReviewForm
    list_display = [
        "period",
        "initiative",
        "owner",
        "metric",
        "baseline_to_quarter_mean",
        "improvement_percent",
        "progress",
        "test_used",
        "significance",
        "computed",
        "unproven",
        "benefit_interval",
        "validated_benefit",
        "benefit_type",
        "review_note",
        "reviewed",
        "double_counting",
    ]
    list_display_links = ["initiative"]
    list_editable = REVIEW_FIELDS
    list_filter = [
        "year",
        QuarterFilter,
        AreaSubtreeFilter,
        "initiative__methodology",
        "status",
        ReviewedFilter,
        ClosedFilter,
        DoubleCountedFilter,
        "target__benefit_type",
    ]
    search_fields = ["initiative__title", "review_note"]
    actions = [
        "mark_reviewed",
        "recompute_selected",
        "close_quarter",
        "export_selected_csv",
        "export_selected_xlsx",
    ]
    fieldsets = [
        (None, {"fields": ["initiative", "target", "year", "quarter"]}),
        (
            gettext_lazy("Figures"),
            {"fields": [f for f in COMPUTED_FIELDS if f != "target"]},
        ),
        (gettext_lazy("Review"), {"fields": [*REVIEW_FIELDS, "reviewed_at", "reviewed_by"]}),
    ]
    readonly_fields = [
        "initiative",
        "year",
        "quarter",
        *COMPUTED_FIELDS,
        "reviewed_at",
        "reviewed_by",
    ]

    def get_queryset(self, request):
        # Every column in the list comes from this one query (the changelist ignores
        # list_select_related once get_queryset() has selected related rows).
        return (
            super()
            .get_queryset(request)
            .select_related(
                "initiative__owner", "initiative__area", "target__metric", "reviewed_by"
            )
            .with_closed()
            .with_double_counting()
        )

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=ReviewForm, **kwargs)

    # --- permissions ----------------------------------------------------------------------

    def has_add_permission(self, request):
        # One row per initiative and quarter, written by the quarterly rollup.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and _closed(obj):
            return False
        return super().has_change_permission(request, obj) and roles.is_reviewer(request.user)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _closed(obj):
            return False
        return super().has_delete_permission(request, obj)

    def has_review_permission(self, request):
        return roles.is_reviewer(request.user)

    # --- saving: through the service --------------------------------------------------------

    def save_model(self, request, obj, form, change):
        review.validate_benefit(
            row=obj,
            actor=request.user,
            validated_benefit=obj.validated_benefit,
            review_note=obj.review_note,
        )

    def changelist_view(self, request, extra_context=None):
        try:
            response = super().changelist_view(request, extra_context)
        except QuarterClosed as exc:  # closed while the page was open: nothing was saved
            self.message_user(request, exc.messages[0], messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context.update(self.desk_context(request, context["cl"]))
            formset = context["cl"].formset
            if formset is not None and formset.is_bound and not formset.is_valid():
                response.status_code = 400  # the list again, with each refused value named
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
        except QuarterClosed as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        context = getattr(response, "context_data", None) or {}
        if request.method == "POST" and "adminform" in context and context["adminform"].form.errors:
            response.status_code = 400  # the row's page again, with the refused value named
        return response

    def desk_context(self, request, cl) -> dict:
        """The totals above the list, and the links to export, report and close."""
        totals = cl.queryset.totals()
        one_quarter = None
        if totals["rows"] and (totals["first_year"], totals["first_quarter"]) == (
            totals["last_year"],
            totals["last_quarter"],
        ):
            one_quarter = (totals["first_year"], totals["first_quarter"])
        query = cl.get_query_string()
        context = {
            "totals": totals,
            "benefit_lines": benefit_lines(totals),
            "caption": _("Totals for %(value)s Q%(value2)s")
            % {"value": one_quarter[0], "value2": one_quarter[1]}
            if one_quarter
            else _("Totals for the filtered rows"),
            "one_quarter": one_quarter,
            "export_csv_url": self.url("export", "csv") + query,
            "export_xlsx_url": self.url("export", "xlsx") + query,
            "forecast_url": self.url("forecast"),
            "can_review": self.has_review_permission(request),
        }
        if request.user.has_perm("metrics.add_measurement"):
            context["import_url"] = reverse("admin:metrics_measurement_import")
        if one_quarter:
            context["one_quarter_closed"] = rollup.is_closed(*one_quarter)
            context["close_url"] = self.url("close", *one_quarter)
            context["not_ended"] = admin_close.not_ended_message(*one_quarter)
            if context["one_quarter_closed"] and roles.is_admin(request.user):
                context["reopen_url"] = reopen_url(*one_quarter)
        return context

    def url(self, name: str, *args) -> str:
        return reverse(f"admin:metrics_quarterlyresult_{name}", args=args)

    # --- columns ----------------------------------------------------------------------------

    # Not sortable: the list is in quarter order already, and a sorted header's arrows
    # would take room the desk needs.
    @admin.display(description="quarter")
    def period(self, obj):
        if obj.closed:
            return format_html('{}<br><small class="closed">closed</small>', obj.period)
        return obj.period

    @admin.display(description="owner", ordering="initiative__owner__username")
    def owner(self, obj):
        return display_name(obj.initiative.owner, nobody="—")

    @admin.display(description=_("primary metric"), ordering="target__metric__name")
    def metric(self, obj):
        return obj.target.metric.name if obj.target_id else "—"

    @admin.display(description=_("baseline → quarter mean"))
    def baseline_to_quarter_mean(self, obj):
        unit = obj.target.metric.unit if obj.target_id else ""
        return format_html(
            "{} → {}<br><small>{}</small>",
            _figure(obj.baseline_mean),
            _figure(obj.quarter_mean),
            unit,
        )

    @admin.display(description=_("improvement / status"), ordering="improvement_pct")
    def improvement_percent(self, obj):
        pct = formatting.percent_text(
            obj.improvement_pct, locale=formatting.active_locale(), sign=True
        )
        return format_html("{}<br><small>{}</small>", pct, obj.get_status_display())

    @admin.display(description="progress", ordering="progress_pct")
    def progress(self, obj):
        return formatting.percent_text(
            obj.progress_pct, locale=formatting.active_locale(), decimals=0
        )

    @admin.display(description="test", ordering="test_method")
    def test_used(self, obj):
        if not obj.test_method:
            return "—"
        # Interim: the quarter's last day is before the target's due date, so the stricter
        # INTERIM_ALPHA applied (metrics.results.figures).
        alpha = _alpha(obj)
        interim = " (interim)" if alpha < ALPHA else ""
        return format_html(
            "{}<br><small>α = {}{}</small>", obj.get_test_method_display(), _figure(alpha), interim
        )

    @admin.display(description="p-value", ordering="p_value")
    def significance(self, obj):
        if obj.p_value is None:
            return "—"
        # "< 0.001", else 3 significant digits, never rounded onto the threshold.
        p = formatting.p_value_text(
            obj.p_value, locale=formatting.active_locale(), alpha=_alpha(obj)
        )
        if obj.significant:
            return format_html(
                '{} <span title="significant at α = {}">✔</span>', p, _figure(_alpha(obj))
            )
        return p

    # Proven: the quarter's test is significant. A row books its benefit in one of the
    # two columns, never both (the ledger_benefit_proven_or_unproven constraint).
    @admin.display(description=_("proven benefit"), ordering="computed_benefit")
    def computed(self, obj):
        return _money(obj.computed_benefit)

    @admin.display(description=_("unproven benefit"), ordering="unproven_benefit")
    def unproven(self, obj):
        return _money(obj.unproven_benefit)

    @admin.display(description=_("95 % CI benefit / improvement"))
    def benefit_interval(self, obj):
        def span(low, high, fmt):
            if low is None or high is None:
                return "—"
            return f"{fmt(low)} to {fmt(high)}"

        return format_html(
            "{}<br><small>{}</small>",
            span(obj.benefit_low, obj.benefit_high, _money),
            span(obj.improvement_low, obj.improvement_high, lambda v: _figure(v, sign=True)),
        )

    @admin.display(description=_("benefit type"), ordering="target__benefit_type")
    def benefit_type(self, obj):
        return obj.target.get_benefit_type_display() if obj.target_id else "—"

    @admin.display(description="reviewed", ordering="reviewed_at")
    def reviewed(self, obj):
        if obj.reviewed_at is None:
            return "—"
        return format_html(
            "{}<br><small>{}</small>",
            display_name(obj.reviewed_by, nobody="—"),
            f"{obj.reviewed_at:%Y-%m-%d}",
        )

    @admin.display(description=_("double counting"), ordering="double_counted", empty_value="")
    def double_counting(self, obj):
        if not obj.double_counted:
            return ""
        return format_html(
            '<span class="double-counted" title="{}">⚠ overlap</span>',
            "Another initiative in this area claims a benefit on the same metric this quarter.",
        )

    # --- actions ----------------------------------------------------------------------------

    @admin.action(description=_("Mark the selected rows reviewed"), permissions=["review"])
    def mark_reviewed(self, request, queryset):
        try:
            marked = review.mark_reviewed(rows=queryset, actor=request.user)
        except QuarterClosed as exc:
            self.message_user(
                request,
                _("%(value)s Nothing was marked.") % {"value": exc.messages[0]},
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            ngettext("Marked %d row reviewed.", "Marked %d rows reviewed.", marked) % marked,
            messages.SUCCESS,
        )

    @admin.action(description=_("Recompute the selected rows"), permissions=["review"])
    def recompute_selected(self, request, queryset):
        queued, skipped = review.recompute_rows(rows=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext("Recompute queued for %d row.", "Recompute queued for %d rows.", queued)
            % queued,
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d row is in a closed quarter and was left as it is.",
                    "%d rows are in a closed quarter and were left as they are.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    @admin.action(description=_("Close the selected rows' quarter…"), permissions=["review"])
    def close_quarter(self, request, queryset):
        quarters = sorted(set(queryset.values_list("year", "quarter")))
        if len(quarters) != 1:
            self.message_user(
                request, _("Select rows of a single quarter to close it."), messages.ERROR
            )
            return None
        return redirect(self.url("close", *quarters[0]))

    @admin.action(description=_("Export the selected rows as CSV"), permissions=["view"])
    def export_selected_csv(self, request, queryset):
        return self.export(queryset, "csv")

    @admin.action(description=_("Export the selected rows as XLSX"), permissions=["view"])
    def export_selected_xlsx(self, request, queryset):
        return self.export(queryset, "xlsx")

    def export(self, rows, fmt: str) -> HttpResponse:
        render, content_type = EXPORT_FORMATS[fmt]
        response = HttpResponse(render(rows), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(fmt)}"'
        return response

    # --- pages of the desk ------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "export/<str:fmt>/", view(self.export_view), name="metrics_quarterlyresult_export"
            ),
            path(
                "close/<int:year>/<int:quarter>/",
                view(self.close_view),
                name="metrics_quarterlyresult_close",
            ),
            path(
                "forecast-accuracy/",
                view(self.forecast_view),
                name="metrics_quarterlyresult_forecast",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request, fmt: str):
        """The changelist's rows under its current filters and search, all pages."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if fmt not in EXPORT_FORMATS:
            raise Http404("Export as csv or xlsx.")
        try:
            cl = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return redirect(reverse("admin:metrics_quarterlyresult_changelist") + "?e=1")
        return self.export(cl.queryset, fmt)

    def close_view(self, request, year: int, quarter: int):
        return admin_close.close_quarter_view(self, request, year, quarter)

    def forecast_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        # The rows of the initiatives the reader may see.
        seen = visibility.visible(QuarterlyResult.objects.all(), request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Forecast accuracy"),
            "tables": [
                ("owner", _("Per owner"), reports.forecast_accuracy("owner", rows=seen)),
                ("area", _("Per area"), reports.forecast_accuracy("area", rows=seen)),
            ],
            "overall": reports.overall(rows=seen),
        }
        return TemplateResponse(request, "admin/metrics/forecast_accuracy.html", context)
