"""The German catalogue is complete: every string the code and templates mark has a
German translation, none fuzzy, none empty — so a new marked string without a
translation fails here. (Unmarked template text fails test_templates.)"""

import gettext
import shutil

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import override_settings

from accounts.catalogues import compile_catalogues, extract

COMMITTED = settings.BASE_DIR / "locale" / "de" / "LC_MESSAGES" / "django.po"


def entries(path):
    with open(path, "rb") as source:
        return [message for message in read_po(source) if message.id]


def key(message):
    return (message.context, message.id)


def untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return message.fuzzy or not all(strings)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What `makemessages -l de` finds in the code and templates today, run on a copy of
    the project without its catalogue (the committed one is not touched)."""
    assert shutil.which("xgettext"), "makemessages needs GNU gettext's xgettext (apt: gettext)"
    copy = tmp_path_factory.mktemp("project") / "project"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "locale", "media", "staticfiles", "tests", "bench", "*.sqlite3*"
        ),
    )
    (copy / "locale").mkdir()
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        extract(locale="de", root=copy)
    return entries(copy / "locale" / "de" / "LC_MESSAGES" / "django.po")


def test_it_has_a_german_translation_for_every_marked_string(extracted):
    committed = {key(message): message for message in entries(COMMITTED)}

    missing = [message.id for message in extracted if key(message) not in committed]
    untranslated_ = (
        [message.id for message in extracted if untranslated(committed[key(message)])]
        if not missing
        else []
    )

    assert len(extracted) > 1000  # the extraction did run over the project
    assert missing == [], "run `manage.py makemessages -l de` and translate these"
    assert untranslated_ == []


def test_it_keeps_no_fuzzy_empty_or_stale_entries_in_the_committed_catalogue(extracted):
    committed = entries(COMMITTED)
    found = {key(message) for message in extracted}

    assert [m.id for m in committed if untranslated(m)] == []
    assert [m.id for m in committed if key(m) not in found] == []


def test_it_compiles_plurals_and_contexts_without_gnu_gettext(tmp_path):
    shutil.copy(COMMITTED, tmp_path / "django.po")
    po = tmp_path / "de" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    shutil.move(tmp_path / "django.po", po)

    with override_settings(LOCALE_PATHS=[tmp_path]):
        written = compile_catalogues()

    assert written == [po.with_suffix(".mo")]
    with po.with_suffix(".mo").open("rb") as mo:
        german = gettext.GNUTranslations(mo)
    assert german.gettext("Dashboard") == "Dashboard"
    assert german.gettext("Submit idea") == "Idee einreichen"
    assert german.pgettext("stage", "Check") == "Prüfen"
    assert german.ngettext("%(count)d update", "%(count)d updates", 1) == "%(count)d Neuigkeit"
    assert german.ngettext("%(count)d update", "%(count)d updates", 3) == "%(count)d Neuigkeiten"
