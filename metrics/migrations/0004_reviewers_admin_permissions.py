from django.contrib.auth.management import create_permissions
from django.db import migrations

# Reviewers validate benefits and close quarters in the admin: they read everything
# there, edit ledger rows (validated benefit and note) and add quarter closes.
EXTRA = [
    ("metrics", "change_quarterlyresult"),
    ("metrics", "add_quarterclose"),
]


def grant(apps, schema_editor):
    for label in ("improvement", "metrics"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    views = Permission.objects.filter(
        content_type__app_label__in=["improvement", "metrics"], codename__startswith="view_"
    )
    extra = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in EXTRA
    ]
    reviewers.permissions.add(*views, *extra)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0003_signal_alert"),
        ("improvement", "0002_reviewers_group"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
