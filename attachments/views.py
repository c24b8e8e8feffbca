"""The attachments' web pages: a file and its thumbnail, sent only to someone who may
see its initiative (404 for anyone else, as if it did not exist; the sign-in page for
anyone not signed in), and the initiative page's upload and delete forms (POST, then
back to the page; a refused upload is a 400 page saying why, with the form again)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from attachments import services, serving
from attachments.forms import PANEL, AttachmentForm
from attachments.models import Attachment
from improvement import visibility
from improvement.models import Initiative


def visible_attachment(pk: int, user) -> Attachment:
    """The file if `user` may see its initiative (improvement.visibility, in the same
    query), else 404."""
    return get_object_or_404(
        visibility.visible(Attachment.objects.select_related("initiative"), user), pk=pk
    )


def visible_initiative(pk: int, user) -> Initiative:
    return get_object_or_404(visibility.visible_initiatives(user), pk=pk)


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
            messages.success(
                request,
                ngettext("%(count)d file attached.", "%(count)d files attached.", count)
                % {"count": count},
            )
            return redirect(panel_url(initiative.pk))
    context = {"initiative": initiative, "form": form}
    return render(request, "attachments/upload_refused.html", context, status=400)


@require_POST
def delete(request, pk: int):
    attachment = visible_attachment(pk, request.user)
    # PermissionDenied (a 403 page) for someone who may see the file but not delete it.
    services.delete_attachment(attachment=attachment, actor=request.user)
    messages.success(
        request, _("“%(original_name)s” deleted.") % {"original_name": attachment.original_name}
    )
    return redirect(panel_url(attachment.initiative_id))
