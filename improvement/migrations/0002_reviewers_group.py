from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWERS = "Reviewers"


def create_reviewers(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exists now.
    app_config = apps.get_app_config("improvement")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=REVIEWERS)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="improvement", codename="triage_initiative")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_reviewers, migrations.RunPython.noop)]
