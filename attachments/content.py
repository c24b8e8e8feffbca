"""What a file is, read from its bytes — never from its name or the type the browser
sent, which anyone can set. Only the types below are accepted; a program is refused by
name ("a Windows program"), whatever the file is called.

- images: JPEG, PNG, GIF, WebP, HEIC (the first bytes, `filetype`);
- PDF (its signature);
- Word, Excel and PowerPoint (docx, xlsx, pptx): a zip whose `[Content_Types].xml`
  declares the document's main part; a macro-enabled one (a VBA project) is refused;
- CSV and plain text: valid UTF-8 without NUL bytes. Only here does the name matter, and
  only to choose between text/csv and text/plain: both are text, served as a download.
"""

import codecs
import re
import zipfile
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

IMAGE_TYPES = {
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/heic": "HEIC photo",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCUMENT_TYPES = {
    "application/pdf": "PDF",
    DOCX: "Word document",
    XLSX: "Excel workbook",
    PPTX: "PowerPoint presentation",
    "text/csv": "CSV",
    "text/plain": "Text",
}
# content type → what people call it, for every type accepted.
ALLOWED_TYPES = {**IMAGE_TYPES, **DOCUMENT_TYPES}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
    DOCX: "docx",
    XLSX: "xlsx",
    PPTX: "pptx",
    "text/csv": "csv",
    "text/plain": "txt",
}
ACCEPTED_WORDS = gettext_lazy(
    "photos (JPEG, PNG, GIF, WebP, HEIC), PDF, Word, Excel, PowerPoint, CSV or text"
)

# The main part each Office Open XML document declares in [Content_Types].xml.
OFFICE_MAIN_PARTS = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
# [Content_Types].xml is a few kilobytes; a bigger one is not a document to read.
CONTENT_TYPES_MAX_BYTES = 1024 * 1024

# Programs, by their first bytes: what a disguised executable starts with.
PROGRAMS = [
    (b"\x7fELF", "a Linux program (ELF)"),
    (b"\xfe\xed\xfa\xce", "a macOS program (Mach-O)"),
    (b"\xfe\xed\xfa\xcf", "a macOS program (Mach-O)"),
    (b"\xce\xfa\xed\xfe", "a macOS program (Mach-O)"),
    (b"\xcf\xfa\xed\xfe", "a macOS program (Mach-O)"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
    (b"\x00asm", "a WebAssembly program"),
    (b"#!", "a script"),
]
PROGRAM_TYPES = {
    "application/x-executable": "a Linux program (ELF)",
    "application/wasm": "a WebAssembly program",
    "application/x-shockwave-flash": "a Flash program",
    "application/x-google-chrome-extension": "a browser extension",
    "application/x-deb": "a software package",
    "application/x-rpm": "a software package",
}
HEAD_BYTES = 8192  # what `filetype` reads
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Found:
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def identify(file, *, name: str) -> Found:
    """The accepted type `file`'s content is; ValidationError (code "executable",
    "unsupported" or "empty") saying why it is refused. `name` is only quoted in messages
    and tells CSV from plain text. Leaves the file at its start."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if not head:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    program = _program(head)
    if program:
        raise ValidationError(
            _(
                "“%(name)s” is %(program)s, not a photo or a document: programs "
                "cannot be attached, whatever their name."
            )
            % {"name": name, "program": program},
            code="executable",
        )
    kind = _guess(head)
    if kind is not None and (kind.mime in IMAGE_TYPES or kind.mime == "application/pdf"):
        return Found(kind.mime)
    if head.startswith(b"PK\x03\x04"):
        return _office(file, name=name)
    if kind is not None:
        raise _unsupported(name, f"a {kind.extension.upper()} file")
    found = _text(file, name=name)
    file.seek(0)
    return found


def _program(head: bytes) -> str | None:
    for signature, what in PROGRAMS:
        if head.startswith(signature):
            return what
    # MZ starts every Windows program, and binary headers follow it; a text file that
    # happens to start with "MZ" (a country code in a CSV) has no NUL byte there.
    if head.startswith(b"MZ") and b"\x00" in head[:64]:
        return "a Windows program (PE/MZ)"
    kind = _guess(head)
    return PROGRAM_TYPES.get(kind.mime) if kind is not None else None


def _guess(head: bytes):
    """`filetype`'s guess, bar its Windows-program match: that is "starts with MZ", and
    `_program` tells a program from text more carefully."""
    kind = filetype.guess(head)
    return None if kind is None or kind.mime == "application/x-msdownload" else kind


def _office(file, *, name: str) -> Found:
    """A Word, Excel or PowerPoint document, read from the zip's declared parts."""
    try:
        with zipfile.ZipFile(file) as archive:
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                raise _unsupported(name, "a zip archive") from None
            if info.file_size > CONTENT_TYPES_MAX_BYTES:
                raise _unsupported(name, "a zip archive")
            declared = archive.read(info)
            macros = any(n.lower().endswith("vbaproject.bin") for n in archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise _unsupported(name, "a damaged zip archive") from None
    finally:
        file.seek(0)
    parts = set(re.findall(rb'ContentType="([^"]+)"', declared))
    if macros or any(b"macroenabled" in part.lower() for part in parts):
        raise ValidationError(
            _(
                "“%(name)s” is an Office document with macros, which can run "
                "code: save it without macros (as .docx, .xlsx or .pptx) and "
                "attach that."
            )
            % {"name": name},
            code="executable",
        )
    for part, content_type in OFFICE_MAIN_PARTS.items():
        if part in parts:
            return Found(content_type)
    raise _unsupported(name, "a zip archive")


def _text(file, *, name: str) -> Found:
    """CSV or plain text: UTF-8 (a BOM allowed) with no NUL byte, read in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(lambda: file.read(CHUNK_BYTES), b""):
            if b"\x00" in chunk:
                raise _unsupported(name, "a binary file")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _unsupported(name, "neither UTF-8 text nor a known file type") from None
    return Found("text/csv" if name.lower().endswith(".csv") else "text/plain")


def _unsupported(name: str, what: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is %(what)s, which cannot be attached. Attach %(ACCEPTED_WORDS)s.")
        % {"name": name, "what": what, "ACCEPTED_WORDS": ACCEPTED_WORDS},
        code="unsupported",
    )
