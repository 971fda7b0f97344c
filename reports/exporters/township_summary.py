"""各村(社区)联系服务优秀人才工作汇总表 (R18): every village side by side for the year-end 党建 assessment.

One row per village (community), in Excel, PDF and Word. The figures are those each village's report
shows (``village_reports.report_figures_as_shown``: frozen at submission for a submitted or received
report, else counted live for all villages together in seven grouped queries) and the report's status
comes from the office's board (``village_reports.board``: two queries), so the summary and each
village's report never disagree, and the export takes the same ten queries for 2 or 200 villages.

Option: ``year`` (default: the current year). Office and township leaders only (``talents.access``).

The column names, the title pattern and the seal line are the official document's Chinese wording:
like the roster's they are the file format, not UI text.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import cached_property

import docx
from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from docx.enum.text import WD_ALIGN_PARAGRAPH

from reports import village_reports as vr
from talents import access
from talents.models import Organization, Unit

from . import register
from .base import Exporter
from .village_report import BODY_FONT, BODY_PT, HEADING_FONT, TITLE_PT, _a4, _page_number_footer, _set_font, _table

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
# Excel widths (characters; a Chinese character counts 2); the PDF uses the same proportions.
WIDTHS = [14, 8, 7, 7, 7, 8, 8, 11, 12, 7, 8, 7, 12]


class TownshipSummaryOptions(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["year"].initial = timezone.localdate().year


def _percent(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


def summary_row(figures: vr.VillageFigures, board_row: vr.BoardRow) -> list:
    """One village's line of the summary, from its report figures and its report's state."""
    d = figures.demands
    status = board_row.status_label
    if board_row.late:
        status = f"{status}（逾期）"
    return [
        figures.village.name,
        figures.talents_total,
        figures.township_pairings,
        figures.village_pairings,
        figures.contacts_total,
        _percent(figures.face_percent),
        _percent(figures.coverage_percent),
        f"{figures.suggestions_collected}/{figures.suggestions_adopted}",
        f"{d.raised}/{d.resolved + d.explained}/{d.pending}",
        _percent(d.satisfaction_percent),
        figures.recommendations_total,
        figures.events_total,
        status,
    ]


@register
class TownshipSummaryExporter(Exporter):
    identifier = "township_summary"
    verbose_name = gettext_lazy("Township annual summary of all villages")
    formats = ("xlsx", "pdf", "docx")
    options_form = TownshipSummaryOptions
    pdf_template = "reports/pdf/township_summary.html"

    def __init__(self, *, user, year: int | None = None) -> None:
        super().__init__(user=user, year=year)
        self.year = year or self.today.year
        self.options = {"year": self.year}

    @classmethod
    def allowed(cls, user) -> bool:
        return access.sees_everything(user)

    @cached_property
    def organization(self) -> Organization:
        return Organization.current()

    def title(self) -> str:
        return f"{self.organization.committee_name}{self.year}年度各村(社区)联系服务优秀人才工作汇总表"

    def headers(self) -> list[str]:
        return list(HEADERS)

    def column_widths(self) -> list[float]:
        return list(WIDTHS)

    def seal_line(self) -> str:
        return f"{self.organization.committee_name}（盖章）"

    def xlsx_notes(self) -> list[str]:
        return [f"{self.seal_line()}　　　　　　年　　月　　日"]

    def pdf_context(self) -> dict:
        return {"seal_line": self.seal_line()}

    def rows(self) -> Iterator[list]:
        """Villages and their reports (two queries), then the figures of every village (seven queries in all)."""
        board = vr.board(villages=Unit.objects.villages(), year=self.year, today=self.today)
        figures = vr.report_figures_as_shown(
            villages=[r.village for r in board], year=self.year, reports={r.village.pk: r.report for r in board}
        )
        for board_row in board:
            with translation.override("zh-hans"):  # per row: the caller's code between rows keeps its language
                row = summary_row(figures[board_row.village.pk], board_row)
            yield row

    # --- Word -------------------------------------------------------------------------------

    def render_docx(self) -> tuple[bytes, int]:
        rows = list(self.rows())
        document = docx.Document()
        _set_font(document.styles["Normal"], BODY_FONT, BODY_PT)
        document.core_properties.title = self.title()
        section = document.sections[0]
        _a4(section, landscape=True)
        _page_number_footer(section)
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(title.add_run(self.title()), HEADING_FONT, TITLE_PT, bold=True)
        if rows:
            _table(document, self.headers(), rows, size=8)
        else:
            document.add_paragraph("（无）")
        for line in (self.seal_line(), "年　　月　　日"):
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _set_font(paragraph.add_run(line), BODY_FONT, BODY_PT)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue(), len(rows)
