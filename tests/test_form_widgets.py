"""The project's override of Django's select widget template (for speed) writes the
same markup as Django's own."""

import re

from django import forms
from django.forms.renderers import DjangoTemplates


def markup(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def test_the_select_override_renders_what_django_does():
    widget = forms.Select(
        choices=[("", "---------"), ("a", "Alpha & <b>"), ("Group", [("x", "X"), ("y", "Y")])],
        attrs={"id": "id_pick", "required": True, "aria-describedby": "id_pick_help"},
    )

    ours = widget.render("pick", "x")  # the project's renderer: templates/django/forms/
    django = widget.render("pick", "x", renderer=DjangoTemplates())

    assert markup(ours) == markup(django)
    assert '<option value="x" selected>X</option>' in ours
    assert "Alpha &amp; &lt;b&gt;" in ours


def test_a_multiple_select_renders_what_django_does():
    widget = forms.SelectMultiple(choices=[(1, "One"), (2, "Two"), (3, "Three")])

    ours = widget.render("many", [1, 3])
    django = widget.render("many", [1, 3], renderer=DjangoTemplates())

    assert markup(ours) == markup(django)
