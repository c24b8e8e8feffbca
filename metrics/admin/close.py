"""Closing a quarter in the admin: the desk's close page (reached from its "Close this
quarter" link or action) and the QuarterClose admin's add page. Both go through
metrics.ledger.review.close_quarter(), which checks the reviewer, that the quarter has
ended, the unreviewed rows and the locks; the forms here only turn its refusals into
messages. Reopening a closed quarter (administrators) is metrics.admin.reopen.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from improvement import roles
from metrics.admin import reopen
from metrics.ledger import review, rollup
from metrics.models import (
    TEXT_MAX_LENGTH,
    BenefitType,
    QuarterClose,
    QuarterClosed,
    QuarterlyResult,
)


def benefit_lines(totals: dict) -> list[tuple[str, object, object, object]]:
    """(benefit type, proven, unproven, validated) for each type, from QuarterlyResult
    totals(): proven is the computed benefit of significant rows, unproven the rest."""
    return [
        (
            label,
            totals[f"computed_{code}"],
            totals[f"unproven_{code}"],
            totals[f"validated_{code}"],
        )
        for code, label in BenefitType.choices
    ]


def not_ended_message(year: int, quarter: int) -> str | None:
    """Why the quarter cannot be closed yet, if it has not ended."""
    try:
        review.check_ended(year, quarter)
    except review.QuarterNotEnded as exc:
        return exc.messages[0]
    return None


class CloseQuarterForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        label=gettext_lazy("Note"),
    )
    confirm_unreviewed = forms.BooleanField(
        required=False, label=gettext_lazy("Close it even though some rows are not reviewed")
    )


def close_quarter_view(model_admin, request, year: int, quarter: int):
    if not (model_admin.has_view_or_change_permission(request) and roles.is_reviewer(request.user)):
        raise PermissionDenied
    if not (1 <= quarter <= 4 and 2000 <= year <= 2200):
        raise Http404("No such quarter.")
    changelist = reverse("admin:metrics_quarterlyresult_changelist")
    desk = f"{changelist}?{urlencode({'year': year, 'quarter': quarter})}"
    form = CloseQuarterForm(request.POST or None)
    already_closed = rollup.is_closed(year, quarter)
    if request.method == "POST" and not already_closed and form.is_valid():
        try:
            review.close_quarter(
                year=year,
                quarter=quarter,
                actor=request.user,
                confirm_unreviewed=form.cleaned_data["confirm_unreviewed"],
                note=form.cleaned_data["note"],
            )
        except review.UnreviewedRows as exc:
            form.add_error("confirm_unreviewed", exc.messages[0])
        except QuarterClosed as exc:
            model_admin.message_user(request, exc.messages[0], messages.ERROR)
            return redirect(desk)
        except ValidationError as exc:  # the quarter has not ended yet
            form.add_error(None, exc.messages)
        else:
            model_admin.message_user(
                request,
                _("%(year)s Q%(quarter)s is closed: its rows are now read-only.")
                % {"year": year, "quarter": quarter},
                messages.SUCCESS,
            )
            return redirect(desk)
    totals = QuarterlyResult.objects.filter(year=year, quarter=quarter).totals()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Close {year} Q{quarter}",
        "year": year,
        "quarter": quarter,
        "form": form,
        "totals": totals,
        "benefit_lines": benefit_lines(totals),
        "already_closed": already_closed,
        "not_ended": not_ended_message(year, quarter),
        "desk_url": desk,
    }
    status = 400 if form.errors else 200
    return TemplateResponse(
        request, "admin/metrics/quarterlyresult/close_quarter.html", context, status=status
    )


class QuarterCloseForm(forms.ModelForm):
    confirm_unreviewed = forms.BooleanField(
        required=False, label=gettext_lazy("Close it even though some rows are not reviewed")
    )

    class Meta:
        model = QuarterClose
        fields = ["year", "quarter", "note"]

    def clean(self):
        data = super().clean()
        year, quarter = data.get("year"), data.get("quarter")
        if self.instance.pk is None and year and quarter:
            # The service checks again; these are for friendly form errors.
            try:
                review.check_ended(year, quarter)
            except review.QuarterNotEnded as exc:
                self.add_error("quarter", exc.messages[0])
                return data
            except ValidationError:
                return data  # not a quarter of the ledger: the model's constraints say so
        if self.instance.pk is None and year and quarter and not data.get("confirm_unreviewed"):
            unreviewed = review.unreviewed_count(year, quarter)
            if unreviewed:
                self.add_error(
                    "confirm_unreviewed",
                    str(review.UnreviewedRows(year, quarter, unreviewed).messages[0]),
                )
        return data


@admin.register(QuarterClose)
class QuarterCloseAdmin(admin.ModelAdmin):
    """Closing a quarter here is the same as on the desk: through review.close_quarter()."""

    form = QuarterCloseForm
    list_display = ["__str__", "year", "quarter", "closed_at", "closed_by"]
    list_filter = ["year"]
    list_select_related = ["closed_by"]
    search_fields = ["note"]
    readonly_fields = ["closed_at", "closed_by"]
    actions = [reopen.reopen_selected]

    def get_urls(self):
        return [
            path(
                "reopen/<int:year>/<int:quarter>/",
                self.admin_site.admin_view(self.reopen_view),
                name="metrics_quarterclose_reopen",
            ),
            *super().get_urls(),
        ]

    def reopen_view(self, request, year: int, quarter: int):
        return reopen.reopen_quarter_view(self, request, year, quarter)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        close = self.get_object(request, object_id)
        if close is not None and roles.is_admin(request.user):
            extra_context = {
                **(extra_context or {}),
                "reopen_url": reopen.reopen_url(close.year, close.quarter),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def has_reopen_permission(self, request):
        return roles.is_admin(request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["year", "quarter", "note", "confirm_unreviewed"]
        return ["year", "quarter", "note", "closed_at", "closed_by"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a close to another quarter would silently reopen this one.
        if obj is not None:
            return ["year", "quarter", *self.readonly_fields]
        return self.readonly_fields

    def has_add_permission(self, request):
        return super().has_add_permission(request) and roles.is_reviewer(request.user)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        close = review.close_quarter(
            year=obj.year,
            quarter=obj.quarter,
            actor=request.user,
            confirm_unreviewed=form.cleaned_data.get("confirm_unreviewed", False),
            note=obj.note,
        )
        # The admin's messages and redirect read the saved row.
        obj.pk, obj.closed_at, obj.closed_by = close.pk, close.closed_at, close.closed_by
        obj._state.adding = False
        return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        # Lost a race with another close, or the form's checks ran just before midnight.
        except (QuarterClosed, review.UnreviewedRows, review.QuarterNotEnded) as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request, obj=None):
        # Deleting a close would reopen the quarter without a trace: an administrator
        # reopens it with a reason instead (the "Reopen" action, metrics.admin.reopen).
        return False
