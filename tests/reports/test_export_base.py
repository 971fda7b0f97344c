"""The exporter contract shared by every official output (issue 5, items 1 and 6): the registry, the Excel
and PDF renderers, the export log and the download view's generic behaviour."""

from __future__ import annotations

import datetime
import io
import zipfile
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import exporters
from reports.exporters import register, render
from reports.exporters.base import Exporter, ExportError, ExportResult, ExportTooLarge, export_log, file_response
from reports.exporters.render import missing_glyphs, pdf_from_html, xlsx_table
from reports.exporters.roster import RosterExporter
from reports.models import ExportLog
from talents import access


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class ToyExporter(Exporter):
    """Three rows with every awkward kind of value; the office only."""

    identifier = "toy"
    verbose_name = "toy"

    @classmethod
    def allowed(cls, user) -> bool:
        return access.is_office(user)

    def title(self) -> str:
        return "测试表"

    def headers(self) -> list[str]:
        return ["序号", "姓名", "电话"]

    def rows(self):
        yield [1, "=SUM(A1:A9)", "13812345678"]
        yield [2, "+86 138", "0818-1234567"]
        yield [3, "@张三", None]


@pytest.fixture
def toy(monkeypatch):
    exporters.all_exporters()  # discover the real ones first, then add the toy for this test only
    monkeypatch.setitem(exporters.registry, "toy", ToyExporter)
    return ToyExporter


# --- Registry -------------------------------------------------------------------------------------


def test_the_roster_is_found_by_its_identifier():
    assert exporters.get("roster") is RosterExporter
    assert exporters.get("no-such-export") is None


def test_a_second_exporter_cannot_take_an_identifier_already_in_use():
    class Impostor(Exporter):
        identifier = "roster"

    with pytest.raises(ValueError, match="roster"):
        register(Impostor)
    assert exporters.get("roster") is RosterExporter


# --- Excel ------------------------------------------------------------------------------------------


def test_formula_looking_values_are_written_as_text_never_as_formulas():
    content, count = xlsx_table(title="测试表", headers=["a", "b"], rows=[["=1+1", "-2"], ["@x", "+3"]])
    ws = _sheet(content)
    cells = [ws.cell(row=r, column=c) for r in (3, 4) for c in (1, 2)]
    assert [c.value for c in cells] == ["=1+1", "-2", "@x", "+3"]
    assert {c.data_type for c in cells} == {"s"}
    assert count == 2


def test_numbers_stay_numbers_and_phones_and_dates_stay_text():
    content, _count = xlsx_table(title="t", headers=["n", "phone", "born"], rows=[[7, "01234567", "1985.06"]])
    ws = _sheet(content)
    assert ws["A3"].value == 7
    assert ws["B3"].value == "01234567"  # the leading zero survives
    assert ws["C3"].value == "1985.06"


def test_the_sheet_prints_on_a4_landscape_with_the_header_on_every_page_and_fits_the_width():
    content, _count = xlsx_table(title="测试表", headers=["a", "b", "c"], rows=[["1", "2", "3"]])
    ws = _sheet(content)
    assert ws["A1"].value == "测试表"
    assert "A1:C1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$2:$2"  # the header row on every printed page
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0


def test_column_widths_fit_chinese_text():
    content, _count = xlsx_table(title="t", headers=["姓名", "x"], rows=[["开江县梅家乡中心小学", "1"]])
    ws = _sheet(content)
    assert ws.column_dimensions["A"].width >= 20  # ten Chinese characters take twenty columns
    assert ws.column_dimensions["B"].width < 10


def test_control_characters_that_excel_refuses_are_dropped():
    content, _count = xlsx_table(title="t", headers=["a"], rows=[["张\x07三"]])
    assert _sheet(content)["A3"].value == "张三"


# --- PDF --------------------------------------------------------------------------------------------


def test_a_character_no_font_has_is_reported_as_missing():
    # The check the roster's rare-name test relies on: WeasyPrint's own report of empty boxes.
    with missing_glyphs() as missing:
        pdf_from_html("<p style='font-family: \"Noto Sans CJK SC\"'>张\U000f0001三</p>")
    assert missing == ["\U000f0001"]


def test_the_pdf_renderer_reads_no_local_file_and_no_url(tmp_path):
    leak = tmp_path / "leak.css"
    leak.write_text('body::before { content: "LEAKED" }')
    html = f'<link rel="stylesheet" href="{leak.as_uri()}"><p>正文</p>'
    text = _pdf_text(pdf_from_html(html))
    assert "正文" in text
    assert "LEAKED" not in text


def test_a_pdf_with_more_rows_than_the_limit_is_refused_with_a_plain_message(office_user, toy, monkeypatch):
    monkeypatch.setattr(ToyExporter, "pdf_max_rows", 2)
    with pytest.raises(ExportTooLarge, match="Excel"):
        ToyExporter(user=office_user).render("pdf")
    assert ToyExporter(user=office_user).render("xlsx").row_count == 3


def test_a_format_the_exporter_does_not_offer_is_refused(office_user):
    with pytest.raises(ExportError):
        ToyExporter(user=office_user).render("docx")


# --- Export log -------------------------------------------------------------------------------------


def test_every_export_is_logged_with_who_what_and_how_many_rows(office_user):
    exporter = ToyExporter(user=office_user, year=2025)
    result = exporter.render("xlsx")
    entry = export_log(exporter=exporter, fmt="xlsx", result=result)
    entry.refresh_from_db()
    assert (entry.user, entry.exporter, entry.format, entry.row_count) == (office_user, "toy", "xlsx", 3)
    assert entry.options == {"year": 2025}
    assert entry.filename == "测试表.xlsx"
    assert entry.created_at is not None


def test_the_export_log_cannot_be_changed_or_deleted(office_user):
    exporter = ToyExporter(user=office_user)
    entry = export_log(exporter=exporter, fmt="xlsx", result=exporter.render("xlsx"))
    entry.row_count = 0
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert ExportLog.objects.get().row_count == 3


def test_the_downloaded_file_keeps_its_chinese_name():
    response = file_response(ExportResult("一览表（2025年）.pdf", "application/pdf", b"%PDF", 1))
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('一览表（2025年）.pdf')}"
    assert response["Cache-Control"] == "private, no-store"


# --- The download view, whatever the exporter --------------------------------------------------------


def test_the_download_view_renders_logs_and_returns_the_file(client, office_user, toy):
    client.force_login(office_user)
    response = client.get(reverse("exports:download", args=["toy", "xlsx"]))
    assert response.status_code == 200
    assert _sheet(response.content)["B3"].value == "=SUM(A1:A9)"
    assert ExportLog.objects.get().user == office_user


def test_an_exporter_the_user_may_not_run_is_forbidden_and_not_logged(client, leader_user, toy):
    client.force_login(leader_user)
    assert client.get(reverse("exports:download", args=["toy", "xlsx"])).status_code == 403
    assert not ExportLog.objects.exists()


def test_an_unknown_export_or_format_is_not_found(client, office_user, toy):
    client.force_login(office_user)
    assert client.get(reverse("exports:download", args=["nothing", "xlsx"])).status_code == 404
    assert client.get(reverse("exports:download", args=["toy", "docx"])).status_code == 404


def test_a_pdf_too_large_is_explained_on_the_page_and_offers_excel(client, office_user, toy, monkeypatch):
    monkeypatch.setattr(ToyExporter, "pdf_max_rows", 2)
    client.force_login(office_user)
    response = client.get(reverse("exports:download", args=["toy", "pdf"]))
    assert response.status_code == 400
    assert "Excel" in response.content.decode()
    assert reverse("exports:download", args=["toy", "xlsx"]) in response.content.decode()
    assert not ExportLog.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, toy):
    response = client.get(reverse("exports:download", args=["toy", "xlsx"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_pdf_past_its_time_bound_is_stopped_and_excel_offered(office_user, toy, monkeypatch):
    monkeypatch.setattr(ToyExporter, "pdf_timeout", 0.001)
    with pytest.raises(ExportTooLarge, match="Excel"):
        ToyExporter(user=office_user).render("pdf")


def test_a_bounded_pdf_renders_the_same_text_as_an_unbounded_one(office_user, toy, settings):
    settings.EXPORT_PDF_TIMEOUT = 120
    settings.EXPORT_PDF_MEMORY_MB = 1500
    text = _pdf_text(ToyExporter(user=office_user).render("pdf").content)
    assert "测试表" in text
    assert "=SUM(A1:A9)" in text


def test_a_workbook_made_from_the_kept_scaffold_is_dated_when_it_is_exported(monkeypatch):
    """openpyxl's part of the file is made once per title and header; each file still carries its own date."""
    first, _count = xlsx_table(title="日期表", headers=["a"], rows=[["1"]])
    later = datetime.datetime(2031, 5, 6, 7, 8, 10, tzinfo=datetime.UTC)  # zip keeps even seconds
    monkeypatch.setattr(render, "_now", lambda: later)
    second, _count = xlsx_table(title="日期表", headers=["a"], rows=[["2"]])
    props = load_workbook(io.BytesIO(second)).properties
    assert (props.created, props.modified) == (later.replace(tzinfo=None),) * 2
    assert all(info.date_time == (2031, 5, 6, 7, 8, 10) for info in zipfile.ZipFile(io.BytesIO(second)).infolist())
    assert load_workbook(io.BytesIO(first)).properties.created.year < 2031
    assert [c.value for c in load_workbook(io.BytesIO(second)).active[3]] == ["2"]
