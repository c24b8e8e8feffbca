from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Improvement campaigns")

    def ready(self):
        # Register this app's Celery task in every process, as the other apps do: the
        # beat schedule (and run_scheduler) names it.
        from campaigns import tasks  # noqa: F401
