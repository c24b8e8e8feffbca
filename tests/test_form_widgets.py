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


def test_the_input_and_textarea_overrides_render_what_django_does():
    widgets = [
        forms.TextInput(attrs={"id": "t", "maxlength": 200, "required": True}),
        forms.NumberInput(attrs={"step": "any"}),
        forms.DateInput(attrs={"type": "date"}),
        forms.CheckboxInput(),
        forms.HiddenInput(),
        forms.Textarea(attrs={"rows": 3, "placeholder": "2026-03-01,12.5"}),
    ]
    for widget in widgets:
        for value in (None, "", "<b>1 & 2</b>", True):
            ours = widget.render("f", value)
            django = widget.render("f", value, renderer=DjangoTemplates())
            assert markup(ours) == markup(django), (widget, value)
