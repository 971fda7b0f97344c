"""The talent list as Excel: the import layout, the role's masking, text never run as a formula (issue 4)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports.models import ExportLog
from talents.audit import Action
from talents.models import AuditEntry, Organization, Talent
from talents.services import TALENT_HEADERS, talent_rows
from tests.factories import ContactFactory, PairingFactory, TalentFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("talents:export")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(client, user, **params):
    client.force_login(user)
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def _rows(ws) -> list[dict[str, object]]:
    """Data rows (below the title and the header) as {header: value}."""
    header = [c.value for c in ws[2]]
    return [dict(zip(header, values, strict=True)) for values in ws.iter_rows(min_row=3, values_only=True)]


def test_the_export_opens_with_a_title_naming_the_organisation_and_the_import_header(client, office_user, pairing):
    ws = _sheet(client, office_user)
    assert Organization.current().committee_name in ws["A1"].value
    assert [c.value for c in ws[2]] == TALENT_HEADERS
    assert ws.freeze_panes == "B3"
    assert ws.column_dimensions["A"].width >= 6


def test_the_office_export_holds_the_chinese_data_with_id_number_phone_and_address_masked_by_default(
    client, office_user, pairing
):
    talent = pairing.talent
    talent.address = "梅家村5组12号"
    talent.save()
    (row,) = _rows(_sheet(client, office_user))
    assert row["姓名"] == "陈丽华"
    assert row["身份证号"] == talent.id_number[:3] + "*" * 11 + talent.id_number[-4:]
    assert row["联系电话"] == "138****5678"
    assert row["住址"] in (None, "")
    assert row["工作单位"] == "梅家乡农业服务中心"
    assert row["所在村(社区)"] == "梅家村"
    assert row["出生年月"] == "1985-06"
    assert row["政治面貌"] == "群众"


def test_the_office_gets_full_id_number_phone_and_address_when_it_ticks_the_option(client, office_user, pairing):
    talent = pairing.talent
    talent.address = "梅家村5组12号"
    talent.save()
    (row,) = _rows(_sheet(client, office_user, full="1"))
    assert row["身份证号"] == talent.id_number
    assert row["联系电话"] == "13812345678"
    assert row["住址"] == "梅家村5组12号"


def test_a_full_export_is_logged_with_the_option_and_the_row_count(client, office_user, pairing):
    TalentFactory(name="王五")
    _sheet(client, office_user, full="1", q="13812345678")
    entry = ExportLog.objects.get()
    assert (entry.user, entry.exporter, entry.row_count) == (office_user, "talent_list", 1)
    assert entry.options["full"] is True
    [audit_entry] = AuditEntry.objects.filter(action=Action.EXPORT)
    assert audit_entry.extra["rows"] == 1 and audit_entry.extra["options"]["full"] is True
    assert "13812345678" not in str(audit_entry.extra), "the search text may be a phone number"


def test_a_default_export_is_logged_as_masked_with_its_row_count(client, office_user, pairing):
    TalentFactory(name="王五")
    _sheet(client, office_user)
    entry = ExportLog.objects.get()
    assert (entry.options["full"], entry.row_count) == (False, 2)


def test_a_leader_asking_for_full_values_still_gets_them_masked(client, leader_user, pairing):
    talent = pairing.talent
    (row,) = _rows(_sheet(client, leader_user, full="1"))
    assert row["身份证号"] == talent.id_number[:3] + "*" * 11 + talent.id_number[-4:]
    assert row["联系电话"] == "138****5678"
    assert ExportLog.objects.get().options["full"] is False


def test_a_leader_who_is_also_the_paired_cadre_gets_full_values_only_for_that_talent(client, pairing):
    leader_cadre = pairing.cadre.user
    leader_cadre.groups.add(Group.objects.get(name="leader"))
    TalentFactory(name="王五", phone="13900001111")
    rows = {r["姓名"]: r for r in _rows(_sheet(client, leader_cadre, full="1"))}
    assert rows["陈丽华"]["联系电话"] == "13812345678"
    assert rows["王五"]["联系电话"] == "139****1111"


def test_the_list_offers_the_full_values_option_to_the_office_only(client, office_user, leader_user, pairing):
    option = "包含完整身份证号和手机号"
    client.force_login(office_user)
    body = client.get(reverse("talents:list"), {"category": "professional"}).content.decode()
    assert option in body
    assert 'name="full" value="1" required' in body
    assert '<input type="hidden" name="category" value="professional">' in body
    client.force_login(leader_user)
    assert option not in client.get(reverse("talents:list")).content.decode()


def test_the_id_number_is_stored_as_text_not_as_a_number(client, office_user, pairing):
    ws = _sheet(client, office_user, full="1")
    id_cell = ws.cell(row=3, column=TALENT_HEADERS.index("身份证号") + 1)
    assert id_cell.data_type == "s"


def test_the_leader_export_masks_id_number_phone_and_address(client, leader_user, pairing):
    talent = pairing.talent
    talent.address = "梅家村5组12号"
    talent.save()
    (row,) = _rows(_sheet(client, leader_user))
    assert row["身份证号"] == talent.id_number[:3] + "*" * 11 + talent.id_number[-4:]
    assert row["联系电话"] == "138****5678"
    assert row["住址"] in (None, "")
    assert row["姓名"] == "陈丽华"


def test_thoughts_are_never_exported(client, office_user, pairing):
    ws = _sheet(client, office_user)
    values = [v for row in ws.iter_rows(values_only=True) for v in row if v]
    assert not any("顾虑" in str(v) for v in values)


def test_a_formula_looking_value_is_stored_as_text(client, office_user):
    TalentFactory(name="王五", speciality='=HYPERLINK("http://x","点此")', achievements="+1 推广", honours="@SUM(A1)")
    ws = _sheet(client, office_user)
    cells = {c.value: c for c in ws[3] if c.value}
    for value in ('=HYPERLINK("http://x","点此")', "+1 推广", "@SUM(A1)"):
        assert cells[value].data_type == "s", value


def test_the_export_follows_the_filters_on_screen(client, office_user, pairing):
    TalentFactory(name="农村人才", category=Talent.Category.RURAL)
    assert [r["姓名"] for r in _rows(_sheet(client, office_user, category="rural"))] == ["农村人才"]
    assert [r["姓名"] for r in _rows(_sheet(client, office_user, q="clh"))] == ["陈丽华"]


def test_talents_moved_out_are_left_out_unless_asked_for(client, office_user, pairing):
    out = TalentFactory(name="出库者")
    out.move_out(on=timezone.localdate(), reason="调离")
    assert [r["姓名"] for r in _rows(_sheet(client, office_user))] == ["陈丽华"]
    assert [r["姓名"] for r in _rows(_sheet(client, office_user, status="out"))] == ["出库者"]


def test_the_export_is_a_named_attachment_kept_out_of_caches(client, office_user, pairing):
    client.force_login(office_user)
    response = client.get(EXPORT)
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".xlsx" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("role", ["cadre", "village_secretary", "liaison"])
def test_other_roles_cannot_export(client, role, pairing):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(EXPORT).status_code == 403


def test_anonymous_visitors_cannot_export(client, pairing):
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_rows_can_be_built_without_the_page_for_other_exports(office_user, leader_user, pairing):
    (office_row,) = talent_rows(Talent.objects.all(), office_user, full=True)
    (leader_row,) = talent_rows(Talent.objects.all(), leader_user, full=True)
    (masked_row,) = talent_rows(Talent.objects.all(), office_user)
    assert len(office_row) == len(TALENT_HEADERS) == 20
    assert office_row[0] == leader_row[0] == "陈丽华"
    assert office_row[16] == "13812345678"
    assert leader_row[16] == masked_row[16] == "138****5678"


def _export_queries(client, params) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(EXPORT, params)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _world(n: int) -> None:
    for _i in range(n):
        ContactFactory(pairing=PairingFactory(talent=TalentFactory()), date=timezone.localdate())


@pytest.mark.parametrize("user_fixture", ["office_user", "leader_user"])
@pytest.mark.parametrize("params", [{}, {"full": "1"}])
def test_the_export_runs_the_same_queries_for_few_and_many_talents(client, request, user_fixture, params):
    client.force_login(request.getfixturevalue(user_fixture))
    _world(2)
    small = _export_queries(client, params)
    _world(15)
    large = _export_queries(client, params)
    assert len(openpyxl.load_workbook(io.BytesIO(client.get(EXPORT).content)).active["A"]) == 2 + 17
    # session, user, the user's roles, the organisation (title row), the rows with unit, village
    # and the masking flag joined or as a subquery; then the export log row and the audit log entry,
    # in one transaction (a savepoint and its release inside the test's transaction) (issue 6)
    assert len(small) == len(large) == 9
