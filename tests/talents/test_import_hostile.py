"""Hostile Excel files at the import (issue 6, item 8): refused cleanly, in bounded memory, never run.

The files are written by hand with ``zipfile``, the sheet XML streamed, so a sheet of a million rows
costs the test a few kilobytes. Memory is measured with tracemalloc around the whole request.
"""

from __future__ import annotations

import datetime
import io
import re
import tracemalloc
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from talents import importer
from talents.models import Talent
from talents.services import talent_export_xlsx
from tests.factories import UnitFactory

UPLOAD = reverse("talent_import:upload")
CONFIRM = reverse("talent_import:confirm")
MEMORY_BOUND = 200 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNIT = "梅家乡农业服务中心"
TOO_MUCH = "This file unpacks to far more data than a list of talents can hold; it is refused."
TOO_MANY_ROWS = "The file has more than %(n)d rows of talents. Split it into several files and import them one by one."
NOT_EXCEL = "This is not an Excel .xlsx file. Save it in Excel or WPS as “Excel workbook (*.xlsx)” and upload it again."

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
PACKAGE_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
    '<sheets><sheet name="人才" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def _row(values: Iterable[str]) -> bytes:
    return ("<row>" + "".join(_cell(v) for v in values) + "</row>").encode()


HEADER = _row(importer.IMPORT_HEADERS)


def _valid_cells(name: str, **by_header: str) -> list[str]:
    cells = {"姓名": name, "性别": "男", "人才类别": "专业技术人才", "工作单位": UNIT, **by_header}
    return [cells.get(h, "") for h in importer.IMPORT_HEADERS]


def _xlsx(rows: Iterable[bytes], *, dimension: str = "A1:T2", doctype: bytes = b"") -> bytes:
    """A minimal .xlsx whose first sheet is the header then ``rows`` (XML, streamed into the zip)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?>' + doctype)
            sheet.write(f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'.encode())
            sheet.write(HEADER)
            for row in rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    UnitFactory(name=UNIT)
    return client


def _upload_measured(client, data: bytes):
    """Upload as the office does; returns the response and the peak of Python memory during the request."""
    tracemalloc.start()
    try:
        response = client.post(UPLOAD, {"file": SimpleUploadedFile("人才名单.xlsx", data, content_type=XLSX)})
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


def _file_error(response) -> str:
    assert response.status_code == 200
    return " ".join(response.context["form"].errors["file"])


def test_a_sheet_of_a_million_rows_is_refused_without_reading_it_all(office):
    block = b"<row><c><v>1</v></c></row>" * 1000
    data = _xlsx((block for _i in range(1000)), dimension="A1:T1000001")
    assert len(data) < 200 * 1024  # a few dozen kilobytes on the wire

    response, peak = _upload_measured(office, data)

    assert _file_error(response) in (_(TOO_MUCH), _(TOO_MANY_ROWS) % {"n": importer.MAX_DATA_ROWS})
    assert peak < MEMORY_BOUND
    assert "talent_import" not in office.session
    assert not Talent.objects.exists()


def test_a_sheet_claiming_a_million_rows_stops_reading_after_a_long_blank_run(office):
    far_away = f'<row r="1000000">{_cell("远方")}</row>'.encode()
    data = _xlsx([_row(_valid_cells("张伟")), far_away], dimension="A1:T1000000")

    response, peak = _upload_measured(office, data)

    assert response.context["counts"] == {"new": 1, "update": 0, "unchanged": 0, "error": 0}
    assert peak < MEMORY_BOUND


def test_one_row_of_a_million_cells_is_refused_before_openpyxl_holds_it_in_memory(office):
    data = _xlsx([b"<row>" + b"<c><v>1</v></c>" * 1_000_000 + b"</row>"])
    assert len(data) < 100 * 1024

    response, peak = _upload_measured(office, data)

    assert _file_error(response) == _(TOO_MUCH)
    assert peak < 50 * 1024 * 1024  # openpyxl alone took 440 MB on this file


def test_a_wide_row_hidden_behind_a_namespace_prefix_is_refused_too(office):
    cells = b"<x:c><x:v>1</x:v></x:c>" * (importer.MAX_ROW_ELEMENTS // 2 + 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        sheet = f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row>'.encode() + cells
        archive.writestr("xl/worksheets/sheet1.xml", sheet + b"</x:row></x:sheetData></x:worksheet>")

    response, _peak = _upload_measured(office, out.getvalue())

    assert _file_error(response) == _(TOO_MUCH)


def test_a_list_of_ten_thousand_rows_passes_the_size_checks(office):
    """The limits refuse bombs, not the largest list the import takes."""
    rows = (
        _row(_valid_cells(f"人才{i}", 职务="技术员", 住址="梅家乡梅家村3组")) for i in range(importer.MAX_DATA_ROWS)
    )

    importer._check_archive(_xlsx(rows, dimension="A1:T10001"))


def test_an_xml_entity_bomb_in_the_sheet_is_never_expanded(office):
    doctype = (
        b'<!DOCTYPE worksheet [<!ENTITY a "' + b"x" * 100 + b'">'
        + b"".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">'.encode() for p, n in zip("abcdefgh", "bcdefghi", strict=True))
        + b"]>"
    )  # fmt: skip
    data = _xlsx([_row(_valid_cells("&i;"))], doctype=doctype)
    data = data.replace(b"&amp;i;", b"&i;")  # the name cell expands to 10^8 x's

    response, peak = _upload_measured(office, data)

    assert response.status_code == 200  # openpyxl parses with entities left unresolved: refused or an empty name
    assert "x" * 1000 not in response.content.decode()
    assert peak < MEMORY_BOUND
    assert not Talent.objects.exists()


def test_a_zip_with_a_content_types_part_but_no_workbook_is_refused(office):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("evil.sh", "rm -rf /")

    response, _peak = _upload_measured(office, out.getvalue())

    assert _file_error(response) == _(NOT_EXCEL)


def _formula(formula: str, cached: str) -> str:
    return f'<c t="str"><f>{escape(formula)}</f><v>{escape(cached)}</v></c>'


def test_formula_cells_are_never_run_and_only_their_shown_text_is_imported(office, office_user):
    cells = [_cell(v) for v in _valid_cells("李四")]
    position = importer.IMPORT_HEADERS.index("职务")
    honours = importer.IMPORT_HEADERS.index("荣誉")
    cells[position] = _formula('HYPERLINK("http://evil.example/x","点击查看")', "点击查看")
    cells[honours] = _formula("cmd|' /C calc'!A0", "=cmd|' /C calc'!A0")
    data = _xlsx([("<row>" + "".join(cells) + "</row>").encode()])

    response, _peak = _upload_measured(office, data)
    assert response.context["counts"]["new"] == 1
    office.post(CONFIRM, {"sha256": office.session["talent_import"]["sha256"]})

    talent = Talent.objects.get(name="李四")
    assert (talent.position, talent.honours) == ("点击查看", "=cmd|' /C calc'!A0")
    exported = load_workbook(
        io.BytesIO(
            talent_export_xlsx(
                talents=Talent.objects.filter(pk=talent.pk), user=office_user, today=datetime.date(2026, 5, 1)
            )
        )
    )
    values = [c for row in exported.active.iter_rows() for c in row if isinstance(c.value, str)]
    dde = next(c for c in values if "cmd|" in c.value)
    assert dde.data_type == "s"  # written back as text: Excel shows it, never runs it
    assert not any(c.data_type == "f" for c in values)
    assert "evil.example" not in " ".join(c.value for c in values)


def _valid_file() -> bytes:
    return _xlsx([_row(_valid_cells("张伟"))])


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    content=st.one_of(
        st.binary(max_size=2048),
        st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8).map(
            lambda flips: _flipped(_valid_file(), flips)
        ),
    ),
    name=st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters='"\\'), max_size=60),
)
def test_any_bytes_under_any_name_are_refused_with_a_chinese_message_and_nothing_kept(office, content, name):
    with transaction.atomic():
        response = office.post(UPLOAD, {"file": SimpleUploadedFile(name or "x", content, content_type=XLSX)})
        try:
            assert response.status_code == 200
            if "form" in response.context:  # refused: why, in Chinese, next to the file field
                error = _file_error(response)
                assert re.search(r"[\u4e00-\u9fff]", error)
                assert "talent_import" not in office.session
            else:  # a flipped byte the zip and XML survived: an ordinary preview
                assert "preview" in response.context
            assert not Talent.objects.exists()
        finally:
            transaction.set_rollback(True)


def _flipped(data: bytes, flips) -> bytes:
    out = bytearray(data)
    for position, value in flips:
        out[position % len(out)] = value
    return bytes(out)
