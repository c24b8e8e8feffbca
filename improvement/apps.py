from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "improvement"
    verbose_name = _("Improvement")

    def ready(self):
        # Register this app's Celery tasks in every process, not only in a worker: the
        # services queue them by name (config.celery.enqueue_on_commit), and a web
        # process that never imported the module would find no such task.
        from improvement import tasks  # noqa: F401
