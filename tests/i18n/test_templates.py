"""No template shows a person English text that is not marked for translation."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.i18n.template_text import untranslated


def templates() -> list[Path]:
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [Path(app) / "templates" for app in ("accounts", "integrations")]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


def test_it_finds_the_project_templates():
    names = {path.name for path in templates()}

    assert {"base.html", "initiative.html", "login.html", "a3.html"} <= names


@pytest.mark.parametrize(
    "path", templates(), ids=lambda path: str(path.relative_to(settings.BASE_DIR))
)
def test_it_marks_every_visible_text_of_the_template_for_translation(path):
    assert untranslated(path.read_text()) == []


# An English plural ending glued to a translated word ("{% translate 'row' %}{{ n|pluralize }}")
# reads "Zeiles" in German: plurals go through {% blocktranslate count %}.
GLUED_PLURAL = re.compile(r"{% translate [^%]*%}\s*{{[^}]*\|pluralize")


@pytest.mark.parametrize(
    "path", templates(), ids=lambda path: str(path.relative_to(settings.BASE_DIR))
)
def test_it_writes_plurals_with_blocktranslate_count(path):
    assert GLUED_PLURAL.findall(path.read_text()) == []


def test_it_finds_unmarked_text_and_attributes():
    found = untranslated(
        '{% load i18n %}<h1 title="Open it">Dashboard</h1>'
        '<p>{% translate "Marked" %} {{ count }} ideas</p><img alt="A chart">'
    )

    assert [item.text for item in found] == ["title=Open it", "Dashboard", "ideas", "alt=A chart"]


def test_it_accepts_marked_text_names_comments_and_scripts():
    found = untranslated(
        '{% load i18n %}<h1>{% translate "Dashboard" %}</h1>'
        "<p>{% blocktranslate with n=count %}{{ n }} ideas, <b>bold</b> ones"
        "{% endblocktranslate %}</p>"
        "{# A comment, not shown #}{% comment %}Nor this{% endcomment %}"
        "<p>PDCA · DMAIC · A3 · ROI · {{ figure }} €</p>"
        '<script>var words = "not shown";</script><a aria-label="{% translate \'Close\' %}">×</a>'
    )

    assert found == []
