"""Finds the user-visible text of a template that is not marked for translation.

The template is split by Django's own lexer; every tag, variable and comment is blanked
out (same length, newlines kept, so positions stay those of the file), and so is
everything between {% blocktranslate %} and its end, {% comment %} and its end, the
admin's {% block bodyclass %} (CSS class names), and <script>/<style>. What is left goes
through an HTML parser: the text between tags and the attributes a person sees or hears
(title, alt, placeholder, aria-label, aria-description) must contain no letters — apart
from the short allow-list of brand names, units and symbols in ALLOWED."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.template.base import DebugLexer, TokenType

# Words that read the same in every language of the site: names, units, statistical
# symbols. Kept short on purpose: a real word belongs in the catalogue.
ALLOWED = {
    "A3",
    "PDCA",
    "DMAIC",
    "ROI",
    "CSV",
    "PDF",
    "XmR",
    "Welch",
    "Q",
    "p",
    "n",
    "r₁",
    "α",
    "σ",
    "MR̄",
    "UCL",
    "LCL",
    "x",
    "nbsp",
    "amp",
    "lt",
    "gt",
}
VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description"}
BLANK = "\x01"
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
WORD = re.compile(r"[^\s\x01()\[\]{}.,:;!?·—–\-+/*=<>&#%|\"'“”…→←↑↓▲▼×≥≤]+")


@dataclass(frozen=True)
class Untranslated:
    line: int
    text: str


def _blank(text: str) -> str:
    return "".join(ch if ch == "\n" else BLANK for ch in text)


def _opening(token) -> str | None:
    if token.token_type is not TokenType.BLOCK:
        return None
    # The admin's <body> classes: CSS names, never shown.
    if token.contents.split() == ["block", "bodyclass"]:
        return "endblock"
    name = token.contents.split(" ", 1)[0]
    return {
        "blocktranslate": "endblocktranslate",
        "blocktrans": "endblocktrans",
        "comment": "endcomment",
    }.get(name)


def blanked(source: str) -> str:
    """The template with everything but its literal HTML and text blanked out."""
    out = []
    closing = None
    for token in DebugLexer(source).tokenize():
        raw = _raw(source, token)
        if closing:
            out.append(_blank(raw))
            if token.token_type is TokenType.BLOCK and token.contents.split(" ", 1)[0] == closing:
                closing = None
            continue
        if token.token_type is TokenType.TEXT:
            out.append(raw)
        else:
            closing = _opening(token)
            out.append(_blank(raw))
    return "".join(out)


def _raw(source: str, token) -> str:
    start, end = token.position
    return source[start:end]


def words_outside_allowed(text: str) -> list[str]:
    return [
        word
        for word in WORD.findall(text.replace(BLANK, " "))
        if LETTERS.search(word) and word not in ALLOWED
    ]


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.found: list[Untranslated] = []
        self.hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        # A button's words are its value.
        button = tag == "input" and dict(attrs).get("type") in ("submit", "button", "reset")
        for name, value in attrs:
            shown = name in VISIBLE_ATTRIBUTES or (button and name == "value")
            if shown and value and words_outside_allowed(value):
                self.found.append(Untranslated(self.getpos()[0], f"{name}={value.strip(BLANK)}"))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and words_outside_allowed(data):
            text = " ".join(data.replace(BLANK, " ").split())
            self.found.append(Untranslated(self.getpos()[0], text))


# A literal handed to an included template ({% include … with title="I own" %}): shown
# there, so written _("I own"). Lower-case codes ("owned") are not words for people.
INCLUDED_TEXT = re.compile(r'(\w+)="([A-Z][^"]*|[^"]* [^"]*)"')


def untranslated(source: str) -> list[Untranslated]:
    """The user-visible text of a template source that is not marked for translation."""
    finder = _Finder()
    finder.feed(blanked(source))
    finder.close()
    for token in DebugLexer(source).tokenize():
        if token.token_type is TokenType.BLOCK and token.contents.startswith("include "):
            for name, value in INCLUDED_TEXT.findall(token.contents.partition(" with ")[2]):
                if words_outside_allowed(value):
                    finder.found.append(Untranslated(token.lineno, f"{name}={value}"))
    return finder.found
