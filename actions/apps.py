from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Action items"

    def ready(self):
        # Register this app's Celery tasks in every process (the beat schedule names
        # them), as improvement's AppConfig does.
        from actions import tasks  # noqa: F401
