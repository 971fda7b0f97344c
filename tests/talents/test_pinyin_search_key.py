"""The stored pinyin search key (``Talent.name_pinyin``, issue 7): written with every name, whichever way it is written."""

from __future__ import annotations

import importlib
import io
import types

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from talents import importer
from talents.models import Talent
from talents.search import pinyin_key, search, search_order
from talents.services import talent_anonymise
from tests.factories import TalentFactory, UnitFactory, import_workbook, valid_id_number

pytestmark = pytest.mark.django_db


def _found(text: str) -> set[str]:
    """Names of every talent (in the database or moved out) the search ``text`` finds."""
    return {t.name for t in search(Talent.objects.all(), text)}


def _listed(client, user, q: str) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("talents:list"), {"q": q})
    assert response.status_code == 200
    return {t.name for t in response.context["page"]}


def test_a_new_talent_is_found_by_its_pinyin_and_initials_in_the_list(client, office_user):
    TalentFactory(name="张三丰")
    assert _listed(client, office_user, "zhangsanfeng") == {"张三丰"}
    assert _listed(client, office_user, "zsf") == {"张三丰"}


def test_a_renamed_talent_is_found_by_the_new_name_and_no_longer_by_the_old(client, office_user):
    talent = TalentFactory(name="张三")
    talent.name = "李四"
    talent.save()
    assert _listed(client, office_user, "lisi") == {"李四"}
    assert _listed(client, office_user, "zhangsan") == set()


def test_a_rename_saved_with_update_fields_also_changes_the_pinyin():
    talent = TalentFactory(name="张三")
    talent.name = "王五"
    talent.save(update_fields=["name"])
    assert _found("ww") == {"王五"}
    assert _found("zs") == set()


def test_the_key_holds_every_reading_of_a_polyphone_surname():
    TalentFactory(name="曾小明")
    assert Talent.objects.get().name_pinyin == pinyin_key("曾小明")
    assert _found("zengxiaoming") == _found("cengxiaoming") == {"曾小明"}


def _row(name: str, **cells) -> dict:
    return {"姓名": name, "性别": "男", "人才类别": "专业技术人才", "工作单位": "梅家乡农业服务中心", **cells}


def test_an_imported_talent_is_found_by_pinyin(office_user):
    UnitFactory(name="梅家乡农业服务中心")
    preview = importer.talent_import_commit(data=import_workbook([_row("欧阳修远")]), by=office_user)
    assert not preview.errors
    assert _found("ouyangxiuyuan") == _found("oyxy") == {"欧阳修远"}


def test_a_talent_renamed_by_an_import_is_found_by_the_new_name_only(office_user):
    unit = UnitFactory(name="梅家乡农业服务中心")
    id_number = valid_id_number(11)
    TalentFactory(name="陈丽华", id_number=id_number, unit=unit)
    preview = importer.talent_import_commit(data=import_workbook([_row("陈立新", 身份证号=id_number)]), by=office_user)
    assert [r.status for r in preview.rows] == ["update"]
    assert _found("chenlixin") == {"陈立新"}
    assert _found("chenlihua") == set()


def test_every_seeded_talent_is_found_by_its_initials():
    call_command("seed_demo", "--password", "demo-pass-123", "--seed", "7", stdout=io.StringIO())
    assert not Talent.objects.filter(name_pinyin="").exists()
    talent = Talent.objects.order_by("pk").first()
    initials = min(pinyin_key(talent.name).split("|"), key=len)
    assert talent.name in _found(initials)


def test_an_anonymised_talent_is_not_found_by_the_old_names_pinyin(office_user):
    talent = TalentFactory(name="张三丰")
    talent_anonymise(talent=talent, reason="本人申请删除个人信息", by=office_user)
    assert _found("zhangsanfeng") == set()
    assert _found("zsf") == set()
    assert "zhang" not in Talent.objects.get(pk=talent.pk).name_pinyin


def test_the_migration_fills_the_key_of_talents_written_before_it():
    TalentFactory(name="单田芳")
    TalentFactory(name="吕布")
    Talent.objects.update(name_pinyin="")  # as every row was before the migration
    migration = importlib.import_module("talents.migrations.0007_talent_name_pinyin")

    migration.fill_name_pinyin(apps, types.SimpleNamespace(connection=connection))

    assert _found("stf") == {"单田芳"}
    assert _found("lvbu") == {"吕布"}


def test_the_key_is_not_on_the_admin_form(client, office_user):
    talent = TalentFactory(name="张三")
    client.force_login(office_user)
    response = client.get(reverse("admin:talents_talent_change", args=[talent.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "张三" in page
    assert "zhangsan" not in page
    assert "name_pinyin" not in page


def test_a_search_reads_the_narrow_search_index_on_sqlite_and_none_is_made_on_postgresql():
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Talent._meta.db_table)
    if connection.vendor == "sqlite":
        assert indexes["talent_search_scan"]["columns"] == ["name_pinyin", "name", "phone", "unit_id", "status"]
        found = search(Talent.objects.in_pool(), "zs")
        assert "talent_search_scan" in search_order(found).explain()  # the list page's order
        assert "talent_search_scan" in found.order_by().values("pk").explain()  # its count
    else:
        assert "talent_search_scan" not in indexes  # a btree row could not hold a long key
