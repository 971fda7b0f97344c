"""The December village report (R19) as PDF, Word (.docx) and its figures as Excel; every village as one zip.

All three formats read one ``village_reports.ReportDocument``: the same sections, figures,
narrative and appendix tables, so they never disagree. The web pages
(``reports/village_report_views.py``) and ``manage.py village_report`` both call this module.
"""

from __future__ import annotations

import io
import re
import zipfile
from functools import cached_property

import docx
from django import forms
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from reports import village_reports as vr
from reports.models import VillageReport
from talents import access
from talents.models import Unit

from . import register, render
from .base import CONTENT_TYPES, Exporter, ExportResult, export_log

_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\s]+')


def safe_filename(name: str) -> str:
    """A file name every system accepts; Chinese characters stay."""
    return _UNSAFE_IN_FILENAME.sub("_", name).strip("_.") or "report"


class VillageReportOptions(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    village = forms.ModelChoiceField(label=gettext_lazy("Village (community)"), queryset=Unit.objects.villages())


_NOT_GIVEN = object()


@register
class VillageReportExporter(Exporter):
    identifier = "village_report"
    verbose_name = gettext_lazy("Village annual report")
    formats = ("pdf", "docx", "xlsx")
    options_form = VillageReportOptions
    pdf_template = "reports/pdf/village_report.html"
    landscape = False
    # Not on the generic /exports/ page: the reports have their own board (village_reports:board).
    listed = False

    def __init__(
        self,
        *,
        user,
        village: Unit,
        year: int,
        report=_NOT_GIVEN,
        figures: vr.VillageFigures | None = None,
        scope_checked: bool = False,
    ) -> None:
        """``figures``: the report's figures as shown (``vr.report_figures_as_shown``), when the caller counted
        them for many villages at once; ``scope_checked``: the caller took ``village`` from
        ``access.villages_for_reports(user)`` already."""
        super().__init__(user=user, village=village, year=year)
        if (
            user is not None
            and not scope_checked
            and not access.villages_for_reports(user).filter(pk=village.pk).exists()
        ):
            raise Http404
        self.village, self.year = village, year
        if report is _NOT_GIVEN:
            reports = access.reports_for(user) if user is not None else VillageReport.objects.all()
            report = reports.filter(village=village, year=year).first()
        self.report, self.figures = report, figures

    @classmethod
    def allowed(cls, user) -> bool:
        return access.can_view_village_reports(user)

    @cached_property
    def document(self) -> vr.ReportDocument:
        return vr.report_document(village=self.village, year=self.year, report=self.report, figures=self.figures)

    def title(self) -> str:
        return self.document.title

    def filename(self, fmt: str) -> str:
        suffix = _("figures") if fmt == "xlsx" else ""
        return f"{safe_filename(self.title())}{'_' + suffix if suffix else ''}.{fmt}"

    # --- the figures: Excel rows, and the row count every format logs ---------------------------

    def headers(self) -> list[str]:
        return [_("Section"), _("Item"), _("Figure")]

    def rows(self):
        for section in self.document.sections:
            for figure in section.figures:
                yield [section.heading, figure.label, figure.value]

    def xlsx_notes(self) -> list[str]:
        doc = self.document
        return [_("Status: %(status)s") % {"status": doc.status_label}, doc.seal_line, doc.date_line]

    def column_widths(self) -> list[float]:
        return [22, 40, 30]

    # --- PDF --------------------------------------------------------------------------------

    def pdf_context(self) -> dict:
        return {"doc": self.document, "font_stack": render.CJK_FONT_STACK}

    # --- Word -------------------------------------------------------------------------------

    def render_docx(self) -> tuple[bytes, int]:
        return document_docx(self.document), sum(1 for _row in self.rows())


# --- Word (python-docx) -------------------------------------------------------------------------

# Word and WPS pick the East Asian font from w:eastAsia; without it Chinese falls back to whatever
# the machine has. 宋体 (SimSun) for the text and 黑体 (SimHei) for headings ship with every
# Chinese Windows and with WPS, and are the usual faces of Party-work reports.
BODY_FONT, HEADING_FONT = "宋体", "黑体"
BODY_PT, TITLE_PT, HEADING_PT, TABLE_PT = 12, 18, 14, 9


def _set_font(run_or_style, name: str, size: int | None = None, *, bold: bool | None = None) -> None:
    font = run_or_style.font
    font.name = name
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _page_number_footer(section) -> None:
    """「第 X 页 共 Y 页」 with Word fields, so Word and WPS fill in the numbers."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("第 ", "PAGE"), (" 页 共 ", "NUMPAGES"), (" 页", None)):
        _set_font(paragraph.add_run(text), BODY_FONT, 9)
        if field:
            simple = paragraph._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): f" {field} "})
            run = paragraph.add_run("1")
            _set_font(run, BODY_FONT, 9)
            simple.append(run._r)
            paragraph._p.append(simple)


def _a4(section, *, landscape: bool = False) -> None:
    width, height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    section.top_margin = section.bottom_margin = Mm(25 if not landscape else 18)
    section.left_margin = section.right_margin = Mm(25 if not landscape else 15)


def _table(document, header: list[str], rows: list[list], *, size: int = TABLE_PT):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, size, bold=True)
    # Repeat the header row on every page, as in the PDF.
    table.rows[0]._tr.get_or_add_trPr().append(table.rows[0]._tr.makeelement(qn("w:tblHeader"), {}))
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _set_font(cell.paragraphs[0].add_run(str(value)), BODY_FONT, size)
    return table


def document_docx(doc: vr.ReportDocument) -> bytes:
    """The report as a Word file: title, the five sections (figures, then the narrative), seal line, appendices."""
    document = docx.Document()
    _set_font(document.styles["Normal"], BODY_FONT, BODY_PT)
    for level in (1, 2):
        _set_font(document.styles[f"Heading {level}"], HEADING_FONT, HEADING_PT if level == 1 else BODY_PT, bold=True)
    document.core_properties.title = doc.title
    _a4(document.sections[0])
    _page_number_footer(document.sections[0])

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(title.add_run(doc.title), HEADING_FONT, TITLE_PT, bold=True)
    if not doc.is_final:
        note = document.add_paragraph()
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(note.add_run(_("(%(status)s, not yet submitted)") % {"status": doc.status_label}), BODY_FONT, 10)

    for section in doc.sections:
        document.add_heading(section.heading, level=1)
        if section.figures:
            rows = [
                [x for f in row for x in ((f.label, f.display) if f else ("", ""))] for row in section.figure_rows()
            ]
            _table(document, [_("Item"), _("Figure")] * 2, rows)
        for line in section.text.splitlines() or [""]:
            if line.strip():
                paragraph = document.add_paragraph(line.strip())
                paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)

    for line in (doc.seal_line, doc.date_line):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _set_font(paragraph.add_run(line), BODY_FONT, BODY_PT)

    # The appendices are wide tables: a landscape section of their own.
    appendix_section = document.add_section(WD_SECTION.NEW_PAGE)
    _a4(appendix_section, landscape=True)
    for i, table in enumerate(doc.appendices):
        document.add_heading(table.title, level=2)
        if table.rows:
            _table(document, table.header, table.rows, size=8)
        else:
            document.add_paragraph(table.empty)
        if i < len(doc.appendices) - 1:
            document.add_paragraph()

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_one(*, user, village: Unit, year: int, fmt: str, report=_NOT_GIVEN) -> ExportResult:
    """One village's report in one format, logged (who, what, when, how many rows)."""
    exporter = VillageReportExporter(user=user, village=village, year=year, report=report)
    result = exporter.render(fmt)
    export_log(exporter=exporter, fmt=fmt, result=result)
    return result


def render_zip(*, user, villages, year: int) -> ExportResult:
    """Every village's report as PDF and Word in one zip, built in memory; logged once, a row per village.

    A fixed number of queries whatever the number of villages: the villages (within the user's scope),
    their reports, and the live figures of all the reports not frozen at submission, counted together.
    """
    if user is not None:
        villages = villages.filter(pk__in=access.villages_for_reports(user).values("pk"))
    villages = list(villages.order_by("sort_order", "name"))
    reports = {r.village_id: r for r in VillageReport.objects.filter(year=year, village__in=villages)}
    figures = vr.report_figures_as_shown(villages=villages, year=year, reports=reports)
    buffer = io.BytesIO()
    exporter = None
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for village in villages:
            exporter = VillageReportExporter(
                user=user,
                village=village,
                year=year,
                report=reports.get(village.pk),
                figures=figures[village.pk],
                scope_checked=True,
            )
            for fmt in ("pdf", "docx"):
                result = exporter.render(fmt)
                archive.writestr(result.filename, result.content)
    filename = safe_filename(_("Village reports %(year)s") % {"year": year}) + ".zip"
    result = ExportResult(filename, CONTENT_TYPES["zip"], buffer.getvalue(), len(villages))
    if exporter is not None:
        exporter.options = {"year": year, "village": _("all villages")}
        export_log(exporter=exporter, fmt="zip", result=result)
    return result
