"""``manage.py restore FILE [--noinput]``: put back the database and the uploaded files of a backup.

The archive is checked in full first (manifest, checksums, database vendor and integrity); a
damaged one is refused and nothing changes. Stop the app servers before restoring.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talents.backup import BackupError, Manifest, RestoreCancelled, backup_restore


class Command(BaseCommand):
    help = gettext_lazy("Restore the database and the uploaded files from a backup archive.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help=gettext_lazy("The archive written by the backup command."))
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help=gettext_lazy("Do not ask.")
        )

    def handle(self, *args, archive: Path, interactive: bool, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                report = backup_restore(archive=archive, confirm=self._confirm if interactive else None)
            except RestoreCancelled as exc:
                self.stdout.write(str(exc))
                return
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            for check in report.tables:
                if not check.ok:
                    found = _("missing") if check.found is None else check.found
                    self.stderr.write(
                        _("%(table)s: %(expected)s rows in the backup, %(found)s now.")
                        % {"table": check.table, "expected": check.expected, "found": found}
                    )
            self.stdout.write(
                _("Restored the backup of %(created)s: %(tables)s tables with %(rows)s rows, %(files)s uploaded files.")
                % {
                    "created": report.manifest.created_at,
                    "tables": len(report.tables),
                    "rows": report.manifest.rows,
                    "files": report.files,
                }
            )
            if report.audit_entries_kept:
                self.stdout.write(
                    _("%(count)s audit log entries written since the backup were kept.")
                    % {"count": report.audit_entries_kept}
                )
            if report.pending_migrations:
                self.stdout.write(
                    _("The backup is from an older version: run `python manage.py migrate` (%(count)s migrations).")
                    % {"count": len(report.pending_migrations)}
                )
            if not report.ok:
                raise CommandError(_("The row counts differ from the backup's (listed above)."))
            self.stdout.write(_("Every table's row count matches the backup."))

    def _confirm(self, manifest: Manifest) -> bool:
        self.stdout.write(
            _(
                "Backup of %(created)s (version %(version)s, commit %(commit)s): %(vendor)s database %(db_size)s, "
                "%(rows)s rows; %(files)s uploaded files, %(files_size)s. Checksums verified."
            )
            % {
                "created": manifest.created_at,
                "version": manifest.app_version or "?",
                "commit": (manifest.git_commit or "?")[:12],
                "vendor": manifest.vendor,
                "db_size": filesizeformat(manifest.database_bytes),
                "rows": manifest.rows,
                "files": manifest.upload_files,
                "files_size": filesizeformat(manifest.upload_bytes),
            }
        )
        try:
            answer = input(
                _("This REPLACES all data and uploaded files of this system with the backup. Type 'yes' to continue: ")
            )
        except EOFError:  # no terminal to answer from: --noinput is the way to restore unattended
            return False
        return answer.strip().lower() == "yes"
