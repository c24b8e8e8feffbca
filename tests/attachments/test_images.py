"""Photos get a small thumbnail, turned the way the camera meant, and lose their
metadata (the original too); an image that is not one, or a decompression bomb, is
refused with a message."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from attachments import images
from tests.attachments.conftest import MAKE, image_bytes, photo_with_exif, upload


def process(name, data, content_type):
    return images.process(upload(name, data), content_type=content_type, name=name)


def test_it_makes_a_jpeg_thumbnail_no_larger_than_the_limit():
    processed = process("wide.png", image_bytes("PNG", size=(1200, 600)), "image/png")

    thumbnail = Image.open(io.BytesIO(processed.thumbnail))
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (images.THUMBNAIL_PIXELS, images.THUMBNAIL_PIXELS // 2)
    # No metadata to take out: the original is kept byte for byte.
    assert processed.cleaned is None


def test_it_turns_the_photo_as_the_camera_meant_and_drops_its_metadata():
    # 60 × 30 pixels, orientation 6: the camera was held upright, so it shows 30 × 60.
    processed = process("phone.jpg", photo_with_exif(orientation=6), "image/jpeg")

    thumbnail = Image.open(io.BytesIO(processed.thumbnail))
    cleaned = Image.open(io.BytesIO(processed.cleaned))
    assert thumbnail.size == (30, 60)
    assert cleaned.size == (30, 60)
    assert cleaned.format == "JPEG"
    for image in (thumbnail, cleaned):
        assert MAKE not in image.getexif()
        assert not image.getexif()
        assert "exif" not in image.info


def test_it_puts_a_transparent_image_on_white():
    data = image_bytes("PNG", size=(20, 20), color=(0, 0, 0, 0), mode="RGBA")

    processed = process("logo.png", data, "image/png")

    thumbnail = Image.open(io.BytesIO(processed.thumbnail)).convert("RGB")
    assert thumbnail.getpixel((5, 5)) == (255, 255, 255)


def test_it_refuses_a_decompression_bomb():
    # 64 megapixels of one colour: a few kilobytes as a PNG, far more than any photo.
    bomb = image_bytes("PNG", size=(8000, 8000), color=1, mode="1")
    assert len(bomb) < 100_000

    with pytest.raises(ValidationError) as refused:
        process("bomb.png", bomb, "image/png")

    assert refused.value.code == "too_big"
    assert "too many pixels" in refused.value.messages[0]


def test_it_refuses_an_image_pillow_itself_calls_a_bomb(monkeypatch):
    """Pillow's own limit (Image.MAX_IMAGE_PIXELS) is a refusal too, not a 500."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)

    with pytest.raises(ValidationError) as refused:
        process("big.png", image_bytes("PNG", size=(300, 300)), "image/png")

    assert refused.value.code == "too_big"


def test_it_sets_pillows_limit_for_the_whole_process():
    assert Image.MAX_IMAGE_PIXELS == images.MAX_PIXELS


def test_it_refuses_a_truncated_image():
    data = image_bytes("PNG", size=(300, 300), color="green")[:200]

    with pytest.raises(ValidationError) as refused:
        process("cut.png", data, "image/png")

    assert refused.value.code == "unreadable"
    assert "could not be read as an image" in refused.value.messages[0]


def test_it_keeps_a_heic_photo_without_a_thumbnail():
    assert process("photo.heic", b"\x00\x00\x00\x18ftypheic", "image/heic") is None


def test_it_refuses_a_truncated_image_after_weasyprint_made_pillow_lenient(monkeypatch):
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process on import."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = image_bytes("PNG", size=(300, 300), color="green")[:200]

    with pytest.raises(ValidationError) as refused:
        process("cut.png", data, "image/png")

    assert refused.value.code == "unreadable"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # put back as it was
