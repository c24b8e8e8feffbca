"""What the project keeps about a person beyond Django's user: their profile (for now the
language the pages, notifications and e-mails speak to them in)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """One per user, created on first save of a preference (accounts.services). A user
    without one, or with an empty language, gets the browser's language (LocaleMiddleware,
    Accept-Language), else settings.LANGUAGE_CODE."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    # Empty: follow the browser. Otherwise one of settings.LANGUAGES' codes; the choices
    # come from the setting, so adding a language needs no migration.
    language = models.CharField(_("language"), max_length=10, blank=True, default="")

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)
