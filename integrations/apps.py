from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Chat channels and webhooks")

    def ready(self):
        # The delivery jobs are queued by name (config.celery.enqueue_on_commit): register
        # them in every process. Then listen to the events the other apps announce.
        from integrations import receivers, tasks  # noqa: F401

        receivers.connect()
