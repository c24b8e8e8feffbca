"""Adding and deleting attachments: the one write path, called by the web pages (the
idea form, the initiative page, the comment form), the API, the admin and the demo.

A file is checked before anything is stored: its size (settings.ATTACHMENT_MAX_BYTES),
its type from its content (attachments.content) and, for an image, that Pillow can read
it (attachments.images, which makes the thumbnail and takes the metadata out). Several
files are added all together or, when one is refused, none: the refusal names each
refused file."""

import logging
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from attachments import access, content, images
from attachments.models import NAME_MAX_LENGTH, Attachment, new_filename

logger = logging.getLogger(__name__)

# Files in one upload (one form sent, one comment); more is a different kind of job.
MAX_FILES = 10


@dataclass(frozen=True)
class Checked:
    """A file that passed every check, ready to store."""

    file: File
    name: str
    found: content.Found
    processed: images.Processed | None

    @property
    def stored(self) -> File:
        """What is kept: the original without its metadata when that was taken out."""
        if self.processed is not None and self.processed.cleaned is not None:
            return ContentFile(self.processed.cleaned)
        self.file.seek(0)
        return self.file


def add_attachments(*, initiative, actor, files: Sequence[File], comment=None) -> list[Attachment]:
    """Attach `files` to `initiative` — with `comment`, one of its comments, when given —
    as `actor`, all of them or none. PermissionDenied when the actor may not attach
    (attachments.access); ValidationError ({"files": [one message per refused file]} or
    {"comment": …}) when a file or the comment is refused, with nothing stored."""
    if not access.can_attach(actor, initiative):
        raise PermissionDenied(_("You may not attach files to this initiative."))
    if comment is not None and comment.initiative_id != initiative.pk:
        raise ValidationError({"comment": _("That comment is on another initiative.")})
    if not files:
        raise ValidationError({"files": _("Choose a file to attach.")})
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"files": _("Attach at most %(MAX_FILES)s files at a time.") % {"MAX_FILES": MAX_FILES}}
        )
    checked, refused = [], []
    for file in files:
        try:
            checked.append(check_file(file))
        except ValidationError as exc:
            refused.extend(exc.messages)
    if refused:
        raise ValidationError({"files": refused})
    return _store(checked, initiative=initiative, actor=actor, comment=comment)


def check_file(file: File) -> Checked:
    """Every check of one file, nothing stored; ValidationError saying why it is refused."""
    name = clean_name(getattr(file, "name", "") or "")
    limit = settings.ATTACHMENT_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(filesizeformat)s; files up to %(filesizeformat2)s can be attached.")
            % {
                "name": name,
                "filesizeformat": filesizeformat(file.size),
                "filesizeformat2": filesizeformat(limit),
            },
            code="too_big",
        )
    found = content.identify(file, name=name)
    processed = images.process(file, content_type=found.content_type, name=name)
    return Checked(file=file, name=name, found=found, processed=processed)


def _store(checked: list[Checked], *, initiative, actor, comment) -> list[Attachment]:
    stored: list[tuple] = []  # (storage, name) written so far, removed if anything fails
    try:
        with transaction.atomic():
            attachments = []
            for item in checked:
                attachment = Attachment(
                    initiative=initiative,
                    comment=comment,
                    original_name=item.name,
                    content_type=item.found.content_type,
                    uploaded_by=actor,
                )
                body = item.stored
                attachment.size = body.size
                attachment.file.save(new_filename(item.found.extension), body, save=False)
                stored.append((attachment.file.storage, attachment.file.name))
                if item.processed is not None:
                    thumbnail = ContentFile(item.processed.thumbnail)
                    attachment.thumbnail.save(new_filename("jpg"), thumbnail, save=False)
                    stored.append((attachment.thumbnail.storage, attachment.thumbnail.name))
                attachment._history_user = actor
                attachment.save()
                attachments.append(attachment)
    except BaseException:
        # The rows are rolled back; the files written for them go too.
        for storage, name in stored:
            _remove(storage, name)
        raise
    return attachments


def delete_attachment(*, attachment: Attachment, actor) -> None:
    """Delete one attachment: its uploader, the initiative's owner, a reviewer or an
    administrator may (PermissionDenied otherwise). The file and its thumbnail leave
    the storage once the deletion is committed (attachments.apps)."""
    if not access.can_delete(actor, attachment):
        raise PermissionDenied(
            _("Only whoever attached the file, the initiative's owner or a reviewer may delete it.")
        )
    with transaction.atomic():
        attachment._history_user = actor
        attachment.delete()


def remove_files(attachment: Attachment) -> None:
    """After the transaction that deleted `attachment` commits, its file and thumbnail
    leave the storage (a rolled-back deletion keeps them)."""
    names = [(f.storage, f.name) for f in (attachment.file, attachment.thumbnail) if f]
    transaction.on_commit(lambda: [_remove(storage, name) for storage, name in names])


def _remove(storage, name: str) -> None:
    # A file that cannot be removed now (the bucket unreachable) is logged, not raised:
    # the row is gone, so nobody can reach the file any more.
    try:
        storage.delete(name)
    except Exception:
        logger.exception("Could not remove %s from the file storage.", name)


def clean_name(raw: str) -> str:
    """The uploader's file name as kept for display: no folders, no control characters,
    at most NAME_MAX_LENGTH characters with the extension kept."""
    name = os.path.basename(raw.replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if not name or name in {".", ".."}:
        return "attachment"
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension) > 16:
            return name[:NAME_MAX_LENGTH]
        return f"{stem[: NAME_MAX_LENGTH - len(extension) - 1]}.{extension}"
    return name
