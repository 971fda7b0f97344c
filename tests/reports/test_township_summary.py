"""各村(社区)联系服务优秀人才工作汇总表 (R18; issue 5, item 4): every village side by side in Excel, PDF and Word,
the same figures as each village's report, office and leaders only, and each download logged."""

from __future__ import annotations

import datetime
import io
import re

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from contacts.models import Contact, Demand, Level
from reports import village_reports as vr
from reports.exporters.township_summary import TownshipSummaryExporter
from reports.models import ExportLog
from tests.factories import (
    ContactFactory,
    DemandFactory,
    PairingFactory,
    RecommendationFactory,
    SuggestionFactory,
    TalentFactory,
    TermFactory,
    VillageFactory,
)

Y = 2024
TITLE = "中共开江县梅家乡委员会2024年度各村(社区)联系服务优秀人才工作汇总表"
HEADERS = [
    "村(社区)",
    "优秀人才数",
    "乡级结对",
    "村级结对",
    "联系次数",
    "面对面占比",
    "联系覆盖率",
    "意见建议(收集/采纳)",
    "诉求(提出/办结/未结)",
    "满意率",
    "推荐代表委员",
    "重大事项",
    "年度报告状态",
]


@pytest.fixture
def term(db):
    return TermFactory(name="2023年—2024年", start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2024, 12, 31))


@pytest.fixture
def township(village, secretary_user, term):
    """梅家村 (report submitted): 陈一 contacted face to face and by phone, 刘二 not contacted, one solved demand
    (satisfied), one open demand, two suggestions (one adopted), one recommendation; 新桥社区 (no report, no data)."""
    chen = TalentFactory(name="陈一", village=village)
    liu = TalentFactory(name="刘二", village=village)
    pairing = PairingFactory(term=term, talent=chen, start_date=term.start_date, cadre__name="王书记")
    PairingFactory(term=term, talent=liu, start_date=term.start_date, level=Level.VILLAGE, cadre__name="李主任")
    face = ContactFactory(pairing=pairing, date=datetime.date(Y, 3, 1), method=Contact.Method.FACE_TO_FACE)
    ContactFactory(pairing=pairing, date=datetime.date(Y, 6, 1), method=Contact.Method.PHONE)
    DemandFactory(
        talent=chen,
        raised_on=datetime.date(Y, 4, 1),
        status=Demand.Status.RESOLVED,
        closed_on=datetime.date(Y, 5, 1),
        satisfaction=Demand.Satisfaction.SATISFIED,
    )
    DemandFactory(talent=liu, raised_on=datetime.date(Y, 7, 1))
    SuggestionFactory(talent=chen, contact=face, status="adopted")
    SuggestionFactory(talent=chen, contact=face)
    RecommendationFactory(talent=chen, year=Y)
    submitted = datetime.datetime(Y, 12, 20, 10, tzinfo=datetime.UTC)
    vr.report_submit(
        village=village, year=Y, by=secretary_user, texts={"basic_situation": "本村共有优秀人才两名。"}, now=submitted
    )
    VillageFactory(name="新桥社区", sort_order=village.sort_order + 1)
    return village


def _exporter(user=None) -> TownshipSummaryExporter:
    return TownshipSummaryExporter(user=user, year=Y)


def _sheet(content: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def _table_rows(values: list[list]) -> list[list]:
    """The rows below the title and the header, above the seal line."""
    rows = []
    for row in values[2:]:
        if row[1] is None:
            break
        rows.append(row)
    return rows


def test_the_excel_file_has_the_title_the_headers_and_one_row_per_village(township):
    result = _exporter().render("xlsx")
    values = _sheet(result.content)
    assert values[0][0] == TITLE
    assert values[1] == HEADERS
    rows = _table_rows(values)
    assert [r[0] for r in rows] == ["梅家村", "新桥社区"]
    assert result.row_count == 2
    assert result.filename == f"{TITLE}.xlsx"


def test_a_villages_line_shows_the_same_figures_as_its_report(township):
    meijia, xinqiao = _table_rows(_sheet(_exporter().render("xlsx").content))
    # 2 talents, 1 township and 1 village pairing, 2 contacts (1 face to face), 1 of 2 paired talents contacted,
    # suggestions 2 collected / 1 adopted, demands 2 raised / 1 closed / 1 open, 1 of 1 asked satisfied.
    assert meijia == [
        "梅家村", 2, 1, 1, 2, "50%", "50%", "2/1", "2/1/1", "100%", 1, 0, "已提交"
    ]  # fmt: skip
    assert xinqiao[1:7] == [0, 0, 0, 0, "—", "—"]
    figures = vr.report_figures(village=township, year=Y)
    assert meijia[4] == figures.contacts_total


def test_a_village_without_a_report_says_so_and_after_the_deadline_it_is_late(township):
    rows = _table_rows(_sheet(_exporter().render("xlsx").content))
    assert rows[1][-1] == "未开始（逾期）"


def test_the_excel_file_ends_with_the_committees_seal_line(township):
    values = _sheet(_exporter().render("xlsx").content)
    assert any(v[0] and str(v[0]).startswith("中共开江县梅家乡委员会（盖章）") for v in values[4:]), values[4:]


def test_the_pdf_prints_the_title_and_every_village(township):
    result = _exporter().render("pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(result.content)).pages)
    flat = re.sub(r"\s+", "", text)
    assert TITLE in flat
    assert "梅家村" in flat and "新桥社区" in flat
    assert "2/1/1" in flat
    assert "中共开江县梅家乡委员会（盖章）" in flat
    assert result.row_count == 2


def test_the_word_file_is_a_landscape_table_with_the_same_headers_and_rows(township):
    result = _exporter().render("docx")
    document = docx.Document(io.BytesIO(result.content))
    assert document.paragraphs[0].text == TITLE
    section = document.sections[0]
    assert section.page_width > section.page_height
    (table,) = document.tables
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0] == HEADERS
    assert cells[1] == ["梅家村", "2", "1", "1", "2", "50%", "50%", "2/1", "2/1/1", "100%", "1", "0", "已提交"]
    assert cells[2][0] == "新桥社区"
    assert result.row_count == 2
    assert result.filename == f"{TITLE}.docx"


def test_the_year_defaults_to_the_current_one(township):
    exporter = TownshipSummaryExporter(user=None, **TownshipSummaryExporter.options_from({}))
    assert exporter.year == datetime.date.today().year
    assert f"{exporter.year}年度" in exporter.title()


def _many(term, villages: int, talents: int) -> None:
    for v in range(villages):
        village = VillageFactory(name=f"测试{v}村")
        for t in range(talents):
            pairing = PairingFactory(term=term, talent__village=village, start_date=term.start_date)
            ContactFactory(pairing=pairing, date=datetime.date(Y, 1 + t % 12, 1))
            DemandFactory(talent=pairing.talent, raised_on=datetime.date(Y, 2, 1))


@pytest.mark.parametrize("talents", [2, 15])
def test_the_summary_takes_the_same_queries_whatever_the_amount_of_data_per_village(office_user, term, talents):
    _many(term, villages=3, talents=talents)
    exporter = _exporter(office_user)
    with CaptureQueriesContext(connection) as queries:
        result = exporter.render("xlsx")
    # 1 the organisation (the title), 2 the villages, 3 their reports for the year, then the report's seven
    # for all villages together (talents, pairings with their contact counts, contacts, suggestions,
    # demands, recommendations, major events), grouped by village.
    assert len(queries) == 3 + 7, [q["sql"][:60] for q in queries]
    assert result.row_count == 3


# --- Web download -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "pdf", "docx"])
def test_the_office_downloads_the_summary_and_the_download_is_logged(client, office_user, township, fmt):
    client.force_login(office_user)
    response = client.get(reverse("exports:download", args=["township_summary", fmt]), {"year": Y})
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    entry = ExportLog.objects.get()
    assert (entry.user, entry.exporter, entry.format, entry.row_count) == (office_user, "township_summary", fmt, 2)
    assert entry.options == {"year": Y}


def test_a_leader_downloads_the_summary(client, leader_user, township):
    client.force_login(leader_user)
    response = client.get(reverse("exports:download", args=["township_summary", "xlsx"]), {"year": Y})
    assert response.status_code == 200
    assert [r[0] for r in _table_rows(_sheet(response.content))] == ["梅家村", "新桥社区"]


def test_the_exports_page_offers_the_summary_in_excel_pdf_and_word(client, office_user, township):
    client.force_login(office_user)
    page = client.get(reverse("exports:index")).content.decode()
    for fmt in ("xlsx", "pdf", "docx"):
        assert reverse("exports:download", args=["township_summary", fmt]) in page


@pytest.mark.parametrize("who", ["cadre_user", "secretary_user", "liaison_user"])
def test_other_roles_may_not_download_the_summary(client, request, township, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("exports:download", args=["township_summary", "xlsx"])
    assert client.get(url, {"year": Y}).status_code == 403
    index = client.get(reverse("exports:index"))
    assert index.status_code == 403 or url not in index.content.decode()
    assert not ExportLog.objects.exists()


def test_a_year_out_of_range_is_explained_and_nothing_is_logged(client, office_user, township):
    client.force_login(office_user)
    response = client.get(reverse("exports:download", args=["township_summary", "xlsx"]), {"year": "1900"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not ExportLog.objects.exists()
