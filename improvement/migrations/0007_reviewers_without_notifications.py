from django.db import migrations

# Reviewers read the admin to review (metrics 0004 gave them every view_ permission);
# other people's notifications are not part of reviewing.


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    reviewers = Group.objects.filter(name="Reviewers").first()
    if reviewers is not None:
        reviewers.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="improvement", codename="view_notification"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0006_newest_first_index"),
        ("metrics", "0004_reviewers_admin_permissions"),
    ]

    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
