"""Rows the constraints of 0012 refuse, made to fit first (in a migration of their own,
so PostgreSQL adds the constraints in a transaction with no pending row changes)."""

from django.db import migrations
from django.db.models import Q


def one_baseline_source_and_values_in_range(apps, schema_editor):
    """Rows the new constraints refuse, made to fit before they are added: a target with
    a typed baseline *and* a window keeps the typed value (the figure people saw) and
    loses the window; a measurement beyond ±1e15 (only the old admin form could store
    one, and the results job failed on it) is deleted."""
    Target = apps.get_model("metrics", "Target")
    Measurement = apps.get_model("metrics", "Measurement")
    both = Target.objects.filter(baseline_start__isnull=False).exclude(baseline_source="window")
    both.exclude(baseline_value__isnull=True, baseline_source="").update(
        baseline_start=None, baseline_end=None
    )
    Measurement.objects.filter(Q(value__gt=1e15) | Q(value__lt=-1e15)).delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0010_result_methods")]

    operations = [
        migrations.RunPython(one_baseline_source_and_values_in_range, migrations.RunPython.noop)
    ]
