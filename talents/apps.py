from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentsConfig(AppConfig):
    name = "talents"
    verbose_name = _("Talent database")

    def ready(self) -> None:
        # Connects the log-in hook (clears the account's failed attempts, records the login time).
        from . import accounts  # noqa: F401
