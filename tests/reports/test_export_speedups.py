"""The faster exports of issue 5, item 7: Excel rows streamed as XML of our own, the light font of long
PDF tables with Noto Sans CJK SC behind it for rare characters, one font configuration per thread."""

from __future__ import annotations

import datetime
import gc
import io
import re

from django.template.loader import render_to_string
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.exporters import render
from reports.exporters.render import WIDTH_SAMPLE_ROWS, missing_glyphs, pdf_from_html, xlsx_table
from reports.exporters.roster import RosterExporter
from talents.models import Organization
from tests.factories import PairingFactory, TermFactory

HEADERS = ["序号", "姓名", "电话", "备注"]


def _big_sheet(rows: list[list], notes=()):
    content, count = xlsx_table(title="联系优秀人才情况一览表", headers=HEADERS, rows=rows, notes=notes)
    return load_workbook(io.BytesIO(content)).active, count


def _many_rows(n: int) -> list[list]:
    return [[i, f"人才{i}", f"138****{i:04d}", ""] for i in range(1, n + 1)]


def _embedded_fonts(content: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(re.sub(r"^/[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"])))
    return fonts


# --- Excel: rows past the width sample are streamed ----------------------------------------------------


def test_formula_looking_values_far_down_a_big_export_stay_text():
    rows = _many_rows(WIDTH_SAMPLE_ROWS + 200)
    rows[-1][1:] = ["=1+1", "+8613800000000", "@SUM(A1)"]
    rows[-2][1:] = ["-5", '=HYPERLINK("http://x")', "正常"]
    ws, count = _big_sheet(rows)
    assert count == WIDTH_SAMPLE_ROWS + 200
    last, before = ws.max_row, ws.max_row - 1
    for cell in (ws.cell(last, 2), ws.cell(last, 3), ws.cell(last, 4), ws.cell(before, 2), ws.cell(before, 3)):
        assert cell.data_type == "s", cell.value
        assert cell.quotePrefix, cell.value  # Excel and WPS keep it text when the cell is edited
    assert ws.cell(last, 2).value == "=1+1"
    assert ws.cell(before, 3).value == '=HYPERLINK("http://x")'
    assert ws.cell(before, 4).quotePrefix is False


def test_every_streamed_row_is_boxed_and_wrapped_like_the_header_and_numbers_stay_numbers():
    ws, _count = _big_sheet(_many_rows(WIDTH_SAMPLE_ROWS + 10))
    for row in (3, WIDTH_SAMPLE_ROWS + 12):
        number, name, phone, empty = (ws.cell(row, c) for c in range(1, 5))
        assert isinstance(number.value, int) and number.data_type == "n"
        assert name.value.startswith("人才") and phone.value.startswith("138****")
        assert empty.value is None
        for cell in (number, name, phone, empty):  # the empty remark is boxed too: the printed grid is whole
            assert cell.border.left.style == cell.border.bottom.style == "thin"
            assert cell.alignment.wrap_text
    assert ws.cell(ws.max_row, 1).value == WIDTH_SAMPLE_ROWS + 10


def test_streamed_text_keeps_its_spaces_and_markup_and_loses_what_excel_refuses():
    rows = [[1, " 前后空格 ", "<b>&amp;</b>", "张\x07三\ufffe"], [2.5, True, None, float("nan")]]
    ws, count = _big_sheet(rows)
    assert count == 2
    assert [c.value for c in ws[3]] == [1, " 前后空格 ", "<b>&amp;</b>", "张三"]
    assert [c.value for c in ws[4]] == [2.5, "True", None, "nan"]


def test_the_notes_follow_the_streamed_rows_under_an_empty_row():
    ws, _count = _big_sheet(_many_rows(3), notes=["中共XX乡委员会（盖章）　年　月　日"])
    assert [ws.cell(r, 1).value for r in range(3, 8)] == [1, 2, 3, None, "中共XX乡委员会（盖章）　年　月　日"]
    assert ws.cell(7, 1).border.left.style is None  # under the table, not part of it


def test_a_big_export_still_prints_with_the_title_merged_and_the_header_on_every_page():
    ws, _count = _big_sheet(_many_rows(WIDTH_SAMPLE_ROWS + 1))
    assert ws["A1"].value == "联系优秀人才情况一览表"
    assert "A1:D1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.print_title_rows == "$2:$2"
    assert ws.freeze_panes == "A3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1


# --- PDF: the light font first, Noto Sans CJK SC for what it lacks --------------------------------------


def test_rare_characters_of_names_print_from_noto_behind_the_light_font(db, office_user):
    # WenQuanYi Micro Hei covers GB2312 only: 䶮 (Extension A), 𡎚 (B) and 𫖮 (C) must come from Noto
    # Sans CJK SC, the next family in every font-family, and nothing may be drawn as an empty box.
    Organization.current()
    term = TermFactory(name="2025年—2026年", start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2026, 12, 31))
    PairingFactory(term=term, talent__name="王䶮𡎚𫖮")
    PairingFactory(term=term, talent__name="李建国")
    with missing_glyphs() as missing:
        result = RosterExporter(user=office_user, term=term).render("pdf")
    assert missing == []
    fonts = _embedded_fonts(result.content)
    assert "WenQuanYi-Micro-Hei" in fonts  # the rows
    assert "Noto-Sans-CJK-SC" in fonts  # the rare characters
    assert "Noto-Sans-CJK-SC-Bold" in fonts  # the title and the header keep a real bold face


def test_a_cjk_font_comes_first_in_every_font_family_of_a_long_table_page_margins_included():
    html = render_to_string(
        "reports/pdf/roster.html",
        {"title": "一览表", "headers": ["序号"], "rows": [[1]], "printed_on": datetime.date(2026, 1, 5)}
        | render.table_fonts(),
    )
    families = re.findall(r"font-family:\s*([^;]+);", html)
    assert len(families) >= 8  # html, h1, th/td, .meta, .seal and both page-margin boxes
    assert all(f.startswith(('"WenQuanYi Micro Hei"', '"Noto Sans CJK SC"')) for f in families), families
    assert all('"Noto Sans CJK SC"' in f for f in families)  # the fallback for rare characters everywhere


def test_a_second_pdf_in_the_same_thread_still_reports_characters_no_font_has():
    # The font configuration is kept between PDFs: it must not hide the check of the next one.
    for _ in range(2):
        with missing_glyphs() as missing:
            pdf_from_html(f"<p style='font-family: {render.TABLE_FONT_STACK}'>张\U000f0001三</p>")
        assert missing == ["\U000f0001"]


def test_rendering_a_pdf_leaves_the_garbage_collector_as_it_found_it():
    # It is paused while WeasyPrint runs (speed); a server left without it would slowly fill its memory.
    assert gc.isenabled()
    pdf_from_html("<p>正文</p>")
    assert gc.isenabled()
    gc.disable()
    try:
        pdf_from_html("<p>正文</p>")
        assert not gc.isenabled()
    finally:
        gc.enable()
