"""The office's talent database pages: the list and its filters, add/edit, 调整出库 (issue 4, R1, R11)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from contacts.models import Level, Pairing
from talents.models import Talent, Unit
from tests.factories import (
    CadreFactory,
    ContactFactory,
    PairingFactory,
    TalentFactory,
    UnitFactory,
    UserFactory,
    VillageFactory,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

LIST = reverse("talents:list")
NEW = reverse("talents:new")


def _edit(talent) -> str:
    return reverse("talents:edit", args=[talent.pk])


def _move_out(talent) -> str:
    return reverse("talents:move_out", args=[talent.pk])


def _names(client, user, **params) -> list[str]:
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [t.name for t in response.context["page"]]


def _years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def _form_data(**fields) -> dict:
    """What the add/edit form posts for a valid talent, plus ``fields``."""
    data = {
        "name": "周建华",
        "gender": "M",
        "ethnicity": "汉族",
        "birth_month": "1985-06",
        "id_number": "",
        "political_status": "中共党员",
        "education": "大学本科",
        "degree": "学士",
        "school_and_major": "四川农业大学 农学",
        "position": "技术员",
        "title": "农艺师",
        "category": Talent.Category.PROFESSIONAL,
        "rural_type": "",
        "speciality": "水稻种植",
        "phone": "13812340000",
        "address": "梅家乡梅家村3组",
        "achievements": "推广优质稻500亩。",
        "honours": "",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# --- Who may open which page ------------------------------------------------------------------


@pytest.fixture
def talent(pairing):
    """陈丽华: paired with ``cadre``, works at the unit whose liaison is ``liaison_user``, lives in ``village``."""
    return pairing.talent


def _all_urls(talent) -> list[str]:
    return [LIST, reverse("talents:export"), NEW, _edit(talent), _move_out(talent)]


def test_anonymous_visitors_are_sent_to_the_login_page(client, talent):
    for url in _all_urls(talent):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", ["cadre", "village_secretary", "liaison"])
def test_other_roles_cannot_open_the_list_the_export_or_the_add_page(client, role, talent):
    client.force_login(UserFactory(roles=[role]))
    for url in (LIST, reverse("talents:export"), NEW):
        assert client.get(url).status_code == 403, url
    assert client.post(NEW, _form_data()).status_code == 403
    assert not Talent.objects.filter(name="周建华").exists()


def test_a_user_without_a_role_cannot_open_any_page(client, talent):
    client.force_login(UserFactory())
    for url in _all_urls(talent):
        assert client.get(url).status_code in (403, 404), url


def test_the_paired_cadre_cannot_edit_or_move_out_their_talent(client, cadre, talent):
    client.force_login(cadre.user)
    assert client.get(_edit(talent)).status_code == 403
    assert client.post(_edit(talent), _form_data(name="改名")).status_code == 403
    assert client.post(_move_out(talent), {"on": "2026-01-05", "reason": "x"}).status_code == 403
    talent.refresh_from_db()
    assert (talent.name, talent.status) == ("陈丽华", Talent.Status.IN_POOL)


def test_another_cadre_gets_not_found_for_the_edit_page(client, other_cadre, talent):
    client.force_login(other_cadre.user)
    assert client.get(_edit(talent)).status_code == 404


def test_the_village_secretary_may_read_but_not_edit_their_villagers(client, secretary_user, talent):
    client.force_login(secretary_user)
    assert client.get(_edit(talent)).status_code == 403
    other_village_talent = TalentFactory()
    assert client.get(_edit(other_village_talent)).status_code == 404


def test_the_leader_reads_the_list_without_edit_links(client, leader_user, talent):
    client.force_login(leader_user)
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "陈丽华" in body
    assert _edit(talent) not in body
    assert NEW not in body
    assert _move_out(talent) not in body


def test_the_leader_cannot_add_edit_or_move_out(client, leader_user, talent):
    client.force_login(leader_user)
    assert client.get(NEW).status_code == 403
    assert client.get(_edit(talent)).status_code == 403
    assert client.get(_move_out(talent)).status_code == 403
    assert client.post(_move_out(talent), {"on": "2026-01-05", "reason": "调离"}).status_code == 403
    talent.refresh_from_db()
    assert talent.status == Talent.Status.IN_POOL


def test_the_office_sees_edit_and_move_out_links_for_each_talent(client, office_user, talent):
    client.force_login(office_user)
    body = client.get(LIST).content.decode()
    assert _edit(talent) in body
    assert _move_out(talent) in body
    assert reverse("contacts:talent", args=[talent.pk]) in body


# --- The list's columns and masking -----------------------------------------------------------


def test_the_office_sees_full_phone_numbers_in_the_list(client, office_user, talent):
    client.force_login(office_user)
    # Masked until the office presses 显示 for the row (issue 6: a reveal is deliberate and logged).
    client.post(reverse("contacts:talent_reveal", args=[talent.pk]), {"field": "phone", "next": LIST})
    body = client.get(LIST).content.decode()
    assert "13812345678" in body


def test_the_leader_sees_masked_phone_numbers_in_the_list(client, leader_user, talent):
    client.force_login(leader_user)
    body = client.get(LIST).content.decode()
    assert "138****5678" in body
    assert "13812345678" not in body


def test_a_leader_who_is_also_the_paired_cadre_sees_their_own_talents_phone(client, cadre, talent):
    cadre.user.groups.add(*UserFactory(roles=["leader"]).groups.all())
    other = TalentFactory(phone="13900001111")
    client.force_login(cadre.user)
    client.post(reverse("contacts:talent_reveal", args=[talent.pk]), {"field": "phone", "next": LIST})
    body = client.get(LIST).content.decode()
    assert "13812345678" in body
    assert "139****1111" in body
    assert other.phone not in body


def test_the_list_names_the_paired_township_cadre_and_whether_contacted_this_year(client, office_user, pairing):
    ContactFactory(pairing=pairing, date=timezone.localdate())
    unpaired = TalentFactory(name="孙无对")
    client.force_login(office_user)
    rows = {t.name: t for t in client.get(LIST).context["page"]}
    assert rows["陈丽华"].cadre_name == "王建国"
    assert rows["陈丽华"].contacted is True
    assert rows[unpaired.name].cadre_name is None
    assert rows[unpaired.name].contacted is False


def test_the_list_shows_the_age_from_the_date_of_birth(client, office_user):
    TalentFactory(name="年龄四十", birth_month=_years_ago(40, days=1))
    client.force_login(office_user)
    (row,) = client.get(LIST).context["page"]
    assert row.age == 40


def test_the_list_shows_fifty_talents_a_page_and_keeps_the_filters_across_pages(client, office_user):
    TalentFactory.create_batch(51, category=Talent.Category.RURAL)
    client.force_login(office_user)
    first = client.get(LIST, {"category": "rural"})
    assert len(first.context["page"]) == 50
    assert "category=rural&amp;page=2" in first.content.decode()
    second = client.get(LIST, {"category": "rural", "page": 2})
    assert len(second.context["page"]) == 1


def test_the_export_link_carries_the_filters_on_screen(client, office_user, talent):
    client.force_login(office_user)
    body = client.get(LIST, {"category": "rural", "q": "chen"}).content.decode()
    assert f"{reverse('talents:export')}?category=rural&amp;q=chen" in body


# --- Filters ------------------------------------------------------------------------------------


def test_filter_by_category(client, office_user):
    TalentFactory(name="甲", category=Talent.Category.RURAL, rural_type=Talent.RuralType.PRODUCTION)
    TalentFactory(name="乙", category=Talent.Category.PROFESSIONAL)
    assert _names(client, office_user, category="rural") == ["甲"]


def test_filter_by_village(client, office_user, village):
    TalentFactory(name="甲", village=village)
    TalentFactory(name="乙")
    assert _names(client, office_user, village=village.pk) == ["甲"]


def test_filter_by_unit(client, office_user):
    school = UnitFactory(name="梅家小学", kind=Unit.Kind.SCHOOL)
    TalentFactory(name="甲", unit=school)
    TalentFactory(name="乙")
    assert _names(client, office_user, unit=school.pk) == ["甲"]


def test_filter_by_political_status(client, office_user):
    TalentFactory(name="甲", political_status="中共党员")
    TalentFactory(name="乙", political_status="群众")
    assert _names(client, office_user, political_status="中共党员") == ["甲"]


def test_filter_by_education(client, office_user):
    TalentFactory(name="甲", education="研究生")
    TalentFactory(name="乙", education="大学本科")
    assert _names(client, office_user, education="研究生") == ["甲"]


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ("lt35", ["三十四"]),
        ("35-45", ["三十五", "四十五"]),
        ("46-55", ["四十六", "五十五"]),
        ("gt55", ["五十六"]),
    ],
)
def test_filter_by_age_band_counts_whole_years(client, office_user, band, expected):
    # Each talent's birthday was yesterday: they have just turned the age in their name.
    for name, age in [("三十四", 34), ("三十五", 35), ("四十五", 45), ("四十六", 46), ("五十五", 55), ("五十六", 56)]:
        TalentFactory(name=name, birth_month=_years_ago(age, days=1))
    TalentFactory(name="无生日", birth_month=None)
    assert sorted(_names(client, office_user, age=band)) == sorted(expected)


def test_a_talent_a_day_short_of_35_is_under_35(client, office_user):
    TalentFactory(name="差一天", birth_month=_years_ago(35) + datetime.timedelta(days=1))
    assert _names(client, office_user, age="lt35") == ["差一天"]
    assert _names(client, office_user, age="35-45") == []


def test_filter_paired_or_not(client, office_user, pairing):
    ended = PairingFactory(talent=TalentFactory(name="已结束"), end_date=datetime.date(2025, 6, 1), end_reason="other")
    village_cadre = CadreFactory(level=Level.VILLAGE, village=VillageFactory())
    PairingFactory(cadre=village_cadre, talent=TalentFactory(name="村级结对"))
    assert _names(client, office_user, paired="yes") == ["陈丽华"]
    # Only a township pairing counts (R9); an ended one no longer does.
    assert sorted(_names(client, office_user, paired="no")) == sorted(["已结束", "村级结对"])
    assert ended.talent.name == "已结束"


def test_filter_contacted_this_year_or_not(client, office_user, pairing):
    ContactFactory(pairing=pairing, date=timezone.localdate())
    last_year = PairingFactory(talent=TalentFactory(name="去年联系"))
    ContactFactory(pairing=last_year, date=timezone.localdate().replace(year=timezone.localdate().year - 1, day=1))
    TalentFactory(name="从未结对")
    assert _names(client, office_user, contacted="yes") == ["陈丽华"]
    assert sorted(_names(client, office_user, contacted="no")) == sorted(["去年联系", "从未结对"])


def test_the_list_shows_talents_in_the_database_unless_asked_otherwise(client, office_user):
    TalentFactory(name="在库")
    out = TalentFactory(name="出库")
    out.move_out(on=datetime.date(2026, 1, 5), reason="调离本乡")
    assert _names(client, office_user) == ["在库"]
    assert _names(client, office_user, status="out") == ["出库"]
    assert sorted(_names(client, office_user, status="all")) == sorted(["在库", "出库"])


def test_a_wrong_filter_value_is_shown_and_the_other_filters_still_apply(client, office_user):
    TalentFactory(name="甲", category=Talent.Category.RURAL)
    TalentFactory(name="乙")
    client.force_login(office_user)
    response = client.get(LIST, {"category": "rural", "village": "999999"})
    assert [t.name for t in response.context["page"]] == ["甲"]
    assert response.context["form"].errors["village"]


# --- Fixed query counts ------------------------------------------------------------------------


def _list_queries(client, **params) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _world(n: int) -> None:
    """``n`` talents, every other one paired and contacted this year."""
    for i in range(n):
        talent = TalentFactory(phone=f"1390000{i:04d}")
        if i % 2 == 0:
            ContactFactory(pairing=PairingFactory(talent=talent), date=timezone.localdate())


@pytest.mark.parametrize("user_fixture", ["office_user", "leader_user"])
def test_the_list_runs_the_same_queries_for_few_and_many_talents(client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    _world(2)
    small = _list_queries(client, paired="yes", contacted="yes", age="35-45")
    _world(15)
    large = _list_queries(client, paired="yes", contacted="yes", age="35-45")
    # session, user, the user's roles, count (capped), the page of rows (cadre, contacted this year
    # and the masking flag are subqueries of that one query), the organisation (page header); the
    # unit and village filters are typed names, so no query lists the units
    assert len(small) == len(large) == 6


# --- Add -----------------------------------------------------------------------------------------


def test_the_office_adds_a_talent_and_is_recorded_as_its_author(client, office_user):
    unit, village = UnitFactory(name="梅家乡农技站"), VillageFactory(name="金山村")
    client.force_login(office_user)
    response = client.post(NEW, _form_data(unit=unit.pk, village=village.pk, id_number=valid_id_number(7)))
    talent = Talent.objects.get(name="周建华")
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:talent", args=[talent.pk])
    assert (talent.created_by, talent.updated_by) == (office_user, office_user)
    assert (talent.unit, talent.village, talent.birth_month) == (unit, village, datetime.date(1985, 6, 1))
    assert talent.status == Talent.Status.IN_POOL


def test_the_add_page_shows_the_groups_of_fields(client, office_user):
    client.force_login(office_user)
    response = client.get(NEW)
    form = response.context["form"]
    assert [len(fields) for _legend, fields in form.groups()] == [10, 7, 3, 2]
    assert 'name="thoughts"' not in response.content.decode()
    assert 'name="status"' not in response.content.decode()


def test_a_wrong_id_number_is_explained_next_to_the_field_and_nothing_typed_is_lost(client, office_user):
    client.force_login(office_user)
    bad_id = valid_id_number(7)[:-1] + ("0" if valid_id_number(7)[-1] != "0" else "1")
    response = client.post(NEW, _form_data(id_number=bad_id, speciality="柑橘嫁接"))
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    body = response.content.decode()
    assert bad_id in body
    assert "柑橘嫁接" in body
    assert "推广优质稻500亩。" in body
    assert not Talent.objects.filter(name="周建华").exists()


def test_an_id_number_already_on_file_is_refused_next_to_the_field(client, office_user, talent):
    client.force_login(office_user)
    response = client.post(NEW, _form_data(id_number=talent.id_number.lower()))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["id_number"]


def test_a_date_of_birth_disagreeing_with_the_id_number_is_refused(client, office_user):
    client.force_login(office_user)
    response = client.post(NEW, _form_data(id_number=valid_id_number(7), birth_month="1990-01"))
    assert response.context["form"].errors["birth_month"]


def test_a_rural_type_for_a_non_rural_talent_is_refused_next_to_the_field(client, office_user):
    client.force_login(office_user)
    response = client.post(NEW, _form_data(rural_type=Talent.RuralType.PRODUCTION))
    assert response.context["form"].errors["rural_type"]


def test_a_wrong_phone_number_is_refused(client, office_user):
    client.force_login(office_user)
    response = client.post(NEW, _form_data(phone="12345"))
    assert response.context["form"].errors["phone"]


def test_a_missing_name_is_refused(client, office_user):
    client.force_login(office_user)
    response = client.post(NEW, _form_data(name=""))
    assert response.context["form"].errors["name"]


def test_a_village_field_only_offers_villages(client, office_user):
    station = UnitFactory(name="梅家乡财政所")
    client.force_login(office_user)
    response = client.post(NEW, _form_data(village=station.pk))
    assert response.context["form"].errors["village"]


# --- Edit ----------------------------------------------------------------------------------------


def test_the_office_edits_every_basic_field_including_the_unit(client, office_user, talent):
    new_unit = UnitFactory(name="梅家乡卫生院", kind=Unit.Kind.HEALTH)
    client.force_login(office_user)
    data = _form_data(name="陈丽华", id_number=talent.id_number, unit=new_unit.pk, village=talent.village_id)
    response = client.post(_edit(talent), data)
    assert response.status_code == 302
    talent.refresh_from_db()
    assert talent.unit == new_unit
    assert talent.updated_by == office_user
    assert talent.thoughts == "对乡里产业规划有些顾虑。"  # not on the form: untouched


def test_the_edit_form_starts_with_the_talents_data(client, office_user, talent):
    client.force_login(office_user)
    body = client.get(_edit(talent)).content.decode()
    assert 'value="陈丽华"' in body
    assert talent.id_number in body


def test_the_liaison_edits_their_units_talent(client, liaison_user, talent):
    client.force_login(liaison_user)
    data = _form_data(
        name="陈丽华", id_number=talent.id_number, achievements="新获市级奖励。", village=talent.village_id
    )
    response = client.post(_edit(talent), data)
    assert response.status_code == 302
    talent.refresh_from_db()
    assert talent.achievements == "新获市级奖励。"
    assert talent.updated_by == liaison_user


def test_the_liaison_cannot_change_the_unit_the_status_or_the_thoughts(client, liaison_user, talent):
    unit = talent.unit
    client.force_login(liaison_user)
    page = client.get(_edit(talent)).content.decode()
    assert 'name="unit"' not in page
    data = _form_data(
        name="陈丽华",
        id_number=talent.id_number,
        village=talent.village_id,
        unit=UnitFactory().pk,
        status=Talent.Status.OUT,
        out_date="2026-01-05",
        out_reason="x",
        thoughts="改写",
    )
    assert client.post(_edit(talent), data).status_code == 302
    talent.refresh_from_db()
    assert talent.unit == unit
    assert talent.status == Talent.Status.IN_POOL
    assert talent.thoughts == "对乡里产业规划有些顾虑。"


def test_the_liaison_cannot_open_another_units_talent(client, liaison_user, talent):
    other = TalentFactory(name="外单位")
    client.force_login(liaison_user)
    assert client.get(_edit(other)).status_code == 404
    assert client.post(_edit(other), _form_data(name="外单位改")).status_code == 404
    other.refresh_from_db()
    assert other.name == "外单位"


def test_a_talent_that_does_not_exist_is_not_found(client, office_user):
    client.force_login(office_user)
    assert client.get(reverse("talents:edit", args=[999999])).status_code == 404
    assert client.get(reverse("talents:move_out", args=[999999])).status_code == 404


# --- 调整出库 ----------------------------------------------------------------------------------


def test_the_move_out_page_asks_for_confirmation_and_changes_nothing(client, office_user, talent):
    client.force_login(office_user)
    response = client.get(_move_out(talent))
    assert response.status_code == 200
    assert "王建国" in response.content.decode()  # the pairing that will end
    talent.refresh_from_db()
    assert talent.status == Talent.Status.IN_POOL


def test_moving_out_needs_a_reason_and_a_date(client, office_user, talent):
    client.force_login(office_user)
    response = client.post(_move_out(talent), {"on": "", "reason": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"on", "reason"}
    talent.refresh_from_db()
    assert talent.status == Talent.Status.IN_POOL


def test_moving_out_cannot_be_dated_in_the_future(client, office_user, talent):
    client.force_login(office_user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(_move_out(talent), {"on": tomorrow.isoformat(), "reason": "调离本乡"})
    assert response.context["form"].errors["on"]


def test_moving_out_keeps_the_talent_and_ends_the_open_pairings(client, office_user, pairing):
    talent = pairing.talent
    client.force_login(office_user)
    response = client.post(_move_out(talent), {"on": "2026-03-10", "reason": "调往县城工作"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?status=out"
    talent.refresh_from_db()
    assert (talent.status, talent.out_date, talent.out_reason) == ("out", datetime.date(2026, 3, 10), "调往县城工作")
    assert talent.updated_by == office_user
    pairing.refresh_from_db()
    assert (pairing.end_date, pairing.end_reason) == (datetime.date(2026, 3, 10), Pairing.EndReason.TALENT_ADJUSTED)
    assert pairing.end_note == "调往县城工作"
    assert _names(client, office_user, status="out") == ["陈丽华"]


def test_a_talent_already_moved_out_cannot_be_moved_out_again(client, office_user, talent):
    talent.move_out(on=datetime.date(2026, 1, 5), reason="调离本乡")
    client.force_login(office_user)
    response = client.post(_move_out(talent), {"on": "2026-03-10", "reason": "再次"})
    assert response.status_code == 200
    talent.refresh_from_db()
    assert (talent.out_date, talent.out_reason) == (datetime.date(2026, 1, 5), "调离本乡")


def test_a_photo_added_on_the_form_is_stored_re_encoded_as_jpeg(client, office_user):
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, "PNG")
    upload = SimpleUploadedFile("照片.png", image.getvalue(), content_type="image/png")
    client.force_login(office_user)
    assert client.post(NEW, {**_form_data(), "photo": upload}).status_code == 302
    talent = Talent.objects.get(name="周建华")
    assert talent.photo.name.endswith(".jpg")
    with Image.open(talent.photo.open("rb")) as stored:
        assert stored.format == "JPEG"


def test_a_file_that_is_not_an_image_is_refused_as_the_photo(client, office_user):
    upload = SimpleUploadedFile("photo.jpg", b"not an image", content_type="image/jpeg")
    client.force_login(office_user)
    response = client.post(NEW, {**_form_data(), "photo": upload})
    assert response.context["form"].errors["photo"]
