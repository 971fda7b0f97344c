"""A submitted December village report keeps the figures it was submitted with (issue 5, item 3; the closing
note): what the office received does not change when the year's data changes afterwards, in the web page, the
PDF, the Word file, the Excel figures, the zip and the township summary; a returned report counts live again."""

from __future__ import annotations

import datetime
import html
import io
import re
import zipfile

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from contacts.models import Contact, Demand
from reports import village_reports as vr
from reports.exporters.township_summary import TownshipSummaryExporter
from reports.exporters.village_report import VillageReportExporter, render_zip
from reports.models import VillageReport
from talents.models import Unit
from tests.factories import (
    ContactFactory,
    DemandFactory,
    PairingFactory,
    TalentFactory,
    TermFactory,
    VillageFactory,
    VillageReportFactory,
)
from tests.reports.test_village_report_exports import _docx_figures, _docx_text, _pdf_text

Y = 2024
TEXTS = {
    "basic_situation": "本村共有优秀人才两名。",
    "main_practices": "坚持面对面交流。",
    "results": "解决人才诉求一件。",
    "problems": "个别人才联系偏少。",
    "next_steps": "明年实现全覆盖。",
}
LOAN = "申请创业贷款贴息"
LATE_DEMAND = "提交之后才登记的诉求"


@pytest.fixture
def home(village, secretary_user):
    """梅家村 in 2024: 陈一 contacted twice (face to face, phone), 刘二 not contacted; 刘二's loan demand is open."""
    term = TermFactory(name="2023年—2024年", start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2024, 12, 31))
    chen = TalentFactory(name="陈一", village=village)
    liu = TalentFactory(name="刘二", village=village)
    pairing = PairingFactory(term=term, talent=chen, start_date=term.start_date, cadre__name="王书记")
    PairingFactory(term=term, talent=liu, start_date=term.start_date, cadre__name="李乡长")
    ContactFactory(pairing=pairing, date=datetime.date(Y, 3, 1), method=Contact.Method.FACE_TO_FACE)
    ContactFactory(pairing=pairing, date=datetime.date(Y, 6, 1), method=Contact.Method.PHONE)
    DemandFactory(talent=liu, raised_on=datetime.date(Y, 4, 1), content=LOAN)
    return village


def _submit(village, by=None) -> VillageReport:
    return vr.report_submit(village=village, year=Y, by=by, texts=TEXTS)


def _change_the_data(village) -> None:
    """After submission: 刘二 is contacted, the loan demand is solved, a new demand is recorded."""
    liu_pairing = village.village_talents.get(name="刘二").pairings.get()
    ContactFactory(pairing=liu_pairing, date=datetime.date(Y, 12, 1), method=Contact.Method.FACE_TO_FACE)
    Demand.objects.filter(content=LOAN).update(
        status=Demand.Status.RESOLVED, closed_on=datetime.date(Y, 12, 2), satisfaction=Demand.Satisfaction.SATISFIED
    )
    DemandFactory(talent=liu_pairing.talent, raised_on=datetime.date(Y, 12, 3), content=LATE_DEMAND)


SUBMITTED = {"Contacts in the year": "2", "Coverage": "50%", "Not contacted": "刘二", "Demands solved": "0"}
LIVE = {"Contacts in the year": "3", "Coverage": "100%", "Not contacted": "—", "Demands solved": "1"}


def _translated(figures: dict[str, str]) -> dict[str, str]:
    return {gettext(label): value for label, value in figures.items()}


def _page_figures(body: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>(.*?)</dt><dd data-figure=\"\d+\">(.*?)</dd>", body)
    return {html.unescape(label): html.unescape(value) for label, value in pairs}


def _status_in_ledger(body: str, content: str) -> str:
    row = body.split(content, 1)[1].split("</tr>", 1)[0]
    return next(label for label in Demand.Status.labels if f"<td>{label}</td>" in row)


def _exported(village, fmt: str) -> bytes:
    return VillageReportExporter(user=None, village=village, year=Y).render(fmt).content


def _xlsx_figures(content: bytes) -> dict[str, str]:
    sheet = load_workbook(io.BytesIO(content)).active
    return {r[1]: str(r[2]) for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] and r[1]}


def _assert_shows(figures: dict[str, str], expected: dict[str, str]) -> None:
    for label, value in _translated(expected).items():
        assert figures[label] == value, label


# --- The page and the three formats --------------------------------------------------------------


def test_the_page_of_a_submitted_report_keeps_the_submitted_figures_and_ledger(home, client, office_user):
    report = _submit(home)
    _change_the_data(home)
    client.force_login(office_user)
    body = client.get(reverse("village_reports:report", args=[Y, home.pk])).content.decode()
    _assert_shows(_page_figures(body), SUBMITTED)
    assert _status_in_ledger(body, LOAN) == Demand.Status.OPEN.label
    assert LATE_DEMAND not in body
    frozen = body.split("data-frozen=", 1)[1].split("</p>", 1)[0]
    assert f"{timezone.localtime(report.figures_frozen_at):%Y-%m-%d %H:%M}" in frozen


def test_the_word_and_excel_files_of_a_submitted_report_keep_the_submitted_figures(home):
    _submit(home)
    _change_the_data(home)
    word = _exported(home, "docx")
    _assert_shows(_docx_figures(docx.Document(io.BytesIO(word))), SUBMITTED)
    assert LOAN in _docx_text(word) and LATE_DEMAND not in _docx_text(word)
    _assert_shows(_xlsx_figures(_exported(home, "xlsx")), SUBMITTED)


def test_the_pdf_of_a_submitted_report_keeps_the_submitted_figures_and_ledger(home):
    _submit(home)
    _change_the_data(home)
    text = re.sub(r"\s+", "", _pdf_text(_exported(home, "pdf")))
    assert gettext("Coverage") + "50%" in text and gettext("Coverage") + "100%" not in text
    assert LOAN in text and LATE_DEMAND not in text


def test_a_received_report_keeps_the_submitted_figures(home, office_user):
    report = _submit(home)
    _change_the_data(home)
    vr.report_receive(report=report, by=office_user)
    _assert_shows(_xlsx_figures(_exported(home, "xlsx")), SUBMITTED)


def test_a_draft_shows_the_live_figures(home):
    vr.report_save(village=home, year=Y, by=None, texts=TEXTS)
    _change_the_data(home)
    _assert_shows(_xlsx_figures(_exported(home, "xlsx")), LIVE)
    assert VillageReport.objects.get().figures is None


# --- Returned and submitted again ----------------------------------------------------------------


def test_a_returned_report_shows_live_figures_again_and_the_next_submission_freezes_them(
    home, client, secretary_user, office_user
):
    report = _submit(home)
    _change_the_data(home)
    vr.report_return(report=report, by=office_user, reason="请补充十二月的联系")
    report.refresh_from_db()
    assert (report.figures, report.figures_frozen_at) == (None, None)

    client.force_login(secretary_user)
    body = client.get(reverse("village_reports:report", args=[Y, home.pk])).content.decode()
    _assert_shows(_page_figures(body), LIVE)
    assert _status_in_ledger(body, LOAN) == Demand.Status.RESOLVED.label and LATE_DEMAND in body
    assert "data-frozen" not in body

    resubmitted = vr.report_submit(village=home, year=Y, by=secretary_user)
    ContactFactory(pairing=home.village_talents.get(name="陈一").pairings.get(), date=datetime.date(Y, 12, 20))
    assert resubmitted.figures_frozen_at == resubmitted.submitted_at
    _assert_shows(_xlsx_figures(_exported(home, "xlsx")), LIVE)  # 3 contacts as resubmitted, not the 4th


def test_the_secretary_submitting_on_the_web_freezes_the_figures_of_that_moment(home, client, secretary_user):
    year = timezone.localdate().year
    client.force_login(secretary_user)
    client.post(reverse("village_reports:report", args=[year, home.pk]), {**TEXTS, "save": "1"})
    client.post(reverse("village_reports:submit", args=[year, home.pk]))
    report = VillageReport.objects.get()
    assert report.status == VillageReport.Status.SUBMITTED
    assert report.figures_frozen_at == report.submitted_at
    assert report.figures["talent_counts"]["professional"] == 2


def test_a_report_submitted_before_snapshots_existed_shows_live_figures(home):
    VillageReportFactory(village=home, year=Y, status="submitted", submitted_at=timezone.now(), **TEXTS)
    _change_the_data(home)
    _assert_shows(_xlsx_figures(_exported(home, "xlsx")), LIVE)


# --- The zip and the township summary ------------------------------------------------------------


def test_the_zip_of_all_villages_holds_the_submitted_figures(home):
    _submit(home)
    _change_the_data(home)
    content = render_zip(user=None, villages=Unit.objects.villages(), year=Y).content
    archive = zipfile.ZipFile(io.BytesIO(content))
    (word,) = [n for n in archive.namelist() if n.endswith(".docx")]
    _assert_shows(_docx_figures(docx.Document(io.BytesIO(archive.read(word)))), SUBMITTED)


def test_the_township_summary_shows_a_submitted_villages_figures_as_submitted(home):
    _submit(home)
    _change_the_data(home)
    sheet = load_workbook(io.BytesIO(TownshipSummaryExporter(user=None, year=Y).render("xlsx").content)).active
    (line,) = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == home.name]
    # contacts, face-to-face share, coverage, demands raised/closed/open as in the submitted report
    assert (line[4], line[5], line[6], line[8]) == (2, "50%", "50%", "1/0/1")


# --- Queries -------------------------------------------------------------------------------------


def _page_queries(client, village) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("village_reports:report", args=[Y, village.pk]))
    assert response.status_code == 200
    return len(queries)


def test_a_submitted_reports_page_counts_nothing_again_whatever_the_amount_of_data(home, client, office_user):
    _submit(home)
    client.force_login(office_user)
    small = _page_queries(client, home)
    _change_the_data(home)
    for _i in range(12):
        DemandFactory(talent=TalentFactory(village=home), raised_on=datetime.date(Y, 5, 1))
    vr.report_return(report=VillageReport.objects.get(), by=office_user, reason="重新统计")
    _submit(home)
    large = _page_queries(client, home)
    # session, user, roles (groups), the village, the report (submitted_by joined), the organisation for
    # the page header: the figures come from the report itself.
    assert small == large == 6


def test_freezing_older_submitted_reports_stores_their_figures_and_leaves_drafts_alone(home, other_village):
    legacy = VillageReportFactory(village=home, year=Y, status="received", submitted_at=timezone.now(), **TEXTS)
    draft = VillageReportFactory(village=other_village, year=Y)
    reports = VillageReport.objects.select_related("village")
    assert vr.report_figures_freeze(reports=reports) == 1
    legacy.refresh_from_db()
    draft.refresh_from_db()
    assert legacy.figures["contacts_total"] == 2 and legacy.figures_frozen_at is not None
    assert draft.figures is None
    _change_the_data(home)
    _assert_shows(_xlsx_figures(_exported(home, "xlsx")), SUBMITTED)
    assert vr.report_figures_freeze(reports=reports) == 0


@pytest.fixture
def other_village(db):
    return VillageFactory(name="青山村")
