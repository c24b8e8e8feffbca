from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import tokens  # noqa: F401 - connects the revocation on password change
        from accounts.names import translate_names

        # The models' and fields' names in the active language (accounts/names.py says why
        # here and not in the models).
        translate_names()
