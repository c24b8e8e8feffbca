"""Reopening a closed quarter in the admin (administrators only): the reopen page, reached
from the desk's "Reopen this quarter" link or the QuarterClose admin's action, and the
read-only history of reopens. The page goes through metrics.ledger.review.reopen_quarter(),
which checks the administrator, the reason and the locks; the form here only turns its
refusals into messages.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from improvement import roles
from improvement.people import display_name
from metrics.ledger import review
from metrics.models import TEXT_MAX_LENGTH, QuarterClose, QuarterReopen


class ReopenQuarterForm(forms.Form):
    reason = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        label=gettext_lazy("Why is it reopened?"),
    )


def reopen_url(year: int, quarter: int) -> str:
    return reverse("admin:metrics_quarterclose_reopen", args=[year, quarter])


def reopen_quarter_view(model_admin, request, year: int, quarter: int):
    if not (model_admin.has_view_permission(request) and roles.is_admin(request.user)):
        raise PermissionDenied
    if not (1 <= quarter <= 4 and 2000 <= year <= 2200):
        raise Http404("No such quarter.")
    changelist = reverse("admin:metrics_quarterlyresult_changelist")
    desk = f"{changelist}?{urlencode({'year': year, 'quarter': quarter})}"
    form = ReopenQuarterForm(request.POST or None)
    close = QuarterClose.objects.select_related("closed_by").filter(year=year, quarter=quarter)
    close = close.first()
    if request.method == "POST" and close is not None and form.is_valid():
        try:
            review.reopen_quarter(
                year=year, quarter=quarter, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except review.QuarterNotClosed as exc:  # reopened by someone else meanwhile
            model_admin.message_user(request, exc.messages[0], messages.ERROR)
            return redirect(desk)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            model_admin.message_user(
                request,
                _(
                    "%(year)s Q%(quarter)s is open again: its rows can be reviewed "
                    "and recomputed, and it can be closed again."
                )
                % {"year": year, "quarter": quarter},
                messages.SUCCESS,
            )
            return redirect(desk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Reopen {year} Q{quarter}",
        "year": year,
        "quarter": quarter,
        "form": form,
        "close": close,
        "closed_by": display_name(close.closed_by) if close else "",
        "desk_url": desk,
    }
    status = 400 if form.errors else 200
    if request.method == "POST" and close is None:
        status = 409  # nothing to reopen: the page says so
    return TemplateResponse(
        request, "admin/metrics/quarterclose/reopen_quarter.html", context, status=status
    )


@admin.action(description=_("Reopen the selected quarter…"), permissions=["reopen"])
def reopen_selected(model_admin, request, queryset):
    closes = list(queryset.order_by("year", "quarter")[:2])
    if len(closes) != 1:
        model_admin.message_user(request, _("Select one quarter to reopen it."), messages.ERROR)
        return None
    return redirect(reopen_url(closes[0].year, closes[0].quarter))


@admin.register(QuarterReopen)
class QuarterReopenAdmin(admin.ModelAdmin):
    """The history of reopened quarters: written only by review.reopen_quarter()."""

    list_display = [
        "__str__",
        "reopened_at",
        "reopened_by",
        "reason",
        "closed_at",
        "closed_by",
    ]
    list_filter = ["year"]
    list_select_related = ["reopened_by", "closed_by"]
    search_fields = ["reason", "close_note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
