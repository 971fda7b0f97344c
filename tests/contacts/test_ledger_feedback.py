"""Units report problems with the contact work; routed to the cadre and the office, answered and closed (item 10, R13)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Feedback
from tests.factories import CadreFactory, FeedbackFactory, PairingFactory, TalentFactory, UnitFactory, UserFactory

LIST = reverse("ledger:feedback")
NEW = reverse("ledger:feedback_new")


@pytest.fixture
def talent(pairing):
    return pairing.talent


@pytest.fixture
def unit(talent):
    return talent.unit  # 梅家乡农业服务中心, liaison_user's unit


@pytest.fixture
def other_liaison(db):
    return UserFactory(username="liaison_other", roles=["liaison"])


@pytest.fixture
def other_unit(other_liaison):
    return UnitFactory(name="梅家乡中心小学", liaison=other_liaison)


@pytest.fixture
def item(unit, talent, cadre):
    return FeedbackFactory(unit=unit, talent=talent, cadre=cadre, content="联系领导半年未联系本单位人才。")


@pytest.fixture
def other_item(other_unit, other_cadre):
    return FeedbackFactory(unit=other_unit, cadre=other_cadre, content="走访时间与教学冲突。")


def _url(name: str, item) -> str:
    return reverse(f"ledger:{name}", args=[item.pk])


def _rows(body: str) -> str:
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _list(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return _rows(response.content.decode())


def _report(client, user, unit, **fields):
    client.force_login(user)
    data = {"unit": unit.pk, "talent": "", "cadre": "", "content": "希望联系领导提前告知走访时间。"}
    data.update(fields)
    return client.post(NEW, data)


def _answer(client, user, item, handling="已提醒联系领导本月内走访。", close=False):
    client.force_login(user)
    data = {"handling": handling} | ({"close": "on"} if close else {})
    return client.post(_url("feedback_answer", item), data)


# --- Reporting -----------------------------------------------------------------------------------


def test_a_liaison_reports_a_problem_about_a_talent_routed_to_its_cadre(client, liaison_user, unit, talent, cadre):
    response = _report(client, liaison_user, unit, talent=talent.pk)
    assert response.status_code == 302
    assert response["Location"] == LIST
    item = Feedback.objects.get()
    assert (item.unit, item.talent, item.cadre, item.created_by) == (unit, talent, cadre, liaison_user)
    assert item.status == Feedback.Status.OPEN
    assert "希望联系领导提前告知走访时间。" in _rows(client.get(LIST).content.decode())


def test_a_unit_may_name_the_cadre_concerned_itself(client, liaison_user, unit, other_cadre):
    _report(client, liaison_user, unit, cadre=other_cadre.pk)
    item = Feedback.objects.get()
    assert (item.talent, item.cadre) == (None, other_cadre)


def test_a_village_secretary_reports_for_their_village(client, secretary_user, village, talent):
    assert _report(client, secretary_user, village, talent=talent.pk).status_code == 302
    assert Feedback.objects.get().unit == village


def test_the_talent_must_belong_to_the_reporting_unit(client, office_user, other_unit, talent):
    response = _report(client, office_user, other_unit, talent=talent.pk)
    assert list(response.context["form"].errors) == ["talent"]
    assert not Feedback.objects.exists()


def test_a_liaison_cannot_report_in_another_units_name(client, liaison_user, unit, other_unit):
    response = _report(client, liaison_user, other_unit)
    assert list(response.context["form"].errors) == ["unit"]
    assert not Feedback.objects.exists()


def test_the_problem_must_be_described_and_the_choices_are_kept(client, liaison_user, unit, talent):
    response = _report(client, liaison_user, unit, talent=talent.pk, content="")
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["content"]
    assert form["talent"].value() == str(talent.pk)
    assert not Feedback.objects.exists()


def test_the_form_offers_the_liaisons_unit_and_its_talents_only(client, liaison_user, unit, talent, other_unit):
    TalentFactory(name="赵其他", unit=other_unit)
    client.force_login(liaison_user)
    body = client.get(NEW).content.decode()
    assert "梅家乡农业服务中心" in body and "梅家乡中心小学" not in body
    assert "陈丽华" in body and "赵其他" not in body


@pytest.mark.parametrize("who", ["cadre_user", "leader_user"])
def test_cadres_and_leaders_do_not_report_unit_feedback(client, request, unit, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(NEW).status_code == 403
    assert _report(client, user, unit).status_code == 403
    assert not Feedback.objects.exists()


# --- The list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office_user", "leader_user"])
def test_the_office_and_leaders_see_all_feedback(client, request, item, other_item, who):
    rows = _list(client, request.getfixturevalue(who))
    assert "联系领导半年未联系本单位人才。" in rows and "走访时间与教学冲突。" in rows
    assert _url("feedback_detail", item) in rows


@pytest.mark.parametrize("who", ["cadre_user", "liaison_user"])
def test_the_cadre_concerned_and_the_reporting_unit_see_it_and_not_the_others(client, request, item, other_item, who):
    rows = _list(client, request.getfixturevalue(who))
    assert "联系领导半年未联系本单位人才。" in rows
    assert "走访时间与教学冲突。" not in rows


def test_a_village_secretary_sees_their_villages_feedback_only(client, secretary_user, village, item):
    FeedbackFactory(unit=village, content="村里反映的问题。")
    rows = _list(client, secretary_user)
    assert "村里反映的问题。" in rows
    assert "联系领导半年未联系本单位人才。" not in rows


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"status": "unhandled"}, "走访时间与教学冲突。", "联系领导半年"),
        ({"status": "handled"}, "联系领导半年", "走访时间与教学冲突。"),
        ({"year": "2024"}, "联系领导半年", "走访时间与教学冲突。"),
    ],
)
def test_the_list_filters_by_status_and_year(client, office_user, item, other_item, params, shown, hidden):
    Feedback.objects.filter(pk=item.pk).update(
        status=Feedback.Status.HANDLED,
        handling="已处理",
        handled_at=datetime.datetime(2024, 6, 2, tzinfo=datetime.UTC),
        created_at=datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC),
    )
    rows = _list(client, office_user, **params)
    assert shown in rows
    assert hidden not in rows


def test_anonymous_visitors_are_sent_to_the_login_page(client, item):
    for url in (LIST, NEW, _url("feedback_detail", item)):
        assert client.get(url)["Location"].startswith(reverse("login"))


def test_a_user_without_a_role_is_refused(client, item):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(LIST).status_code == 403
    assert client.get(_url("feedback_detail", item)).status_code == 404


@pytest.mark.parametrize("who", ["other_cadre_user", "other_liaison", "secretary_user"])
def test_others_get_not_found_for_feedback_outside_their_scope(client, request, item, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(_url("feedback_detail", item)).status_code == 404
    assert _answer(client, user, item).status_code == 404


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["office_user", "liaison_user"])
def test_the_list_runs_the_same_queries_for_two_or_fifteen_items(client, request, unit, talent, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for _ in range(2):
        FeedbackFactory(unit=unit, talent=talent, cadre=CadreFactory())
    small = _list_queries(client)
    for i in range(13):
        pairing = PairingFactory(talent=TalentFactory(unit=unit)) if i % 2 else PairingFactory()
        FeedbackFactory(unit=pairing.talent.unit, talent=pairing.talent, cadre=pairing.cadre if i % 3 else None)
    large = _list_queries(client)
    # session, user, roles (groups), oldest and newest feedback (year filter: two one-row queries), row
    # count (pager, capped), the page
    # (unit, talent and cadre joined; the scope as a subquery), "may report" (exists), organisation
    assert small == large == 9


# --- Answering and closing -----------------------------------------------------------------------


def test_the_office_answers_and_the_item_is_being_handled(client, office_user, item):
    response = _answer(client, office_user, item)
    assert response.status_code == 302
    assert response["Location"] == _url("feedback_detail", item)
    item.refresh_from_db()
    assert (item.status, item.handling, item.handled_at) == (
        Feedback.Status.IN_PROGRESS,
        "已提醒联系领导本月内走访。",
        None,
    )


def test_the_office_closes_it_with_who_and_when(client, office_user, item):
    _answer(client, office_user, item, handling="联系领导已走访，单位表示满意。", close=True)
    item.refresh_from_db()
    assert item.status == Feedback.Status.HANDLED
    assert item.handled_by == office_user and item.handled_at is not None
    body = client.get(_url("feedback_detail", item)).content.decode()
    assert "联系领导已走访，单位表示满意。" in body
    assert f'action="{_url("feedback_answer", item)}"' not in body


def test_closing_needs_the_handling_said_next_to_the_field(client, office_user, item):
    response = _answer(client, office_user, item, handling="", close=True)
    assert response.status_code == 200
    assert list(response.context["answer_form"].errors) == ["handling"]
    item.refresh_from_db()
    assert item.status == Feedback.Status.OPEN


def test_a_closed_item_is_not_answered_again(client, office_user, item):
    _answer(client, office_user, item, close=True)
    _answer(client, office_user, item, handling="改写")
    item.refresh_from_db()
    assert (item.status, item.handling) == (Feedback.Status.HANDLED, "已提醒联系领导本月内走访。")


@pytest.mark.parametrize("who", ["cadre_user", "liaison_user", "leader_user"])
def test_only_the_office_answers(client, request, item, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    body = client.get(_url("feedback_detail", item)).content.decode()
    assert "联系领导半年未联系本单位人才。" in body
    assert f'action="{_url("feedback_answer", item)}"' not in body
    assert _answer(client, user, item).status_code == 403
    item.refresh_from_db()
    assert item.status == Feedback.Status.OPEN


def test_answering_needs_a_post(client, office_user, item):
    client.force_login(office_user)
    assert client.get(_url("feedback_answer", item)).status_code == 405
