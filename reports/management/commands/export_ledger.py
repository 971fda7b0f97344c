"""``manage.py export_ledger --year 2024 --format xlsx|pdf --output FILE [--kind ledger|contacts] [--unit NAME] [--status S]``.

The same exporters as the web page (``reports.exporters.ledger``), run as a system action: every
row, logged in ExportLog with no user. ``--kind contacts`` writes the contact register, where
``--status`` is the contact method (e.g. ``phone``).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Contact, Demand
from reports.exporters.base import ExportError, export_log
from reports.exporters.ledger import ContactRegisterExporter, DemandLedgerExporter
from talents.models import Unit

KINDS = {"ledger": (DemandLedgerExporter, Demand.Status), "contacts": (ContactRegisterExporter, Contact.Method)}


class Command(BaseCommand):
    help = gettext_lazy("Write the talent demand ledger or the contact register of a year as Excel or PDF.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help=gettext_lazy("The year, e.g. 2024 (default: this year)."))
        parser.add_argument("--format", required=True, choices=DemandLedgerExporter.formats, dest="fmt")
        parser.add_argument("--output", required=True, type=Path, help=gettext_lazy("The file to write."))
        parser.add_argument("--kind", choices=sorted(KINDS), default="ledger")
        parser.add_argument("--unit", help=gettext_lazy("Only this unit's rows, by name."))
        parser.add_argument(
            "--status", default="", help=gettext_lazy("Demand status (for the contact register: the contact method).")
        )

    def handle(self, *args, year, fmt, output: Path, kind, unit, status, **options):
        exporter_class, choices = KINDS[kind]
        with translation.override(settings.LANGUAGE_CODE):
            unit_obj = None
            if unit:
                unit_obj = Unit.objects.filter(name=unit.strip()).first()
                if unit_obj is None:
                    raise CommandError(_("No unit named %(name)s.") % {"name": unit})
            status = status.strip()
            if status and status not in choices.values:
                known = "、".join(f"{value}（{label}）" for value, label in choices.choices)
                raise CommandError(
                    _("Unknown status %(status)s. Choose one of: %(known)s") % {"status": status, "known": known}
                )
            try:
                exporter = exporter_class(user=None, year=year, unit=unit_obj, **{exporter_class.filter_name: status})
                result = exporter.render(fmt)
            except ExportError as exc:
                raise CommandError(str(exc)) from exc
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(result.content)
            export_log(exporter=exporter, fmt=fmt, result=result)
            self.stdout.write(
                _("%(file)s: %(title)s, %(rows)s rows.")
                % {"file": output, "title": exporter.title(), "rows": result.row_count}
            )
