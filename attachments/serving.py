"""Sending a file, once the caller's access was checked (attachments.views and
attachments.api both send through here).

From S3-compatible storage too the bytes go through the application rather than a
presigned URL: the access check is then made on every request, not once for a URL
that anyone holding it could use until it expires; the bucket stays private and need
not be reachable from people's browsers (an internal MinIO); and the headers below are
the application's, not the bucket's. Files are at most ATTACHMENT_MAX_BYTES, so a worker
streams one in seconds."""

from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control

from attachments.models import Attachment


def file_response(attachment: Attachment, *, thumbnail: bool = False) -> FileResponse:
    """The attachment's file (or its thumbnail) as a download: an image is shown in the
    browser, anything else is saved (`Content-Disposition: attachment`); the stored type
    from the content check, never sniffed; nothing in it may run."""
    field = attachment.thumbnail if thumbnail else attachment.file
    if not field:
        raise Http404("This file has no thumbnail.")
    try:
        handle = field.storage.open(field.name, "rb")
    except FileNotFoundError:  # the S3 backend's "no such key" too
        raise Http404("The file is missing from the storage.") from None
    if thumbnail:
        content_type, name = "image/jpeg", f"thumbnail-{attachment.pk}.jpg"
    else:
        content_type, name = attachment.content_type, attachment.original_name
    response = FileResponse(
        handle,
        as_attachment=not (thumbnail or attachment.is_image),
        filename=name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own (an image in a tab), a file may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Kept by the browser only, never by a shared cache: access is per person.
    patch_cache_control(response, private=True, max_age=3600)
    return response
