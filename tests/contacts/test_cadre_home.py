"""我的联系人才: the cadre's home page (issue 3, R9, R18)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Demand, Level, Pairing
from tests.factories import (
    CadreFactory,
    ContactFactory,
    DemandFactory,
    PairingFactory,
    TalentFactory,
)

EXCEPTION = "乡党委批准：分管领域调整，临时增加联系对象"


def _card(body: str, name: str) -> str:
    """The talent card of one talent on the home page."""
    cards = [chunk for chunk in body.split('<li class="card talent-card')[1:] if name in chunk]
    assert len(cards) == 1, f"expected one card for {name}"
    return cards[0].split("</li>")[0]


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _last_year(month: int = 6, day: int = 1) -> datetime.date:
    return datetime.date(timezone.localdate().year - 1, month, day)


@pytest.fixture
def second_pairing(cadre):
    """A second open talent for the same cadre, as the office may approve (justified exception)."""
    return PairingFactory(cadre=cadre, talent=TalentFactory(name="周明远"), exception_reason=EXCEPTION)


def test_a_cadre_sees_each_open_pairings_talent_with_unit_and_links(client, cadre, pairing, second_pairing):
    body = _home(client, cadre.user)
    for p in (pairing, second_pairing):
        card = _card(body, p.talent.name)
        assert p.talent.unit.name in card
        assert reverse("contacts:talent", args=[p.talent_id]) in card
        assert f"{reverse('contacts:contact_new')}?talent={p.talent_id}" in card


def test_a_talent_whose_pairing_has_ended_is_no_longer_on_the_home_page(client, cadre, pairing):
    ended = PairingFactory(cadre=cadre, talent=TalentFactory(name="吴旧人"), exception_reason=EXCEPTION)
    ended.end_date, ended.end_reason = timezone.localdate(), Pairing.EndReason.POST_CHANGE
    ended.save()
    body = _home(client, cadre.user)
    assert "陈丽华" in body
    assert "吴旧人" not in body


def test_a_cadre_does_not_see_another_cadres_talents(client, cadre, pairing, other_cadre):
    PairingFactory(cadre=other_cadre, talent=TalentFactory(name="赵别人"))
    body = _home(client, cadre.user)
    assert "陈丽华" in body
    assert "赵别人" not in body


def test_the_card_shows_the_last_contact_date(client, cadre, pairing):
    today = timezone.localdate()
    ContactFactory(pairing=pairing, date=_last_year(3, 1))
    ContactFactory(pairing=pairing, date=today)
    card = _card(_home(client, cadre.user), "陈丽华")
    assert f"最近联系：{today:%Y-%m-%d}" in card


def test_a_talent_never_contacted_shows_none_yet(client, cadre, pairing):
    card = _card(_home(client, cadre.user), "陈丽华")
    assert "最近联系：尚未联系" in card
    assert "今年尚未联系" in card


def test_a_talent_contacted_this_year_is_ticked(client, cadre, pairing):
    ContactFactory(pairing=pairing, date=timezone.localdate())
    card = _card(_home(client, cadre.user), "陈丽华")
    assert "✓ 今年已联系" in card
    assert "今年尚未联系" not in card


def test_a_talent_contacted_only_last_year_shows_as_not_contacted_this_year(client, cadre, pairing, second_pairing):
    ContactFactory(pairing=pairing, date=timezone.localdate())
    ContactFactory(pairing=second_pairing, date=_last_year(12, 31))
    body = _home(client, cadre.user)
    card = _card(body, "周明远")
    assert "今年尚未联系" in card
    assert "今年已联系" not in card
    assert f"最近联系：{_last_year(12, 31):%Y-%m-%d}" in card
    assert "今年已联系" in _card(body, "陈丽华")


def test_a_contact_by_the_talents_previous_cadre_does_not_count_for_this_cadre(client, cadre, pairing, other_cadre):
    old = PairingFactory(cadre=other_cadre, talent=TalentFactory(name="钱前任"))
    ContactFactory(pairing=old, date=timezone.localdate())
    old.end_date, old.end_reason = timezone.localdate(), Pairing.EndReason.POST_CHANGE
    old.save()
    PairingFactory(cadre=cadre, talent=old.talent, exception_reason=EXCEPTION)
    card = _card(_home(client, cadre.user), "钱前任")
    assert "今年尚未联系" in card
    assert "最近联系：尚未联系" in card


def test_open_demands_are_counted_and_closed_ones_are_not(client, cadre, pairing, second_pairing):
    today = timezone.localdate()
    talent = pairing.talent
    DemandFactory(talent=talent, raised_on=today)
    DemandFactory(talent=talent, raised_on=today, status=Demand.Status.IN_PROGRESS)
    DemandFactory(talent=talent, raised_on=today, status=Demand.Status.RESOLVED, closed_on=today, result="已解决")
    DemandFactory(talent=talent, raised_on=today, status=Demand.Status.EXPLAINED, closed_on=today, result="已解释")
    body = _home(client, cadre.user)
    assert "2 项诉求未办结" in _card(body, "陈丽华")
    assert "诉求未办结" not in _card(body, "周明远")


def test_the_page_says_how_many_days_are_left_in_the_year(client, cadre, pairing):
    today = timezone.localdate()
    days_left = (datetime.date(today.year, 12, 31) - today).days
    body = _home(client, cadre.user)
    assert f"{today.year}年内对每名结对人才至少联系一次。今年还剩 {days_left} 天。" in body


def test_the_reminder_appears_from_the_configured_date_on_uncontacted_talents(
    client, settings, cadre, pairing, second_pairing
):
    today = timezone.localdate()
    settings.CONTACT_REMINDER_FROM = (today.month, today.day)  # the first day it is due is today
    ContactFactory(pairing=pairing, date=today)
    body = _home(client, cadre.user)
    uncontacted = _card(body, "周明远")
    assert uncontacted.startswith(' remind"')  # the card itself is highlighted
    assert "提醒：今年只剩" in uncontacted
    assert 'role="alert"' in uncontacted
    contacted = _card(body, "陈丽华")
    assert "提醒" not in contacted
    assert not contacted.startswith(" remind")


def test_the_reminder_is_not_shown_before_the_configured_date(client, settings, cadre, pairing):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    if tomorrow.year != today.year:
        pytest.skip("on 31 December no reminder date of this year lies ahead")
    settings.CONTACT_REMINDER_FROM = (tomorrow.month, tomorrow.day)
    card = _card(_home(client, cadre.user), "陈丽华")
    assert "今年尚未联系" in card
    assert "提醒" not in card


def test_the_default_reminder_date_is_the_first_of_october(settings):
    # The project default, read from the environment (CONTACT_REMINDER_FROM=10-01 unless set).
    assert settings.CONTACT_REMINDER_FROM == (10, 1)


def test_a_village_committee_member_sees_their_village_pairings_on_the_same_page(client, village):
    member = CadreFactory(user__username="village_member_t", level=Level.VILLAGE, village=village, title="村委委员")
    talent = TalentFactory(name="孙种植", village=village)
    pairing = PairingFactory(cadre=member, talent=talent)
    assert pairing.level == Level.VILLAGE
    ContactFactory(pairing=pairing, date=timezone.localdate())
    card = _card(_home(client, member.user), "孙种植")
    assert "村级结对" in card
    assert "今年已联系" in card
    assert f"{reverse('contacts:contact_new')}?talent={talent.pk}" in card
    assert client.get(reverse("contacts:talent", args=[talent.pk])).status_code == 200
    assert client.get(reverse("contacts:contact_new")).status_code == 200


def test_a_cadre_with_no_pairing_is_told_none_is_assigned(client, cadre):
    body = _home(client, cadre.user)
    assert "暂无分配给您的优秀人才。" in body
    assert "talent-card" not in body


def _home_queries(client, user) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_home_page_runs_the_same_queries_for_a_short_and_a_long_history(client, cadre, pairing):
    today = timezone.localdate()
    client.force_login(cadre.user)
    ContactFactory(pairing=pairing, date=today)
    small = _home_queries(client, cadre.user)

    # Three talents (two by justified exception), 30 contacts, 30 demands, urgent items of both kinds.
    pairings = [pairing, *(PairingFactory(cadre=cadre, exception_reason=EXCEPTION) for _ in range(2))]
    for i in range(29):
        p = pairings[i % 3]
        ContactFactory(pairing=p, date=today - datetime.timedelta(days=i * 20), urgent=(i == 0))
    for i in range(30):
        urgency = Demand.Urgency.URGENT if i == 1 else Demand.Urgency.NORMAL
        DemandFactory(talent=pairings[i % 3].talent, raised_on=today, urgency=urgency)
    large = _home_queries(client, cadre.user)
    body = client.get(reverse("home")).content.decode()
    assert body.count('<li class="card talent-card') == 3
    assert "紧急事项" in body

    # session, user, roles (groups), urgent contacts (with talent and cadre), urgent demands (with
    # talent; the scope and the "may mark handled" flag as subqueries), open pairings (talent, unit, village and term joined;
    # last contact, contacts this year and open demands as subqueries), the cadre's reminders,
    # the cadre's to-dos (2: contacts.ledger.todos_for, each list with its window count), organisation for the header
    assert len(small) == len(large) == 10
