"""Files to upload, made in memory, and the attachments' storage in a folder of each
test's own (tmp_path): nothing is written into the checkout."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from attachments import content, services
from tests.factories import InitiativeFactory, UserFactory

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56) + b"\x90" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(44) + b"PE\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSV = "bench,refills\n1,6\n2,5\nÄrla,3\n".encode()
MAKE, ORIENTATION = 0x010F, 0x0112  # EXIF tags: camera maker, orientation


def image_bytes(fmt="PNG", size=(40, 30), color="red", mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **options)
    return out.getvalue()


def photo_with_exif(*, orientation=6, size=(60, 30)) -> bytes:
    """A JPEG as a phone takes it: landscape pixels, turned by the orientation tag, with
    the camera named in its metadata."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneMaker"
    return image_bytes("JPEG", size=size, color="blue", exif=exif.tobytes())


def office_bytes(main_part: bytes, *, extra: dict | None = None) -> bytes:
    """A minimal Office Open XML package declaring `main_part` as its main document."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/main.xml" ContentType="' + main_part + b'"/></Types>',
        )
        archive.writestr("main.xml", b"<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def main_part_of(content_type: str) -> bytes:
    return next(part for part, ct in content.OFFICE_MAIN_PARTS.items() if ct == content_type)


def upload(name: str, data: bytes, content_type="application/octet-stream"):
    """A file as a browser sends it (the type it claims is never believed)."""
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


@pytest.fixture
def initiative(db):
    return InitiativeFactory()


@pytest.fixture
def attach(db):
    """`attach(initiative, by=user, name=…, data=…, comment=None)` → one Attachment,
    added through the service."""

    def make(initiative, *, by=None, name="bench.png", data=None, comment=None):
        (attachment,) = services.add_attachments(
            initiative=initiative,
            actor=by or UserFactory(),
            files=[upload(name, data if data is not None else image_bytes())],
            comment=comment,
        )
        return attachment

    return make
