"""Backup and restore of the whole install: the database and every uploaded file (等保 2.0 数据备份恢复).

One ``.tar.gz`` archive holds

- ``database.sqlite3`` — a consistent copy of a live SQLite database made with SQLite's online
  backup API (a single step under one read transaction: in WAL mode writers carry on meanwhile
  and nothing they have not committed gets in), or ``database.pgdump`` — ``pg_dump
  --format=custom`` of PostgreSQL, taken in the snapshot the row counts were read in;
- ``uploads/<storage>/…`` — every file under MEDIA_ROOT (and under any other file-system storage a
  model's file field uses), copied *after* the database snapshot, so every file a row of the
  snapshot names is there;
- ``manifest.json`` (last) — when, which code (version, git commit), the database vendor, the
  last applied migration of each app, the row count of every table, and the size and SHA-256 of
  every other member.

The archive is written to a temporary file beside the target, readable by its owner only (it holds
personal data), and renamed into place. A restore reads the archive into a staging folder and
checks the manifest, every checksum, and the database file before it changes anything.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
import zlib
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "meijia-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_KEY = "media"  # MEDIA_ROOT; other storages are named by their STORAGES alias or field label
MAX_MANIFEST_BYTES = 50 * 1024 * 1024
SQLITE_TIMEOUT = 30  # seconds to wait for a writer's lock
PG_TIMEOUT = 6 * 3600  # pg_dump / pg_restore of a very large database; never forever
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator, in their language."""


class RestoreCancelled(BackupError):
    pass


@dataclass(frozen=True)
class Manifest:
    created_at: str
    app_version: str | None
    git_commit: str | None
    vendor: str
    server_version: str
    migrations: dict[str, str]
    tables: dict[str, int]
    uploads: dict[str, dict[str, int]]  # storage key → {"files": n, "bytes": n}
    members: dict[str, dict]  # member name → {"size": n, "sha256": hex}

    @property
    def database_member(self) -> str:
        return DB_MEMBERS[self.vendor]

    @property
    def database_bytes(self) -> int:
        return self.members[self.database_member]["size"]

    @property
    def upload_files(self) -> int:
        return sum(u["files"] for u in self.uploads.values())

    @property
    def upload_bytes(self) -> int:
        return sum(u["bytes"] for u in self.uploads.values())

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "app": {"version": self.app_version, "git_commit": self.git_commit},
            "database": {
                "vendor": self.vendor,
                "server_version": self.server_version,
                "member": self.database_member,
                "migrations": self.migrations,
                "tables": self.tables,
            },
            "uploads": self.uploads,
            "members": self.members,
        }
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError
            if data.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    _("This backup has format version %(version)s, which this version of the system cannot read.")
                    % {"version": data.get("format_version")}
                )
            db = data["database"]
            manifest = cls(
                created_at=str(data["created_at"]),
                app_version=data["app"].get("version"),
                git_commit=data["app"].get("git_commit"),
                vendor=str(db["vendor"]),
                server_version=str(db.get("server_version", "")),
                migrations={str(k): str(v) for k, v in db["migrations"].items()},
                tables={str(k): int(v) for k, v in db["tables"].items()},
                uploads={
                    str(k): {"files": int(v["files"]), "bytes": int(v["bytes"])} for k, v in data["uploads"].items()
                },
                members={
                    str(k): {"size": int(v["size"]), "sha256": str(v["sha256"])} for k, v in data["members"].items()
                },
            )
            if manifest.vendor not in DB_MEMBERS or manifest.database_member not in manifest.members:
                raise ValueError
        except BackupError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(_("The backup's manifest is damaged or not from this system.")) from exc
        return manifest


@dataclass(frozen=True)
class TableCheck:
    table: str
    expected: int
    found: int | None  # None: the table is missing after the restore

    @property
    def ok(self) -> bool:
        return self.expected == self.found


@dataclass
class RestoreReport:
    manifest: Manifest
    tables: list[TableCheck] = field(default_factory=list)
    files: int = 0
    pending_migrations: list[str] = field(default_factory=list)
    audit_entries_kept: int = 0

    @property
    def mismatches(self) -> list[TableCheck]:
        return [check for check in self.tables if not check.ok]

    @property
    def ok(self) -> bool:
        return not self.mismatches


# --- creating a backup ------------------------------------------------------------------------


def backup_create(*, output: Path | str, force: bool = False, using: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Write a backup of the database and the uploaded files to ``output``; return its manifest."""
    output = Path(output).absolute()
    if output.exists() and not force:
        raise BackupError(_("%(file)s already exists; use --force to replace it.") % {"file": output})
    if output.is_dir():
        raise BackupError(_("%(file)s is a folder; give the name of the archive to write.") % {"file": output})
    roots = upload_roots()
    for root in roots.values():
        if output.is_relative_to(root.absolute()):
            raise BackupError(_("Write the backup outside the uploads folder %(folder)s.") % {"folder": root})
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DB_MEMBERS:
        raise BackupError(_("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor})
    output.parent.mkdir(parents=True, exist_ok=True)
    created_at = timezone.now()
    with tempfile.TemporaryDirectory(prefix="meijia-backup-") as staging:
        db_file = Path(staging) / DB_MEMBERS[vendor]
        # The database first, files second: a file is written before the row naming it commits,
        # so every file the snapshot refers to already exists when the files are copied.
        snapshot = _SNAPSHOTS[vendor](connection, db_file)
        fd, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")  # mode 600
        try:
            with os.fdopen(fd, "wb") as raw:
                manifest = _write_archive(raw, db_file=db_file, snapshot=snapshot, roots=roots, created_at=created_at)
                raw.flush()
                os.fsync(raw.fileno())
            os.chmod(tmp_name, 0o600)
            _move_into_place(Path(tmp_name), output, force=force)
        finally:
            Path(tmp_name).unlink(missing_ok=True)
    _audit(
        "backup",
        object_label=_("backup of all data"),
        extra={"backup": str(output), "tables": len(manifest.tables), "files": manifest.upload_files},
    )
    return manifest


@dataclass(frozen=True)
class _Snapshot:
    server_version: str
    migrations: dict[str, str]
    tables: dict[str, int]


def _sqlite_snapshot(connection, target: Path) -> _Snapshot:
    """Copy the live database with the online backup API, then count rows in the copy itself."""
    source = sqlite3.connect(str(connection.settings_dict["NAME"]), uri=True, timeout=SQLITE_TIMEOUT)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # pages=-1: one step under one read transaction, a consistent copy
            copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
            _sqlite_check(copy)
            snapshot = _Snapshot(sqlite3.sqlite_version, *_read_state(connection, copy.cursor()))
        finally:
            copy.close()
    finally:
        source.close()
    return snapshot


def _sqlite_check(db: sqlite3.Connection) -> None:
    result = db.execute("PRAGMA quick_check").fetchall()
    if result != [("ok",)]:
        raise BackupError(_("The database file fails SQLite's integrity check: %(result)s") % {"result": result[:5]})


def _postgresql_snapshot(connection, target: Path) -> _Snapshot:
    """pg_dump in an exported snapshot: the dump and the row counts see exactly the same data."""
    pg_dump = _pg_tool("pg_dump")
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, server_version = cursor.fetchone()
            migrations, tables = _read_state(connection, cursor)
            _run(
                [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot_id}", f"--file={target}"],
                connection.settings_dict,
            )
            cursor.execute("COMMIT")
    finally:
        raw.close()
    return _Snapshot(server_version, migrations, tables)


_SNAPSHOTS = {"sqlite": _sqlite_snapshot, "postgresql": _postgresql_snapshot}


def _read_state(connection, cursor) -> tuple[dict[str, str], dict[str, int]]:
    """The last applied migration of each app and every table's row count, through ``cursor``."""
    names = sorted(t.name for t in connection.introspection.get_table_list(cursor) if t.type == "t")
    tables = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608 - a listed table
        tables[name] = cursor.fetchone()[0]
    migrations = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY applied, id")
        migrations = dict(cursor.fetchall())  # later rows win: the last applied per app
    return migrations, tables


class _HashingReader:
    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        return data


def _write_archive(raw, *, db_file: Path, snapshot: _Snapshot, roots: dict[str, Path], created_at) -> Manifest:
    members: dict[str, dict] = {}
    uploads: dict[str, dict[str, int]] = {}
    mtime = int(created_at.timestamp())
    with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6) as tar:
        members[db_file.name] = _add_file(tar, db_file, db_file.name, mtime=mtime)
        for key, root in roots.items():
            count = size = 0
            for path, rel in _walk_files(root):
                name = f"{UPLOADS}/{key}/{rel}"
                try:
                    member = _add_file(tar, path, name)
                except FileNotFoundError:
                    continue  # deleted since the walk listed it
                members[name] = member
                count, size = count + 1, size + member["size"]
            uploads[key] = {"files": count, "bytes": size}
        manifest = Manifest(
            created_at=created_at.isoformat(),
            app_version=_app_version(),
            git_commit=_git_commit(),
            vendor=next(v for v, m in DB_MEMBERS.items() if m == db_file.name),
            server_version=snapshot.server_version,
            migrations=snapshot.migrations,
            tables=snapshot.tables,
            uploads=uploads,
            members=members,
        )
        data = manifest.to_json()
        info = _tarinfo(MANIFEST, len(data), mtime)
        tar.addfile(info, io.BytesIO(data))
    return manifest


def _tarinfo(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    return info


def _add_file(tar: tarfile.TarFile, path: Path, name: str, *, mtime: int | None = None) -> dict:
    with open(path, "rb") as f:
        stat = os.fstat(f.fileno())
        reader = _HashingReader(f)
        tar.addfile(_tarinfo(name, stat.st_size, mtime if mtime is not None else int(stat.st_mtime)), reader)
    return {"size": stat.st_size, "sha256": reader.sha256.hexdigest()}


def _walk_files(root: Path):
    """Regular files under ``root`` (symbolic links are not followed), as (path, posix relative path)."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(root).as_posix()


def _move_into_place(tmp: Path, output: Path, *, force: bool) -> None:
    if force:
        os.replace(tmp, output)
    else:
        try:
            os.link(tmp, output)  # fails if the name was taken meanwhile: never overwrite by accident
        except FileExistsError as exc:
            raise BackupError(_("%(file)s already exists; use --force to replace it.") % {"file": output}) from exc
    dir_fd = os.open(output.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def upload_roots() -> dict[str, Path]:
    """Where uploaded files live: MEDIA_ROOT, and any other file-system storage a file field uses."""
    roots = {MEDIA_KEY: Path(settings.MEDIA_ROOT)}
    aliases = {}
    for alias in settings.STORAGES:
        if alias != "staticfiles":
            aliases[id(storages[alias])] = alias
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if not isinstance(f, models.FileField):
                continue
            location = getattr(f.storage, "location", None)
            if location is None:
                continue
            location = Path(location)
            if any(location.absolute().is_relative_to(r.absolute()) for r in roots.values()):
                continue
            key = aliases.get(id(getattr(f.storage, "_wrapped", f.storage)), f"{model._meta.label_lower}.{f.name}")
            roots[key] = location
    return roots


def _app_version() -> str | None:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as f:
            return tomllib.load(f)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def _git_commit() -> str | None:
    git = shutil.which("git")
    if git is None or not (Path(settings.BASE_DIR) / ".git").exists():
        return None
    try:
        result = subprocess.run(  # noqa: S603 - a fixed command
            [git, "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


# --- PostgreSQL client tools ------------------------------------------------------------------

PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _("%(tool)s was not found: install the PostgreSQL client (apt-get install postgresql-client).")
            % {"tool": name}
        )
    return path


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for the configured database: the password never goes on a command line."""
    env = dict(os.environ)
    for key, var in {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}.items():
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    env["PGDATABASE"] = str(settings_dict["NAME"])
    for option, var in PG_OPTIONS.items():
        if settings_dict.get("OPTIONS", {}).get(option):
            env[var] = str(settings_dict["OPTIONS"][option])
    return env


def _run(command: list[str], settings_dict: dict) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - our own arguments, no shell
            command, env=_pg_env(settings_dict), capture_output=True, text=True, timeout=PG_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(_("%(tool)s did not finish in time.") % {"tool": Path(command[0]).name}) from exc
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s") % {"tool": Path(command[0]).name, "error": result.stderr.strip()[-2000:]}
        )


# --- restoring --------------------------------------------------------------------------------


def backup_restore(
    *,
    archive: Path | str,
    confirm: Callable[[Manifest], bool] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> RestoreReport:
    """Replace the database and the uploaded files with the backup in ``archive``.

    Everything is checked first — the manifest, every member's checksum, the database vendor, the
    database file's integrity — and ``confirm(manifest)`` is asked; only then is anything changed.
    Audit-log entries written since the backup are carried over, so a restore never erases the
    record of what happened (and the restore itself is logged).
    """
    archive = Path(archive)
    connection = connections[using]
    roots = upload_roots()
    with tempfile.TemporaryDirectory(prefix="meijia-restore-") as tmp:
        staging = Path(tmp)
        manifest = _unpack(archive, staging)
        if manifest.vendor != connection.vendor:
            raise BackupError(
                _("This backup is of a %(backup)s database, but this system uses %(configured)s.")
                % {"backup": manifest.vendor, "configured": connection.vendor}
            )
        unknown = sorted(set(manifest.uploads) - set(roots))
        if unknown:
            raise BackupError(
                _("This backup holds uploaded files for storages this system does not have: %(names)s.")
                % {"names": ", ".join(unknown)}
            )
        if manifest.vendor == "sqlite":
            with closing(sqlite3.connect(staging / manifest.database_member)) as staged:
                _sqlite_check(staged)
        if confirm is not None and not confirm(manifest):
            raise RestoreCancelled(_("Restore cancelled; nothing was changed."))
        audit_rows = _recent_audit_entries(connection, since=manifest.created_at)
        swapped = _swap_uploads(staging, manifest, roots)
        try:
            _RESTORES[manifest.vendor](connection, staging / manifest.database_member)
        except BaseException:
            _unswap_uploads(swapped)
            raise
        _drop_old_uploads(swapped)
    report = RestoreReport(manifest=manifest, files=manifest.upload_files)
    report.tables = _check_tables(connection, manifest)
    report.pending_migrations = _pending_migrations(connection)
    report.audit_entries_kept = _put_back_audit_entries(connection, audit_rows)
    _audit(
        "restore",
        object_label=_("restore from backup"),
        extra={
            "archive": str(archive.absolute()),
            "backup_created_at": manifest.created_at,
            "rows_match": report.ok,
            "audit_entries_kept": report.audit_entries_kept,
        },
    )
    return report


SAFE_PART = re.compile(r"^[^/\x00]+$")


def _member_path(staging: Path, name: str) -> Path | None:
    """Where a member goes in the staging folder, or None for a name a backup never has."""
    parts = PurePosixPath(name).parts
    if name in (MANIFEST, *DB_MEMBERS.values()):
        return staging / name
    if (
        len(parts) >= 3
        and parts[0] == UPLOADS
        and not name.startswith("/")
        and all(SAFE_PART.match(p) and p not in (".", "..") for p in parts)
    ):
        return staging.joinpath(*parts)
    return None


def _unpack(archive: Path, staging: Path) -> Manifest:
    """Extract ``archive`` into ``staging`` and check it against its manifest; raise BackupError if it fails."""
    if not archive.is_file():
        raise BackupError(_("%(file)s does not exist.") % {"file": archive})
    hashes: dict[str, dict] = {}
    manifest_raw = None
    damaged = _("%(file)s is damaged or is not a backup of this system; nothing was changed.") % {"file": archive}
    try:
        with tarfile.open(archive, mode="r|gz") as tar:
            for member in tar:
                target = _member_path(staging, member.name)
                repeated = member.name in hashes or (member.name == MANIFEST and manifest_raw is not None)
                if target is None or repeated or not member.isfile():
                    raise BackupError(damaged)
                source = tar.extractfile(member)
                if member.name == MANIFEST:
                    if member.size > MAX_MANIFEST_BYTES:
                        raise BackupError(damaged)
                    manifest_raw = source.read()
                    continue
                hashes[member.name] = _extract(source, target, mtime=member.mtime)
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:  # gzip's errors are OSError/EOFError
        raise BackupError(damaged) from exc
    if manifest_raw is None:
        raise BackupError(damaged)
    manifest = Manifest.from_json(manifest_raw)
    if hashes != manifest.members:
        bad = sorted(set(hashes) ^ set(manifest.members)) or sorted(
            n for n in hashes if hashes[n] != manifest.members[n]
        )
        raise BackupError(
            _("%(file)s fails its checksums (%(members)s); nothing was changed.")
            % {"file": archive, "members": ", ".join(bad[:5])}
        )
    return manifest


def _extract(source, target: Path, *, mtime: float) -> dict:
    target.parent.mkdir(parents=True, exist_ok=True)
    sha256, size = hashlib.sha256(), 0
    with open(target, "xb") as out:
        while chunk := source.read(CHUNK):
            sha256.update(chunk)
            size += len(chunk)
            out.write(chunk)
    os.utime(target, (mtime, mtime))
    return {"size": size, "sha256": sha256.hexdigest()}


def _swap_uploads(staging: Path, manifest: Manifest, roots: dict[str, Path]) -> list[tuple[Path, Path | None]]:
    """Put each storage's files from the backup in place; keep the old folders aside until the end."""
    swapped: list[tuple[Path, Path | None]] = []
    token = secrets.token_hex(4)
    try:
        for key in manifest.uploads:
            root = roots[key].absolute()
            root.parent.mkdir(parents=True, exist_ok=True)
            new = root.with_name(f".{root.name}.restoring-{token}")
            staged = staging / UPLOADS / key
            if staged.is_dir():
                shutil.move(staged, new)
            else:
                new.mkdir()
            _apply_upload_permissions(new)
            old = root.with_name(f".{root.name}.replaced-{token}") if root.exists() else None
            if old is not None:
                os.replace(root, old)
            os.replace(new, root)
            swapped.append((root, old))
    except BaseException:
        _unswap_uploads(swapped)
        raise
    return swapped


def _apply_upload_permissions(folder: Path) -> None:
    file_mode, dir_mode = settings.FILE_UPLOAD_PERMISSIONS, settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS
    for path in [folder, *folder.rglob("*")]:
        mode = dir_mode if path.is_dir() else file_mode
        if mode is not None:
            os.chmod(path, mode)


def _unswap_uploads(swapped: list[tuple[Path, Path | None]]) -> None:
    for root, old in reversed(swapped):
        shutil.rmtree(root, ignore_errors=True)
        if old is not None:
            os.replace(old, root)


def _drop_old_uploads(swapped: list[tuple[Path, Path | None]]) -> None:
    for _root, old in swapped:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _sqlite_restore(connection, db_file: Path) -> None:
    """Copy the backup into the live database file page by page, under SQLite's own locking."""
    connections.close_all()
    source = sqlite3.connect(db_file)
    try:
        target = sqlite3.connect(str(connection.settings_dict["NAME"]), uri=True, timeout=SQLITE_TIMEOUT)
        try:
            source.backup(target)
        except sqlite3.Error as exc:
            raise BackupError(_("Restoring the database failed: %(error)s") % {"error": exc}) from exc
        finally:
            target.close()
    finally:
        source.close()


def _postgresql_restore(connection, db_file: Path) -> None:
    """pg_restore in one transaction: either the whole backup replaces the tables, or nothing changes."""
    pg_restore = _pg_tool("pg_restore")
    connections.close_all()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(db_file),
        ],
        connection.settings_dict,
    )


_RESTORES = {"sqlite": _sqlite_restore, "postgresql": _postgresql_restore}


def _check_tables(connection, manifest: Manifest) -> list[TableCheck]:
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
        checks = []
        for table, expected in sorted(manifest.tables.items()):
            found = None
            if table in present:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                found = cursor.fetchone()[0]
            checks.append(TableCheck(table, expected, found))
    return checks


def _pending_migrations(connection) -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, backwards in plan if not backwards]


# --- the audit log ----------------------------------------------------------------------------


def _audit_model():
    try:
        return apps.get_model("talents", "AuditEntry")
    except LookupError:
        return None


def _audit(action: str, **kwargs) -> None:
    from talents.audit import record

    record(action=action, **kwargs)


def _recent_audit_entries(connection, *, since: str) -> list[dict]:
    """The audit log's entries from the backup's start on: the restore must not erase them."""
    model = _audit_model()
    if model is None or model._meta.db_table not in connection.introspection.table_names():
        return []
    since_dt = datetime.datetime.fromisoformat(since)
    return list(model.objects.using(connection.alias).filter(when__gte=since_dt).order_by("when", "id").values())


def _put_back_audit_entries(connection, rows: list[dict]) -> int:
    model = _audit_model()
    if not rows or model is None or model._meta.db_table not in connection.introspection.table_names():
        return 0
    manager = model.objects.using(connection.alias)
    already = set(manager.filter(when__gte=rows[0]["when"]).values_list("id", "when", "action"))
    users = set(
        apps.get_model(settings.AUTH_USER_MODEL)
        .objects.using(connection.alias)
        .filter(pk__in={r["user_id"] for r in rows if r["user_id"]})
        .values_list("pk", flat=True)
    )
    missing = []
    for row in rows:
        if (row["id"], row["when"], row["action"]) in already:
            continue  # in the backup too
        row = {**row, "id": None}
        if row["user_id"] not in users:
            row["user_id"] = None  # the account is not in the backup; ``username`` keeps the name
        missing.append(model(**row))
    manager.bulk_create(missing)
    return len(missing)
