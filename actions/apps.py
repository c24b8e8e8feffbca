from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Action items")

    def ready(self):
        # Register this app's Celery tasks in every process (the beat schedule names
        # them), as improvement's AppConfig does.
        from actions import tasks  # noqa: F401
