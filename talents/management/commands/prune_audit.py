"""``manage.py prune_audit --older-than DAYS``: delete audit entries older than DAYS days (at least 180).

The Cybersecurity Law (网络安全法, Art. 21) asks network logs to be kept for no less than six
months, so DAYS below ``MIN_DAYS`` is refused. The deletion goes through ``AuditEntry.prune`` (the
one path past the log's append-only guard) and is itself logged, with the number of entries removed.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talents import audit
from talents.models import AuditEntry

MIN_DAYS = 180


class Command(BaseCommand):
    help = gettext_lazy("Delete audit log entries older than the given number of days (at least 180).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            required=True,
            dest="days",
            metavar="DAYS",
            help=gettext_lazy("Entries older than this many days are deleted; at least 180."),
        )

    def handle(self, *args, days: int, **options):
        with translation.override(settings.LANGUAGE_CODE):
            if days < MIN_DAYS:
                raise CommandError(
                    _(
                        "Audit entries must be kept for at least %(min)d days (six months, Cybersecurity Law); "
                        "--older-than %(days)d is refused."
                    )
                    % {"min": MIN_DAYS, "days": days}
                )
            before = timezone.now() - datetime.timedelta(days=days)
            with transaction.atomic():
                count = AuditEntry.prune(before=before)
                audit.record(
                    action=audit.Action.PRUNE,
                    object_type="talents.auditentry",
                    object_label=_("%(count)d entries before %(date)s")
                    % {"count": count, "date": f"{before:%Y-%m-%d}"},
                    extra={"command": "prune_audit", "older_than_days": days, "deleted": count},
                )
            self.stdout.write(
                _("%(count)d audit entries older than %(days)d days deleted.") % {"count": count, "days": days}
            )
