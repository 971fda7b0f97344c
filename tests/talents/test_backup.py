"""``manage.py backup`` and ``manage.py restore`` (issue 6, item 7; issue 7, item 5).

The same tests run on whichever database the suite is configured for: on SQLite the connection is
moved to a real database file in WAL mode (the test database is in memory), on PostgreSQL the test
database itself is backed up with pg_dump and restored with pg_restore.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import tarfile
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from PIL import Image

from contacts.models import Contact, ContactPhoto, Suggestion
from talents import audit
from talents.models import AuditEntry, Talent
from tests.factories import (
    ContactFactory,
    ContactPhotoFactory,
    DemandFactory,
    DemandProgressFactory,
    FeedbackFactory,
    MajorEventFactory,
    PairingFactory,
    RecommendationFactory,
    SuggestionFactory,
    TalentFactory,
    UserFactory,
    VillageReportFactory,
    valid_id_number,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def live_db(tmp_path):
    """The database as a running install has it: on SQLite a file in WAL mode, not the in-memory test DB."""
    if connection.vendor != "sqlite":
        yield connection
        return
    connection.ensure_connection()
    memory, memory_name = connection.connection, connection.settings_dict["NAME"]
    path = tmp_path / "db.sqlite3"
    with closing(sqlite3.connect(path)) as file_db:
        memory.backup(file_db)  # the migrated schema and the roles
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield connection
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = memory_name
        connection.connection = memory


def _jpeg(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def seeded(live_db):
    """Talents, a pairing, contacts with photos, demands, reports: a little of everything."""
    UserFactory(username="office_bk", roles=["office"])
    pairing = PairingFactory(
        talent__name="陈丽华",
        talent__id_number=valid_id_number(7),
        talent__thoughts="对乡里产业规划有些顾虑。",
    )
    pairing.talent.photo.save("证件照.jpg", ContentFile(_jpeg("blue")))
    contact = ContactFactory(pairing=pairing, summary="在大棚里看了新品种的长势。😀", urgent=True)
    ContactPhotoFactory(contact=contact)
    ContactPhotoFactory(contact=contact, image__color="red")
    ContactFactory(pairing=pairing, method=Contact.Method.PHONE, date=contact.date.replace(month=5))
    demand = DemandFactory(talent=pairing.talent, content="希望解决子女入学问题。")
    DemandProgressFactory(demand=demand)
    SuggestionFactory(talent=pairing.talent)
    MajorEventFactory(talent=pairing.talent)
    RecommendationFactory(talent=pairing.talent)
    FeedbackFactory(unit=pairing.talent.unit, talent=pairing.talent)
    VillageReportFactory(village=pairing.talent.village)
    TalentFactory.create_batch(5)
    return pairing


def _every_row() -> dict[str, list[tuple]]:
    """Every row of every table, all columns, in a stable order."""
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a listed table
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def _uploaded_files() -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _photo_bytes() -> dict[str, bytes]:
    photos = {f"contact:{p.pk}": p.image for p in ContactPhoto.objects.all()}
    photos |= {f"talent:{t.pk}": t.photo for t in Talent.objects.exclude(photo="")}
    result = {}
    for key, image in photos.items():
        with image.open("rb") as f:
            result[key] = f.read()
    return result


def _destroy() -> None:
    """Empty every table and delete every uploaded file."""
    tables = connection.introspection.table_names()
    connection.ops.execute_sql_flush(
        connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    )
    shutil.rmtree(settings.MEDIA_ROOT)


def _audit_rows(rows: dict[str, list[tuple]]) -> list[tuple]:
    return sorted(rows.pop(AuditEntry._meta.db_table), key=lambda row: row[0])


def _backup(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("backup", "--output", str(path), *args, stdout=out)
    return out.getvalue()


def _restore(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *args, stdout=out)
    return out.getvalue()


def _rewrite(archive: Path, target: Path, change) -> None:
    """Copy a backup archive member by member; ``change(name, data)`` returns (name, data) or None to drop."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            changed = change(member.name, src.extractfile(member).read())
            if changed is not None:
                info = tarfile.TarInfo(changed[0])
                info.size = len(changed[1])
                dst.addfile(info, io.BytesIO(changed[1]))


def test_a_restore_after_a_backup_and_total_loss_brings_back_every_row_and_photo(seeded, tmp_path):
    before, files_before, photos_before = _every_row(), _uploaded_files(), _photo_bytes()
    assert len(photos_before) == 3
    for table in ("talents_talent", "contacts_contact", "contacts_contactphoto", "contacts_demand", "contacts_pairing"):
        assert before[table], table
    archive = tmp_path / "backups" / "梅家乡-备份.tar.gz"

    printed = _backup(archive)
    assert str(archive) in printed and "备份已写入" in printed

    _destroy()
    assert not any(_every_row().values())
    assert not Path(settings.MEDIA_ROOT).exists()

    printed = _restore(archive, "--noinput")

    assert "每张表的行数都与备份一致" in printed
    after = _every_row()
    audit_before, audit_after = _audit_rows(before), _audit_rows(after)
    assert after == before
    # The audit log has everything it had, then the restore itself (the backup's own entry was destroyed).
    assert audit_after[: len(audit_before)] == audit_before
    assert [e.action for e in AuditEntry.objects.filter(pk__gt=audit_before[-1][0])] == ["restore"]
    assert _uploaded_files() == files_before
    assert _photo_bytes() == photos_before
    # The database goes on working: new records get fresh numbers, the restored ones read back.
    assert TalentFactory().pk > max(row[0] for row in before["talents_talent"])
    assert Talent.objects.get(name="陈丽华").thoughts == "对乡里产业规划有些顾虑。"


def test_the_archive_is_readable_by_its_owner_only_and_holds_a_manifest_of_everything(seeded, tmp_path):
    archive = tmp_path / "b.tar.gz"
    _backup(archive)

    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        data = {name: tar.extractfile(name).read() for name in names}
    manifest = json.loads(data.pop("manifest.json"))
    db_member = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[connection.vendor]
    assert names[0] == db_member
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["members"] == {
        name: {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()} for name, content in data.items()
    }
    photos = {f"uploads/media/{p.image.name}" for p in ContactPhoto.objects.all()}
    assert photos < set(manifest["members"])
    counts = manifest["database"]["tables"]
    assert set(counts) == set(connection.introspection.table_names())
    assert counts["talents_talent"] == Talent.objects.count() == 6
    assert counts["contacts_contactphoto"] == 2
    last = MigrationRecorder.Migration.objects.filter(app="contacts").order_by("applied", "id").last()
    assert manifest["database"]["migrations"]["contacts"] == last.name
    assert manifest["app"]["version"] and manifest["created_at"]


def test_a_backup_never_overwrites_an_existing_file_unless_forced(live_db, tmp_path):
    archive = tmp_path / "b.tar.gz"
    archive.write_text("上周的备份")

    with pytest.raises(CommandError, match="已存在"):
        _backup(archive)
    assert archive.read_text() == "上周的备份"

    _backup(archive, "--force")
    assert tarfile.is_tarfile(archive)
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_backup_taken_during_an_unfinished_save_is_consistent_and_does_not_wait_for_it(seeded, tmp_path):
    talents_before = Talent.objects.count()
    archive = tmp_path / "b.tar.gz"
    saved = threading.Event()

    def writer():
        """Holds a half-done save open until the archive is in place (the backup's own log entry then waits)."""
        try:
            with transaction.atomic():
                TalentFactory(name="正在保存")
                saved.set()
                deadline = time.monotonic() + 60
                while not archive.exists() and time.monotonic() < deadline:
                    time.sleep(0.02)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert saved.wait(60)
        _backup(archive)
    finally:
        thread.join(90)

    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["database"]["tables"]["talents_talent"] == talents_before
    assert Talent.objects.count() == talents_before + 1


@pytest.mark.parametrize("damage", ["changed photo", "truncated", "missing photo", "not an archive"])
def test_a_damaged_archive_is_refused_and_nothing_changes(seeded, tmp_path, damage):
    good, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    _backup(good)
    TalentFactory(name="备份之后新增")  # the data now differs from the backup
    if damage == "changed photo":
        _rewrite(good, bad, lambda n, d: (n, d[:-2] + b"\0\0" if n.endswith(".jpg") else d))
    elif damage == "missing photo":
        _rewrite(good, bad, lambda n, d: None if n.endswith(".jpg") else (n, d))
    elif damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:
        bad.write_bytes(b"PK\x03\x04 a renamed zip")
    rows, files = _every_row(), _uploaded_files()

    with pytest.raises(CommandError, match="没有做任何更改"):
        _restore(bad, "--noinput")

    assert _every_row() == rows
    assert _uploaded_files() == files
    assert Talent.objects.filter(name="备份之后新增").exists()


def test_a_backup_of_the_other_database_vendor_is_refused(seeded, tmp_path):
    good, other = tmp_path / "good.tar.gz", tmp_path / "other.tar.gz"
    _backup(good)
    mine, theirs = ("database.sqlite3", "database.pgdump")[:: 1 if connection.vendor == "sqlite" else -1]

    def as_other_vendor(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["database"]["vendor"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
            manifest["database"]["member"] = theirs
            manifest["members"][theirs] = manifest["members"].pop(mine)
            return name, json.dumps(manifest).encode()
        return (theirs if name == mine else name), data

    _rewrite(good, other, as_other_vendor)
    rows = _every_row()

    with pytest.raises(CommandError, match="但本系统使用"):
        _restore(other, "--noinput")
    assert _every_row() == rows


def test_a_restore_asks_first_and_changes_nothing_when_not_confirmed(seeded, tmp_path, monkeypatch):
    archive = tmp_path / "b.tar.gz"
    _backup(archive)
    TalentFactory(name="备份之后新增")
    rows, files = _every_row(), _uploaded_files()
    questions = []
    monkeypatch.setattr("builtins.input", lambda prompt: questions.append(prompt) or "no")

    printed = _restore(archive)

    assert "yes" in questions[0] and "替换" in questions[0]
    assert "已取消恢复" in printed
    assert _every_row() == rows
    assert _uploaded_files() == files


def test_the_audit_log_keeps_what_happened_after_the_backup(seeded, tmp_path):
    archive = tmp_path / "b.tar.gz"
    _backup(archive)
    office = UserFactory(username="new_after_backup", roles=["office"])
    audit.record(action=AuditEntry.Action.EXPORT, user=office, object_label="一览表")
    Suggestion.objects.all().delete()  # the mistake the restore repairs

    _restore(archive, "--noinput")

    assert Suggestion.objects.count() == 1
    export = AuditEntry.objects.get(object_label="一览表")
    assert export.username == "new_after_backup" and export.user is None  # the account is not in the backup
    assert AuditEntry.objects.filter(action="delete", object_type="contacts.suggestion").exists()
    assert AuditEntry.objects.filter(action="restore").count() == 1


def test_a_backup_restores_onto_a_new_machine_with_an_empty_database(seeded, tmp_path):
    archive = tmp_path / "b.tar.gz"
    before, photos = _every_row(), _photo_bytes()
    _backup(archive)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys = OFF")
        for table in connection.introspection.table_names(cursor):
            cascade = " CASCADE" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}{cascade}")
    shutil.rmtree(settings.MEDIA_ROOT)
    assert connection.introspection.table_names() == []

    _restore(archive, "--noinput")

    after = _every_row()
    assert _audit_rows(after)[:-1] == _audit_rows(before)
    assert after == before
    assert _photo_bytes() == photos
