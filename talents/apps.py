from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_cache_table(*, using: str, **kwargs) -> None:
    """The database cache's table (settings.CACHES) comes with every ``migrate``; nobody forgets it."""
    call_command("createcachetable", database=using, verbosity=0)


class TalentsConfig(AppConfig):
    name = "talents"
    verbose_name = _("Talent database")

    def ready(self) -> None:
        # Importing accounts connects the log-in hook (clears the account's failed attempts, records
        # the login time); the audit log's receivers record log-ins, lockouts and changes of tracked models.
        from . import accounts, audit  # noqa: F401

        audit.connect_receivers()
        post_migrate.connect(_create_cache_table, sender=self)
