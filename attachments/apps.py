from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "attachments"
    verbose_name = _("Attachments")

    def ready(self):
        from attachments import services
        from attachments.models import Attachment

        # However a row goes — the service, or with its initiative or comment (a cascade
        # the service never sees) — its files leave the storage once that is committed.
        post_delete.connect(
            lambda sender, instance, **kwargs: services.remove_files(instance),
            sender=Attachment,
            weak=False,
            dispatch_uid="attachments.remove_files",
        )
