"""The attachments' web pages: a file and its thumbnail, sent only to someone who may
see its initiative (404 for anyone else, as if it did not exist; the sign-in page for
anyone not signed in), and the initiative page's upload and delete forms (POST, then
back to the page; a refused upload is a 400 page saying why, with the form again)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from attachments import access, services, serving
from attachments.forms import PANEL, AttachmentForm
from attachments.models import Attachment
from improvement.models import Initiative


def visible_attachment(pk: int, user) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("initiative"), pk=pk)
    if not access.can_see(user, attachment.initiative):
        raise Http404("No such file.")
    return attachment


def visible_initiative(pk: int, user) -> Initiative:
    initiative = get_object_or_404(Initiative, pk=pk)
    if not access.can_see(user, initiative):
        raise Http404("No such initiative.")
    return initiative


def panel_url(initiative_id: int) -> str:
    return reverse("improvement:initiative", args=[initiative_id]) + "#attachments"


@require_GET
def download(request, pk: int):
    return serving.file_response(visible_attachment(pk, request.user))


@require_GET
def thumbnail(request, pk: int):
    return serving.file_response(visible_attachment(pk, request.user), thumbnail=True)


@require_POST
def upload(request, pk: int):
    initiative = visible_initiative(pk, request.user)
    form = AttachmentForm(request.POST, request.FILES, prefix=PANEL, required=True)
    if form.is_valid():
        try:
            added = services.add_attachments(
                initiative=initiative, actor=request.user, files=form.chosen()
            )
        except ValidationError as exc:
            form.refused(exc)
        else:
            count = len(added)
            messages.success(request, f"{count} file{'s' if count != 1 else ''} attached.")
            return redirect(panel_url(initiative.pk))
    context = {"initiative": initiative, "form": form}
    return render(request, "attachments/upload_refused.html", context, status=400)


@require_POST
def delete(request, pk: int):
    attachment = visible_attachment(pk, request.user)
    # PermissionDenied (a 403 page) for someone who may see the file but not delete it.
    services.delete_attachment(attachment=attachment, actor=request.user)
    messages.success(request, f"“{attachment.original_name}” deleted.")
    return redirect(panel_url(attachment.initiative_id))
