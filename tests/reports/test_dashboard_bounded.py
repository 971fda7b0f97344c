"""The dashboard counts everything but loads only the rows it shows (issue 7), with the figures unchanged."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contacts.models import Demand, Level, Pairing, Suggestion, Term
from reports import stats
from reports.models import VillageReport
from reports.views import dashboard_context
from tests.factories import (
    CadreFactory,
    ContactFactory,
    DemandFactory,
    PairingFactory,
    SuggestionFactory,
    TalentFactory,
    TermFactory,
    VillageFactory,
    VillageReportFactory,
)

Y = timezone.localdate().year
TODAY = datetime.date(Y, 6, 15)  # for the figures asked of reports.stats directly; the page counts real today
URL = reverse("reports:dashboard")


@pytest.fixture
def terms(db):
    old = TermFactory(
        name=Term.name_for(Y - 3),
        start_date=datetime.date(Y - 3, 1, 1),
        end_date=datetime.date(Y - 2, 12, 31),
        is_current=False,
    )
    current = TermFactory(
        name=Term.name_for(Y - 1), start_date=datetime.date(Y - 1, 1, 1), end_date=datetime.date(Y, 12, 31)
    )
    return {"old": old, "current": current}


def _pair(term: Term, cadre, talent, *, ended: bool = False, **fields) -> Pairing:
    pairing = PairingFactory(term=term, cadre=cadre, talent=talent, start_date=term.start_date, **fields)
    if ended:
        pairing.end_date, pairing.end_reason = term.end_date, Pairing.EndReason.TERM_ENDED
        pairing.save()
    return pairing


def _showing(shown: int, total: int) -> str:
    return gettext("Showing %(shown)s of %(total)s.") % {"shown": shown, "total": total}


def _old_not_contacted(today: datetime.date) -> list[Pairing]:
    """The dashboard's list as it was computed before issue 7: every pairing loaded, sorted in Python."""
    waiting = [p for p in stats.pairings_in_force(term=Term.objects.current(), today=today) if not p.contacted]
    return sorted(waiting, key=lambda p: (p.days_since is not None, -(p.days_since or 0)))


def test_a_contact_on_the_cadres_earlier_pairing_with_the_same_talent_counts_as_contacted(terms):
    cadre, talent = CadreFactory(name="王一"), TalentFactory(name="甲")
    earlier = _pair(terms["old"], cadre, talent, ended=True)
    _pair(terms["current"], cadre, talent)
    ContactFactory(pairing=earlier, date=datetime.date(Y, 2, 1))

    dash = dashboard_context(today=TODAY)["dash"]

    assert (dash.pairings_total, dash.contacted_count, dash.not_contacted) == (1, 1, [])


def test_another_cadres_contact_with_the_talent_does_not_count_and_the_last_contact_is_the_cadres_own(terms):
    talent = TalentFactory(name="乙")
    mine = _pair(terms["current"], CadreFactory(name="李二"), talent)
    village_cadre = CadreFactory(name="赵村", level=Level.VILLAGE, village=talent.village)
    ContactFactory(pairing=_pair(terms["current"], village_cadre, talent, level=Level.VILLAGE), date=TODAY)
    ContactFactory(pairing=mine, date=datetime.date(Y - 1, 5, 4))

    dash = dashboard_context(today=TODAY)["dash"]

    assert dash.contacted_count == 0
    [row] = dash.not_contacted
    assert (row.talent.name, row.last_contact) == ("乙", datetime.date(Y - 1, 5, 4))
    assert row.days_since == (TODAY - datetime.date(Y - 1, 5, 4)).days


@pytest.fixture
def many_waiting(terms):
    """25 township pairings not contacted this year (8 never, 17 last contacted on different days of last year),
    3 contacted this year, one ended and one village pairing."""
    for i in range(25):
        pairing = _pair(
            terms["current"], CadreFactory(name=f"干部{i:02d}", sort_order=i), TalentFactory(name=f"人才{i:02d}")
        )
        if i >= 8:
            ContactFactory(pairing=pairing, date=datetime.date(Y - 1, 1, 1) + datetime.timedelta(days=7 * (i % 13)))
    for i in range(3):
        ContactFactory(
            pairing=_pair(terms["current"], CadreFactory(), TalentFactory()), date=datetime.date(Y, 1, i + 1)
        )
    _pair(terms["current"], CadreFactory(), TalentFactory(), ended=True)
    village = VillageFactory()
    _pair(terms["current"], CadreFactory(level=Level.VILLAGE, village=village), TalentFactory(village=village))


def test_every_pairing_is_counted_but_only_the_first_twenty_waiting_are_listed(many_waiting, client, office_user):
    dash = dashboard_context(today=TODAY)["dash"]

    assert (dash.pairings_total, dash.contacted_count, dash.not_contacted_total) == (28, 3, 25)
    assert dash.contacted_percent == 11
    assert len(dash.not_contacted) == stats.DASHBOARD_ROWS == 20
    client.force_login(office_user)
    body = client.get(URL).content.decode()
    table = body.split('id="dash-contacted"')[1].split("</table>")[0]
    assert table.count("<tr>") == 21  # the header and twenty rows
    assert _showing(20, 25) in body


def test_the_waiting_list_is_the_same_as_sorting_every_pairing_never_contacted_first_then_longest_silence(
    many_waiting,
):
    dash = dashboard_context(today=TODAY)["dash"]
    old = _old_not_contacted(TODAY)

    assert len(old) == dash.not_contacted_total
    assert [(p.pk, p.last_contact, p.days_since) for p in dash.not_contacted] == [
        (p.pk, p.last_contact, p.days_since) for p in old[: stats.DASHBOARD_ROWS]
    ]
    assert [p.last_contact for p in dash.not_contacted[:8]] == [None] * 8
    silences = [p.days_since for p in dash.not_contacted[8:]]
    assert silences == sorted(silences, reverse=True)


def test_every_village_is_counted_by_report_status_but_only_the_first_twenty_are_listed(db, client, office_user):
    year = Y
    villages = [VillageFactory(name=f"村{i:02d}", sort_order=i) for i in range(23)]
    VillageFactory(name="撤并村", active=False)
    VillageReportFactory(village=villages[0], year=year, status=VillageReport.Status.DRAFT)
    VillageReportFactory(
        village=villages[22], year=year, status=VillageReport.Status.SUBMITTED, submitted_at=timezone.now()
    )
    VillageReportFactory(village=villages[21], year=year - 1, status=VillageReport.Status.DRAFT)

    dash = dashboard_context(today=timezone.localdate())["dash"]

    assert dict((code, n) for code, _label, n in dash.report_counts) == {
        "none": 21,
        "draft": 1,
        "submitted": 1,
        "returned": 0,
        "received": 0,
    }
    assert dash.villages_total == 23
    assert [v.name for v in dash.villages] == [f"村{i:02d}" for i in range(20)]
    assert [v.report_status for v in dash.villages[:2]] == ["draft", "none"]
    client.force_login(office_user)
    body = client.get(URL).content.decode()
    assert _showing(20, 23) in body
    assert reverse("village_reports:board") in body


def test_an_open_demand_dated_next_year_is_open_but_neither_raised_this_year_nor_carried_over(db):
    talent = TalentFactory()
    DemandFactory(talent=talent, raised_on=datetime.date(Y - 1, 5, 1), status=Demand.Status.OPEN)
    DemandFactory(
        talent=talent,
        raised_on=datetime.date(Y - 1, 5, 2),
        status=Demand.Status.RESOLVED,
        closed_on=datetime.date(Y - 1, 6, 1),
    )
    DemandFactory(talent=talent, raised_on=datetime.date(Y, 2, 1), status=Demand.Status.IN_PROGRESS)
    DemandFactory(talent=talent, raised_on=datetime.date(Y + 1, 1, 5), status=Demand.Status.OPEN)

    demands = stats.demand_counts(year=Y, today=TODAY)

    assert (demands.raised, demands.open, demands.carried_over) == (1, 3, 1)
    assert dict((code, n) for code, _label, n in demands.by_status)["in_progress"] == 1


def test_suggestions_count_by_the_contacts_date_else_the_day_they_were_recorded(db):
    year = Y
    pairing = PairingFactory()
    this_year = ContactFactory(pairing=pairing, date=datetime.date(year, 1, 2))
    last_year = ContactFactory(pairing=pairing, date=datetime.date(year - 1, 12, 30))
    SuggestionFactory(talent=pairing.talent, contact=this_year, status=Suggestion.Status.ADOPTED)
    SuggestionFactory(talent=pairing.talent, contact=last_year, status=Suggestion.Status.ADOPTED)
    SuggestionFactory(talent=pairing.talent, status=Suggestion.Status.FORWARDED, forwarded_to="乡农业服务中心")

    assert stats.suggestion_counts(year=year) == {"collected": 2, "adopted": 1, "not_adopted": 0, "waiting": 1}


def _page_queries(client) -> int:
    cache.clear()  # the yearly figures are computed, not read from the cache (reports.stats.year_figures)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_page_runs_the_same_queries_with_more_waiting_pairings_and_villages_than_it_lists(
    terms, client, office_user
):
    client.force_login(office_user)
    _pair(terms["current"], CadreFactory(), TalentFactory())
    small = _page_queries(client)
    for _ in range(30):
        _pair(terms["current"], CadreFactory(), TalentFactory())  # each talent with a village of their own
    large = _page_queries(client)
    cache.clear()
    dash = dashboard_context(today=timezone.localdate())["dash"]
    assert (dash.not_contacted_total, len(dash.not_contacted), dash.villages_total) == (31, 20, 31)
    # session, user, roles (groups), current term, the latest unacknowledged events with their number
    # (window), pairings in force (count), the first waiting pairings with their count (window), contacts
    # per month, suggestions heard at contacts, suggestions recorded alone, demands raised since 1 January
    # by status, open demands, urgent demands, open urgent contacts, villages per report status, the
    # first villages with their status, organisation for the header; 6 of the database cache (a miss) for
    # the figures and 6 for the HTML of the yearly sections
    assert small == large == 29
