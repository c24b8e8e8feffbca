"""The translation catalogues compiled with Babel (pure Python), so a machine with only
Python builds the .mo files the same way as one with GNU gettext: `make run`, `make test`
and CI call `manage.py compile_translations`. The .po files in locale/ are the source;
the .mo files beside them are build output (.gitignore).

Extracting the strings (`makemessages`) still needs GNU xgettext; CI installs it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings


def po_files() -> list[Path]:
    return sorted(
        path for folder in settings.LOCALE_PATHS for path in Path(folder).glob("*/LC_MESSAGES/*.po")
    )


def compile_catalogues(*, force: bool = False) -> list[Path]:
    """Writes each .po file's .mo beside it when missing or older; returns those written.
    Fuzzy entries are left out, as msgfmt leaves them out."""
    written = []
    for po in po_files():
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        with mo.open("wb") as target:
            write_mo(target, catalogue, use_fuzzy=False)
        written.append(mo)
    return written


# What `makemessages` leaves out: the virtualenv, tests, benchmarks, vendored files and
# documentation — everything that is not the application a person uses.
EXTRACT_IGNORE = [
    ".venv/*",
    "tests/*",
    "bench/*",
    "static/*",
    "staticfiles/*",
    "docs/*",
    "reference-data/*",
    "media/*",
    "*/demo/*",
    "*/demo.py",
    "*/migrations/*",
    "*.egg-info/*",
]


def extract(*, locale: str = "de", root=None, verbosity: int = 0) -> None:
    """`makemessages` for `locale` over the project at `root` (default: this checkout),
    into its locale/ folder: adds new msgids, keeps the translations, marks changed ones
    fuzzy. makemessages writes beside the first locale folder above each file, so a copy
    of the project extracts into the copy's own locale/ (tests/i18n/test_catalogue)."""
    import os

    from django.core.management import call_command

    here = os.getcwd()
    os.chdir(root or settings.BASE_DIR)
    try:
        call_command(
            "makemessages",
            locale=[locale],
            ignore_patterns=EXTRACT_IGNORE,
            no_obsolete=True,
            verbosity=verbosity,
        )
    finally:
        os.chdir(here)
