"""Model and field names — the labels of forms, the admin's columns and filters — are
translated without a migration (accounts/names.py): every one of the project's has an
entry, and the migrations see none of it."""

import pytest
from django.core.management import call_command
from django.utils import translation

from accounts.names import fields_and_models
from improvement.models import Initiative
from metrics.models import Target

pytestmark = pytest.mark.django_db


def test_it_has_a_translatable_name_for_every_field_and_model_of_the_project():
    fields, models = fields_and_models()

    assert fields == set(), "add these to accounts/names.py FIELD_NAMES"
    assert models == {}, "add these to accounts/names.py MODEL_NAMES"


def test_it_names_fields_and_models_in_the_active_language():
    field = Initiative._meta.get_field("problem_statement")

    with translation.override("de"):
        assert str(field.verbose_name) == "Problembeschreibung"
        assert str(Target._meta.verbose_name_plural) == "Ziele"
    assert str(field.verbose_name) == "problem statement"


def test_it_changes_no_migration(capsys):
    apps = ["improvement", "metrics", "actions", "campaigns", "problem_solving", "accounts"]
    call_command("makemigrations", *apps, "attachments", check=True, dry_run=True)

    assert "No changes detected" in capsys.readouterr().out
