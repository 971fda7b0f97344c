"""The ledgers' unit, cadre and village filters are typed names, scoped to what the user sees (issue 7).

No filter lists every unit or cadre of the county; a typed name is matched against the units and
cadres of the user's own demands, so it never reveals another village's or unit's records.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    CadreFactory,
    DemandFactory,
    RecommendationFactory,
    TalentFactory,
    UnitFactory,
    VillageFactory,
)

DEMANDS = reverse("ledger:demands")
RECOMMENDATIONS = reverse("ledger:recommendations")


def _rows(body: str) -> str:
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _get(client, user, url=DEMANDS, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def own_demand(pairing, cadre):
    """A demand of the secretary's village (梅家村), at 梅家乡农业服务中心, coordinated by 王建国."""
    return DemandFactory(
        talent=pairing.talent,
        content="冷库用电负荷不够。",
        responsible_unit=pairing.talent.unit,
        coordinating_cadre=cadre,
    )


@pytest.fixture
def other_village_demand(other_cadre):
    """A demand of another village's talent, at 青山村小学, coordinated by 李其他."""
    school = UnitFactory(name="青山村小学")
    talent = TalentFactory(name="赵青山", unit=school, village=VillageFactory(name="青山村"))
    return DemandFactory(
        talent=talent, content="教师周转房漏雨。", responsible_unit=school, coordinating_cadre=other_cadre
    )


def test_the_ledger_lists_no_units_or_cadres_to_choose_from(client, office_user, own_demand, other_village_demand):
    body = _get(client, office_user)
    assert '<input type="search" name="unit"' in body and '<input type="search" name="cadre"' in body
    assert "青山村小学</option>" not in body and "李其他" not in body.split("<tbody>")[0]


def test_the_office_filters_by_a_typed_unit_name(client, office_user, own_demand, other_village_demand):
    body = _get(client, office_user, unit="小学")
    assert "教师周转房漏雨。" in _rows(body) and "冷库用电负荷不够。" not in _rows(body)
    assert "匹配：青山村小学" in body


def test_the_office_filters_by_a_typed_cadre_name(client, office_user, own_demand, other_village_demand):
    rows = _rows(_get(client, office_user, cadre="建国"))
    assert "冷库用电负荷不够。" in rows and "教师周转房漏雨。" not in rows


def test_a_secretary_typing_another_villages_unit_sees_nothing_of_it(
    client, secretary_user, own_demand, other_village_demand
):
    body = _get(client, secretary_user, unit="青山村小学")
    assert "您可查看的单位中没有名称包含“青山村小学”的，此筛选未生效。" in body
    assert 'value="青山村小学"' in body  # what was typed stays in the box
    assert "教师周转房漏雨。" not in body and "匹配：青山村小学" not in body
    assert "冷库用电负荷不够。" in _rows(body)  # the filter is not applied: their own list stays


def test_a_secretary_typing_another_villages_cadre_sees_nothing_of_it(
    client, secretary_user, own_demand, other_village_demand
):
    body = _get(client, secretary_user, cadre="李其他")
    assert "您可查看的干部中没有姓名包含“李其他”的，此筛选未生效。" in body
    assert "教师周转房漏雨。" not in body


def test_a_secretary_finds_their_own_demands_by_unit_name(client, secretary_user, own_demand, other_village_demand):
    body = _get(client, secretary_user, unit="农业服务")
    assert "冷库用电负荷不够。" in _rows(body)
    assert "匹配：梅家乡农业服务中心" in body


def test_an_old_link_with_a_unit_number_still_filters(client, office_user, own_demand, other_village_demand):
    body = _get(client, office_user, unit=str(other_village_demand.responsible_unit_id))
    assert "教师周转房漏雨。" in _rows(body) and "冷库用电负荷不够。" not in _rows(body)
    assert 'value="青山村小学"' in body


def test_a_unit_number_outside_the_secretarys_scope_is_refused_beside_the_box(
    client, secretary_user, own_demand, other_village_demand
):
    body = _get(client, secretary_user, unit=str(other_village_demand.responsible_unit_id))
    assert "该记录不存在或不在您的查看范围内，此筛选未生效。" in body
    assert "青山村小学" not in body


def test_a_wrong_choice_is_explained_beside_its_field(client, office_user, own_demand):
    body = _get(client, office_user, kind="nonsense")
    assert 'class="has-error"' in body and "nonsense" in body


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["office_user", "liaison_user"])
def test_typed_filters_run_the_same_queries_for_few_and_many_units_and_cadres(client, request, pairing, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    talent = pairing.talent
    for i in range(2):
        DemandFactory(
            talent=talent, responsible_unit=UnitFactory(name=f"第{i}农技站"), coordinating_cadre=CadreFactory()
        )
    small = _queries(client, DEMANDS, unit="农", cadre=pairing.cadre.name)
    for i in range(2, 30):
        DemandFactory(
            talent=talent, responsible_unit=UnitFactory(name=f"第{i}农技站"), coordinating_cadre=CadreFactory()
        )
        TalentFactory(unit=UnitFactory(name=f"第{i}农业公司"))
    large = _queries(client, DEMANDS, unit="农", cadre=pairing.cadre.name)
    # session, user, roles, oldest and newest demand (year filter), the unit names matched, the
    # cadre names matched, count (capped), the page, "may add a demand", organisation
    assert small == large == 11


def test_the_office_types_a_village_name_on_the_recommendations(client, office_user, village):
    RecommendationFactory(talent=TalentFactory(name="孙推荐", village=village), organization=village)
    other = VillageFactory(name="青山村")
    RecommendationFactory(talent=TalentFactory(name="周推荐", village=other), organization=other)
    body = _get(client, office_user, RECOMMENDATIONS, village="青山")
    assert '<input type="search" name="village"' in body
    assert "周推荐" in _rows(body) and "孙推荐" not in _rows(body)


def test_the_secretary_chooses_among_their_own_villages_only(client, secretary_user, village):
    VillageFactory(name="青山村")
    body = _get(client, secretary_user, RECOMMENDATIONS)
    assert f'<option value="{village.pk}">梅家村</option>' in body
    assert "青山村" not in body
