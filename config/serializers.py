"""Serializer plumbing shared by both apps' APIs."""

from collections.abc import Mapping

from rest_framework import serializers

# Keys a browser form adds to a body (DRF's browsable API sends the CSRF token with it).
FORM_KEYS = frozenset({"csrfmiddlewaretoken"})


class RefuseUnknownFieldsMixin:
    """Refuse a body that names a field this serializer does not write, naming each one.

    DRF drops such keys silently, so `PATCH {"stage": "plan"}` answered 200 and changed
    nothing. Here it is a 400: `{"stage": ["Unknown or read-only field: stage …"]}`.
    `read_only_hints` (field name → where it changes instead) finishes the sentence for
    fields a client may reasonably try to write."""

    read_only_hints: Mapping[str, str] = {}
    # A PATCH always refuses them; a create only where this is set (the API's existing
    # creates that ignored extra keys keep doing so, for the clients that send them).
    refuse_on_create = True

    def unknown_field_errors(self, data) -> dict[str, list[str]]:
        """{field: [message]} for every key of `data` that is not a writable field."""
        if not isinstance(data, Mapping):
            return {}
        writable = {name for name, field in self.fields.items() if not field.read_only}
        errors = {}
        for name in sorted(set(data) - writable - FORM_KEYS, key=str):
            hint = self.read_only_hints.get(name)
            ending = f": {name} {hint}" if hint else f": {name}."
            errors[str(name)] = [f"Unknown or read-only field{ending}"]
        return errors

    def refuse_unknown_fields(self, data) -> None:
        errors = self.unknown_field_errors(data)
        if errors:
            raise serializers.ValidationError(errors)

    def to_internal_value(self, data):
        if self.partial or self.refuse_on_create:
            self.refuse_unknown_fields(data)
        return super().to_internal_value(data)
