"""Helpers for the review-desk tests: admin URLs and the changelist's edit form."""

from django.urls import reverse


def desk_url(view: str = "changelist", *args) -> str:
    return reverse(f"admin:metrics_quarterlyresult_{view}", args=args)


def list_edit_data(page, changes: dict | None = None) -> dict:
    """The POST a browser sends when saving the desk's editable list as rendered on
    `page`, with `changes` ({row pk: {field: value}}) typed in."""
    formset = page.context["cl"].formset
    management = formset.management_form
    data = {"_save": "Save"}
    for name in management.fields:
        data[management.add_prefix(name)] = management[name].value()
    for form in formset.forms:
        for field in form:
            value = field.value()
            data[field.html_name] = "" if value is None else value
        for name, value in (changes or {}).get(form.instance.pk, {}).items():
            data[form.add_prefix(name)] = value
    return data
