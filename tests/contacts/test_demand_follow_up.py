"""Following a demand of the ledger: progress, result, follow-up visit and satisfaction (issue 3, R14)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Demand, DemandProgress
from tests.factories import DemandFactory, DemandProgressFactory

RESULT = "已协调县电力公司增容，冷库恢复正常用电。"
FOLLOW_UP = "电话回访，冷库运行正常。"


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def demand(pairing, cadre):
    talent = pairing.talent
    return DemandFactory(
        talent=talent,
        raised_on=_days_ago(10),
        content="冷库用电负荷不够，旺季经常跳闸。",
        kind=Demand.Kind.WORK,
        coordinating_cadre=cadre,
        responsible_unit=talent.unit,
    )


@pytest.fixture
def closed_demand(demand):
    demand.status, demand.closed_on, demand.result = Demand.Status.RESOLVED, _days_ago(2), RESULT
    demand.save()
    return demand


def _url(name: str, demand) -> str:
    return reverse(f"contacts:{name}", args=[demand.pk])


def _progress(client, user, demand, note="已联系县电力公司现场查看。", on=None):
    client.force_login(user)
    return client.post(_url("demand_progress", demand), {"note": note, "date": (on or _days_ago(5)).isoformat()})


def _close(client, user, demand, on=None, status=Demand.Status.RESOLVED):
    client.force_login(user)
    data = {"status": status, "result": RESULT, "closed_on": (on or timezone.localdate()).isoformat()}
    return client.post(_url("demand_close", demand), data)


def _follow_up(client, user, demand, satisfaction=Demand.Satisfaction.SATISFIED):
    client.force_login(user)
    data = {"satisfaction": satisfaction, "follow_up": FOLLOW_UP, "on": timezone.localdate().isoformat()}
    return client.post(_url("demand_follow_up", demand), data)


def _snapshot(demand) -> tuple:
    demand.refresh_from_db()
    return (
        demand.status,
        demand.result,
        demand.closed_on,
        demand.follow_up,
        demand.satisfaction,
        demand.progress.count(),
    )


# --- The page ----------------------------------------------------------------------------------


def test_the_paired_cadre_sees_the_demand_with_the_forms_to_follow_it(client, cadre, demand):
    client.force_login(cadre.user)
    response = client.get(_url("demand", demand))
    assert response.status_code == 200
    body = response.content.decode()
    assert "冷库用电负荷不够" in body
    assert "待办" in body
    assert f'action="{_url("demand_progress", demand)}"' in body
    assert f'action="{_url("demand_close", demand)}"' in body
    assert f'action="{_url("demand_follow_up", demand)}"' not in body  # only once closed
    assert "王建国" in body  # coordinating cadre
    assert "梅家乡农业服务中心" in body  # responsible unit


def test_the_progress_entries_are_listed_in_order(client, cadre, demand):
    DemandProgressFactory(demand=demand, date=_days_ago(3), note="第二次协调。")
    DemandProgressFactory(demand=demand, date=_days_ago(8), note="第一次协调。")
    client.force_login(cadre.user)
    body = client.get(_url("demand", demand)).content.decode()
    assert body.index("第一次协调。") < body.index("第二次协调。")


# --- Progress ----------------------------------------------------------------------------------


def test_adding_progress_moves_the_demand_from_to_do_to_in_progress(client, cadre, demand):
    response = _progress(client, cadre.user, demand)
    assert response.status_code == 302
    assert response["Location"] == _url("demand", demand)
    demand.refresh_from_db()
    assert demand.status == Demand.Status.IN_PROGRESS
    entry = demand.progress.get()
    assert (entry.note, entry.date, entry.created_by) == ("已联系县电力公司现场查看。", _days_ago(5), cadre.user)
    body = client.get(response["Location"]).content.decode()
    assert "办理中" in body
    assert "已联系县电力公司现场查看。" in body
    assert "办理进展已记录。" in body


def test_more_progress_keeps_the_demand_in_progress(client, cadre, demand):
    _progress(client, cadre.user, demand, note="第一次")
    _progress(client, cadre.user, demand, note="第二次")
    demand.refresh_from_db()
    assert demand.status == Demand.Status.IN_PROGRESS
    assert list(demand.progress.values_list("note", flat=True)) == ["第一次", "第二次"]


def test_progress_without_a_note_is_refused_and_nothing_changes(client, cadre, demand):
    before = _snapshot(demand)
    response = _progress(client, cadre.user, demand, note="")
    assert response.status_code == 200
    assert "note" in response.context["progress_form"].errors
    assert "has-error" in response.content.decode()
    assert _snapshot(demand) == before


def test_the_liaison_of_the_talents_unit_can_add_progress(client, liaison_user, demand):
    assert _progress(client, liaison_user, demand).status_code == 302
    demand.refresh_from_db()
    assert demand.status == Demand.Status.IN_PROGRESS
    assert demand.progress.get().created_by == liaison_user


def test_the_paired_cadre_follows_a_demand_reported_by_the_unit_without_a_coordinating_cadre(client, cadre, pairing):
    demand = DemandFactory(talent=pairing.talent, raised_on=_days_ago(3), source=Demand.Source.UNIT)
    assert _progress(client, cadre.user, demand).status_code == 302
    demand.refresh_from_db()
    assert demand.status == Demand.Status.IN_PROGRESS


# --- Closing -----------------------------------------------------------------------------------


def test_closing_records_the_result_and_the_closing_date(client, cadre, demand):
    response = _close(client, cadre.user, demand)
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == Demand.Status.RESOLVED
    assert demand.result == RESULT
    assert demand.closed_on == timezone.localdate()
    assert demand.progress.filter(note=RESULT).exists()
    body = client.get(response["Location"]).content.decode()
    assert "已办结" in body
    assert RESULT in body
    assert "诉求已办结，请记得进行回访。" in body
    assert f'action="{_url("demand_follow_up", demand)}"' in body
    assert f'action="{_url("demand_close", demand)}"' not in body


def test_a_demand_that_cannot_be_solved_is_closed_as_explained(client, cadre, demand):
    _close(client, cadre.user, demand, status=Demand.Status.EXPLAINED)
    demand.refresh_from_db()
    assert demand.status == Demand.Status.EXPLAINED
    assert demand.closed_on is not None


def test_a_closed_demand_no_longer_counts_as_open_on_the_home_page(client, cadre, demand):
    client.force_login(cadre.user)
    assert "1 项诉求未办结" in client.get(reverse("home")).content.decode()
    _close(client, cadre.user, demand)
    assert "诉求未办结" not in client.get(reverse("home")).content.decode()


def test_closing_before_the_demand_was_raised_is_refused(client, cadre, demand):
    before = _snapshot(demand)
    response = _close(client, cadre.user, demand, on=demand.raised_on - datetime.timedelta(days=1))
    assert response.status_code == 200
    assert "closed_on" in response.context["close_form"].errors
    body = response.content.decode()
    assert "办结日期不能早于诉求的提出日期。" in body
    assert RESULT in body  # what was typed stays
    assert _snapshot(demand) == before


def test_closing_on_a_future_date_is_refused(client, cadre, demand):
    before = _snapshot(demand)
    response = _close(client, cadre.user, demand, on=timezone.localdate() + datetime.timedelta(days=1))
    assert response.status_code == 200
    assert "日期不能晚于今天。" in response.content.decode()
    assert _snapshot(demand) == before


def test_closing_a_closed_demand_again_changes_nothing(client, cadre, closed_demand):
    before = _snapshot(closed_demand)
    response = _close(client, cadre.user, closed_demand, status=Demand.Status.EXPLAINED)
    assert response.status_code == 200
    assert _snapshot(closed_demand) == before


# --- Follow-up visit (回访) ----------------------------------------------------------------------


def test_a_satisfied_follow_up_is_recorded_and_the_demand_stays_closed(client, cadre, closed_demand):
    response = _follow_up(client, cadre.user, closed_demand)
    assert response.status_code == 302
    closed_demand.refresh_from_db()
    assert closed_demand.status == Demand.Status.RESOLVED
    assert closed_demand.satisfaction == Demand.Satisfaction.SATISFIED
    assert (closed_demand.follow_up, closed_demand.follow_up_on) == (FOLLOW_UP, timezone.localdate())
    body = client.get(response["Location"]).content.decode()
    assert FOLLOW_UP in body
    assert "满意" in body
    assert "回访情况已记录。" in body


def test_a_not_satisfied_follow_up_reopens_the_demand(client, cadre, closed_demand):
    progress_before = closed_demand.progress.count()
    assert _follow_up(client, cadre.user, closed_demand, Demand.Satisfaction.UNSATISFIED).status_code == 302
    closed_demand.refresh_from_db()
    assert closed_demand.status == Demand.Status.IN_PROGRESS
    assert closed_demand.closed_on is None
    assert closed_demand.satisfaction == ""
    assert closed_demand.progress.count() == progress_before + 1
    entry = closed_demand.progress.order_by("-id").first()
    assert FOLLOW_UP in entry.note and "不满意" in entry.note
    assert entry.created_by == cadre.user
    client.force_login(cadre.user)
    body = client.get(_url("demand", closed_demand)).content.decode()
    assert "办理中" in body
    assert f'action="{_url("demand_close", closed_demand)}"' in body  # can be closed again


def test_a_follow_up_before_the_demand_is_closed_is_refused(client, cadre, demand):
    before = _snapshot(demand)
    response = _follow_up(client, cadre.user, demand)
    assert response.status_code == 200
    assert _snapshot(demand) == before


def test_a_follow_up_without_satisfaction_is_refused(client, cadre, closed_demand):
    before = _snapshot(closed_demand)
    client.force_login(cadre.user)
    response = client.post(
        _url("demand_follow_up", closed_demand), {"follow_up": FOLLOW_UP, "on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200
    assert "satisfaction" in response.context["follow_up_form"].errors
    assert _snapshot(closed_demand) == before


# --- Access ------------------------------------------------------------------------------------


def test_another_cadre_cannot_open_the_demand(client, other_cadre, demand):
    client.force_login(other_cadre.user)
    assert client.get(_url("demand", demand)).status_code == 404


@pytest.mark.parametrize("action", ["progress", "close", "follow_up"])
def test_another_cadre_cannot_post_to_the_demand_and_nothing_changes(client, other_cadre, demand, action):
    if action == "follow_up":
        demand.status, demand.closed_on, demand.result = Demand.Status.RESOLVED, _days_ago(1), RESULT
        demand.save()
    before = _snapshot(demand)
    post = {"progress": _progress, "close": _close, "follow_up": _follow_up}[action]
    assert post(client, other_cadre.user, demand).status_code == 404
    assert _snapshot(demand) == before


def test_the_village_secretary_can_read_the_demand_without_the_forms(client, secretary_user, demand):
    client.force_login(secretary_user)
    response = client.get(_url("demand", demand))
    assert response.status_code == 200
    body = response.content.decode()
    assert "冷库用电负荷不够" in body
    assert '<form method="post" action="/demands/' not in body


@pytest.mark.parametrize("who", ["secretary_user", "leader_user"])
@pytest.mark.parametrize("action", ["progress", "close", "follow_up"])
def test_readers_who_do_not_handle_the_demand_get_403_on_each_post(client, request, demand, who, action):
    user = request.getfixturevalue(who)
    if action == "follow_up":
        demand.status, demand.closed_on, demand.result = Demand.Status.RESOLVED, _days_ago(1), RESULT
        demand.save()
    before = _snapshot(demand)
    post = {"progress": _progress, "close": _close, "follow_up": _follow_up}[action]
    assert post(client, user, demand).status_code == 403
    assert _snapshot(demand) == before


def test_the_demand_pages_refuse_a_get_on_the_post_urls(client, cadre, demand):
    client.force_login(cadre.user)
    for name in ("demand_progress", "demand_close", "demand_follow_up"):
        assert client.get(_url(name, demand)).status_code == 405
    assert DemandProgress.objects.count() == 0


def test_anonymous_visitors_are_sent_to_the_login_page(client, demand):
    response = client.get(_url("demand", demand))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
