"""Helpers for the admin tests of both apps: admin URLs, and the POST a browser sends
back from a rendered change form."""

from django import forms
from django.urls import reverse


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def form_data(response, changes=None) -> dict:
    """The POST body a browser would send back from a rendered admin change form, with
    `changes` applied. Only the existing rows of inlines are sent, not the blank extras."""
    bound_forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        data[management.add_prefix("TOTAL_FORMS")] = len(formset.initial_forms)
        bound_forms.extend(formset.initial_forms)
    for form in bound_forms:
        for field in form:
            data.update(field_data(field))
    data.update(changes or {})
    return data


def field_data(field) -> dict:
    widget = field.field.widget
    widget = getattr(widget, "widget", widget)  # the admin wraps related-field widgets
    value = field.value()
    if isinstance(widget, forms.MultiWidget):  # a date and a time input
        parts = widget.decompress(value)
        return {f"{field.html_name}_{i}": p for i, p in enumerate(parts) if p is not None}
    if isinstance(widget, forms.CheckboxInput):
        return {field.html_name: "on"} if value else {}
    return {} if value is None else {field.html_name: value}
