"""The admin's measurement import page: upload a CSV or XLSX file, see a preview (or every
bad row, with nothing saved), confirm. The checking and saving are metrics.imports.

Why not django-import-export: its resources save row by row through the model, beside
metrics.services.record_measurements, so the import would need its own copy of the
batch's rules (permissions, duplicates, proportions, the results recompute). This page
is a form and two templates around the one service every other entry path uses.

The confirm step carries the parsed table, signed, instead of keeping the upload on
disk: nothing to clean up, and what is saved is exactly what was previewed (re-checked).
"""

from django import forms
from django.contrib import messages
from django.core import signing
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics import imports

SALT = "metrics.import-measurements"
# How long a preview can be confirmed.
PREVIEW_MAX_AGE = 60 * 60
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PREVIEW_ROWS = 200


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=(
            gettext_lazy(
                "Columns: initiative (id or title), metric (name), observed_at "
                "(date or date-time), value, sample_size (optional). The first "
                "row names them."
            )
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB: split it."))
        try:
            return imports.read_table(upload)
        except imports.FileUnreadable as exc:
            raise forms.ValidationError(str(exc)) from None


def import_view(model_admin, request):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Import measurements",
        "columns": imports.COLUMNS,
    }
    form = UploadForm()
    table = None
    if request.method == "POST" and "payload" in request.POST:
        try:
            table = signing.loads(request.POST["payload"], salt=SALT, max_age=PREVIEW_MAX_AGE)
        except signing.BadSignature:
            messages.error(request, _("The preview has expired: upload the file again."))
            return redirect(request.path)
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            table = form.cleaned_data["file"]

    if table is None:
        status = 400 if form.errors else 200
        return _render(request, context | {"form": form}, status)

    confirm = "payload" in request.POST
    outcome = imports.check(table, actor=request.user, dry_run=not confirm)
    if not outcome.ok:
        return _render(request, context | {"form": UploadForm(), "problems": outcome.problems}, 400)
    if confirm:
        messages.success(request, _("Imported %(saved)s measurements.") % {"saved": outcome.saved})
        return redirect(reverse("admin:metrics_measurement_changelist") + "?source__exact=import")
    return _render(
        request,
        context
        | {
            "preview": outcome.items[:PREVIEW_ROWS],
            "more": max(0, len(outcome.items) - PREVIEW_ROWS),
            "count": len(outcome.items),
            "payload": signing.dumps(table, salt=SALT, compress=True),
        },
        200,
    )


def _render(request, context, status):
    return TemplateResponse(
        request, "admin/metrics/measurement/import.html", context, status=status
    )
