"""Entry forms name a talent, unit, village or cadre by a typed name once there are many (talents/pickers.py, issue 7)."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Cadre, Demand, Level
from talents.models import Talent, Unit
from talents.pickers import SELECT_LIMIT
from tests.factories import (
    CadreFactory,
    DemandFactory,
    PairingFactory,
    TalentFactory,
    UnitFactory,
    UserFactory,
    current_term_covering_today,
)

pytestmark = pytest.mark.django_db

NEW_DEMAND = reverse("ledger:demand_new")
NEW_PAIRING = reverse("pairings:new")
MANY = SELECT_LIMIT + 5


def _talents(n: int, prefix: str = "人才", **fields) -> None:
    Talent.objects.bulk_create(
        Talent(name=f"{prefix}{i:04d}", gender=Talent.Gender.MALE, category=Talent.Category.PROFESSIONAL, **fields)
        for i in range(n)
    )


def _units(n: int, kind=Unit.Kind.STATION, prefix: str = "单位") -> None:
    extra = {"party_organization": "党支部"} if kind == Unit.Kind.VILLAGE else {}
    Unit.objects.bulk_create(Unit(name=f"{prefix}{i:04d}", kind=kind, **extra) for i in range(n))


def _cadres(n: int, prefix: str = "干部") -> None:
    User = get_user_model()
    users = User.objects.bulk_create(User(username=f"{prefix}{i:04d}") for i in range(n))
    Cadre.objects.bulk_create(Cadre(user=user, name=user.username, title="副乡长") for user in users)


@pytest.fixture
def term(db):
    return current_term_covering_today()


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def many(db):
    """More than SELECT_LIMIT of each kind: talents (of a village), units, villages and cadres."""
    village = Unit.objects.create(name="梅家大村", kind=Unit.Kind.VILLAGE, party_organization="梅家村党支部")
    _talents(MANY, village=village)
    _units(MANY)
    _units(MANY, kind=Unit.Kind.VILLAGE, prefix="村")
    _cadres(MANY)


def _body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _field_html(body: str, name: str) -> str:
    """The markup of one field: its <div class="field"> up to the next field."""
    chunks = [c for c in body.split('<div class="field') if f'for="id_{name}' in c]
    assert len(chunks) == 1, name
    return chunks[0]


def _box_value(html: str, name: str) -> str:
    """What the picker's text box of ``name`` shows (attributes are in alphabetical order)."""
    match = re.search(rf'<input [^>]*name="{name}_text"[^>]*value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def _is_picker(body: str, name: str) -> bool:
    has_box = f'name="{name}_text"' in body
    has_select = re.search(f'<select[^>]* name="{name}"', body) is not None
    assert has_box != has_select, name
    return has_box


# --- Which pages render a picker --------------------------------------------------------------------


def _page_urls(term, office_user) -> dict[str, tuple[str, ...]]:
    demand = DemandFactory(talent=TalentFactory(name="甲"), responsible_unit=UnitFactory(), coordinating_cadre=None)
    pairing = PairingFactory(term=term, cadre=CadreFactory(), talent=TalentFactory(name="乙"), created_by=office_user)
    return {
        NEW_DEMAND: ("talent", "responsible_unit", "coordinating_cadre"),
        reverse("ledger:demand_edit", args=[demand.pk]): ("responsible_unit", "coordinating_cadre"),
        reverse("ledger:event_new"): ("talent", "reporting_unit"),
        reverse("ledger:recommendation_new"): ("talent",),
        reverse("ledger:feedback_new"): ("unit", "talent", "cadre"),
        NEW_PAIRING: ("cadre", "talent"),
        reverse("pairings:adjust", args=[pairing.pk]): ("cadre", "talent"),
        reverse("talents:new"): ("unit", "village"),
    }


def test_every_entry_form_offers_a_typed_name_not_a_select_of_all_when_there_are_many(office, office_user, term, many):
    for url, names in _page_urls(term, office_user).items():
        body = _body(office.get(url))
        for name in names:
            assert _is_picker(body, name), (url, name)
            assert f'<label for="id_{name}_text">' in body, (url, name)
            assert 'data-picker-url="/pick/' in body
        assert "js/picker.js" in body


def test_every_entry_form_keeps_a_select_when_there_are_few(office, office_user, term):
    for url, names in _page_urls(term, office_user).items():
        body = _body(office.get(url))
        for name in names:
            assert not _is_picker(body, name), (url, name)


def test_a_liaison_with_thirty_talents_keeps_a_dropdown_of_them(client, liaison_user, many):
    unit = UnitFactory(name="梅家小学", liaison=liaison_user)
    _talents(30, prefix="教师", unit=unit)
    client.force_login(liaison_user)
    body = _body(client.get(NEW_DEMAND))
    assert not _is_picker(body, "talent")
    assert ">教师0000（梅家小学）</option>" in body and "人才0000" not in body


def test_the_picker_shows_the_chosen_talent_of_the_link_by_name(office, many):
    talent = TalentFactory(name="陈丽华", unit=UnitFactory(name="梅家乡农业服务中心"))
    body = _body(office.get(NEW_DEMAND, {"talent": talent.pk}))
    assert 'value="陈丽华（梅家乡农业服务中心）"' in body
    assert f'name="talent" type="hidden" value="{talent.pk}"' in body


# --- Resolving a typed name without JavaScript --------------------------------------------------------


def _demand_data(**fields) -> dict:
    data = {
        "talent": "",
        "talent_text": "",
        "source": Demand.Source.UNIT,
        "raised_on": timezone.localdate().isoformat(),
        "kind": Demand.Kind.HOUSING,
        "urgency": Demand.Urgency.NORMAL,
        "content": "住房漏雨，需要协调维修。",
        "responsible_unit": "",
        "responsible_unit_text": "",
        "coordinating_cadre": "",
        "coordinating_cadre_text": "",
    }
    return data | fields


@pytest.fixture
def namesakes(many):
    a = TalentFactory(name="王晓东", unit=UnitFactory(name="梅家乡卫生院"))
    b = TalentFactory(name="王晓东", unit=UnitFactory(name="梅家乡中心小学"))
    return a, b


def test_a_unique_part_of_a_name_saves_the_demand_for_that_talent(office, many):
    talent = TalentFactory(name="欧阳春花")
    response = office.post(NEW_DEMAND, _demand_data(talent_text=" 欧阳春 "))
    assert response.status_code == 302
    assert Demand.objects.get().talent == talent


def test_the_one_exact_name_wins_over_longer_names_containing_it(office, many):
    talent = TalentFactory(name="李明")
    TalentFactory(name="李明华")
    assert office.post(NEW_DEMAND, _demand_data(talent_text="李明")).status_code == 302
    assert Demand.objects.get().talent == talent


def test_a_name_several_talents_share_is_a_chinese_error_with_the_talents_to_choose_from(office, namesakes):
    a, b = namesakes
    body = _body(office.post(NEW_DEMAND, _demand_data(talent_text="王晓东")))
    assert "有 2 个名称含“王晓东”的人才，请在下面选择。" in body
    assert f'<input type="radio" name="talent" value="{a.pk}"' in body
    assert f'<input type="radio" name="talent" value="{b.pk}"' in body
    assert "王晓东（梅家乡中心小学）" in body
    assert _box_value(body, "talent") == "王晓东"  # nothing typed is lost
    assert 'name="talent" type="hidden"' not in body
    assert "住房漏雨，需要协调维修。" in body
    assert not Demand.objects.exists()


def test_choosing_one_of_the_offered_talents_saves_the_demand_for_it(office, namesakes):
    _a, b = namesakes
    response = office.post(NEW_DEMAND, _demand_data(talent=b.pk, talent_text="王晓东"))
    assert response.status_code == 302
    assert Demand.objects.get().talent == b


def test_the_chosen_talent_stays_chosen_while_its_label_is_in_the_box(office, namesakes):
    _a, b = namesakes
    data = _demand_data(talent=b.pk, talent_text="王晓东（梅家乡中心小学）")
    assert office.post(NEW_DEMAND, data).status_code == 302
    assert Demand.objects.get().talent == b


def test_a_whole_label_typed_without_the_chosen_pk_names_that_talent(office, namesakes):
    _a, b = namesakes
    assert office.post(NEW_DEMAND, _demand_data(talent_text="王晓东（梅家乡中心小学）")).status_code == 302
    assert Demand.objects.get().talent == b


def test_a_retyped_name_is_resolved_again_whatever_pk_was_chosen_before(office, namesakes):
    a, _b = namesakes
    talent = TalentFactory(name="欧阳春花")
    assert office.post(NEW_DEMAND, _demand_data(talent=a.pk, talent_text="欧阳春花")).status_code == 302
    assert Demand.objects.get().talent == talent


def test_a_name_nobody_has_is_a_chinese_error_beside_the_field_keeping_the_text(office, many):
    body = _body(office.post(NEW_DEMAND, _demand_data(talent_text="不存在的人")))
    field = _field_html(body, "talent")
    assert "在您可选的范围内没有名称含“不存在的人”的人才。" in field
    assert _box_value(field, "talent") == "不存在的人"
    assert not Demand.objects.exists()


def test_more_than_twenty_matches_ask_for_more_of_the_name_and_offer_twenty(office, many):
    body = _body(office.post(NEW_DEMAND, _demand_data(talent_text="人才")))
    assert "名称含“人才”的超过 20 个，请多输入几个字，或在下面选择。" in body
    assert body.count('type="radio" name="talent"') == 20


def test_an_empty_box_is_the_usual_required_error(office, many):
    body = _body(office.post(NEW_DEMAND, _demand_data(talent_text="  ")))
    assert "这个字段是必填项。" in _field_html(body, "talent")


def test_the_unit_and_cadre_are_resolved_by_name_too(office, many):
    talent = TalentFactory(name="欧阳春花")
    cadre = CadreFactory(name="周正", title="乡长")
    unit = UnitFactory(name="梅家乡水务站")
    data = _demand_data(talent_text="欧阳春花", responsible_unit_text="水务站", coordinating_cadre_text="周正")
    assert office.post(NEW_DEMAND, data).status_code == 302
    demand = Demand.objects.get()
    assert (demand.talent, demand.responsible_unit, demand.coordinating_cadre) == (talent, unit, cadre)


def test_an_empty_optional_box_leaves_the_default(office, many, cadre):
    talent = TalentFactory(name="欧阳春花")
    PairingFactory(cadre=cadre, talent=talent)
    data = _demand_data(talent_text="欧阳春花", coordinating_cadre=cadre.pk + 1000, coordinating_cadre_text="")
    assert office.post(NEW_DEMAND, data).status_code == 302
    assert Demand.objects.get().coordinating_cadre == cadre  # the paired cadre, as when left empty


# --- Record-level access -------------------------------------------------------------------------------


@pytest.fixture
def liaison_world(liaison_user):
    """The liaison's unit has more than 50 talents; another unit has 赵其他."""
    own = UnitFactory(name="梅家乡中心小学", liaison=liaison_user)
    _talents(MANY, prefix="教师", unit=own)
    mine = TalentFactory(name="钱本校", unit=own)
    other = TalentFactory(name="赵其他", unit=UnitFactory(name="梅家乡卫生院"))
    return mine, other


def test_a_liaison_cannot_name_a_talent_of_another_unit_by_pk(client, liaison_user, liaison_world):
    _mine, other = liaison_world
    client.force_login(liaison_user)
    plain = _demand_data(talent=other.pk)
    del plain["talent_text"]  # as a select posts
    body = _body(client.post(NEW_DEMAND, plain))
    assert "选择一个有效的选项" in _field_html(body, "talent")
    body = _body(client.post(NEW_DEMAND, _demand_data(talent=other.pk, talent_text="赵其他（梅家乡卫生院）")))
    assert "没有名称含“赵其他（梅家乡卫生院）”的人才" in _field_html(body, "talent")
    assert not Demand.objects.exists()


def test_a_liaison_names_their_own_talent_by_typing(client, liaison_user, liaison_world):
    mine, _other = liaison_world
    client.force_login(liaison_user)
    body = _body(client.get(NEW_DEMAND))
    assert _is_picker(body, "talent")
    assert client.post(NEW_DEMAND, _demand_data(talent_text="钱本校")).status_code == 302
    assert Demand.objects.get().talent == mine


def test_a_pairing_is_proposed_by_typed_names_and_confirmed_by_their_pks(office, term, many):
    talent = TalentFactory(name="欧阳春花")
    cadre = CadreFactory(name="周正", title="乡长")
    data = {"cadre": "", "cadre_text": "周正", "talent": "", "talent_text": "欧阳", "start_date": term.start_date}
    body = _body(office.post(NEW_PAIRING, data))
    assert f'type="hidden" name="cadre" value="{cadre.pk}"' in body
    assert f'type="hidden" name="talent" value="{talent.pk}"' in body
    assert 'name="confirm"' in body


# --- The endpoint the script asks ----------------------------------------------------------------------


def _pick(client, kind: str, q: str):
    return client.get(reverse("picker:pick", args=[kind]), {"q": q})


def test_the_endpoint_offers_names_and_units_only_no_personal_data(office, many):
    TalentFactory(name="陈丽华", unit=UnitFactory(name="梅家乡农业服务中心"), phone="13812345678")
    response = _pick(office, "talent", "丽华")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["more"] is False
    assert [row["label"] for row in data["results"]] == ["陈丽华（梅家乡农业服务中心）"]
    assert set(data["results"][0]) == {"id", "label"}
    assert "13812345678" not in response.content.decode()


def test_the_endpoint_gives_twenty_names_at_most_and_says_there_are_more(office, many):
    data = json.loads(_pick(office, "talent", "人才").content)
    assert len(data["results"]) == 20 and data["more"] is True
    assert data["results"][0]["label"] == "人才0000"
    assert [row["label"] for row in data["results"]] == sorted(row["label"] for row in data["results"])


def test_the_endpoint_answers_an_empty_query_with_nothing(office, many):
    assert json.loads(_pick(office, "unit", " ").content) == {"results": [], "more": False}


@pytest.mark.parametrize(("kind", "q", "label"), [("unit", "单位0001", "单位0001"), ("village", "村0001", "村0001")])
def test_the_endpoint_names_active_units_and_villages(office, many, kind, q, label):
    Unit.objects.filter(name="单位0002").update(active=False)
    labels = [row["label"] for row in json.loads(_pick(office, kind, q).content)["results"]]
    assert labels == [label]
    assert json.loads(_pick(office, "unit", "单位0002").content)["results"] == []


def test_the_endpoint_labels_cadres_with_their_post_and_village(office, village):
    CadreFactory(name="周正", title="村支书", level=Level.VILLAGE, village=village)
    CadreFactory(name="周其", title="乡长", active=False)
    labels = [row["label"] for row in json.loads(_pick(office, "cadre", "周").content)["results"]]
    assert labels == ["周正（村支书 · 梅家村）"]


@pytest.mark.parametrize("who", ["liaison_user", "secretary_user"])
def test_the_endpoint_never_names_a_talent_outside_the_users_scope(client, request, who):
    user = request.getfixturevalue(who)
    unit = UnitFactory(name="梅家小学", liaison=user) if who == "liaison_user" else None
    village = Unit.objects.get(secretary=user) if who == "secretary_user" else None
    TalentFactory(name="钱本地", unit=unit, village=village)
    TalentFactory(name="钱外地", unit=UnitFactory(), village=None)
    client.force_login(user)
    labels = [row["label"] for row in json.loads(_pick(client, "talent", "钱").content)["results"]]
    assert [label.split("（")[0] for label in labels] == ["钱本地"]


def test_the_endpoint_refuses_a_user_without_a_role(client, db):
    client.force_login(UserFactory(username="nobody"))
    assert _pick(client, "talent", "王").status_code == 403


def test_the_endpoint_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = _pick(client, "talent", "王")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_endpoint_knows_no_other_kinds(office):
    assert _pick(office, "user", "a").status_code == 404


def _queries(client, url, params=None) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_endpoint_runs_the_same_queries_for_sixty_or_two_hundred_talents(client, liaison_user):
    unit = UnitFactory(name="梅家小学", liaison=liaison_user)
    client.force_login(liaison_user)
    _talents(60, prefix="王", unit=unit)
    _talents(60, prefix="王外", unit=UnitFactory())
    small = _queries(client, reverse("picker:pick", args=["talent"]), {"q": "王"})
    _talents(140, prefix="王二", unit=unit)
    _talents(140, prefix="王外二", unit=UnitFactory())
    large = _queries(client, reverse("picker:pick", args=["talent"]), {"q": "王"})
    # session, user, the user's roles, the (at most 21) talents
    assert len(small) == len(large) == 4


# --- Query counts of the entry pages ---------------------------------------------------------------


def test_the_new_demand_page_runs_the_same_queries_for_sixty_or_two_hundred_talents(office):
    _talents(60)
    small = _queries(office, NEW_DEMAND)
    _talents(140, prefix="新人才")
    _units(60)
    _cadres(60)
    large = _queries(office, NEW_DEMAND)
    # session, user, roles, "may enter a demand" (talents exist), organisation, then LIMIT 51 of the
    # talents (with their units), of the units and of the cadres: one bounded read per picker
    assert len(small) == len(large) == 8


def test_the_new_pairing_page_runs_the_same_queries_for_sixty_or_two_hundred_talents(office, term):
    _talents(60)
    _cadres(60)
    small = _queries(office, NEW_PAIRING)
    _talents(140, prefix="新人才")
    _cadres(140, prefix="新干部")
    large = _queries(office, NEW_PAIRING)
    # session, user, roles, current term, organisation, LIMIT 51 of the cadres, LIMIT 51 of the talents
    assert len(small) == len(large) == 7
