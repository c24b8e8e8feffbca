"""An accepted initiative without an owner (the old triage form let a reviewer clear it)
gets its submitter as owner, so 0010's constraint holds; a reviewer can assign another."""

from django.db import migrations

ACCEPTED_WITHOUT_OWNER_EXCLUDES = ("submitted", "backlog", "rejected")


def submitter_owns_the_unowned(apps, schema_editor):
    Initiative = apps.get_model("improvement", "Initiative")
    unowned = Initiative.objects.filter(owner__isnull=True).exclude(
        stage__in=ACCEPTED_WITHOUT_OWNER_EXCLUDES
    )
    for initiative in unowned.only("pk", "submitted_by_id"):
        Initiative.objects.filter(pk=initiative.pk).update(owner_id=initiative.submitted_by_id)


class Migration(migrations.Migration):
    dependencies = [("improvement", "0008_text_limits_and_email_failures")]

    operations = [migrations.RunPython(submitter_owns_the_unowned, migrations.RunPython.noop)]
