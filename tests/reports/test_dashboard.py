"""The office home: the state of the work at a glance (R16), office and leaders only, read-only."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contacts.models import Contact, Demand, Level, Pairing, Suggestion, Term
from reports import stats
from reports.models import VillageReport
from reports.views import dashboard_context
from tests.factories import (
    CadreFactory,
    ContactFactory,
    DemandFactory,
    MajorEventFactory,
    PairingFactory,
    SuggestionFactory,
    TalentFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    VillageFactory,
    VillageReportFactory,
)

URL = reverse("reports:dashboard")
FACE, PHONE = Contact.Method.FACE_TO_FACE, Contact.Method.PHONE


def _today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def world(db):
    """A small township, built around today's year (Y) and a current term Y–Y+1.

    Township pairings in force: 王一–甲 (two face-to-face contacts this year), 李二–乙 (one phone
    contact, urgent, not handled), 张三–丙 (last contact 10 March of Y-1), 周四–丁 (never).
    Not in force: 吴五–戊 (ended). Village pairing 赵村–己: one face-to-face contact this year.
    """
    today = _today()
    year = today.year
    term = TermFactory(
        name=Term.name_for(year), start_date=datetime.date(year, 1, 1), end_date=datetime.date(year + 1, 12, 31)
    )
    home = VillageFactory(name="梅溪村", sort_order=1)
    unit = UnitFactory(name="梅家乡农业服务中心")

    def pair(cadre_name: str, talent_name: str, **cadre_fields) -> Pairing:
        cadre = CadreFactory(name=cadre_name, **cadre_fields)
        talent = TalentFactory(name=talent_name, village=home, unit=unit)
        return PairingFactory(term=term, cadre=cadre, talent=talent, start_date=term.start_date)

    p1, p2, p3, p4 = pair("王一", "甲"), pair("李二", "乙"), pair("张三", "丙"), pair("周四", "丁")
    ended = pair("吴五", "戊")
    ended.end_date, ended.end_reason = term.start_date, Pairing.EndReason.POST_CHANGE
    ended.save()
    village_pairing = pair("赵村", "己", level=Level.VILLAGE, village=home)

    jan, feb = datetime.date(year, 1, 1), datetime.date(year, 2, 1)
    c1 = ContactFactory(pairing=p1, date=jan, method=FACE)
    ContactFactory(pairing=p1, date=feb, method=FACE)
    ContactFactory(pairing=p2, date=feb, method=PHONE, urgent=True)
    ContactFactory(pairing=p3, date=datetime.date(year - 1, 3, 10), method=FACE)
    ContactFactory(pairing=village_pairing, date=jan, method=FACE)
    ContactFactory(pairing=ended, date=datetime.date(year - 1, 5, 1), urgent=True, handled_at=timezone.now())

    # Suggestions: three heard this year (one adopted, one not), one heard at a contact last year.
    SuggestionFactory(talent=p1.talent, contact=c1, status=Suggestion.Status.ADOPTED)
    SuggestionFactory(talent=p1.talent, contact=c1, status=Suggestion.Status.NOT_ADOPTED)
    SuggestionFactory(talent=p2.talent)
    old_contact = Contact.objects.get(pairing=p3)
    SuggestionFactory(talent=p3.talent, contact=old_contact, status=Suggestion.Status.ADOPTED)

    # Demands: one open from last year, overdue; three raised today (urgent to do, in progress, resolved).
    DemandFactory(
        talent=p3.talent,
        raised_on=datetime.date(year - 1, 12, 1),
        due_date=datetime.date(year - 1, 12, 10),
        status=Demand.Status.IN_PROGRESS,
    )
    DemandFactory(talent=p1.talent, raised_on=today, due_date=today, urgency=Demand.Urgency.URGENT)
    DemandFactory(talent=p2.talent, raised_on=today, due_date=today, status=Demand.Status.IN_PROGRESS)
    DemandFactory(talent=p2.talent, raised_on=today, due_date=today, status=Demand.Status.RESOLVED, closed_on=today)

    # Major events: two waiting for acknowledgement, one acknowledged.
    MajorEventFactory(talent=p1.talent, reporting_unit=unit, kind="health")
    MajorEventFactory(talent=p2.talent, reporting_unit=unit)
    MajorEventFactory(
        talent=p3.talent, reporting_unit=unit, acknowledged_at=timezone.now(), acknowledged_by=UserFactory()
    )

    # Village reports of this year: 梅溪村 none (last year's received does not count), then one of each status.
    now = timezone.now()
    VillageReportFactory(village=home, year=year - 1, status=VillageReport.Status.RECEIVED, submitted_at=now)
    for i, (status, extra) in enumerate(
        [
            (VillageReport.Status.DRAFT, {}),
            (VillageReport.Status.SUBMITTED, {"submitted_at": now}),
            (VillageReport.Status.RETURNED, {"submitted_at": now, "return_reason": "数据不全"}),
            (VillageReport.Status.RECEIVED, {"submitted_at": now, "received_at": now}),
        ],
        start=2,
    ):
        village = VillageFactory(name=f"村{i}", sort_order=i)
        VillageReportFactory(village=village, year=year, status=status, **extra)
    VillageFactory(name="旧村", active=False)
    return {"term": term, "p1": p1, "p2": p2, "p3": p3, "p4": p4, "ended": ended}


def _get(client, user):
    client.force_login(user)
    return client.get(URL)


def test_it_counts_the_pairings_in_force_and_the_share_contacted_this_year(world):
    dash = dashboard_context(today=_today())["dash"]
    assert dash.term == world["term"]
    in_force = stats.pairings_in_force(term=world["term"], today=_today())
    assert sorted(p.talent.name for p in in_force) == sorted(["甲", "乙", "丙", "丁"])
    assert dash.pairings_total == 4
    assert dash.contacted_count == 2
    assert dash.contacted_percent == 50


def test_it_lists_the_talents_not_yet_contacted_never_first_with_days_since_last_contact(world, client, office_user):
    today = _today()
    dash = dashboard_context(today=today)["dash"]
    assert [(p.cadre.name, p.talent.name) for p in dash.not_contacted] == [("周四", "丁"), ("张三", "丙")]
    assert dash.not_contacted[0].days_since is None
    assert dash.not_contacted[1].days_since == (today - datetime.date(today.year - 1, 3, 10)).days
    body = _get(client, office_user).content.decode()
    table = body.split("<h3>")[1].split("</table>")[0]
    assert "丙" in table and "丁" in table and "甲" not in table
    assert f"{today.year - 1}-03-10" in table


def test_the_face_to_face_share_counts_all_contacts_of_the_year(world):
    dash = dashboard_context(today=_today())["dash"]
    assert dash.contacts_total == 4
    assert dash.face_total == 3
    assert dash.face_percent == 75


def test_contacts_per_month_feed_a_bar_chart_with_twelve_months(world):
    context = dashboard_context(today=_today())
    months = context["dash"].months
    assert [m.total for m in months[:3]] == [2, 2, 0]
    assert len(months) == 12
    chart = str(context["dash_charts"]["months"])
    assert chart.startswith("<svg") and 'role="img"' in chart
    assert f"{_today().year}" in chart.split("</title>")[0]


def test_suggestions_collected_and_adopted_count_this_years_only(world):
    assert dashboard_context(today=_today())["dash"].suggestions == {
        "collected": 3,
        "adopted": 1,
        "not_adopted": 1,
        "waiting": 1,
    }


def test_demands_by_status_and_the_overdue_ones(world):
    demands = dashboard_context(today=_today())["dash"].demands
    assert {code: n for code, _label, n in demands.by_status} == {
        "open": 1,
        "in_progress": 1,
        "resolved": 1,
        "explained": 0,
    }
    assert demands.raised == 3
    assert demands.open == 3
    assert demands.carried_over == 1
    assert demands.overdue == 1


def test_unacknowledged_major_events_and_open_urgent_items_are_counted(world, client, office_user):
    dash = dashboard_context(today=_today())["dash"]
    assert dash.events_count == 2
    assert sorted(e.talent.name for e in dash.events) == ["乙", "甲"]
    assert dash.urgent_contacts == 1
    assert dash.demands.urgent_open == 1
    assert dash.urgent_total == 2
    body = _get(client, office_user).content.decode()
    assert '<section class="card attention" aria-labelledby="dash-events">' in body
    assert '<section class="card attention" aria-labelledby="dash-urgent">' in body
    # On the home page the to-dos list the events, with their buttons: not a second time in the overview.
    home = client.get(reverse("home")).content.decode()
    assert 'aria-labelledby="dash-events"' not in home
    assert home.count("/acknowledge/") == 2  # a button per report
    assert '<section class="card attention" aria-labelledby="dash-urgent">' in home


def test_each_active_villages_report_status_for_this_year_is_shown(world, client, office_user):
    dash = dashboard_context(today=_today())["dash"]
    assert [(v.name, v.report_status) for v in dash.villages] == [
        ("梅溪村", "none"),
        ("村2", "draft"),
        ("村3", "submitted"),
        ("村4", "returned"),
        ("村5", "received"),
    ]
    assert [n for _code, _label, n in dash.report_counts] == [1, 1, 1, 1, 1]
    body = _get(client, office_user).content.decode()
    assert 'data-report-status="returned"' in body
    assert "旧村" not in body


def test_without_a_current_term_the_page_says_so_and_still_counts_the_rest(client, office_user):
    response = _get(client, office_user)
    assert response.status_code == 200
    dash = response.context["dash"]
    assert dash.term is None and dash.pairings_total == 0 and dash.contacted_percent is None
    body = response.content.decode()
    assert gettext("No current term is set.") in body
    assert gettext("no pairings in force") in body


def test_the_office_sees_the_dashboard_with_its_charts(world, client, office_user):
    response = _get(client, office_user)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg"') == 5
    assert reverse("reports:compliance") in body


def test_a_leader_reads_the_same_dashboard_without_any_form_or_button(world, client, leader_user):
    response = _get(client, leader_user)
    assert response.status_code == 200
    assert response.context["dash"].contacted_count == 2
    main = response.content.decode().split('<main id="main">')[1]
    assert "<form" not in main and "<button" not in main


def test_the_dashboard_cannot_be_posted_to(world, client, leader_user):
    client.force_login(leader_user)
    assert client.post(URL).status_code == 405


@pytest.mark.parametrize("who", ["cadre_user", "secretary_user", "liaison_user"])
def test_cadres_secretaries_and_liaisons_are_refused(world, client, request, who):
    assert _get(client, request.getfixturevalue(who)).status_code == 403


def test_a_user_without_a_role_is_refused(client, db):
    assert _get(client, UserFactory(username="nobody")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _grow(world) -> None:
    """Fifteen more pairings with contacts, suggestions, demands, events, villages and reports."""
    today, term = _today(), world["term"]
    for i in range(15):
        village = VillageFactory(name=f"新村{i}")
        p = PairingFactory(term=term, talent=TalentFactory(village=village), start_date=term.start_date)
        contact = ContactFactory(pairing=p, date=datetime.date(today.year, 1 + i % 12, 1), urgent=i % 3 == 0)
        SuggestionFactory(talent=p.talent, contact=contact)
        DemandFactory(talent=p.talent, raised_on=today, due_date=today)
        MajorEventFactory(talent=p.talent)
        VillageReportFactory(village=village, year=today.year)


def _queries(client, user, *, cold: bool = True) -> int:
    if cold:
        cache.clear()  # the yearly figures are computed, not read from the cache (reports.stats.year_figures)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_runs_the_same_queries_for_a_small_and_a_large_township(world, client, office_user):
    client.force_login(office_user)
    small, small_cached = _queries(client, office_user), _queries(client, office_user, cold=False)
    _grow(world)
    large, large_cached = _queries(client, office_user), _queries(client, office_user, cold=False)
    assert dashboard_context(today=_today())["dash"].pairings_total == 19
    # session, user, roles (groups), current term, the latest unacknowledged events (talent, cadre,
    # unit joined; their number as a window), pairings in force (count), the first pairings not contacted
    # this year (cadre, talent, unit joined; last contact as a subquery, their number as a window),
    # contacts per month (grouped, face-to-face as a conditional count), suggestions heard at the year's
    # contacts, suggestions recorded without a contact, demands raised since 1 January (by status),
    # open demands (open, overdue), open urgent demands, open urgent contacts (count), villages per
    # report status (grouped), the first villages with this year's report status, organisation for the header;
    # the cache: a miss (read, then count, write and expire of the database cache), or one read on a hit;
    # the same again for the HTML of the yearly sections (templates/reports/_dashboard.html).
    # On a hit the term and the villages come with the yearly figures: session, user, roles, events,
    # urgent contacts, organisation and the two reads of the cache.
    assert small == large == 29
    assert small_cached == large_cached == 8


def test_the_yearly_figures_are_shared_for_a_minute_and_the_page_says_when_they_were_computed(
    world, client, office_user
):
    client.force_login(office_user)
    first = _get(client, office_user)
    computed = dashboard_context(today=_today())["dash"].computed_at
    assert (
        gettext("Yearly figures computed at %(time)s, updated every minute.")
        % {"time": timezone.localtime(computed).strftime("%H:%M")}
        in first.content.decode()
    )
    p4 = Pairing.objects.get(talent__name="丁")
    ContactFactory(pairing=p4, date=_today(), method=FACE)
    # Within the minute every office user reads the same figures: 丁 still waits, 4 contacts this year.
    assert dashboard_context(today=_today())["dash"].contacts_total == 4
    cache.clear()  # what the minute's expiry does
    dash = dashboard_context(today=_today())["dash"]
    assert dash.contacts_total == 5
    assert "丁" not in [p.talent.name for p in dash.not_contacted]


def test_a_village_report_status_reaches_the_dashboard_within_the_minute_and_events_at_once(world, client, office_user):
    """The villages' report status travels with the yearly figures; major events are read on every request."""
    before = dashboard_context(today=_today())["dash"]
    assert dict((v.name, v.report_status) for v in before.villages)["梅溪村"] == "none"
    VillageReport.objects.create(village=before.villages[0], year=_today().year, status="draft")
    MajorEventFactory(talent=Pairing.objects.get(talent__name="丁").talent)
    cached = dashboard_context(today=_today())["dash"]
    assert dict((v.name, v.report_status) for v in cached.villages)["梅溪村"] == "none"
    assert cached.events_count == before.events_count + 1
    cache.clear()  # what the minute's expiry does
    fresh = dashboard_context(today=_today())["dash"]
    assert dict((v.name, v.report_status) for v in fresh.villages)["梅溪村"] == "draft"
    assert fresh.report_status_counts["draft"] == before.report_status_counts["draft"] + 1


def test_the_yearly_sections_html_follows_the_figures_it_was_made_from(world, client, office_user):
    """The sections' HTML is kept with the figures: new figures (the minute is over) show at once."""

    def waiting() -> str:
        body = _get(client, office_user).content.decode()
        return body[body.index('aria-labelledby="dash-contacted"') : body.index('aria-labelledby="dash-contacts"')]

    assert "丁" in waiting()
    body = _get(client, office_user).content.decode()
    assert "{#" not in body and "{%" not in body and "year_figures" not in body  # no template comment leaks
    ContactFactory(pairing=Pairing.objects.get(talent__name="丁"), date=_today(), method=FACE)
    assert "丁" in waiting()  # within the minute: the same figures, the same HTML
    cache.delete(f"reports:dashboard:v2:{_today().isoformat()}")  # the figures' minute is over, not the HTML's
    assert "丁" not in waiting()
