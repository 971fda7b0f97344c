"""Each role's to-dos for the home page: contacts.ledger.todos_for and ledger/_todos.html (issue 4, item 11)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contacts.ledger import TODO_ROWS, todos_for
from contacts.models import Demand, Feedback, Recommendation
from reports.models import VillageReport
from talents.models import Talent
from tests.factories import (
    DemandFactory,
    FeedbackFactory,
    MajorEventFactory,
    PairingFactory,
    RecommendationFactory,
    TalentFactory,
    UnitFactory,
    UserFactory,
    VillageFactory,
    VillageReportFactory,
)

TODAY = timezone.localdate()


def _ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def talent(pairing):
    return pairing.talent  # 陈丽华: the cadre's talent, liaison_user's unit, secretary_user's village


@pytest.fixture
def other_talent(other_cadre):
    talent = TalentFactory(name="赵其他")
    PairingFactory(cadre=other_cadre, talent=talent)
    return talent


def _demand(talent, content, *, due_in: int, raised_ago: int = 20, **fields):
    return DemandFactory(
        talent=talent,
        content=content,
        raised_on=_ago(raised_ago),
        due_date=TODAY + datetime.timedelta(days=due_in),
        **fields,
    )


def _closed(talent, content):
    return _demand(talent, content, due_in=-10, status=Demand.Status.RESOLVED, closed_on=_ago(1), result="已办结")


def _render(user, todos) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("ledger/_todos.html", {"todos": todos}, request=request)


def _contents(items) -> list[str]:
    return [row.content for row in items.rows]


# --- Liaison -------------------------------------------------------------------------------------


def test_a_liaison_sees_their_units_open_demands_overdue_first(liaison_user, talent, other_talent):
    _demand(talent, "下月到期", due_in=30)
    _demand(talent, "已逾期", due_in=-3)
    _demand(talent, "明天到期", due_in=1)
    _closed(talent, "已办结的")
    _demand(other_talent, "别的单位", due_in=-5)
    todos = todos_for(liaison_user, TODAY)
    assert _contents(todos.liaison["open_demands"]) == ["已逾期", "明天到期", "下月到期"]
    assert todos.liaison["open_demands"].total == 3
    assert todos.office is None and todos.cadre is None and todos.secretary is None


def test_a_liaison_sees_recent_reports_of_their_unit_and_their_open_feedback(liaison_user, talent, other_talent):
    MajorEventFactory(talent=talent, date=_ago(10), description="近期上报")
    MajorEventFactory(talent=talent, date=_ago(200), description="很久以前")
    MajorEventFactory(talent=other_talent, date=_ago(3), description="别的单位")
    FeedbackFactory(unit=talent.unit, content="尚未处理的反馈")
    FeedbackFactory(
        unit=talent.unit,
        content="已处理的反馈",
        status=Feedback.Status.HANDLED,
        handling="已处理",
        handled_at=timezone.now(),
    )
    todos = todos_for(liaison_user, TODAY)
    assert [e.description for e in todos.liaison["recent_events"].rows] == ["近期上报"]
    assert _contents(todos.liaison["open_feedback"]) == ["尚未处理的反馈"]


def test_the_liaisons_block_offers_to_file_a_report_and_links_to_the_lists(liaison_user, talent):
    _demand(talent, "已逾期", due_in=-3)
    body = _render(liaison_user, todos_for(liaison_user, TODAY))
    assert "已逾期" in body
    assert reverse("ledger:event_new") in body
    assert reverse("contacts:demand", args=[Demand.objects.get().pk]) in body
    assert reverse("ledger:demands") + "?status=unclosed" in body


# --- Village secretary ---------------------------------------------------------------------------


def test_a_secretary_sees_the_villages_talents_and_that_the_report_is_not_started(secretary_user, village, talent):
    TalentFactory(village=village)
    TalentFactory(village=village, status=Talent.Status.OUT, out_date=_ago(5), out_reason="调离")
    TalentFactory()  # another village
    todos = todos_for(secretary_user, TODAY)
    [status] = todos.secretary["villages"]
    assert (status.village, status.talent_count, status.report_status) == (village, 2, "")
    assert status.report_label == gettext("not started")
    assert "梅家村" in _render(secretary_user, todos)


@pytest.mark.parametrize("state", [VillageReport.Status.DRAFT, VillageReport.Status.SUBMITTED])
def test_a_secretary_sees_this_years_report_status(secretary_user, village, state):
    VillageReportFactory(
        village=village, year=TODAY.year - 1, status=VillageReport.Status.RECEIVED, submitted_at=timezone.now()
    )
    VillageReportFactory(
        village=village, year=TODAY.year, status=state, submitted_at=timezone.now() if state != "draft" else None
    )
    [status] = todos_for(secretary_user, TODAY).secretary["villages"]
    assert status.report_status == state
    assert status.report_label == VillageReport.Status(state).label
    assert str(VillageReport.Status(state).label) in _render(secretary_user, todos_for(secretary_user, TODAY))


def test_a_secretary_sees_their_villages_open_demands_and_this_years_recommendations(
    secretary_user, village, talent, other_talent
):
    _demand(talent, "村里人才的诉求", due_in=3)
    _demand(other_talent, "别村的诉求", due_in=3)
    RecommendationFactory(talent=talent, organization=village, year=TODAY.year, role=Recommendation.Role.CPPCC)
    RecommendationFactory(talent=talent, organization=village, year=TODAY.year - 1)
    todos = todos_for(secretary_user, TODAY)
    assert _contents(todos.secretary["open_demands"]) == ["村里人才的诉求"]
    assert [r.role for r in todos.secretary["recommendations"].rows] == [Recommendation.Role.CPPCC]
    body = _render(secretary_user, todos)
    assert "村里人才的诉求" in body and "陈丽华" in body
    assert reverse("ledger:recommendations") + f"?year={TODAY.year}" in body


# --- Cadre ---------------------------------------------------------------------------------------


def test_a_cadre_sees_reports_to_acknowledge_and_feedback_about_them(
    cadre, talent, other_talent, other_cadre, office_user
):
    mine = MajorEventFactory(talent=talent, cadre=cadre, description="待确认")
    MajorEventFactory(talent=talent, cadre=cadre, acknowledged_at=timezone.now(), acknowledged_by=office_user)
    MajorEventFactory(talent=other_talent, cadre=other_cadre)
    FeedbackFactory(unit=talent.unit, cadre=cadre, content="关于我的反馈")
    FeedbackFactory(unit=talent.unit, cadre=other_cadre, content="关于别人的反馈")
    todos = todos_for(cadre.user, TODAY)
    assert todos.cadre["events"].rows == [mine]
    assert _contents(todos.cadre["feedback"]) == ["关于我的反馈"]
    body = _render(cadre.user, todos)
    assert f'action="{reverse("ledger:event_acknowledge", args=[mine.pk])}"' in body
    assert 'name="back" value="home"' in body
    assert "关于别人的反馈" not in body


# --- Office and leader ---------------------------------------------------------------------------


def test_the_office_sees_unacknowledged_reports_open_feedback_and_overdue_demands(office_user, talent, other_talent):
    MajorEventFactory(talent=talent, description="待确认一")
    MajorEventFactory(talent=other_talent, description="待确认二")
    MajorEventFactory(talent=talent, acknowledged_at=timezone.now(), acknowledged_by=office_user)
    FeedbackFactory(unit=talent.unit, content="待处理反馈", status=Feedback.Status.IN_PROGRESS, handling="处理中")
    _demand(talent, "逾期两天", due_in=-2)
    _demand(other_talent, "逾期十天", due_in=-10)
    _demand(talent, "未到期", due_in=2)
    _closed(talent, "办结的")
    todos = todos_for(office_user, TODAY)
    assert todos.office["events"].total == 2
    assert _contents(todos.office["feedback"]) == ["待处理反馈"]
    assert _contents(todos.office["overdue_demands"]) == ["逾期十天", "逾期两天"]
    body = _render(office_user, todos)
    assert "逾期十天" in body and "待处理反馈" in body
    assert body.count("/acknowledge/") == 2  # a button per report


def test_the_to_do_lists_show_the_first_rows_and_link_to_the_rest(office_user, talent):
    for i in range(12):
        _demand(talent, f"逾期{i}", due_in=-1 - i)
    items = todos_for(office_user, TODAY).office["overdue_demands"]
    assert (len(items.rows), items.total, items.more) == (TODO_ROWS, 12, 12 - TODO_ROWS)
    assert items.url == reverse("ledger:demands") + "?overdue=on"


@pytest.mark.parametrize("user_fixture", ["office_user", "leader_user"])
def test_the_home_pages_to_do_reports_are_those_todos_for_finds_on_its_own(request, client, user_fixture, talent):
    """The office's and the leaders' home page takes them from the dashboard's query: same rows, same total."""
    user = request.getfixturevalue(user_fixture)
    for i in range(11):
        MajorEventFactory(talent=talent, date=_ago(i), description=f"报告{i}")
    MajorEventFactory(talent=talent, acknowledged_at=timezone.now(), acknowledged_by=user)
    client.force_login(user)
    response = client.get(reverse("home"))
    on_page = response.context["todos"].office or response.context["todos"].leader
    alone = todos_for(user, TODAY)
    alone = alone.office or alone.leader
    assert (
        (on_page["events"].total, on_page["events"].more)
        == (alone["events"].total, alone["events"].more)
        == (11, 11 - TODO_ROWS)
    )
    assert [e.pk for e in on_page["events"].rows] == [e.pk for e in alone["events"].rows]
    assert [e.date for e in on_page["events"].rows] == [_ago(i) for i in range(TODO_ROWS)]


def test_a_leader_reads_unacknowledged_reports_and_demands_overdue_past_the_setting(settings, leader_user, talent):
    settings.DEMAND_ESCALATE_AFTER_DAYS = 5
    MajorEventFactory(talent=talent, description="待确认")
    _demand(talent, "刚逾期", due_in=-5)
    _demand(talent, "逾期很久", due_in=-6, raised_ago=60)
    todos = todos_for(leader_user, TODAY)
    assert todos.leader["events"].total == 1
    assert _contents(todos.leader["escalated_demands"]) == ["逾期很久"]
    body = _render(leader_user, todos)
    assert "逾期很久" in body
    assert reverse("ledger:event_acknowledge", args=[todos.leader["events"].rows[0].pk]) not in body


def test_a_user_without_a_role_has_no_to_dos_and_the_partial_renders_nothing(db):
    user = UserFactory(username="nobody")
    todos = todos_for(user, TODAY)
    assert todos.empty
    assert _render(user, todos).strip() == ""


def test_a_cadre_who_is_also_a_liaison_gets_both_blocks(cadre, talent):
    unit = UnitFactory(liaison=cadre.user)
    cadre.user.groups.add(Group.objects.get(name="liaison"))
    cadre.user._meijia_roles = None
    _demand(TalentFactory(unit=unit), "兼任单位的诉求", due_in=1)
    todos = todos_for(cadre.user, TODAY)
    assert todos.cadre is not None
    assert _contents(todos.liaison["open_demands"]) == ["兼任单位的诉求"]


# --- Fixed queries -------------------------------------------------------------------------------


def _world(n: int, *, liaison, secretary, cadre, village, talent):
    """n of everything each role's to-dos read."""
    for i in range(n):
        other = TalentFactory(unit=talent.unit, village=village)
        _demand(other, f"诉求{i}", due_in=-i)
        MajorEventFactory(talent=other, cadre=cadre, date=_ago(i))
        FeedbackFactory(unit=talent.unit, talent=other, cadre=cadre)
        RecommendationFactory(talent=other, organization=village, year=TODAY.year)
    VillageFactory(secretary=secretary)  # a second village of the same secretary


def _queries(user) -> int:
    user._meijia_roles = None
    with CaptureQueriesContext(connection) as ctx:
        todos = todos_for(user, TODAY)
        _render(user, todos)
    return len(ctx.captured_queries)


# roles (groups), then per to-do list its count and its first rows:
# office: events, feedback, overdue demands → 1 + 3×2 = 7
# leader: events, escalated demands → 1 + 2×2 = 5
# cadre: events, feedback → 1 + 2×2 = 5
# village secretary: villages (talent count and report status as subquery / aggregate), open
#   demands, recommendations → 1 + 1 + 2×2 = 6
# liaison: open demands, recent events, open feedback → 1 + 3×2 = 7
@pytest.mark.parametrize(
    ("who", "expected"),
    [("office_user", 7), ("leader_user", 5), ("cadre_user", 3), ("secretary_user", 4), ("liaison_user", 4)],
)
def test_each_roles_to_dos_take_the_same_queries_for_two_or_fifteen_items(
    request, liaison_user, secretary_user, cadre, village, talent, who, expected
):
    user = request.getfixturevalue(who)
    world = {"liaison": liaison_user, "secretary": secretary_user, "cadre": cadre, "village": village, "talent": talent}
    _world(2, **world)
    small = _queries(user)
    _world(13, **world)
    large = _queries(user)
    assert small == large == expected
