"""``manage.py export_roster [--term 2025-2026] --format xlsx|pdf --output FILE [--full-phones] [--level village]``.

The same exporter as the web page (``reports.exporters.roster``), run as a system action: logged in
ExportLog with no user. ``--full-phones`` prints full phone numbers; without it they are masked.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Level, Term
from reports.exporters.base import ExportError, export_log
from reports.exporters.roster import RosterExporter
from talents.models import Unit

TERM_RE = re.compile(r"^\s*(\d{4})\s*[-—–~至]\s*(\d{4})\s*$")


def term_by_years(value: str) -> Term:
    """The term whose start and end years are given as 2025-2026 (its name works as well)."""
    match = TERM_RE.match(value)
    term = None
    if match:
        start, end = (int(g) for g in match.groups())
        term = Term.objects.filter(start_date__year=start, end_date__year=end).first()
    term = term or Term.objects.filter(name=value.strip()).first()
    if term is None:
        known = "、".join(Term.objects.values_list("name", flat=True)) or "—"
        raise CommandError(_("No term %(term)s. Terms: %(known)s") % {"term": value, "known": known})
    return term


class Command(BaseCommand):
    help = gettext_lazy("Write the roster of contacts with excellent talents (一览表) of a term as Excel or PDF.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--term", help=gettext_lazy("The term's years, e.g. 2025-2026 (default: the current term).")
        )
        parser.add_argument("--format", required=True, choices=RosterExporter.formats, dest="fmt")
        parser.add_argument("--output", required=True, type=Path, help=gettext_lazy("The file to write."))
        parser.add_argument("--level", choices=Level.values, default=Level.TOWNSHIP)
        parser.add_argument("--village", help=gettext_lazy("Only the talents of this village (community), by name."))
        parser.add_argument("--full-phones", action="store_true", help=gettext_lazy("Print full phone numbers."))
        parser.add_argument("--contacts", action="store_true", help=gettext_lazy("Add contact counts and dates."))

    def handle(self, *args, term, fmt, output: Path, level, village, full_phones, contacts, **options):
        with translation.override(settings.LANGUAGE_CODE):
            term_obj = term_by_years(term) if term else None
            village_obj = None
            if village:
                village_obj = Unit.objects.villages().filter(name=village.strip()).first()
                if village_obj is None:
                    raise CommandError(_("No village or community named %(name)s.") % {"name": village})
            try:
                exporter = RosterExporter(
                    user=None,
                    term=term_obj,
                    level=level,
                    village=village_obj,
                    full_phones=full_phones,
                    contacts=contacts,
                )
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
