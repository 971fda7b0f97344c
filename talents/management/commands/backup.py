"""``manage.py backup --output FILE [--force]``: the database and every uploaded file in one archive.

Safe while the system runs (talents/backup.py explains how). The archive holds personal data: it
is written readable by its owner only; keep it like the database itself.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talents.backup import BackupError, backup_create


class Command(BaseCommand):
    help = gettext_lazy("Back up the database and all uploaded files into one archive (.tar.gz).")

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help=gettext_lazy("The archive to write."))
        parser.add_argument("--force", action="store_true", help=gettext_lazy("Replace the file if it exists."))

    def handle(self, *args, output: Path, force: bool, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                manifest = backup_create(output=output, force=force)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            size = output.stat().st_size
            self.stdout.write(
                _(
                    "Backup written to %(file)s (%(size)s): %(vendor)s database %(db_size)s, "
                    "%(tables)s tables with %(rows)s rows; %(files)s uploaded files, %(files_size)s."
                )
                % {
                    "file": output.absolute(),
                    "size": filesizeformat(size),
                    "vendor": manifest.vendor,
                    "db_size": filesizeformat(manifest.database_bytes),
                    "tables": len(manifest.tables),
                    "rows": manifest.rows,
                    "files": manifest.upload_files,
                    "files_size": filesizeformat(manifest.upload_bytes),
                }
            )
