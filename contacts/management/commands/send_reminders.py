"""``manage.py send_reminders [--dry-run] [--date YYYY-MM-DD]``: the daily reminders (R9, R14), for cron."""

from __future__ import annotations

import argparse
import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contacts.reminders import reminder_text, reminders_send


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        with translation.override(settings.LANGUAGE_CODE):
            raise argparse.ArgumentTypeError(_("Enter a date as YYYY-MM-DD.")) from None


class Command(BaseCommand):
    help = gettext_lazy(
        "Remind cadres who have not contacted their talent this year and the people responsible for overdue "
        "demands, by mail and in the app. Running it twice on one day sends nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("Print what would be sent; write and send nothing.")
        )
        parser.add_argument(
            "--date", type=_date, default=None, help=gettext_lazy("Act as if today were this day (YYYY-MM-DD).")
        )

    def handle(self, *args, dry_run: bool, date: datetime.date | None, **options):
        today = date or timezone.localdate()
        with translation.override(settings.LANGUAGE_CODE):
            result = reminders_send(today=today, dry_run=dry_run)
            for item in result.reminders:
                who = item.user.get_full_name() or item.user.username
                self.stdout.write(f"{who}: {reminder_text(item, today)}")
            values = {
                "count": len(result.reminders),
                "mailed": result.mailed,
                "in_app": result.in_app_only,
                "date": today.isoformat(),
            }
            if dry_run:
                summary = ngettext(
                    "Dry run for %(date)s: %(count)s new reminder would be given; by mail to %(mailed)s people, "
                    "in the app only to %(in_app)s. Nothing was written or sent.",
                    "Dry run for %(date)s: %(count)s new reminders would be given; by mail to %(mailed)s people, "
                    "in the app only to %(in_app)s. Nothing was written or sent.",
                    len(result.reminders),
                )
            else:
                summary = ngettext(
                    "%(date)s: %(count)s new reminder given; by mail to %(mailed)s people, in the app only to "
                    "%(in_app)s.",
                    "%(date)s: %(count)s new reminders given; by mail to %(mailed)s people, in the app only to "
                    "%(in_app)s.",
                    len(result.reminders),
                )
            self.stdout.write(summary % values)
            if result.failed:
                failed = ngettext("%(n)s mail could not be sent.", "%(n)s mails could not be sent.", result.failed)
                self.stderr.write(failed % {"n": result.failed})
