"""The December village report (issue 5, item 3, R19): drafted from data, edited and submitted by the secretary,
returned or received by the office, and the office's board of every village."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from contacts.models import Contact, Demand, Level, Pairing, Recommendation, Suggestion
from reports import village_reports as vr
from reports.models import VillageReport
from talents.models import Talent
from tests.factories import (
    CadreFactory,
    ContactFactory,
    DemandFactory,
    MajorEventFactory,
    PairingFactory,
    RecommendationFactory,
    SuggestionFactory,
    TalentFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    VillageFactory,
    VillageReportFactory,
)

Y = 2024
M = Contact.Method
TEXTS = {
    "basic_situation": "本村共有优秀人才四名。",
    "main_practices": "坚持面对面交流。",
    "results": "解决诉求两件。",
    "problems": "个别人才联系不够。",
    "next_steps": "明年做到全覆盖。",
}


def _this_year() -> int:
    return timezone.localdate().year


def _url(name: str, village, year: int = Y, *args) -> str:
    return reverse(f"village_reports:{name}", args=[year, village.pk, *args])


def _post_texts(**overrides) -> dict:
    return {**TEXTS, **overrides}


@pytest.fixture
def home(secretary_user, village):
    """``village`` (梅家村), whose secretary is ``secretary_user``."""
    return village


@pytest.fixture
def other_village(db):
    secretary = UserFactory(username="secretary_qs", roles=["village_secretary"])
    return VillageFactory(name="青山村", secretary=secretary, sort_order=2)


@pytest.fixture
def crafted(home, other_village):
    """A year (2024) of work in 梅家村, with noise from other villages and other years.

    Talents in the database: 甲 professional, 乙 rural (production), 丙 rural (business), 丁 introduced;
    戊 moved out. Pairings in force in 2024: 王一–甲, 李二–乙, 张三–丙 (township), 赵村–丁 (village level);
    周四–甲 ended in 2022. 2024 contacts: 甲 face, face, phone; 乙 visit (talent's initiative); 丁 phone;
    丙 none (one in 2023). Suggestions 2024: two at 甲's contact, one adopted. Demands raised 2024: solved and
    satisfied, solved and not satisfied, explained and fairly satisfied, open, in progress; one from 2023 still
    open. Recommendations 2024: 乙 elected to the people's congress, 甲 for the Party congress pending.
    Major events 2024: two.
    """
    term = TermFactory(name="2023年—2024年", start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2024, 12, 31))
    old_term = TermFactory(
        name="2021年—2022年",
        start_date=datetime.date(2021, 1, 1),
        end_date=datetime.date(2022, 12, 31),
        is_current=False,
    )
    unit = UnitFactory(name="梅家乡农业服务中心")
    cat = Talent.Category

    def talent(name, category=cat.PROFESSIONAL, village=home, **kw):
        return TalentFactory(name=name, category=category, village=village, unit=unit, **kw)

    jia, yi = talent("甲"), talent("乙", cat.RURAL, rural_type=Talent.RuralType.PRODUCTION)
    bing, ding = talent("丙", cat.RURAL, rural_type=Talent.RuralType.BUSINESS), talent("丁", cat.INTRODUCED)
    wu = talent("戊")
    wu.move_out(on=datetime.date(2024, 6, 1), reason="调离本乡")
    ji = talent("己", village=other_village)

    def pair(cadre_name, who, t=term, ended=None, **cadre_fields):
        cadre = CadreFactory(name=cadre_name, **cadre_fields)
        end = {"end_date": ended, "end_reason": Pairing.EndReason.TERM_ENDED} if ended else {}
        return PairingFactory(term=t, cadre=cadre, talent=who, start_date=t.start_date, **end)

    p_jia, p_yi, p_bing = pair("王一", jia), pair("李二", yi), pair("张三", bing)
    p_ding = pair("赵村", ding, level=Level.VILLAGE, village=home)
    ended = pair("周四", jia, t=old_term, ended=datetime.date(2022, 12, 31))
    p_ji = pair("钱五", ji)

    def on(month, day=1):
        return datetime.date(Y, month, day)

    c1 = ContactFactory(pairing=p_jia, date=on(2), method=M.FACE_TO_FACE, is_consultation=True)
    ContactFactory(pairing=p_jia, date=on(5), method=M.FACE_TO_FACE, is_service=True)
    ContactFactory(pairing=p_jia, date=on(9), method=M.PHONE)
    ContactFactory(pairing=p_yi, date=on(3), method=M.VISIT, direction=Contact.Direction.TALENT)
    ContactFactory(pairing=p_ding, date=on(4), method=M.PHONE)
    c_old = ContactFactory(pairing=p_bing, date=datetime.date(2023, 11, 1), method=M.FACE_TO_FACE)
    c_ji = ContactFactory(pairing=p_ji, date=on(6), method=M.FACE_TO_FACE)
    ContactFactory(pairing=ended, date=datetime.date(2022, 6, 1))

    SuggestionFactory(talent=jia, contact=c1, status=Suggestion.Status.ADOPTED)
    SuggestionFactory(talent=jia, contact=c1)
    SuggestionFactory(talent=bing, contact=c_old, status=Suggestion.Status.ADOPTED)
    SuggestionFactory(talent=ji, contact=c_ji)

    S, sat = Demand.Status, Demand.Satisfaction

    def demand(who, raised, status=S.OPEN, satisfaction="", closed=None, content="希望参加培训。"):
        return DemandFactory(
            talent=who, raised_on=raised, status=status, satisfaction=satisfaction, closed_on=closed, content=content
        )

    demand(jia, on(3), S.RESOLVED, sat.SATISFIED, on(4), content="申请农技培训名额")
    demand(yi, on(4), S.RESOLVED, sat.UNSATISFIED, on(6))
    demand(bing, on(5), S.EXPLAINED, sat.FAIRLY, on(7))
    demand(ding, on(6))
    demand(jia, on(7), S.IN_PROGRESS)
    demand(yi, datetime.date(2023, 10, 1), content="去年的诉求")
    demand(bing, datetime.date(2023, 3, 1), S.RESOLVED, closed=datetime.date(2023, 4, 1))
    demand(ji, on(3))

    R = Recommendation
    RecommendationFactory(talent=yi, organization=home, role=R.Role.PEOPLES_CONGRESS, year=Y, outcome=R.Outcome.ELECTED)
    RecommendationFactory(talent=jia, organization=home, role=R.Role.PARTY_CONGRESS, year=Y)
    RecommendationFactory(talent=jia, organization=home, role=R.Role.CPPCC, year=Y - 1)

    MajorEventFactory(talent=jia, date=on(8))
    MajorEventFactory(talent=ding, date=on(10), kind="invited")
    MajorEventFactory(talent=jia, date=datetime.date(2023, 8, 1))
    MajorEventFactory(talent=ji, date=on(8))
    return {"jia": jia, "yi": yi, "bing": bing, "ding": ding}


# --- The draft's figures -------------------------------------------------------------------------


def test_the_draft_counts_the_villages_talents_by_category(crafted, home):
    f = vr.report_figures(village=home, year=Y)
    assert f.talents_total == 4
    assert {code: n for code, _label, n in f.talents_by_category} == {
        "professional": 1,
        "rural": 2,
        "introduced": 1,
        "other": 0,
    }
    assert {code: n for code, _label, n in f.rural_by_type if n} == {"production": 1, "business": 1}


def test_the_draft_counts_pairings_in_force_and_contacts_by_method(crafted, home):
    f = vr.report_figures(village=home, year=Y)
    assert (len(f.pairings), f.township_pairings, f.village_pairings) == (4, 3, 1)
    assert f.contacts_total == 5
    assert {code: n for code, _label, n in f.contacts_by_method if n} == {"face": 2, "phone": 2, "visit": 1}
    assert f.face_percent == 40
    assert f.contacts_talent_initiated == 1
    assert (f.contacts_consultation, f.contacts_service) == (1, 1)


def test_the_draft_gives_coverage_and_names_the_talents_not_contacted(crafted, home):
    f = vr.report_figures(village=home, year=Y)
    assert len(f.paired_talents) == 4
    assert [t.name for t in f.not_contacted] == ["丙"]
    assert f.coverage_percent == 75


def test_the_draft_counts_suggestions_demands_and_satisfaction(crafted, home):
    f = vr.report_figures(village=home, year=Y)
    assert (f.suggestions_collected, f.suggestions_adopted) == (2, 1)
    d = f.demands
    assert (d.raised, d.resolved, d.explained, d.pending, d.carried_over) == (5, 2, 1, 2, 1)
    assert (d.satisfied, d.fairly, d.unsatisfied) == (1, 1, 1)
    assert d.satisfaction_percent == 67
    assert len(f.demand_rows) == 6  # the year's five and the one carried over, not the one closed in 2023


def test_the_draft_counts_recommendations_and_major_events(crafted, home):
    f = vr.report_figures(village=home, year=Y)
    assert {code: n for code, _label, n in f.recommendations_by_role if n} == {"npc": 1, "party": 1}
    assert f.recommendations_elected == 1
    assert f.events_total == 2


def test_the_pre_filled_text_states_the_figures(crafted, home):
    texts = vr.report_draft(village=home, year=Y).texts
    assert "75%" in texts["basic_situation"] and "丙" in texts["basic_situation"]
    assert "67%" in texts["results"]
    assert texts["next_steps"] == ""
    assert set(texts) == set(vr.NARRATIVE_FIELDS)


def test_the_roster_appendix_lists_the_villages_pairings_without_phones(crafted, home):
    table = vr.roster_table(vr.report_figures(village=home, year=Y))
    # Township pairings first, by cadre (张三, 李二, 王一), then the village level's.
    assert [(row[1], row[4], row[11]) for row in table.rows] == [
        ("张三", "丙", "0"),
        ("李二", "乙", "1"),
        ("王一", "甲", "3"),
        ("赵村", "丁", "1"),
    ]
    assert not any(crafted["jia"].phone in cell for row in table.rows for cell in row)


# --- The secretary's page ------------------------------------------------------------------------


def test_the_secretary_sees_the_figures_and_a_pre_filled_draft_without_anything_saved(
    crafted, home, client, secretary_user
):
    client.force_login(secretary_user)
    response = client.get(_url("report", home))
    body = response.content.decode()
    assert response.status_code == 200
    assert gettext("I. Basic situation") in body and gettext("V. Next steps") in body
    assert "75%" in body and "申请农技培训名额" in body  # coverage figure, demand ledger appendix
    assert 'name="basic_situation"' in body
    assert not VillageReport.objects.exists()


def test_saving_a_draft_creates_the_report_with_the_typed_text(home, client, secretary_user):
    client.force_login(secretary_user)
    response = client.post(_url("report", home), _post_texts(next_steps="", save="1"))
    assert response.status_code == 302
    report = VillageReport.objects.get(village=home, year=Y)
    assert report.status == VillageReport.Status.DRAFT
    assert report.main_practices == TEXTS["main_practices"] and report.next_steps == ""
    assert report.submitted_at is None


def test_submitting_with_an_empty_section_keeps_the_text_and_says_which_section(home, client, secretary_user):
    client.force_login(secretary_user)
    response = client.post(_url("report", home), _post_texts(problems="  ", submit="1"))
    body = response.content.decode()
    assert response.status_code == 200
    assert gettext("Fill in this section before submitting; write “none” if need be.") in body
    assert TEXTS["main_practices"] in body
    assert not VillageReport.objects.exists()


def test_the_secretary_submits_after_a_confirmation_and_the_report_is_locked(home, client, secretary_user):
    year = _this_year()
    client.force_login(secretary_user)
    response = client.post(_url("report", home, year), _post_texts(submit="1"))
    assert response["Location"] == _url("submit", home, year)
    report = VillageReport.objects.get()
    assert report.status == VillageReport.Status.DRAFT  # saved, not yet submitted
    confirm = client.get(response["Location"])
    assert confirm.status_code == 200 and gettext("Confirm and submit") in confirm.content.decode()

    client.post(_url("submit", home, year))
    report.refresh_from_db()
    assert report.status == VillageReport.Status.SUBMITTED
    assert report.submitted_by == secretary_user and report.submitted_at is not None
    assert not vr.report_is_late(report, year=year)

    page = client.get(_url("report", home, year)).content.decode()
    assert 'name="basic_situation"' not in page and TEXTS["results"] in page
    assert 'data-late="1"' not in page
    assert client.post(_url("report", home, year), _post_texts(results="改了", save="1")).status_code == 403
    assert client.post(_url("submit", home, year)).status_code == 403
    assert client.get(_url("submit", home, year)).status_code == 403
    report.refresh_from_db()
    assert report.results == TEXTS["results"] and report.status == VillageReport.Status.SUBMITTED


def test_a_report_submitted_after_31_december_is_accepted_and_marked_late(home, client, secretary_user):
    last_year = _this_year() - 1
    client.force_login(secretary_user)
    client.post(_url("report", home, last_year), _post_texts(save="1"))
    confirm = client.get(_url("submit", home, last_year)).content.decode()
    assert gettext("The deadline (%(day)s) has passed: the report will be marked late.").split("%(day)s")[0] in confirm

    client.post(_url("submit", home, last_year))
    report = VillageReport.objects.get()
    assert report.status == VillageReport.Status.SUBMITTED
    assert vr.report_is_late(report, year=last_year)
    assert 'data-late="1"' in client.get(_url("report", home, last_year)).content.decode()


def test_a_submission_on_31_december_is_in_time_and_one_on_1_january_is_late(home, secretary_user):
    tz = timezone.get_current_timezone()
    on_time = vr.report_submit(
        village=home, year=Y, by=secretary_user, texts=TEXTS, now=datetime.datetime(Y, 12, 31, 23, 0, tzinfo=tz)
    )
    assert not vr.report_is_late(on_time, year=Y)
    on_time.submitted_at = datetime.datetime(Y + 1, 1, 1, 0, 30, tzinfo=tz)
    assert vr.report_is_late(on_time, year=Y)


def test_the_office_returns_a_report_with_a_reason_and_the_secretary_edits_and_resubmits(
    home, client, secretary_user, office_user
):
    year = _this_year()
    vr.report_submit(village=home, year=year, by=secretary_user, texts=TEXTS)
    client.force_login(office_user)
    missing = client.post(_url("return", home, year), {"return_reason": " "})
    assert missing.status_code == 200 and gettext("Say why the report is returned.") in missing.content.decode()
    assert VillageReport.objects.get().status == VillageReport.Status.SUBMITTED

    client.post(_url("return", home, year), {"return_reason": "联系次数与台账不一致"})
    report = VillageReport.objects.get()
    assert (report.status, report.return_reason) == (VillageReport.Status.RETURNED, "联系次数与台账不一致")

    client.force_login(secretary_user)
    page = client.get(_url("report", home, year)).content.decode()
    assert "联系次数与台账不一致" in page and 'name="results"' in page
    client.post(_url("report", home, year), _post_texts(results="已核实，解决诉求三件。", submit="1"))
    client.post(_url("submit", home, year))
    report.refresh_from_db()
    assert report.status == VillageReport.Status.SUBMITTED and report.results == "已核实，解决诉求三件。"


def test_the_office_marks_a_report_received_and_it_stays_locked(home, client, secretary_user, office_user):
    year = _this_year()
    vr.report_submit(village=home, year=year, by=secretary_user, texts=TEXTS)
    client.force_login(office_user)
    client.post(_url("receive", home, year))
    report = VillageReport.objects.get()
    assert report.status == VillageReport.Status.RECEIVED and report.received_at is not None
    # Neither returned nor received twice.
    client.post(_url("return", home, year), {"return_reason": "再退回"})
    assert VillageReport.objects.get().status == VillageReport.Status.RECEIVED
    client.force_login(secretary_user)
    assert client.post(_url("report", home, year), _post_texts(save="1")).status_code == 403


def test_a_draft_cannot_be_returned_or_received(home, office_user):
    report = vr.report_save(village=home, year=Y, by=None, texts=TEXTS)
    with pytest.raises(vr.WrongReportState):
        vr.report_receive(report=report, by=office_user)
    with pytest.raises(vr.WrongReportState):
        vr.report_return(report=report, by=office_user, reason="不全")


# --- The board -----------------------------------------------------------------------------------


def _board(client, year) -> str:
    response = client.get(reverse("village_reports:board"), {"year": year})
    assert response.status_code == 200
    return response.content.decode()


def _status_of(body: str, village) -> str:
    row = body.split(f'data-village="{village.pk}"', 1)[1].split("</tr>", 1)[0]
    return row.split('data-report-status="', 1)[1].split('"', 1)[0]


def test_the_board_shows_every_active_villages_status(home, other_village, client, office_user, secretary_user):
    year = _this_year()
    states = {}
    for i, status in enumerate(["draft", "submitted", "returned", "received"]):
        v = VillageFactory(name=f"状态{i}村", sort_order=10 + i)
        fields = {"status": status}
        if status != "draft":
            fields["submitted_at"] = timezone.now()
        if status == "returned":
            fields["return_reason"] = "请补充"
        VillageReportFactory(village=v, year=year, **fields)
        states[v] = status
    VillageFactory(name="撤并村", active=False)
    client.force_login(office_user)
    body = _board(client, year)
    assert _status_of(body, home) == "none" and _status_of(body, other_village) == "none"
    for v, status in states.items():
        assert _status_of(body, v) == status
    assert "撤并村" not in body
    assert 'data-count="submitted">1<' in body and 'data-count="none">2<' in body
    assert reverse("village_reports:download_all", args=[year]) in body


def test_the_board_marks_late_submissions_and_missing_reports_of_a_past_year(home, other_village, client, office_user):
    tz = timezone.get_current_timezone()
    vr.report_submit(village=home, year=Y, by=None, texts=TEXTS, now=datetime.datetime(Y + 1, 1, 5, 9, tzinfo=tz))
    client.force_login(office_user)
    body = _board(client, Y)
    home_row = body.split(f'data-village="{home.pk}"', 1)[1].split("</tr>", 1)[0]
    other_row = body.split(f'data-village="{other_village.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-late="1"' in home_row and f"{Y + 1}-01-05" in home_row
    assert 'data-late="1"' in other_row  # never submitted, deadline passed
    assert pgettext("village report", "late") in body


def test_a_secretary_sees_only_their_own_village_on_the_board(home, other_village, client, secretary_user):
    client.force_login(secretary_user)
    body = _board(client, Y)
    assert home.name in body and other_village.name not in body
    assert reverse("village_reports:download_all", args=[Y]) not in body


# --- Query counts --------------------------------------------------------------------------------


def _grow(home, n: int) -> None:
    """n more talents of the village, each paired, contacted, with a demand, a suggestion and an event."""
    term = Term_2024()
    for i in range(n):
        talent = TalentFactory(name=f"增{i}", village=home)
        pairing = PairingFactory(term=term, talent=talent, start_date=term.start_date)
        contact = ContactFactory(pairing=pairing, date=datetime.date(Y, 3, 1))
        SuggestionFactory(talent=talent, contact=contact)
        DemandFactory(talent=talent, raised_on=datetime.date(Y, 3, 2), responsible_unit=talent.unit)
        MajorEventFactory(talent=talent, date=datetime.date(Y, 4, 1))
        RecommendationFactory(talent=talent, organization=home, year=Y)


def Term_2024():
    return TermFactory(name="2023年—2024年", start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2024, 12, 31))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_edit_page_runs_the_same_queries_for_a_small_and_a_large_village(home, client, secretary_user):
    _grow(home, 2)
    vr.report_save(village=home, year=Y, by=secretary_user, texts=TEXTS)
    client.force_login(secretary_user)
    small = _count(client, _url("report", home))
    _grow(home, 15)
    large = _count(client, _url("report", home))
    # session, user, roles (groups), the village, the report (submitted_by joined),
    # the seven figures: talents by category, pairings (cadre, talent, unit, term, replaced cadre joined;
    # contacts counted), contacts by method, suggestions, demands (talent, units, cadre joined),
    # recommendations (talent joined), events by kind; the organisation for the page header.
    assert small == large == 13


def test_the_board_runs_the_same_queries_for_few_and_many_villages(client, office_user):
    for i in range(2):
        VillageReportFactory(village=VillageFactory(name=f"少{i}村"), year=Y)
    client.force_login(office_user)
    small = _count(client, reverse("village_reports:board") + f"?year={Y}")
    for i in range(15):
        VillageReportFactory(
            village=VillageFactory(name=f"多{i}村"), year=Y, status="submitted", submitted_at=timezone.now()
        )
    large = _count(client, reverse("village_reports:board") + f"?year={Y}")
    # session, user, roles (groups), the villages counted, the page of villages, the page's villages
    # again for the rows, their reports (submitted_by joined), the reports counted per status,
    # the organisation for the page header.
    assert small == large == 9


# --- Access --------------------------------------------------------------------------------------


def _all_urls(village, year=Y) -> list[tuple[str, str]]:
    """(method, url) of every page of the village report."""
    return [
        ("get", reverse("village_reports:board")),
        ("get", _url("report", village, year)),
        ("post", _url("report", village, year)),
        ("get", _url("submit", village, year)),
        ("post", _url("submit", village, year)),
        ("post", _url("return", village, year)),
        ("post", _url("receive", village, year)),
        ("get", _url("download", village, year, "pdf")),
        ("get", reverse("village_reports:download_all", args=[year])),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page_everywhere(home, client):
    for method, url in _all_urls(home):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", ["cadre", "liaison"])
def test_cadres_and_liaisons_are_refused_everywhere(home, client, role):
    VillageReportFactory(village=home, year=Y, status="submitted", submitted_at=timezone.now())
    client.force_login(UserFactory(username=f"{role}_x", roles=[role]))
    for method, url in _all_urls(home):
        assert getattr(client, method)(url, _post_texts()).status_code == 403, url


def test_a_secretary_gets_404_for_another_villages_report(home, other_village, client, secretary_user):
    VillageReportFactory(village=other_village, year=Y, status="submitted", submitted_at=timezone.now())
    client.force_login(secretary_user)
    for method, url in _all_urls(other_village)[1:-1]:
        assert getattr(client, method)(url, _post_texts()).status_code == 404, url
    assert VillageReport.objects.get().status == VillageReport.Status.SUBMITTED


def test_a_secretary_may_not_return_receive_or_download_all(home, client, secretary_user):
    vr.report_submit(village=home, year=Y, by=secretary_user, texts=TEXTS)
    client.force_login(secretary_user)
    assert client.post(_url("return", home), {"return_reason": "自己退回"}).status_code == 403
    assert client.post(_url("receive", home)).status_code == 403
    assert client.get(reverse("village_reports:download_all", args=[Y])).status_code == 403
    assert VillageReport.objects.get().status == VillageReport.Status.SUBMITTED


def test_a_leader_reads_every_village_but_changes_nothing(home, client, leader_user):
    vr.report_submit(village=home, year=Y, by=None, texts=TEXTS)
    client.force_login(leader_user)
    page = client.get(_url("report", home))
    assert page.status_code == 200 and TEXTS["results"] in page.content.decode()
    assert gettext("Mark received") not in page.content.decode()
    assert home.name in _board(client, Y)
    assert client.post(_url("report", home), _post_texts(save="1")).status_code == 403
    assert client.post(_url("return", home), {"return_reason": "领导退回"}).status_code == 403
    assert client.post(_url("receive", home)).status_code == 403
    assert client.post(_url("submit", home)).status_code == 403
    assert VillageReport.objects.get().status == VillageReport.Status.SUBMITTED


def test_the_office_reads_every_village_but_does_not_write_the_narrative(home, client, office_user):
    client.force_login(office_user)
    assert client.get(_url("report", home)).status_code == 200
    assert client.post(_url("report", home), _post_texts(save="1")).status_code == 403
    assert client.get(_url("submit", home)).status_code == 403
    assert not VillageReport.objects.exists()


def test_a_missing_report_or_an_impossible_year_is_not_found(home, client, office_user):
    client.force_login(office_user)
    assert client.post(_url("receive", home)).status_code == 404
    assert client.get(_url("report", home, 1900)).status_code == 404
    assert client.get(reverse("village_reports:report", args=[Y, 999999])).status_code == 404
