"""Helpers for testing that the database itself refuses a bad row."""

import pytest
from django.db import IntegrityError, transaction


def assert_refused(queryset, **bad_values) -> None:
    """Writing `bad_values` straight to the table (no model validation) must fail, and the
    row must keep its old values."""
    row = queryset.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**bad_values)
    row_after = queryset.get()
    for field in bad_values:
        assert getattr(row_after, field) == getattr(row, field)


def assert_insert_refused(factory, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**values)
