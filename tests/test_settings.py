"""Settings an install depends on: SQLite tuned for concurrent writers, Chinese locale, secure defaults, roles."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables that would override what a fresh install gets by default.
OVERRIDES = ("SECRET_KEY", "DEBUG", "DATABASE_URL", "TIME_ZONE", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT")
LOAD_SETTINGS = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'meijia.settings'); "
    "from django.conf import settings; "
)


def _python(code: str, var_dir: Path, **env: str) -> str:
    """Run ``code`` in a fresh interpreter of this project with its own var/ folder; return its output."""
    environ = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
    environ.update(MEIJIA_VAR_DIR=str(var_dir), **env)
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", LOAD_SETTINGS + code],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_the_default_database_is_sqlite_in_wal_mode_with_a_busy_timeout(tmp_path):
    out = _python(
        "django.setup(); from django.db import connection; c = connection.cursor(); "
        "print(connection.vendor); print(c.execute('PRAGMA journal_mode').fetchone()[0]); "
        "print(c.execute('PRAGMA busy_timeout').fetchone()[0])",
        tmp_path,
    )
    assert out.splitlines() == ["sqlite", "wal", "20000"]
    assert (tmp_path / "db.sqlite3").exists()


def test_sqlite_writes_start_immediate_transactions_and_wait_for_locks(tmp_path):
    # In a fresh interpreter with the default database: this suite also runs on PostgreSQL.
    out = _python(
        "db = settings.DATABASES['default']; print(db['ENGINE']); print(db['OPTIONS']['transaction_mode']); "
        "print(db['OPTIONS']['timeout']); print(db['OPTIONS']['init_command'])",
        tmp_path,
    )
    engine, mode, timeout, init = out.splitlines()
    assert engine == "django.db.backends.sqlite3"
    assert mode == "IMMEDIATE"
    assert int(timeout) >= 5
    assert "journal_mode=WAL" in init


def test_the_site_speaks_simplified_chinese_on_beijing_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ


def test_debug_is_off_unless_asked_for(tmp_path):
    assert _python("print(settings.DEBUG)", tmp_path) == "False"
    assert _python("print(settings.DEBUG)", tmp_path, DEBUG="true") == "True"


def test_a_secret_key_is_generated_once_into_the_var_folder_readable_by_the_owner_only(tmp_path):
    first = _python("print(settings.SECRET_KEY)", tmp_path)
    key_file = tmp_path / "secret_key"

    assert key_file.read_text().strip() == first
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _python("print(settings.SECRET_KEY)", tmp_path) == first, "a restart must keep sessions valid"


def test_two_installs_get_different_secret_keys(tmp_path):
    assert _python("print(settings.SECRET_KEY)", tmp_path / "a") != _python(
        "print(settings.SECRET_KEY)", tmp_path / "b"
    )


def test_a_secret_key_from_the_environment_wins_and_no_file_is_written(tmp_path):
    assert _python("print(settings.SECRET_KEY)", tmp_path, SECRET_KEY="from-the-environment") == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


# Role groups (talents/migrations/0002_roles.py)


def _perms(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.django_db
def test_the_five_role_groups_exist_after_migrate():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"office", "cadre", "village_secretary", "liaison", "leader"} <= names


@pytest.mark.django_db
def test_the_office_may_add_change_delete_and_view_every_record():
    perms = _perms("office")
    for model in ("talents.talent", "contacts.pairing", "contacts.contact", "reports.villagereport"):
        app, name = model.split(".")
        assert {f"{app}.{action}_{name}" for action in ("add", "change", "delete", "view")} <= perms
    assert "auth.add_user" in perms
    assert "auth.delete_user" not in perms


@pytest.mark.django_db
def test_the_leaders_only_read():
    perms = _perms("leader")
    assert "talents.view_talent" in perms
    assert "contacts.view_contact" in perms
    assert all(p.split(".")[1].startswith("view_") for p in perms), sorted(perms)


@pytest.mark.django_db
def test_a_cadre_may_log_contacts_but_not_change_the_talent_database():
    perms = _perms("cadre")
    assert {"contacts.add_contact", "contacts.change_contact", "contacts.add_demand", "talents.view_talent"} <= perms
    assert "talents.change_talent" not in perms
    assert "talents.delete_talent" not in perms
    assert "contacts.delete_contact" not in perms
    assert "contacts.add_pairing" not in perms


@pytest.mark.django_db
def test_a_liaison_keeps_their_talents_information_current_but_reads_no_contacts():
    perms = _perms("liaison")
    assert {"talents.change_talent", "contacts.add_demand", "contacts.add_majorevent"} <= perms
    assert "talents.delete_talent" not in perms
    assert "talents.add_talent" not in perms
    assert "contacts.view_contact" not in perms


@pytest.mark.django_db
def test_a_village_secretary_writes_the_annual_report_and_recommendations():
    perms = _perms("village_secretary")
    assert {"reports.add_villagereport", "reports.change_villagereport", "contacts.add_recommendation"} <= perms
    assert "reports.delete_villagereport" not in perms
    assert "talents.change_talent" not in perms
