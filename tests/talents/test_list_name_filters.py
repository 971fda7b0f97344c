"""The talent list's unit and village filters are typed names, not selects of every unit (issue 7).

A county has thousands of units: the page lists none of them, matches what the office types
(name contains), says how many match, and keeps old links naming a unit by its number working.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from talents import widgets
from tests.factories import TalentFactory, UnitFactory, VillageFactory

pytestmark = pytest.mark.django_db

LIST = reverse("talents:list")


def _get(client, user, **params):
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response


def _names(response) -> list[str]:
    return [t.name for t in response.context["page"]]


@pytest.fixture
def talents(db):
    school = UnitFactory(name="梅家乡中心小学")
    clinic = UnitFactory(name="梅家乡卫生院")
    return {
        "甲": TalentFactory(name="甲", unit=school, village=VillageFactory(name="金山村")),
        "乙": TalentFactory(name="乙", unit=clinic, village=VillageFactory(name="青山村")),
        "丙": TalentFactory(name="丙", unit=UnitFactory(name="开江县中心医院"), village=VillageFactory(name="白马村")),
    }


def test_the_page_lists_no_units_or_villages_to_choose_from(client, office_user, talents):
    body = _get(client, office_user).content.decode()
    assert '<input type="search" name="unit"' in body
    assert '<input type="search" name="village"' in body
    assert "梅家乡卫生院</option>" not in body and "金山村</option>" not in body


def test_typing_part_of_a_units_name_finds_its_talents(client, office_user, talents):
    assert _names(_get(client, office_user, unit="中心")) == ["丙", "甲"]
    assert _names(_get(client, office_user, unit=" 卫生院 ")) == ["乙"]


def test_typing_part_of_a_villages_name_finds_its_talents(client, office_user, talents):
    assert _names(_get(client, office_user, village="山村")) == ["乙", "甲"]


def test_the_matching_units_are_named_beside_the_box(client, office_user, talents):
    body = _get(client, office_user, unit="中心").content.decode()
    assert "匹配：开江县中心医院、梅家乡中心小学" in body


def test_many_matches_are_counted_not_listed(client, office_user, talents):
    for i in range(7):
        UnitFactory(name=f"梅家乡第{i}合作社")
    body = _get(client, office_user, unit="合作社").content.decode()
    assert "匹配 7 个。" in body


def test_a_name_that_matches_nothing_is_explained_beside_the_box_and_kept(client, office_user, talents):
    response = _get(client, office_user, unit="不存在的单位", category="professional")
    body = response.content.decode()
    assert "您可查看的单位中没有名称包含“不存在的单位”的，此筛选未生效。" in body
    assert 'value="不存在的单位"' in body  # what was typed stays in the box
    assert response.context["form"].errors["unit"]


def test_an_old_link_naming_a_unit_by_number_still_filters_and_shows_its_name(client, office_user, talents):
    school = talents["甲"].unit
    response = _get(client, office_user, unit=str(school.pk))
    assert _names(response) == ["甲"]
    assert 'value="梅家乡中心小学"' in response.content.decode()


def test_a_unit_number_that_does_not_exist_is_explained_and_the_other_filters_still_apply(client, office_user, talents):
    response = _get(client, office_user, unit="999999", village="青山")
    assert _names(response) == ["乙"]
    assert "该记录不存在或不在您的查看范围内，此筛选未生效。" in response.content.decode()


def test_the_chosen_category_stays_selected(client, office_user, talents):
    body = _get(client, office_user, category="rural").content.decode()
    assert '<option value="rural" selected>' in body


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST, params).status_code == 200
    return len(ctx.captured_queries)


def test_filtering_by_typed_names_runs_the_same_queries_for_few_and_many_units(client, office_user):
    client.force_login(office_user)
    for i in range(3):
        TalentFactory(unit=UnitFactory(name=f"梅家乡第{i}号农场"), village=VillageFactory(name=f"第{i}号村"))
    small = _queries(client, unit="农场", village="村")
    for i in range(3, 40):
        TalentFactory(unit=UnitFactory(name=f"梅家乡第{i}号农场"), village=VillageFactory(name=f"第{i}号村"))
    large = _queries(client, unit="农场", village="村")
    # session, user, roles, the village names matched, the unit names matched, count (capped), the
    # page of rows (the matched units as subqueries), the organisation for the header
    assert small == large == 8


def test_a_long_list_is_counted_only_up_to_the_cap_and_still_pages_on(client, office_user, monkeypatch):
    monkeypatch.setattr(widgets, "COUNT_CAP", 60)
    TalentFactory.create_batch(120)
    first = _get(client, office_user)
    assert "找到超过 60 名优秀人才" in first.content.decode()
    assert "第 1 页" in first.content.decode() and "共" not in first.content.decode().split("第 1 页")[1][:5]
    third = _get(client, office_user, page=3)
    assert len(third.context["page"]) == 20
    assert not third.context["page"].has_next()
