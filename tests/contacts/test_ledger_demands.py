"""The demand ledger as the office and the units keep it: list, filters, new entries, edits (issue 4, item 6, R14)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import Demand
from tests.factories import CadreFactory, DemandFactory, PairingFactory, TalentFactory, UnitFactory, UserFactory

LIST = reverse("ledger:demands")
NEW = reverse("ledger:demand_new")


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def talent(pairing):
    return pairing.talent


@pytest.fixture
def other_liaison(db):
    return UserFactory(username="liaison_other", roles=["liaison"])


@pytest.fixture
def other_talent(other_liaison):
    return TalentFactory(name="赵其他", unit=UnitFactory(name="梅家乡中心小学", liaison=other_liaison))


@pytest.fixture
def demand(talent, cadre):
    return DemandFactory(
        talent=talent,
        raised_on=_days_ago(20),
        due_date=_days_ago(5),
        content="冷库用电负荷不够，旺季经常跳闸。",
        kind=Demand.Kind.WORK,
        coordinating_cadre=cadre,
        responsible_unit=talent.unit,
    )


@pytest.fixture
def other_demand(other_talent):
    return DemandFactory(talent=other_talent, content="孩子入学需要协调。", kind=Demand.Kind.CHILDREN)


def _rows(body: str) -> str:
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _get(client, user, url=LIST, **params):
    client.force_login(user)
    return client.get(url, params)


# --- The list ------------------------------------------------------------------------------------


def test_the_office_sees_every_demand_linked_to_its_page(client, office_user, demand, other_demand):
    response = _get(client, office_user)
    assert response.status_code == 200
    rows = _rows(response.content.decode())
    assert "冷库用电负荷不够" in rows and "孩子入学需要协调。" in rows
    assert reverse("contacts:demand", args=[demand.pk]) in rows
    assert "梅家乡农业服务中心" in rows  # responsible unit
    assert "王建国" in rows  # coordinating cadre


def test_a_liaison_sees_only_their_units_demands(client, liaison_user, demand, other_demand):
    rows = _rows(_get(client, liaison_user).content.decode())
    assert "冷库用电负荷不够" in rows
    assert "孩子入学需要协调。" not in rows


def test_a_liaison_sees_a_demand_their_unit_is_responsible_for(client, liaison_user, talent, other_talent):
    DemandFactory(talent=other_talent, responsible_unit=talent.unit, content="需要农技中心出面协调。")
    assert "需要农技中心出面协调。" in _rows(_get(client, liaison_user).content.decode())


def test_a_cadre_sees_their_talents_demands_but_not_others(client, cadre, demand, other_demand):
    rows = _rows(_get(client, cadre.user).content.decode())
    assert "冷库用电负荷不够" in rows
    assert "孩子入学需要协调。" not in rows


def test_a_village_secretary_sees_their_villages_demands_only(client, secretary_user, demand, other_demand):
    rows = _rows(_get(client, secretary_user).content.decode())
    assert "冷库用电负荷不够" in rows
    assert "孩子入学需要协调。" not in rows


def test_an_overdue_open_demand_is_highlighted_and_a_closed_one_is_not(client, office_user, demand, talent):
    DemandFactory(
        talent=talent,
        content="已经办结的旧诉求。",
        raised_on=_days_ago(30),
        due_date=_days_ago(20),
        status=Demand.Status.RESOLVED,
        closed_on=_days_ago(19),
    )
    rows = _rows(_get(client, office_user).content.decode()).split("</tr>")
    overdue_row = next(r for r in rows if "冷库用电负荷不够" in r)
    closed_row = next(r for r in rows if "已经办结的旧诉求。" in r)
    assert 'class="overdue' in overdue_row
    assert 'class="overdue' not in closed_row


def test_the_overdue_filter_keeps_only_open_demands_past_their_due_date(client, office_user, demand, talent):
    DemandFactory(talent=talent, content="还没到期。", raised_on=_days_ago(1), due_date=_days_ago(-5))
    rows = _rows(_get(client, office_user, overdue="on").content.decode())
    assert "冷库用电负荷不够" in rows
    assert "还没到期。" not in rows


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"status": "unclosed"}, "冷库用电负荷不够", "已办结的诉求。"),
        ({"status": "resolved"}, "已办结的诉求。", "冷库用电负荷不够"),
        ({"kind": "children"}, "孩子入学需要协调。", "冷库用电负荷不够"),
        ({"year": "2024"}, "去年以前的诉求。", "冷库用电负荷不够"),
    ],
)
def test_the_list_filters_by_status_type_and_year(
    client, office_user, demand, other_demand, talent, params, shown, hidden
):
    DemandFactory(
        talent=talent,
        content="已办结的诉求。",
        raised_on=_days_ago(10),
        status=Demand.Status.RESOLVED,
        closed_on=_days_ago(2),
    )
    DemandFactory(talent=talent, content="去年以前的诉求。", raised_on=datetime.date(2024, 5, 1))
    rows = _rows(_get(client, office_user, **params).content.decode())
    assert shown in rows
    assert hidden not in rows


def test_the_unit_filter_matches_the_responsible_unit_or_the_talents_unit(client, office_user, demand, other_talent):
    DemandFactory(talent=other_talent, responsible_unit=demand.talent.unit, content="交给农技中心办理。")
    DemandFactory(talent=other_talent, content="与农技中心无关。")
    rows = _rows(_get(client, office_user, unit=demand.talent.unit_id).content.decode())
    assert "冷库用电负荷不够" in rows  # the talent's unit
    assert "交给农技中心办理。" in rows  # the responsible unit
    assert "与农技中心无关。" not in rows


def test_the_cadre_filter_keeps_the_cadres_coordinated_demands(client, office_user, demand, other_demand, other_cadre):
    other_demand.coordinating_cadre = other_cadre
    other_demand.save()
    rows = _rows(_get(client, office_user, cadre=other_cadre.pk).content.decode())
    assert "孩子入学需要协调。" in rows
    assert "冷库用电负荷不够" not in rows


def test_a_nonsense_filter_value_is_ignored_and_the_others_still_apply(client, office_user, demand, other_demand):
    response = _get(client, office_user, unit="abc", kind="children")
    assert response.status_code == 200
    rows = _rows(response.content.decode())
    assert "孩子入学需要协调。" in rows
    assert "冷库用电负荷不够" not in rows


def test_the_list_pages_by_fifty_and_keeps_the_filters_in_the_page_links(client, office_user, talent):
    for i in range(55):
        DemandFactory(talent=talent, content=f"第{i:02d}号诉求", raised_on=_days_ago(i))
    body = _get(client, office_user, kind="training").content.decode()
    assert _rows(body).count("<tr") == 50
    assert "?kind=training&amp;page=2" in body
    second = _rows(_get(client, office_user, kind="training", page=2).content.decode())
    assert second.count("<tr") == 5


def test_the_edit_link_shows_only_where_the_user_may_edit(client, cadre, liaison_user, demand):
    edit = reverse("ledger:demand_edit", args=[demand.pk])
    assert edit in _get(client, liaison_user).content.decode()
    assert edit not in _get(client, cadre.user).content.decode()


def test_a_liaison_may_edit_a_demand_their_unit_answers_for_though_the_talent_is_of_another_unit(client, talent):
    """The edit link of a row read as values follows access.can_edit_demand: the responsible unit's liaison."""
    liaison = UserFactory(username="liaison_resp", roles=["liaison"])
    theirs = DemandFactory(talent=talent, responsible_unit=UnitFactory(name="县人社局", liaison=liaison))
    DemandFactory(talent=talent, responsible_unit=UnitFactory(name="县教育局"))  # not theirs: not listed
    rows = _rows(_get(client, liaison).content.decode())
    assert rows.count("<tr") == 1
    assert reverse("ledger:demand_edit", args=[theirs.pk]) in rows
    assert talent.unit.liaison_id != liaison.pk


def test_a_user_without_a_role_is_refused_the_ledger(client, db):
    assert _get(client, UserFactory(username="nobody")).status_code == 403


@pytest.mark.parametrize("url", [LIST, NEW])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _list_queries(client, user) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST, {"status": "unclosed"}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["office_user", "liaison_user"])
def test_the_list_runs_the_same_queries_for_two_or_fifteen_demands(client, request, talent, other_talent, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for _ in range(2):
        DemandFactory(talent=talent, coordinating_cadre=CadreFactory(), responsible_unit=UnitFactory())
    small = _list_queries(client, user)
    for i in range(13):
        DemandFactory(
            talent=talent if i % 2 else other_talent,
            coordinating_cadre=CadreFactory(),
            responsible_unit=UnitFactory(),
            raised_on=datetime.date(2024 + i % 3, 3, 1),
            due_date=datetime.date(2024 + i % 3, 3, 5),
        )
    large = _list_queries(client, user)
    # session, user, roles (groups), oldest and newest demand (year filter: two one-row queries), row
    # count (pager, capped), the page of demands (talent, talent's unit, responsible unit and coordinating cadre
    # joined; the scope as a subquery), "may add a demand" (exists), organisation for the header;
    # units and cadres are typed names: no query lists them
    assert small == large == 9


# --- A new demand --------------------------------------------------------------------------------


def _new_data(talent, **fields) -> dict:
    data = {
        "talent": talent.pk,
        "source": Demand.Source.UNIT,
        "raised_on": timezone.localdate().isoformat(),
        "kind": Demand.Kind.HOUSING,
        "urgency": Demand.Urgency.NORMAL,
        "content": "住房漏雨，需要协调维修。",
        "measures": "",
        "responsible_unit": "",
        "coordinating_cadre": "",
        "due_date": "",
    }
    data.update(fields)
    return data


def test_a_liaison_enters_a_demand_with_the_defaults_filled_in(client, liaison_user, talent, cadre):
    client.force_login(liaison_user)
    response = client.post(NEW, _new_data(talent, urgency=Demand.Urgency.PRESSING))
    demand = Demand.objects.get(content="住房漏雨，需要协调维修。")
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:demand", args=[demand.pk])
    today = timezone.localdate()
    assert demand.due_date == services.demand_due_date(urgency=Demand.Urgency.PRESSING, raised_on=today)
    assert demand.responsible_unit == talent.unit
    assert demand.coordinating_cadre == cadre  # the talent's paired cadre
    assert (demand.source, demand.status, demand.created_by) == (Demand.Source.UNIT, Demand.Status.OPEN, liaison_user)
    assert "住房漏雨" in client.get(response["Location"]).content.decode()


def test_the_office_may_name_the_unit_cadre_and_due_date_itself(client, office_user, talent, other_cadre):
    unit = UnitFactory(name="梅家乡规划建设办")
    due = timezone.localdate() + datetime.timedelta(days=40)
    client.force_login(office_user)
    data = _new_data(
        talent,
        responsible_unit=unit.pk,
        coordinating_cadre=other_cadre.pk,
        due_date=due.isoformat(),
        measures="联系施工队上门查看。",
        source=Demand.Source.TALENT,
    )
    assert client.post(NEW, data).status_code == 302
    demand = Demand.objects.get()
    assert (demand.responsible_unit, demand.coordinating_cadre, demand.due_date) == (unit, other_cadre, due)
    assert (demand.measures, demand.source) == ("联系施工队上门查看。", Demand.Source.TALENT)


def test_an_urgent_demand_mails_the_paired_cadre_and_the_office(
    client, liaison_user, office_user, talent, cadre, django_capture_on_commit_callbacks
):
    cadre.user.email, office_user.email = "cadre@example.cn", "office@example.cn"
    cadre.user.save()
    office_user.save()
    client.force_login(liaison_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, _new_data(talent, urgency=Demand.Urgency.URGENT))
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["cadre@example.cn", "office@example.cn"]
    assert "住房漏雨" in mail.outbox[0].body


def test_a_liaison_cannot_enter_a_demand_for_another_units_talent(client, liaison_user, talent, other_talent):
    client.force_login(liaison_user)
    response = client.post(NEW, _new_data(other_talent))
    assert response.status_code == 200
    assert "talent" in response.context["form"].errors
    assert not Demand.objects.exists()


def test_the_new_demand_form_offers_only_the_liaisons_talents(client, liaison_user, talent, other_talent):
    body = _get(client, liaison_user, NEW).content.decode()
    assert "陈丽华" in body
    assert "赵其他" not in body


def test_a_due_date_before_the_raising_day_is_refused_next_to_the_field_keeping_the_text(client, liaison_user, talent):
    client.force_login(liaison_user)
    data = _new_data(talent, raised_on=_days_ago(3).isoformat(), due_date=_days_ago(5).isoformat())
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["due_date"]
    assert "住房漏雨，需要协调维修。" in response.content.decode()
    assert not Demand.objects.exists()


def test_a_demand_raised_in_the_future_is_refused(client, liaison_user, talent):
    client.force_login(liaison_user)
    response = client.post(NEW, _new_data(talent, raised_on=_days_ago(-2).isoformat()))
    assert list(response.context["form"].errors) == ["raised_on"]
    assert not Demand.objects.exists()


def test_the_form_preselects_the_talent_from_the_link(client, liaison_user, talent):
    response = _get(client, liaison_user, NEW, talent=talent.pk)
    assert response.context["form"].initial["talent"] == str(talent.pk)


@pytest.mark.parametrize("who", ["cadre_user", "leader_user", "secretary_user"])
def test_only_the_office_and_liaisons_enter_demands_here(client, request, pairing, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, _new_data(pairing.talent)).status_code == 403
    assert not Demand.objects.exists()


# --- Editing the ledger entry --------------------------------------------------------------------


def _edit(client, user, demand, **fields):
    client.force_login(user)
    data = {
        "measures": demand.measures,
        "responsible_unit": demand.responsible_unit_id or "",
        "coordinating_cadre": demand.coordinating_cadre_id or "",
        "due_date": demand.due_date.isoformat() if demand.due_date else "",
    }
    data.update(fields)
    return client.post(reverse("ledger:demand_edit", args=[demand.pk]), data)


def test_a_liaison_records_the_units_measures_and_a_new_due_date(client, liaison_user, demand):
    due = timezone.localdate() + datetime.timedelta(days=7)
    response = _edit(client, liaison_user, demand, measures="联系供电所增容。", due_date=due.isoformat())
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:demand", args=[demand.pk])
    demand.refresh_from_db()
    assert (demand.measures, demand.due_date) == ("联系供电所增容。", due)
    entry = demand.progress.get()
    assert entry.created_by == liaison_user
    assert "针对性措施" in entry.note and "办理时限" in entry.note


def test_the_office_reassigns_the_responsible_unit_and_the_cadre(client, office_user, demand, other_cadre):
    unit = UnitFactory(name="梅家乡便民服务中心")
    _edit(client, office_user, demand, responsible_unit=unit.pk, coordinating_cadre=other_cadre.pk)
    demand.refresh_from_db()
    assert (demand.responsible_unit, demand.coordinating_cadre) == (unit, other_cadre)


def test_emptying_the_due_date_restores_the_default_for_the_urgency(client, office_user, demand):
    _edit(client, office_user, demand, due_date="")
    demand.refresh_from_db()
    assert demand.due_date == services.demand_due_date(urgency=demand.urgency, raised_on=demand.raised_on)


def test_saving_without_changes_logs_nothing(client, office_user, demand):
    assert _edit(client, office_user, demand).status_code == 302
    assert not demand.progress.exists()


def test_a_due_date_before_the_raising_day_is_refused_and_the_demand_is_untouched(client, office_user, demand):
    response = _edit(client, office_user, demand, measures="新措施", due_date=_days_ago(30).isoformat())
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["due_date"]
    assert "新措施" in response.content.decode()
    demand.refresh_from_db()
    assert (demand.measures, demand.due_date) == ("", _days_ago(5))


def test_another_units_liaison_cannot_open_or_edit_the_entry(client, other_liaison, demand):
    client.force_login(other_liaison)
    url = reverse("ledger:demand_edit", args=[demand.pk])
    assert client.get(url).status_code == 404
    assert _edit(client, other_liaison, demand, measures="越权").status_code == 404
    demand.refresh_from_db()
    assert demand.measures == ""


@pytest.mark.parametrize("who", ["cadre_user", "leader_user", "secretary_user"])
def test_readers_of_the_demand_cannot_edit_the_ledger_entry(client, request, demand, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("ledger:demand_edit", args=[demand.pk])).status_code == 403
    assert _edit(client, user, demand, measures="越权").status_code == 403


def test_another_cadre_gets_not_found(client, other_cadre, demand):
    client.force_login(other_cadre.user)
    assert client.get(reverse("ledger:demand_edit", args=[demand.pk])).status_code == 404


def test_a_demand_of_a_talent_paired_later_goes_to_the_new_cadre_by_default(client, office_user):
    pairing = PairingFactory()
    client.force_login(office_user)
    client.post(NEW, _new_data(pairing.talent))
    assert Demand.objects.get().coordinating_cadre == pairing.cadre
