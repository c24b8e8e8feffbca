"""Photos: a thumbnail for every image Pillow can read, and the metadata (EXIF: where and
with what the photo was taken) taken out of the original too, turned the way the camera
meant it. An image Pillow cannot read as its type, or one with more pixels than any
photo (a decompression bomb: a few kilobytes that decode to gigabytes), is refused."""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

THUMBNAIL_PIXELS = 320  # the longer side, in pixels
# More than any phone camera takes (48 MP), far less than a bomb. Pillow refuses to open
# an image of over twice this (DecompressionBombError) and warns above it, which
# `process` turns into a refusal; set process-wide, so every use of Pillow in the
# tracker has the same ceiling.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# The Pillow format each readable type must decode as: a PNG signature on a file that
# is not a PNG is an error, not a chance to try the other decoders.
PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
# Saving the original again, without its metadata.
RESAVE_OPTIONS = {
    "JPEG": {"quality": 95},
    "PNG": {"optimize": False},
    "WEBP": {"quality": 95},
}


@dataclass(frozen=True)
class Processed:
    thumbnail: bytes  # a JPEG
    # The original saved again without its metadata, or None to keep the bytes as sent
    # (there was no metadata to take out).
    cleaned: bytes | None


def process(file, *, content_type: str, name: str) -> Processed | None:
    """The thumbnail (and cleaned original) of an image; None for a type Pillow does not
    read (HEIC is kept as sent, without a thumbnail). ValidationError when the image
    cannot be read or is too big to decode."""
    fmt = PILLOW_FORMATS.get(content_type)
    if fmt is None:
        return None
    file.seek(0)
    # WeasyPrint (the A3 PDF) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import,
    # which would let a cut-off upload through as a half-grey picture: strict while here.
    lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=[fmt]) as image:
                # The header alone says how big the image is, before anything is decoded.
                if image.width * image.height > MAX_PIXELS:
                    raise _bomb(name, image.width, image.height)
                return _processed(image, fmt)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(name) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow's ways of saying the bytes are not (all) an image: truncated, corrupt.
        raise ValidationError(
            _("“%(name)s” could not be read as an image: it may be damaged or incomplete.")
            % {"name": name},
            code="unreadable",
        ) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
        file.seek(0)


def _processed(image: Image.Image, fmt: str) -> Processed:
    has_metadata = bool(image.getexif()) and fmt in RESAVE_OPTIONS
    animated = getattr(image, "is_animated", False)
    cleaned = None
    if has_metadata and not animated:
        image.load()
        upright = ImageOps.exif_transpose(image)
        # Saved without exif=…: Pillow writes no metadata unless given it. The colour
        # profile is not personal and keeps the colours right.
        options = dict(RESAVE_OPTIONS[fmt])
        if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        if "icc_profile" in image.info:
            options["icc_profile"] = image.info["icc_profile"]
        out = io.BytesIO()
        upright.save(out, format=fmt, **options)
        cleaned = out.getvalue()
    else:
        if fmt == "JPEG":
            # Decode at a fraction of the size: a 48 MP photo's thumbnail without 150 MB.
            image.draft("RGB", (THUMBNAIL_PIXELS * 2, THUMBNAIL_PIXELS * 2))
        image.load()
        upright = ImageOps.exif_transpose(image)
    return Processed(thumbnail=_thumbnail(upright), cleaned=cleaned)


def _thumbnail(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    if small.mode in ("RGBA", "LA", "P", "PA"):
        # Transparent parts on white: JPEG has no transparency.
        small = small.convert("RGBA")
        background = Image.new("RGB", small.size, "white")
        background.paste(small, mask=small.getchannel("A"))
        small = background
    elif small.mode != "RGB":
        small = small.convert("RGB")
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def _bomb(name: str, width: int | None = None, height: int | None = None) -> ValidationError:
    size = f" ({width:,} × {height:,} pixels)" if width else ""
    return ValidationError(
        _(
            "“%(name)s” has too many pixels%(size)s to be a photo: images up "
            "to %(value)s megapixels are accepted."
        )
        % {"name": name, "size": size, "value": MAX_PIXELS // 1_000_000},
        code="too_big",
    )
