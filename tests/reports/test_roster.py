"""联系优秀人才情况一览表 (R20; issue 5, items 2, 6, 7, 8): the Excel and PDF files read back, masking, rare
characters in names, the web download and its access, the export log and ``export_roster``."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from contacts.models import Level, Pairing
from contacts.pairings import pairing_adjust
from reports.exporters.render import missing_glyphs
from reports.exporters.roster import RosterExporter
from reports.models import ExportLog
from talents.models import Organization
from tests.factories import (
    CadreFactory,
    ContactFactory,
    PairingFactory,
    TalentFactory,
    TermFactory,
    UserFactory,
    valid_id_number,
)

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "exports"
TITLE = "中共开江县梅家乡委员会联系优秀人才情况一览表（2025年—2026年）"
HEADERS = [
    "序号",
    "联系领导姓名",
    "职务",
    "人才姓名",
    "性别",
    "出生年月",
    "民族",
    "政治面貌",
    "学历",
    "工作单位及职务",
    "职称(技能等级)",
    "专业特长",
    "人才类别",
    "所在村(社区)",
    "联系电话",
    "备注",
]


def _rows(content: bytes) -> tuple[object, list[list]]:
    """The sheet and its table rows (below the title and the header, above the seal line)."""
    ws = load_workbook(io.BytesIO(content)).active
    rows = []
    for row in ws.iter_rows(min_row=3):
        if row[0].value is None:
            break
        rows.append(row)
    return ws, rows


def _values(rows) -> list[list]:
    return [[c.value for c in row] for row in rows]


def _pdf(content: bytes) -> tuple[str, set[str]]:
    """The PDF's text and the names of the fonts it embeds (from every page's resources)."""
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for d in descendants:
                descriptor = d.get_object().get("/FontDescriptor")
                if descriptor is not None and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    fonts.add(str(font["/BaseFont"]))
    return text, fonts


@pytest.fixture
def term(db):
    Organization.current()
    return TermFactory(name="2025年—2026年", start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2026, 12, 31))


@pytest.fixture
def roster(term, village):
    """Three township pairings (one adjusted in March 2025 from 张三 to 李四), one village pairing, one ended."""
    first = PairingFactory(
        term=term,
        cadre__name="蔡小龙",
        cadre__title="党委书记",
        talent=TalentFactory(
            name="王浩然",
            village=village,
            phone="13912345678",
            id_number=valid_id_number(7),
            birth_month=datetime.date(1981, 11, 1),
            political_status="中共党员",
            education="大学本科",
            position="总经理",
            unit__name="开江县嘉禾农业开发有限公司",
            title="助理工程师",
            speciality="食品质量安全",
        ),
    )
    PairingFactory(term=term, cadre__name="李鑫", talent__name='=HYPERLINK("http://x")', talent__phone="13800000001")
    adjusted = PairingFactory(term=term, cadre__name="张三", cadre__title="副乡长", talent__name="杨超")
    successor = CadreFactory(name="李四", title="副乡长")
    pairing_adjust(
        pairing=adjusted,
        term=term,
        by=None,
        end_date=datetime.date(2025, 3, 10),
        end_reason=Pairing.EndReason.POST_CHANGE,
        cadre=successor,
    )
    village_cadre = CadreFactory(name="村支书甲", level=Level.VILLAGE, village=village)
    PairingFactory(term=term, cadre=village_cadre, talent__name="村级人才", talent__village=village)
    return first


def _export(user, fmt="xlsx", **options):
    return RosterExporter(user=user, **options).render(fmt)


# --- Excel ------------------------------------------------------------------------------------------


def test_the_excel_roster_has_the_title_the_official_columns_and_one_row_per_pairing_in_force(office_user, roster):
    result = _export(office_user)
    ws, rows = _rows(result.content)
    assert ws["A1"].value == TITLE
    assert [c.value for c in ws[2]] == HEADERS
    # 王浩然, the formula-looking name and 杨超 under his new cadre; 张三's ended pairing and the village one are not
    assert [r[0].value for r in rows] == [1, 2, 3]
    assert sorted(r[3].value for r in rows) == sorted(["王浩然", '=HYPERLINK("http://x")', "杨超"])
    assert result.row_count == 3
    assert result.filename == f"{TITLE}.xlsx"


def test_a_row_carries_the_talents_details_as_the_attachment_lists_them(office_user, roster):
    _ws, rows = _rows(_export(office_user).content)
    row = next(r for r in _values(rows) if r[3] == "王浩然")
    assert row[1:14] == [
        "蔡小龙",
        "党委书记",
        "王浩然",
        "男",
        "1981.11",
        "汉族",
        "中共党员",
        "大学本科",
        "开江县嘉禾农业开发有限公司总经理",
        "助理工程师",
        "食品质量安全",
        "专业技术人才",
        "梅家村",
    ]


def test_phones_are_masked_and_id_numbers_never_appear(office_user, roster):
    ws, rows = _rows(_export(office_user).content)
    row = next(r for r in _values(rows) if r[3] == "王浩然")
    assert row[14] == "139****5678"
    everything = " ".join(str(c.value) for line in ws.iter_rows() for c in line if c.value is not None)
    assert valid_id_number(7) not in everything
    assert "13912345678" not in everything
    assert "身份证" not in everything


def test_the_office_gets_full_phones_when_it_asks_for_them(office_user, roster):
    _ws, rows = _rows(_export(office_user, full_phones=True).content)
    assert next(r for r in _values(rows) if r[3] == "王浩然")[14] == "13912345678"
    assert all(isinstance(r[14], str) for r in _values(rows))


def test_a_leader_asking_for_full_phones_still_gets_them_masked(leader_user, roster):
    _ws, rows = _rows(_export(leader_user, full_phones=True).content)
    assert next(r for r in _values(rows) if r[3] == "王浩然")[14] == "139****5678"


def test_a_formula_looking_talent_name_stays_text(office_user, roster):
    _ws, rows = _rows(_export(office_user).content)
    cell = next(r[3] for r in rows if str(r[3].value).startswith("="))
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"


def test_a_mid_term_adjustment_is_noted_in_the_remarks(office_user, roster):
    _ws, rows = _rows(_export(office_user).content)
    row = next(r for r in _values(rows) if r[3] == "杨超")
    assert row[1] == "李四"
    assert row[15] == "2025年3月因岗位变动由张三调整为李四"
    assert not next(r for r in _values(rows) if r[3] == "王浩然")[15]  # empty cells read back as None


def test_contact_counts_and_last_dates_are_optional_columns(office_user, roster):
    ContactFactory(pairing=roster, date=datetime.date(2025, 4, 1))
    ContactFactory(pairing=roster, date=datetime.date(2025, 9, 12))
    ws, rows = _rows(_export(office_user, contacts=True).content)
    assert [c.value for c in ws[2]][-3:] == ["本届联系次数", "最近联系日期", "备注"]
    row = next(r for r in _values(rows) if r[3] == "王浩然")
    assert row[15:17] == [2, "2025-09-12"]
    assert next(r for r in _values(rows) if r[3] == "杨超")[15:17] == [0, None]


def test_the_village_level_lists_the_village_pairings(office_user, roster):
    _ws, rows = _rows(_export(office_user, level=Level.VILLAGE).content)
    assert [r[3] for r in _values(rows)] == ["村级人才"]


def test_a_past_term_lists_the_pairings_it_ended_with(office_user, roster, term):
    Pairing.objects.filter(term=term, end_date__isnull=True).update(
        end_date=term.end_date, end_reason=Pairing.EndReason.TERM_ENDED
    )
    assert _export(office_user).row_count == 3


def test_the_seal_line_closes_the_sheet(office_user, roster):
    ws, rows = _rows(_export(office_user).content)
    below = [ws.cell(row=r, column=1).value for r in range(3 + len(rows), ws.max_row + 1)]
    assert any(v and v.startswith("中共开江县梅家乡委员会（盖章）") and v.endswith("年　　月　　日") for v in below)


def _many(term, n: int) -> None:
    for i in range(n):
        PairingFactory(term=term, talent__phone=f"139{i:08d}", cadre__name=f"干部{i}")


@pytest.mark.parametrize("n", [10, 100])
def test_the_roster_takes_the_same_queries_for_10_and_100_pairings(office_user, term, n):
    _many(term, n)
    exporter = RosterExporter(user=office_user, term=term, full_phones=True, contacts=True)
    with CaptureQueriesContext(connection) as queries:
        result = exporter.render("xlsx")
    # 1 the organisation (the title), 2 the user's roles (may they see personal data?), 3 the pairings of
    # this term ended mid-term (remarks), 4 the pairings in force with cadre, talent, unit, village, and
    # the contact count, last contact date and personal-data flag as subqueries
    assert len(queries) == 4, [q["sql"][:60] for q in queries]
    assert result.row_count == n


# --- PDF --------------------------------------------------------------------------------------------


def test_the_pdf_prints_the_roster_rare_names_included_in_the_embedded_chinese_font(office_user, roster, caplog):
    # GB 18030-2022 implementation level 2: rare characters of names, here CJK Extension A (䶮 U+4DAE),
    # B (𡎚 U+2139A) and C (𫖮 U+2B5AE), must print — from the font, not as empty boxes.
    TalentFactory._meta.model.objects.filter(pk=roster.talent_id).update(name="王䶮𡎚𫖮")
    with missing_glyphs() as missing:
        result = _export(office_user, "pdf")
    assert missing == []
    assert ".notdef" not in caplog.text
    text, fonts = _pdf(result.content)
    flat = re.sub(r"\s+", "", text)
    assert TITLE in flat
    assert "蔡小龙" in flat and "李四" in flat
    assert "王䶮𡎚𫖮" in flat
    assert "第1页共1页" in flat or "第1页共2页" in flat
    assert "中共开江县梅家乡委员会（盖章）" in flat
    assert "打印日期" in flat
    assert "139****5678" in flat
    assert valid_id_number(7) not in flat
    # Every font in the file is an embedded CJK font (subset): WenQuanYi Micro Hei for the rows, Noto Sans CJK
    # SC for the bold header and the rare characters; nothing fell back to a Latin font.
    cjk = r"/[A-Z]{6}\+(Noto-Sans-CJK-SC(-Bold)?|WenQuanYi-Micro-Hei)"
    assert fonts and all(re.fullmatch(cjk, f) for f in fonts), fonts
    _save_first_page(result.content, "roster")


def test_a_six_character_post_prints_on_one_line_of_the_pdf(office_user, roster):
    # 乡党委副书记 is the post of many township leaders: broken as 乡党委副书 / 记 the table looks careless.
    roster.cadre.title = "乡党委副书记"
    roster.cadre.save(update_fields=["title"])
    result = _export(office_user, "pdf")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "install poppler-utils (scripts/system-packages.sh)"
    lines = subprocess.run(  # noqa: S603 — our own PDF on stdin, no shell
        [pdftotext, "-layout", "-", "-"], input=result.content, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    assert any("乡党委副书记" in line for line in lines.splitlines()), lines


def _save_first_page(content: bytes, name: str) -> None:
    """A PNG of page 1 in artifacts/exports/ for a person to look at (poppler's pdftoppm)."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "install poppler-utils (scripts/system-packages.sh)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(content)
    subprocess.run(  # noqa: S603 — our own file names, no shell
        [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(ARTIFACTS / name)],
        check=True,
        timeout=60,
    )
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 1000


# --- Web download -----------------------------------------------------------------------------------


def test_the_office_downloads_the_roster_and_the_download_is_logged(client, office_user, roster, term):
    client.force_login(office_user)
    response = client.get(reverse("exports:download", args=["roster", "xlsx"]), {"term": term.pk, "full_phones": "1"})
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    _ws, rows = _rows(response.content)
    assert "13912345678" in [r[14] for r in _values(rows)]
    entry = ExportLog.objects.get()
    assert (entry.user, entry.exporter, entry.format, entry.row_count) == (office_user, "roster", "xlsx", 3)
    assert entry.options == {
        "term": "2025年—2026年",
        "level": "township",
        "village": None,
        "full_phones": True,
        "contacts": False,
    }


def test_a_leader_downloads_the_roster_with_phones_masked(client, leader_user, roster):
    client.force_login(leader_user)
    response = client.get(reverse("exports:download", args=["roster", "xlsx"]), {"full_phones": "1"})
    assert response.status_code == 200
    _ws, rows = _rows(response.content)
    assert "139****5678" in [r[14] for r in _values(rows)]


@pytest.mark.parametrize("who", ["cadre_user", "secretary_user", "liaison_user"])
def test_other_roles_may_not_download_the_roster(client, request, roster, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("exports:download", args=["roster", "xlsx"])).status_code == 403
    index = client.get(reverse("exports:index"))  # other exports (their village's report) may be listed
    assert (
        index.status_code == 403 or reverse("exports:download", args=["roster", "xlsx"]) not in index.content.decode()
    )
    assert not ExportLog.objects.exists()


def test_an_account_without_a_role_may_not_download_the_roster(client, roster):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("exports:download", args=["roster", "pdf"])).status_code == 403


def test_a_term_that_does_not_exist_is_explained_and_the_choices_are_kept(client, office_user, roster):
    client.force_login(office_user)
    response = client.get(reverse("exports:download", args=["roster", "xlsx"]), {"term": "999", "contacts": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert 'name="contacts" id="id_roster_contacts" checked' in page
    assert not ExportLog.objects.exists()


def test_the_exports_page_offers_the_roster_in_excel_and_pdf(client, office_user, roster):
    client.force_login(office_user)
    page = client.get(reverse("exports:index")).content.decode()
    assert reverse("exports:download", args=["roster", "xlsx"]) in page
    assert reverse("exports:download", args=["roster", "pdf"]) in page


@pytest.mark.parametrize("n", [10, 100])
def test_the_download_takes_the_same_queries_for_10_and_100_pairings(client, office_user, term, n):
    _many(term, n)
    client.force_login(office_user)
    url = reverse("exports:download", args=["roster", "xlsx"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"full_phones": "1"})
    assert response.status_code == 200
    # 1 session, 2 user, 3 the user's roles, 4 the current term, 5 the organisation, 6 the adjusted pairings,
    # 7 the pairings in force, 8-11 the log entries inside their savepoint (SAVEPOINT, INSERT export log,
    # INSERT audit log, RELEASE)
    assert len(queries) == 11, [q["sql"] for q in queries]


# --- Command ----------------------------------------------------------------------------------------


def test_export_roster_writes_excel_and_pdf_and_logs_a_system_run(roster, tmp_path):
    call_command("export_roster", "--term", "2025-2026", "--format", "xlsx", "--output", str(tmp_path / "r.xlsx"))
    call_command(
        "export_roster", "--term", "2025-2026", "--format", "pdf", "--output", str(tmp_path / "r.pdf"), "--full-phones"
    )
    ws, rows = _rows((tmp_path / "r.xlsx").read_bytes())
    assert ws["A1"].value == TITLE
    assert len(rows) == 3
    assert "139****5678" in [r[14] for r in _values(rows)]
    text, _fonts = _pdf((tmp_path / "r.pdf").read_bytes())
    assert "13912345678" in re.sub(r"\s+", "", text)
    assert list(ExportLog.objects.order_by("id").values_list("user", "format", "row_count")) == [
        (None, "xlsx", 3),
        (None, "pdf", 3),
    ]


def test_export_roster_names_the_terms_when_the_term_is_unknown(roster, tmp_path):
    with pytest.raises(CommandError, match="2025年—2026年"):
        call_command("export_roster", "--term", "2019-2020", "--format", "xlsx", "--output", str(tmp_path / "r.xlsx"))
    assert not (tmp_path / "r.xlsx").exists()
