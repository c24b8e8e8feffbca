"""Files and photos on an initiative (an idea is an initiative in its first stages) or
on one of its comments.

The file itself is kept through Django's storage API (settings.STORAGES["default"]:
the local filesystem or an S3-compatible bucket) under a name the tracker makes up, never
the uploader's; the uploader's name is kept for display and downloads only. Files are
served only through attachments.views / attachments.api after an access check.

Written only by attachments.services (add_attachments, delete_attachment).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from attachments.content import ALLOWED_TYPES, IMAGE_TYPES

NAME_MAX_LENGTH = 255


def stored_name(attachment: "Attachment", filename: str) -> str:
    """Where the file lives in the storage: a random name under the initiative's folder,
    with the extension of the type found in its content (`filename` is the service's
    `<uuid>.<ext>`, never what the uploader called it)."""
    return f"attachments/{attachment.initiative_id}/{filename}"


class AttachmentQuerySet(models.QuerySet):
    def for_listing(self) -> "AttachmentQuerySet":
        """What a list shows — who uploaded each and on which comment — in one query."""
        return self.select_related("uploaded_by", "comment").order_by("uploaded_at", "id")


class Attachment(models.Model):
    initiative = models.ForeignKey(
        "improvement.Initiative", on_delete=models.CASCADE, related_name="attachments"
    )
    # Attached with a comment (which must be on the same initiative: the service checks).
    comment = models.ForeignKey(
        "improvement.Comment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(upload_to=stored_name, max_length=NAME_MAX_LENGTH)
    # A small JPEG of an image, without its metadata; empty for documents (and for images
    # Pillow cannot read, such as HEIC).
    thumbnail = models.FileField(upload_to=stored_name, max_length=NAME_MAX_LENGTH, blank=True)
    original_name = models.CharField(max_length=NAME_MAX_LENGTH)
    # The type found in the content (attachments.content), which the download sends.
    content_type = models.CharField(max_length=100, choices=sorted(ALLOWED_TYPES.items()))
    size = models.PositiveBigIntegerField(help_text="Bytes, as stored.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attachments"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = AttachmentQuerySet.as_manager()
    # Who added and who deleted which file, and when (the file name, not its bytes).
    audit = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [
            # The initiative page's panel and the API list:
            # WHERE initiative_id = … ORDER BY uploaded_at, id.
            models.Index(fields=["initiative", "uploaded_at"], name="attachment_panel_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=list(ALLOWED_TYPES)),
                name="attachment_content_type_allowed",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
            models.CheckConstraint(condition=~Q(original_name=""), name="attachment_named"),
            # Only an image has a thumbnail.
            models.CheckConstraint(
                condition=Q(thumbnail="") | Q(content_type__in=list(IMAGE_TYPES)),
                name="attachment_thumbnail_only_for_images",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    @property
    def kind(self) -> str:
        """The type in a word or two, for people: "PNG image", "PDF", "Excel workbook"."""
        return ALLOWED_TYPES.get(self.content_type, self.content_type)


def new_filename(extension: str) -> str:
    return f"{uuid.uuid4().hex}.{extension}"
