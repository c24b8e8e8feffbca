from django.db import migrations

from metrics.catalog import KPI_CATALOG


def seed_catalog(apps, schema_editor):
    Metric = apps.get_model("metrics", "Metric")
    for name, unit, direction, pillar, chart_kind, description in KPI_CATALOG:
        Metric.objects.get_or_create(
            name=name,
            defaults={
                "unit": unit,
                "direction": direction,
                "pillar": pillar,
                "chart_kind": chart_kind,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]

    operations = [migrations.RunPython(seed_catalog, migrations.RunPython.noop)]
