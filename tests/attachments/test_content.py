"""A file's type is read from its content: the allowed types pass whatever their name,
a program is refused whatever its name, and so is anything else."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from attachments import content
from tests.attachments.conftest import (
    CSV,
    ELF,
    PDF,
    PE,
    image_bytes,
    main_part_of,
    office_bytes,
    photo_with_exif,
    upload,
)

HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)


def identify(name, data):
    return content.identify(upload(name, data), name=name)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (image_bytes("PNG"), "image/png"),
        (photo_with_exif(), "image/jpeg"),
        (image_bytes("GIF"), "image/gif"),
        (image_bytes("WEBP"), "image/webp"),
        (HEIC, "image/heic"),
        (PDF, "application/pdf"),
        (office_bytes(main_part_of(content.DOCX)), content.DOCX),
        (office_bytes(main_part_of(content.XLSX)), content.XLSX),
        (office_bytes(main_part_of(content.PPTX)), content.PPTX),
    ],
)
def test_it_reads_the_type_from_the_content_not_the_name(data, expected):
    # Every file is called "upload.bin": only the bytes can tell.
    assert identify("upload.bin", data).content_type == expected


def test_it_takes_utf8_text_as_csv_or_plain_text():
    assert identify("counts.csv", CSV).content_type == "text/csv"
    assert identify("notes.txt", "Prüfung\n".encode()).content_type == "text/plain"
    # With a byte-order mark, as Excel writes a CSV.
    assert identify("excel.csv", b"\xef\xbb\xbfa,b\n1,2\n").content_type == "text/csv"


def test_it_takes_a_csv_whose_first_cell_happens_to_spell_mz():
    assert identify("countries.csv", b"MZ,Mozambique\nNL,Netherlands\n").content_type == "text/csv"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (ELF, "a Linux program (ELF)"),
        (PE, "a Windows program (PE/MZ)"),
        (b"\xcf\xfa\xed\xfe" + bytes(60), "a macOS program"),
        (b"#!/bin/sh\nrm -rf /\n", "a script"),
    ],
)
def test_it_refuses_a_program_disguised_as_a_photo(data, words):
    with pytest.raises(ValidationError) as refused:
        identify("photo.jpg", data)

    assert refused.value.code == "executable"
    assert words in refused.value.messages[0]
    assert "“photo.jpg”" in refused.value.messages[0]
    assert "programs cannot be attached" in refused.value.messages[0]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("archive.zip", None, "a zip archive"),
        ("broken.docx", b"PK\x03\x04" + bytes(100), "a damaged zip archive"),
        ("song.mp3", b"ID3\x03\x00\x00\x00" + bytes(200), "MP3"),
        ("latin1.csv", "Prüfung".encode("latin-1"), "neither UTF-8 text"),
        ("nul.txt", b"abc\x00def", "a binary file"),
        ("vector.svg", None, None),
    ],
)
def test_it_refuses_other_types(name, data, words):
    if name == "archive.zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("readme.txt", "hello")
        data = out.getvalue()
    if name == "vector.svg":
        # SVG is text, and would be a plain-text download at worst: refused as an image
        # by never being one of the image types.
        data = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        assert identify(name, data).content_type == "text/plain"
        return
    with pytest.raises(ValidationError) as refused:
        identify(name, data)

    assert refused.value.code == "unsupported"
    assert words in refused.value.messages[0]
    assert "Attach photos" in refused.value.messages[0]


def test_it_refuses_an_office_document_with_macros():
    macro = b"application/vnd.ms-word.document.macroEnabled.main+xml"
    with_vba = office_bytes(
        main_part_of(content.DOCX), extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}
    )

    for data in (office_bytes(macro), with_vba):
        with pytest.raises(ValidationError) as refused:
            identify("report.docx", data)
        assert refused.value.code == "executable"
        assert "macros" in refused.value.messages[0]


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as refused:
        identify("empty.txt", b"")

    assert refused.value.code == "empty"


def test_it_leaves_the_file_at_its_start():
    file = upload("counts.csv", CSV)

    content.identify(file, name="counts.csv")

    assert file.read() == CSV
