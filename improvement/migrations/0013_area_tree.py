"""Areas become a tree (django-treebeard's materialized path), restricted areas, members
and area reviewers.

The existing flat areas become root nodes in name order, keeping their ids (initiatives,
campaigns and the ledger point at them): `path` is added nullable, filled, then made
unique; the global name uniqueness becomes uniqueness among siblings."""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models
from treebeard.numconv import NumConv

STEPLEN = 4  # treebeard's MP_Node.steplen
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # and its alphabet


def flat_areas_to_roots(apps, schema_editor):
    Area = apps.get_model("improvement", "Area")
    numbers = NumConv(ALPHABET)
    areas = list(Area.objects.order_by("name", "pk"))
    for position, area in enumerate(areas, start=1):
        area.path = numbers.int2str(position).rjust(STEPLEN, "0")
        area.depth = 1
        area.numchild = 0
    Area.objects.bulk_update(areas, ["path", "depth", "numchild"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0012_initiative_campaign"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="area",
            name="path",
            field=models.CharField(max_length=255, null=True),
        ),
        migrations.AddField(
            model_name="area",
            name="depth",
            field=models.PositiveIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="area",
            name="numchild",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(flat_areas_to_roots, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="area",
            name="path",
            field=models.CharField(max_length=255, unique=True),
        ),
        migrations.AlterField(
            model_name="area",
            name="name",
            field=models.CharField(max_length=120),
        ),
        migrations.AlterModelOptions(
            name="area",
            options={"ordering": ["path"]},
        ),
        migrations.AddField(
            model_name="area",
            name="restricted",
            field=models.BooleanField(
                default=False,
                help_text="Its initiatives (and those of the areas under it) are seen only by "
                "its members and reviewers, those of an area above it, and administrators.",
            ),
        ),
        migrations.AddField(
            model_name="area",
            name="members",
            field=models.ManyToManyField(
                blank=True, related_name="area_memberships", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="area",
            name="reviewers",
            field=models.ManyToManyField(
                blank=True,
                help_text="Reviewers scoped to this area and the areas under it.",
                related_name="reviewed_areas",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="area",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Substr(
                    "path", 1, django.db.models.functions.text.Length("path") - 4
                ),
                models.F("name"),
                name="area_name_unique_among_siblings",
            ),
        ),
    ]
