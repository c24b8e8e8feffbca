"""The file inputs every upload form shares: any number of files, and a photo taken with
a phone's camera. They only collect the files; attachments.services checks them."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attachments.content import ACCEPTED_WORDS, EXTENSIONS

# The prefix of each form's file inputs: the initiative page holds two of them (the
# attachments panel and the comment form), so their names and ids must differ.
PANEL = "attach"
COMMENT = "comment"
IDEA = "idea"
# What the file picker offers first; the content is checked whatever is picked.
ACCEPT = ",".join(["image/*", *(f".{ext}" for ext in sorted(set(EXTENSIONS.values())))])


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe): a list, maybe empty."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, "accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class AttachmentForm(forms.Form):
    """`files` and `photo`; with `required`, at least one of them."""

    files = MultipleFileField(required=False, label=gettext_lazy("Attach files"))
    photo = forms.FileField(
        required=False,
        label=gettext_lazy("Or take a photo"),
        # A phone opens its (back) camera; elsewhere it is a picker of images.
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = required
        limit = filesizeformat(settings.ATTACHMENT_MAX_BYTES)
        self.fields["files"].help_text = _("%(accepted)s; up to %(limit)s each.") % {
            "accepted": capfirst(ACCEPTED_WORDS),
            "limit": limit,
        }

    def clean(self):
        cleaned = super().clean()
        if self.required and not self.chosen():
            raise ValidationError(_("Choose a file or take a photo."))
        return cleaned

    def chosen(self) -> list:
        """The files sent, the photo last."""
        data = getattr(self, "cleaned_data", {})
        photo = data.get("photo")
        return [*data.get("files", []), *([photo] if photo else [])]

    def refused(self, exc: ValidationError) -> None:
        """Show what attachments.services refused on the form's file input."""
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"files": exc.messages}
        for field, texts in messages.items():
            self.add_error("files" if field in ("files", "comment") else None, texts)
