"""The attachments' parts of improvement's pages: the initiative page's panel, and the
file inputs of the idea and comment forms."""

from django import template

from attachments import access
from attachments.forms import PANEL, AttachmentForm

register = template.Library()


@register.inclusion_tag("attachments/panel.html", takes_context=True)
def attachments_panel(context, initiative, user):
    """The initiative's files with their thumbnails, and the upload form: one query
    (the uploaders and comments come with the files). On the initiative's page, which
    has read it as one the user may see (improvement.visibility)."""
    attachments = list(initiative.attachments.for_listing())
    for attachment in attachments:
        # No query: the related manager hands each row this very initiative.
        attachment.deletable = access.can_delete(user, attachment, seen=True)
    return {
        "initiative": initiative,
        "attachments": attachments,
        "can_attach": access.can_attach(user, initiative, seen=True),
        "form": AttachmentForm(prefix=PANEL),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("attachments/partials/inputs.html")
def attachment_inputs(prefix: str, form=None):
    """The file inputs for a form that also takes files, named with `prefix` (as the
    view reading them names them; one page may hold two such forms), or `form` when a
    refused one comes back with its errors. The form around them must be multipart."""
    return {"form": form or AttachmentForm(prefix=prefix)}
