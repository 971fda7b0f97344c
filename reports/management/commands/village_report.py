"""``manage.py village_report``: one village's December report as PDF, Word or Excel figures, or every village as a zip."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.exporters import village_report as village_export
from reports.exporters.base import ExportError
from talents.models import Unit


class Command(BaseCommand):
    help = (
        "Write a village's (community's) annual report: "
        "--year 2024 --village NAME --format pdf|docx|xlsx --output FILE, or --all --output DIR.zip for every village."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True, help="the report's year, e.g. 2024")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--village", help="the village's (community's) name as in the unit list")
        which.add_argument("--all", action="store_true", help="every active village, PDF and Word, in one zip")
        parser.add_argument(
            "--format", choices=village_export.VillageReportExporter.formats, default="pdf", help="for --village"
        )
        parser.add_argument("--output", required=True, help="the file to write")

    def handle(self, *args, year: int, village: str | None, all: bool, format: str, output: str, **options) -> None:
        if not 2000 <= year <= 2100:
            raise CommandError(_("Enter a four-digit year."))
        if not village and not all:
            raise CommandError(_("Name a village with --village NAME, or use --all."))
        try:
            if all:
                villages = Unit.objects.villages().filter(active=True)
                result = village_export.render_zip(user=None, villages=villages, year=year)
            else:
                unit = Unit.objects.villages().filter(name=village.strip()).first()
                if unit is None:
                    raise CommandError(_("No village or community is called %(name)s.") % {"name": village})
                result = village_export.render_one(user=None, village=unit, year=year, fmt=format)
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        path = Path(output)
        path.write_bytes(result.content)
        self.stdout.write(_("Wrote %(path)s (%(size)s bytes).") % {"path": path, "size": len(result.content)})
