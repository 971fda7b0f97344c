"""Excel import of talents: template, preview with row errors, all-or-nothing import (issue 4, item 3)."""

from __future__ import annotations

import datetime
import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from talents import importer
from talents.models import Talent
from talents.services import TALENT_HEADERS, talent_export_xlsx
from tests.factories import TalentFactory, UnitFactory, UserFactory, import_workbook, valid_id_number

UPLOAD = reverse("talent_import:upload")
CONFIRM = reverse("talent_import:confirm")
TEMPLATE = reverse("talent_import:template")
NOT_EXCEL = "This is not an Excel .xlsx file. Save it in Excel or WPS as “Excel workbook (*.xlsx)” and upload it again."
UNIT, VILLAGE = "梅家乡农业服务中心", "梅家村"


@pytest.fixture
def places(db, village):
    return UnitFactory(name=UNIT), village


def _row(name: str = "张伟", **cells) -> dict:
    """A valid row of the layout: a professional talent at the unit, living in the village."""
    return {"姓名": name, "性别": "男", "人才类别": "专业技术人才", "工作单位": UNIT, "所在村(社区)": VILLAGE, **cells}


def _upload(client, data: bytes, name: str = "人才名单.xlsx"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data, content_type=importer_content_type())})


def importer_content_type() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _confirm(client):
    return client.post(CONFIRM, {"sha256": client.session["talent_import"]["sha256"]})


def _errors(response) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in response.context["preview"].errors]


def _file_error(response) -> str:
    return " ".join(response.context["form"].errors["file"])


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


# --- A clean file ----------------------------------------------------------------------------------------


def test_a_clean_file_of_three_rows_is_previewed_then_imported_with_every_name_intact(office, office_user, places):
    unit, village = places
    rows = [
        _row("王䶮", 出生年月="1990-03", 联系电话="13800000001"),
        _row(
            "阿依古丽·买买提",
            性别="女",
            民族="维吾尔族",
            身份证号=valid_id_number(7, born=datetime.date(1992, 11, 3)),
            政治面貌="中共党员",
            学历="大学本科",
            学位="学士",
        ),
        _row("李农", 人才类别="农村实用人才", 农村实用人才类型="生产型", 出生年月=datetime.datetime(1978, 5, 1)),
    ]
    preview = _upload(office, import_workbook(rows))

    assert preview.status_code == 200
    assert preview.context["counts"] == {"new": 3, "update": 0, "unchanged": 0, "error": 0}
    assert not Talent.objects.exists()  # a preview writes nothing

    response = _confirm(office)

    assert response.status_code == 302
    assert sorted(Talent.objects.values_list("name", flat=True)) == sorted(["王䶮", "阿依古丽·买买提", "李农"])
    uyghur = Talent.objects.get(name="阿依古丽·买买提")
    assert (uyghur.gender, uyghur.ethnicity, uyghur.political_status) == ("F", "维吾尔族", "中共党员")
    assert uyghur.birth_month == datetime.date(1992, 11, 3)  # taken from the ID number
    assert (uyghur.unit, uyghur.village) == (unit, village)
    assert (uyghur.created_by, uyghur.updated_by) == (office_user, office_user)
    rural = Talent.objects.get(name="李农")
    assert (rural.category, rural.rural_type, rural.birth_month) == ("rural", "production", datetime.date(1978, 5, 1))
    rare = Talent.objects.get(name="王䶮")
    assert (rare.birth_month, rare.phone, rare.ethnicity) == (datetime.date(1990, 3, 1), "13800000001", "汉族")
    assert not list((importer._imports_dir()).glob("*.xlsx"))  # the kept upload is gone once imported


def test_the_success_message_counts_what_was_imported(office, places):
    _upload(office, import_workbook([_row("甲"), _row("乙")]))
    response = _confirm(office)
    page = office.get(response.url).content.decode()
    message = _("Import finished: %(new)d talents added, %(update)d updated, %(unchanged)d unchanged.")
    assert message % {"new": 2, "update": 0, "unchanged": 0} in page


# --- Row errors ------------------------------------------------------------------------------------------


def test_one_bad_row_shows_exactly_its_error_and_nothing_is_imported_even_on_confirm(office, places):
    bad_id = valid_id_number(3)[:-1] + ("0" if valid_id_number(3)[-1] != "0" else "1")
    rows = [_row("甲"), _row("乙"), _row("丙", 身份证号=bad_id)]
    response = _upload(office, import_workbook(rows, title="梅家乡优秀人才名单"))

    assert response.context["counts"] == {"new": 2, "update": 0, "unchanged": 0, "error": 1}
    # Title in row 1, header in row 2: 丙 is Excel row 5.
    assert _errors(response) == [
        (5, "身份证号", _("The check digit of this ID number is wrong; please check each digit."))
    ]
    assert 'action="/db/import/confirm/"' not in response.content.decode()  # no import button

    response = _confirm(office)

    assert response.status_code == 400
    assert _errors(response) == [
        (5, "身份证号", _("The check digit of this ID number is wrong; please check each digit."))
    ]
    assert not Talent.objects.exists()


ID_1985 = valid_id_number(11)  # born 1985-06-15
PHONE_MESSAGE = (
    "Enter an 11-digit mobile number (e.g. 13812345678) or a landline as area code-number (e.g. 0818-1234567)."
)


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (
            {"身份证号": ID_1985, "出生年月": "1986-06"},
            "出生年月",
            "The date of birth does not agree with the ID number.",
        ),
        ({"出生年月": "八五年"}, "出生年月", "Write the year and month as 1985-06, or use a date cell."),
        ({"所在村(社区)": "不存在村"}, "所在村(社区)", "There is no village or community named “%(name)s”."),
        ({"所在村(社区)": UNIT}, "所在村(社区)", "There is no village or community named “%(name)s”."),
        ({"工作单位": "不存在单位"}, "工作单位", "There is no unit named “%(name)s” in the database."),
        ({"性别": None}, "性别", "This value is required."),
        ({"人才类别": " "}, "人才类别", "This value is required."),
        ({"联系电话": "1381234"}, "联系电话", PHONE_MESSAGE),
        ({"农村实用人才类型": "生产型"}, "农村实用人才类型", "Only rural practical talents have a rural talent type."),
        ({"身份证号": 5.11723198506151e17}, "身份证号", None),
    ],
    ids=[
        "birth-vs-id",
        "birth-format",
        "unknown-village",
        "unit-is-no-village",
        "unknown-unit",
        "gender-missing",
        "category-blank",
        "phone",
        "rural-type",
        "id-as-number",
    ],
)
def test_each_kind_of_bad_value_is_reported_on_its_row_and_column(places, cells, column, message):
    preview = importer.talent_import_preview(data=import_workbook([_row("甲"), _row("乙", **cells)]))
    (error,) = preview.errors
    assert (error.row, error.column) == (3, column)
    if message:
        expected = _(message) % {"name": next(iter(cells.values()))} if "%(name)s" in message else _(message)
        assert error.message == expected
    assert preview.counts == {"new": 1, "update": 0, "unchanged": 0, "error": 1}


def test_a_missing_name_is_reported_in_the_name_column(places):
    preview = importer.talent_import_preview(data=import_workbook([_row(None, 职务="技术员")]))
    assert [(e.row, e.column, e.message) for e in preview.errors] == [(2, "姓名", _("This value is required."))]


def test_an_unknown_choice_lists_the_allowed_labels(places):
    preview = importer.talent_import_preview(data=import_workbook([_row(性别="男性")]))
    (error,) = preview.errors
    assert error.column == "性别"
    assert error.message == _("“%(value)s” is not an allowed value. Allowed: %(allowed)s.") % {
        "value": "男性",
        "allowed": "男、女",
    }


def test_a_person_twice_in_the_file_is_an_error_on_the_later_row(places):
    rows = [_row("甲", 身份证号=ID_1985), _row("乙"), _row("甲", 身份证号=ID_1985), _row("乙"), _row("丙")]
    preview = importer.talent_import_preview(data=import_workbook(rows))
    assert [(e.row, e.column, e.message) for e in preview.errors] == [
        (4, "身份证号", _("The same person as row %(row)d.") % {"row": 2}),
        (5, "姓名", _("The same person as row %(row)d.") % {"row": 3}),
    ]


def test_unit_and_village_names_match_with_spaces_stripped(places):
    unit, village = places
    preview = importer.talent_import_preview(
        data=import_workbook([_row(工作单位=" 梅家乡 农业服务中心", **{"所在村(社区)": "梅家村\u3000"})])
    )
    assert not preview.errors
    assert (preview.rows[0].values["unit"], preview.rows[0].values["village"]) == (unit, village)


def test_a_text_that_looks_like_a_formula_is_kept_as_text_and_a_formula_is_never_run(places):
    wb = Workbook()
    ws = wb.active
    ws.append(list(importer.IMPORT_HEADERS))
    ws.append([_row("甲").get(h) for h in importer.IMPORT_HEADERS])
    ws.append([_row("乙").get(h) for h in importer.IMPORT_HEADERS])
    position = ws.cell(row=2, column=importer.IMPORT_HEADERS.index("职务") + 1, value="=SUM(1,1)")
    position.data_type = "s"  # typed as text
    ws.cell(row=3, column=importer.IMPORT_HEADERS.index("职务") + 1, value="=1+1")  # a formula, no cached value
    out = io.BytesIO()
    wb.save(out)

    preview = importer.talent_import_preview(data=out.getvalue())

    assert not preview.errors
    assert preview.rows[0].values["position"] == "=SUM(1,1)"
    assert "position" not in preview.rows[1].values  # no cached value: read as empty, never evaluated to 2


# --- Matching on re-import -------------------------------------------------------------------------------


def test_importing_the_same_file_twice_creates_no_duplicates(office, places):
    data = import_workbook([_row("甲", 身份证号=ID_1985), _row("乙", 出生年月="1990-01"), _row("丙")])
    _upload(office, data)
    _confirm(office)

    again = _upload(office, data)

    assert again.context["counts"] == {"new": 0, "update": 0, "unchanged": 3, "error": 0}
    assert 'action="/db/import/confirm/"' not in again.content.decode()
    _confirm(office)
    assert Talent.objects.count() == 3


def test_a_changed_phone_updates_the_existing_talent_matched_by_id_number(office, office_user, places):
    unit, village = places
    talent = TalentFactory(name="陈丽华", id_number=ID_1985, phone="13812345678", unit=unit, village=village)

    response = _upload(office, import_workbook([_row("陈丽华", 身份证号=ID_1985, 联系电话="13900001111")]))

    assert response.context["counts"] == {"new": 0, "update": 1, "unchanged": 0, "error": 0}
    assert response.context["preview"].rows[0].changed_headers == ["联系电话"]
    _confirm(office)
    talent.refresh_from_db()
    assert (talent.phone, talent.updated_by) == ("13900001111", office_user)
    assert Talent.objects.count() == 1


def test_without_an_id_number_a_row_matches_on_name_birth_month_and_unit(places):
    unit, village = places
    talent = TalentFactory(name="张伟", birth_month=datetime.date(1985, 6, 15), unit=unit, village=village)
    other_unit = UnitFactory(name="梅家小学")

    rows = [_row("张伟", 出生年月="1985-06", 职务="站长"), _row("张伟", 出生年月="1985-06", 工作单位=other_unit.name)]
    preview = importer.talent_import_preview(data=import_workbook(rows))

    assert [r.status for r in preview.rows] == ["update", "new"]
    assert preview.rows[0].talent == talent
    assert preview.rows[0].changes == ["position"]  # same month, other day: the birth month is unchanged


def test_an_empty_cell_keeps_the_existing_value(office, places):
    talent = TalentFactory(name="甲", id_number=ID_1985, address="梅家村3组", achievements="推广新品种。")
    _upload(office, import_workbook([_row("甲", 身份证号=ID_1985, 职务="站长")]))
    _confirm(office)
    talent.refresh_from_db()
    assert (talent.position, talent.address, talent.achievements) == ("站长", "梅家村3组", "推广新品种。")


def test_the_office_export_imports_back_unchanged(office_user, places):
    unit, village = places
    TalentFactory(name="王䶮", id_number=ID_1985, unit=unit, village=village, honours="=不是公式")
    TalentFactory(name="李农", category="rural", rural_type="business", unit=unit, village=village)
    data = talent_export_xlsx(
        talents=Talent.objects.all(), user=office_user, today=datetime.date(2026, 5, 1), full=True
    )

    preview = importer.talent_import_preview(data=data)

    assert preview.counts == {"new": 0, "update": 0, "unchanged": 2, "error": 0}


def test_a_masked_export_imports_back_keeping_the_stored_id_numbers_and_phones(office_user, places):
    unit, village = places
    talent = TalentFactory(name="王䶮", id_number=ID_1985, phone="13812345678", unit=unit, village=village)
    data = talent_export_xlsx(talents=Talent.objects.all(), user=office_user, today=datetime.date(2026, 5, 1))

    preview = importer.talent_import_preview(data=data)

    assert preview.counts["error"] == 0, "masked values like 510***…1234 are not errors"
    assert preview.counts["new"] == 0
    talent.refresh_from_db()
    assert (talent.id_number, talent.phone) == (ID_1985, "13812345678")


# --- Files that are not what they claim ------------------------------------------------------------------


def test_wrong_columns_are_refused_naming_the_missing_and_unknown_ones(office, places):
    headers = [h for h in importer.IMPORT_HEADERS if h != "性别"] + ["备注"]
    response = _upload(office, import_workbook([_row()], headers=headers))

    assert response.status_code == 200
    error = _file_error(response)
    assert _("missing columns: %(names)s") % {"names": "性别"} in error
    assert _("unknown columns: %(names)s") % {"names": "备注"} in error
    assert not Talent.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("名单.xlsx", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"),
        ("名单.xlsx", "姓名,性别,人才类别\n张三,男,专业技术人才\n".encode("gb18030")),
        ("名单.docx", None),
    ],
    ids=["renamed-pdf", "renamed-csv", "zip-but-not-excel"],
)
def test_a_file_that_is_not_excel_is_refused_with_a_message(office, name, data):
    if data is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
        data = out.getvalue()
    response = _upload(office, data, name=name)
    assert response.status_code == 200
    assert _file_error(response) == _(NOT_EXCEL)
    assert "talent_import" not in office.session


def test_a_zip_bomb_is_refused_without_unpacking_it(office):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _i in range(importer.MAX_UNPACKED_BYTES // len(block) + 1):
                member.write(block)
    assert len(out.getvalue()) < 1024 * 1024

    response = _upload(office, out.getvalue())

    assert _file_error(response) == _(
        "This file unpacks to far more data than a list of talents can hold; it is refused."
    )


def test_an_empty_sheet_is_refused(office):
    response = _upload(office, import_workbook([], headers=[]))
    assert _file_error(response) == _("The first sheet is empty.")


def test_a_header_without_rows_is_refused(office):
    response = _upload(office, import_workbook([]))
    assert _file_error(response) == _("There are no talents under the header row (row %(row)d).") % {"row": 1}


def test_a_file_of_more_than_10000_rows_is_refused(office, places):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(list(importer.IMPORT_HEADERS))
    for i in range(importer.MAX_DATA_ROWS + 1):
        ws.append([f"人才{i}", "男", None, None, None, None, None, None, None, None, None, None, "专业技术人才"])
    out = io.BytesIO()
    wb.save(out)

    response = _upload(office, out.getvalue())

    message = _("The file has more than %(n)d rows of talents. Split it into several files and import them one by one.")
    assert _file_error(response) == message % {"n": 10000}
    assert not Talent.objects.exists()


def test_a_file_over_5_mb_is_refused_before_it_is_read(office):
    response = _upload(office, os.urandom(5 * 1024 * 1024 + 1))
    assert _file_error(response) == _("The file is larger than %(mb)d MB.") % {"mb": 5}
    assert not importer._imports_dir().exists() or not list(importer._imports_dir().iterdir())


def test_posting_without_a_file_asks_for_one(office):
    response = office.post(UPLOAD, {})
    assert _file_error(response) == _("Choose the Excel file to import.")


def test_confirm_without_a_checked_file_imports_nothing(office, places):
    response = office.post(CONFIRM, {"sha256": "0" * 64})
    assert response.status_code == 302
    assert not Talent.objects.exists()


def test_confirm_imports_only_the_file_the_user_saw(office, places):
    """A second upload in another tab replaces the first: confirming the first preview imports nothing."""
    _upload(office, import_workbook([_row("甲")]))
    first = office.session["talent_import"]["sha256"]
    _upload(office, import_workbook([_row("乙")]))
    office.post(CONFIRM, {"sha256": first})
    assert not Talent.objects.exists()


# --- The template ----------------------------------------------------------------------------------------


def test_the_template_downloads_with_the_import_layout_lists_and_an_example(office, places):
    response = office.get(TEMPLATE)

    assert response.status_code == 200
    assert response["Content-Type"] == importer_content_type()
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    sheet, lists = wb.worksheets
    assert [c.value for c in sheet[2]] == list(importer.IMPORT_HEADERS) == TALENT_HEADERS
    assert "1985-06" in sheet["A1"].value  # the note row explains the formats
    assert sheet["A3"].value == importer.EXAMPLE_NAME
    assert lists.sheet_state == "hidden"
    listed = {col[0].value: [c.value for c in col[1:] if c.value] for col in lists.iter_cols()}
    assert listed["性别"] == ["男", "女"]
    assert listed["所在村(社区)"] == [VILLAGE]
    assert UNIT in listed["工作单位"]
    assert "生产型" in listed["农村实用人才类型"]
    validated = {str(dv.sqref).split(":")[0][:-1] for dv in sheet.data_validations.dataValidation}
    assert validated == {"B", "C", "F", "G", "H", "J", "M", "N", "P"}
    assert sheet.column_dimensions["E"].width > 15


def test_a_filled_in_template_imports_and_skips_its_example_row(office, places):
    wb = load_workbook(io.BytesIO(office.get(TEMPLATE).content))
    sheet = wb.worksheets[0]
    for column, header in enumerate(importer.IMPORT_HEADERS, start=1):
        sheet.cell(row=4, column=column, value=_row("王䶮").get(header))
    out = io.BytesIO()
    wb.save(out)

    response = _upload(office, out.getvalue())

    assert response.context["preview"].skipped_example
    assert response.context["counts"] == {"new": 1, "update": 0, "unchanged": 0, "error": 0}
    assert [r.number for r in response.context["preview"].rows] == [4]


# --- Who may import --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["cadre", "leader", "village_secretary", "liaison", None])
@pytest.mark.parametrize(("method", "url"), [("get", UPLOAD), ("post", UPLOAD), ("post", CONFIRM), ("get", TEMPLATE)])
def test_everyone_but_the_office_gets_403(client, places, role, method, url):
    client.force_login(UserFactory(username="not_office", roles=[role] if role else []))
    data = {"file": SimpleUploadedFile("a.xlsx", import_workbook([_row()]))} if url == UPLOAD else {}
    response = getattr(client, method)(url, data)
    assert response.status_code == 403
    assert not Talent.objects.exists()


@pytest.mark.parametrize("url", [UPLOAD, CONFIRM, TEMPLATE])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Query counts ----------------------------------------------------------------------------------------


def _preview_queries(client, rows: int) -> int:
    data = import_workbook([_row(f"人才{i}", 职务="技术员", 身份证号=valid_id_number(100 + i)) for i in range(rows)])
    with CaptureQueriesContext(connection) as ctx:
        response = _upload(client, data)
    assert response.context["counts"]["error"] == 0
    return len(ctx.captured_queries)


def test_the_preview_runs_the_same_queries_for_3_rows_as_for_30(office, places):
    for i in range(5):  # some talents already in the database, some rows update them
        TalentFactory(id_number=valid_id_number(100 + i), unit=places[0], village=places[1])
    # 1 session, 2 user, 3 the user's roles (groups), 4 all units, 5 all talents (matching keys),
    # 6 the organisation (base.html), 7-9 the session saved with the kept file's name (savepoint, update, release)
    assert _preview_queries(office, 3) == 9
    assert _preview_queries(office, 30) == 9


def test_the_upload_still_checks_the_csrf_token(office_user, places):
    """The upload view swaps in its size limit before CSRF reads the body; the check itself must remain."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(office_user)
    response = _upload(client, import_workbook([_row()]))
    assert response.status_code == 403
    assert "talent_import" not in client.session
