"""The December village report as files (issue 5, items 3, 6 and 8): PDF, Word and the figures as Excel read back,
every village as one zip, the management command, and each export logged."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook
from pypdf import PdfReader

from contacts.models import Contact, Demand
from reports import village_reports as vr
from reports.exporters.village_report import VillageReportExporter, render_one
from reports.models import ExportLog
from tests.factories import (
    ContactFactory,
    DemandFactory,
    PairingFactory,
    TalentFactory,
    TermFactory,
    UserFactory,
    VillageFactory,
)

Y = 2024
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "exports"
TEXTS = {
    "basic_situation": "本村共有优秀人才两名。",
    "main_practices": "坚持面对面交流，每季度走访一次。",
    "results": "解决人才诉求一件，群众满意。",
    "problems": "个别结对人才联系次数偏少。",
    "next_steps": "明年实现结对人才联系全覆盖。",
}


@pytest.fixture
def home(secretary_user, village):
    """梅家村 in 2024: 陈一 (contacted twice, face to face and by phone) and 刘二 (not contacted); one solved demand."""
    term = TermFactory(name="2023年—2024年", start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2024, 12, 31))
    chen = TalentFactory(name="陈一", village=village)
    liu = TalentFactory(name="刘二", village=village)
    pairing = PairingFactory(term=term, talent=chen, start_date=term.start_date, cadre__name="王书记")
    PairingFactory(term=term, talent=liu, start_date=term.start_date, cadre__name="李乡长")
    ContactFactory(pairing=pairing, date=datetime.date(Y, 3, 1), method=Contact.Method.FACE_TO_FACE)
    ContactFactory(pairing=pairing, date=datetime.date(Y, 6, 1), method=Contact.Method.PHONE)
    DemandFactory(
        talent=chen,
        raised_on=datetime.date(Y, 4, 1),
        content="申请农技培训名额",
        status=Demand.Status.RESOLVED,
        closed_on=datetime.date(Y, 5, 1),
        satisfaction=Demand.Satisfaction.SATISFIED,
    )
    vr.report_submit(village=village, year=Y, by=secretary_user, texts=TEXTS)
    return village


def _exporter(home, user=None) -> VillageReportExporter:
    return VillageReportExporter(user=user, village=home, year=Y)


def _docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _docx_figures(document) -> dict[str, str]:
    """The figure tables of the Word file: (label, value) pairs side by side in each row."""
    figures = {}
    for table in document.tables:
        for row in table.rows:
            cells = [c.text for c in row.cells]
            figures.update({cells[i]: cells[i + 1] for i in range(0, len(cells) - 1, 2) if cells[i]})
    return figures


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_word_file_has_the_title_the_five_sections_and_the_right_figures(home):
    result = _exporter(home).render("docx")
    document = docx.Document(io.BytesIO(result.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == list(vr.section_headings().values())
    text = _docx_text(result.content)
    assert vr.report_title(home, Y) in text
    assert TEXTS["results"] in text and home.party_organization in text
    figures = _docx_figures(document)
    assert figures[gettext("Contacts in the year")] == "2"
    assert figures[gettext("Coverage")] == "50%"
    assert figures[gettext("Not contacted")] == "刘二"
    assert figures[gettext("Demands solved")] == "1"
    assert "申请农技培训名额" in text  # the demand ledger appendix
    assert result.filename.endswith(".docx") and result.content_type.endswith("wordprocessingml.document")


def test_the_word_file_is_a4_with_a_chinese_page_footer(home):
    document = docx.Document(io.BytesIO(_exporter(home).render("docx").content))
    first = document.sections[0]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)
    assert "第" in first.footer.paragraphs[0].text and "页" in first.footer.paragraphs[0].text
    assert b"NUMPAGES" in first.footer._element.xml.encode()


def test_the_pdf_has_the_title_the_sections_the_chinese_footer_and_embeds_the_cjk_font(home):
    result = _exporter(home).render("pdf")
    reader = PdfReader(io.BytesIO(result.content))
    text = _pdf_text(result.content).replace(" ", "")
    assert vr.report_title(home, Y).replace(" ", "") in text
    for heading in vr.section_headings().values():
        assert heading.replace(" ", "") in text
    assert "第1页共" in text and TEXTS["next_steps"] in text and home.party_organization in text
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts
    _save_first_page(result.content, "village_report")


def _save_first_page(content: bytes, name: str) -> None:
    """A PNG of page 1 in artifacts/exports/ for a person to look at (poppler's pdftoppm)."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "install poppler-utils (scripts/system-packages.sh)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(content)
    args = [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(ARTIFACTS / name)]
    subprocess.run(args, check=True, timeout=60)  # noqa: S603 - poppler on a file we just wrote
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 1000


def test_the_excel_file_holds_the_figures_by_section(home):
    result = _exporter(home).render("xlsx")
    sheet = load_workbook(io.BytesIO(result.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == vr.report_title(home, Y)
    assert list(rows[1]) == [gettext("Section"), gettext("Item"), gettext("Figure")]
    figures = {(r[0], r[1]): r[2] for r in rows[2:] if r[0] and r[1]}  # then the status and seal lines
    basic, results = vr.section_headings()["basic_situation"], vr.section_headings()["results"]
    assert figures[(basic, gettext("Contacts in the year"))] == 2
    assert figures[(basic, gettext("Coverage"))] == "50%"
    assert figures[(results, gettext("Demands solved"))] == 1
    assert result.row_count == len(figures)


def test_the_three_formats_agree_on_the_figures(home):
    exporter = _exporter(home)
    doc = exporter.document
    figures = [(f.label, f.display) for s in doc.sections for f in s.figures]
    word = _docx_figures(docx.Document(io.BytesIO(exporter.render("docx").content)))
    sheet = load_workbook(io.BytesIO(exporter.render("xlsx").content)).active
    excel = {r[1]: str(r[2]) for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] and r[1]}
    for label, value in figures:
        assert word[label] == value and excel[label] == value


def test_a_draft_says_it_is_not_submitted_yet(home, other_village_draft):
    text = _docx_text(VillageReportExporter(user=None, village=other_village_draft, year=Y).render("docx").content)
    assert gettext("draft") in text


@pytest.fixture
def other_village_draft(db):
    village = VillageFactory(name="青山村")
    vr.report_save(village=village, year=Y, by=None, texts=TEXTS)
    return village


# --- Web downloads -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx"])
def test_the_secretary_downloads_their_report_and_the_export_is_logged(home, client, secretary_user, fmt):
    client.force_login(secretary_user)
    response = client.get(reverse("village_reports:download", args=[Y, home.pk, fmt]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    log = ExportLog.objects.get()
    assert (log.user, log.exporter, log.format) == (secretary_user, "village_report", fmt)
    assert log.row_count > 0 and log.options["year"] == Y


def test_a_leader_downloads_any_village(home, client, leader_user):
    client.force_login(leader_user)
    assert client.get(reverse("village_reports:download", args=[Y, home.pk, "pdf"])).status_code == 200


def test_an_unknown_format_is_not_found(home, client, office_user):
    client.force_login(office_user)
    assert client.get(reverse("village_reports:download", args=[Y, home.pk, "exe"])).status_code == 404


def test_the_office_downloads_every_village_as_one_zip_of_pdfs_and_word_files(
    home, other_village_draft, client, office_user
):
    VillageFactory(name="撤并村", active=False)
    client.force_login(office_user)
    response = client.get(reverse("village_reports:download_all", args=[Y]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    for village in (home, other_village_draft):
        title = vr.report_title(village, Y)
        assert sum(1 for n in names if n.endswith(".pdf") and village.name in n) == 1, title
        assert sum(1 for n in names if n.endswith(".docx") and village.name in n) == 1, title
    assert len(names) == 4 and not any("撤并村" in n for n in names)
    log = ExportLog.objects.get()
    assert (log.format, log.row_count, log.user) == ("zip", 2, office_user)


def test_the_exporter_refuses_a_village_outside_the_users_scope(home, other_village_draft, secretary_user):
    from django.http import Http404

    with pytest.raises(Http404):
        VillageReportExporter(user=secretary_user, village=other_village_draft, year=Y)
    assert not VillageReportExporter.allowed(UserFactory(username="cadre_z", roles=["cadre"]))


def test_render_one_logs_a_system_run_without_a_user(home):
    render_one(user=None, village=home, year=Y, fmt="xlsx")
    assert ExportLog.objects.get().user is None


# --- The command ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx"])
def test_the_command_writes_one_villages_report(home, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    call_command("village_report", year=Y, village=home.name, format=fmt, output=str(out), stdout=io.StringIO())
    content = out.read_bytes()
    if fmt == "docx":
        assert TEXTS["results"] in _docx_text(content)
    elif fmt == "pdf":
        assert TEXTS["results"] in _pdf_text(content).replace(" ", "")
    else:
        assert load_workbook(io.BytesIO(content)).active["A1"].value == vr.report_title(home, Y)
    log = ExportLog.objects.get()
    assert (log.user, log.format) == (None, fmt)


def test_the_command_writes_every_village_as_a_zip(home, other_village_draft, tmp_path):
    out = tmp_path / "all.zip"
    call_command("village_report", "--all", year=Y, output=str(out), stdout=io.StringIO())
    names = zipfile.ZipFile(out).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == 2 and len([n for n in names if n.endswith(".docx")]) == 2


def test_the_command_says_plainly_when_the_village_does_not_exist(db, tmp_path):
    with pytest.raises(CommandError, match="不存在的村"):
        call_command("village_report", year=Y, village="不存在的村", format="pdf", output=str(tmp_path / "x.pdf"))


def test_the_command_needs_a_village_or_all(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("village_report", year=Y, format="pdf", output=str(tmp_path / "x.pdf"))
