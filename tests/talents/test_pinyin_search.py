"""Finding a talent in the database by pinyin, pinyin initials, polyphone readings, phone or unit (issue 4)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from talents.models import Talent
from talents.search import pinyin_keys, search
from tests.factories import TalentFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _found(client, user, q: str) -> set[str]:
    """Names of the talents the list shows for the search ``q``."""
    client.force_login(user)
    response = client.get(reverse("talents:list"), {"q": q})
    assert response.status_code == 200
    return {t.name for t in response.context["page"]}


@pytest.fixture
def people(db):
    school = UnitFactory(name="梅家乡中心小学")
    return {
        name: TalentFactory(name=name, **extra)
        for name, extra in [
            ("张三", {"phone": "13912340001"}),
            ("李四", {"phone": "13912340002", "unit": school}),
            ("曾小明", {}),
            ("单田芳", {}),
            ("仇大海", {}),
            ("吕布", {}),
            ("欧阳娜娜", {}),
            ("𠀾明", {}),  # a rare character outside the basic CJK block (GB 18030)
        ]
    }


def test_full_pinyin_finds_the_name(client, office_user, people):
    assert _found(client, office_user, "zhangsan") == {"张三"}


def test_pinyin_initials_find_the_name(client, office_user, people):
    assert _found(client, office_user, "zs") == {"张三"}


def test_capitals_and_spaces_in_the_pinyin_are_ignored(client, office_user, people):
    assert _found(client, office_user, "Zhang San") == {"张三"}


def test_part_of_the_pinyin_finds_the_name(client, office_user, people):
    assert "张三" in _found(client, office_user, "zhang")


def test_a_polyphone_surname_is_found_in_its_surname_reading(client, office_user, people):
    # pypinyin's phrase reading of 曾 is "ceng"; as a surname it is read "zeng". Both find him.
    assert _found(client, office_user, "zengxiaoming") == {"曾小明"}
    assert _found(client, office_user, "cengxiaoming") == {"曾小明"}
    assert _found(client, office_user, "zxm") == {"曾小明"}


def test_other_polyphone_surnames_are_found_by_their_surname_reading(client, office_user, people):
    assert _found(client, office_user, "shantianfang") == {"单田芳"}
    assert _found(client, office_user, "qiudahai") == {"仇大海"}
    assert _found(client, office_user, "qdh") == {"仇大海"}


def test_u_with_umlaut_is_typed_as_v(client, office_user, people):
    assert _found(client, office_user, "lvbu") == {"吕布"}


def test_a_compound_surname_is_found_by_its_initials(client, office_user, people):
    assert _found(client, office_user, "oynn") == {"欧阳娜娜"}


def test_a_rare_character_name_is_found_by_the_character(client, office_user, people):
    assert _found(client, office_user, "𠀾") == {"𠀾明"}


def test_chinese_characters_find_the_name(client, office_user, people):
    assert _found(client, office_user, "小明") == {"曾小明"}


def test_part_of_the_phone_number_finds_the_talent(client, office_user, people):
    assert _found(client, office_user, "40002") == {"李四"}


def test_the_unit_name_finds_its_talents(client, office_user, people):
    assert _found(client, office_user, "中心小学") == {"李四"}


def test_a_search_matching_nobody_shows_an_empty_list(client, office_user, people):
    assert _found(client, office_user, "xyzxyz") == set()


def test_a_search_keeps_the_other_filters(client, office_user, people):
    people["张三"].move_out(on=datetime.date(2026, 1, 5), reason="调离本乡")
    assert _found(client, office_user, "zs") == set()


def test_a_name_has_a_bounded_number_of_keys_however_many_polyphones():
    keys = pinyin_keys("曾单仇解朝重行长")  # every character has two or more readings
    assert len(keys) <= 2 * 64 + 2


def test_search_over_a_queryset_filters_by_primary_key(people):
    found = search(Talent.objects.all(), "dtf")
    assert [t.name for t in found] == ["单田芳"]


def _search_queries(client, q: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("talents:list"), {"q": q})
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_a_pinyin_search_runs_the_same_queries_for_few_and_many_talents(client, office_user, people):
    client.force_login(office_user)
    small = _search_queries(client, "zs")
    TalentFactory.create_batch(40)
    TalentFactory(name="赵森")
    large = _search_queries(client, "zs")
    # session, user, the user's roles, the organisation (page header), count (capped), the page of
    # rows: the pinyin is matched on the stored key inside those two (the unit and village filters
    # are typed names: no query lists the units)
    assert len(small) == len(large) == 6
