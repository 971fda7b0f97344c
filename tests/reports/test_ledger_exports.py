"""人才诉求台账 and 联系记录登记簿 (issue 5, items 5 and 6): the Excel and PDF files read back, the filters,
each role's rows, no sensitive notes in the register, the web download and its log, and ``export_ledger``."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from contacts.models import Contact, Demand
from reports.exporters.ledger import ContactRegisterExporter, DemandLedgerExporter
from reports.models import ExportLog
from talents.models import Organization
from tests.factories import ContactFactory, DemandFactory, PairingFactory, TalentFactory, UnitFactory, UserFactory

LEDGER_TITLE = "中共开江县梅家乡委员会人才诉求台账（2024年）"
REGISTER_TITLE = "中共开江县梅家乡委员会领导干部联系优秀人才记录登记簿（2024年）"
LEDGER_HEADERS = [
    "序号",
    "人才姓名",
    "工作单位",
    "诉求类型",
    "紧急程度",
    "诉求内容",
    "提出日期",
    "责任单位",
    "协调领导",
    "针对性措施",
    "办理时限",
    "办理状态",
    "办理结果",
    "办结日期",
    "回访满意度",
]
REGISTER_HEADERS = [
    "序号",
    "联系日期",
    "联系领导",
    "人才姓名",
    "工作单位",
    "联系方式",
    "发起方",
    "联系内容",
    "地点",
    "情况摘要",
]
THOUGHT = "对乡里产业规划有些顾虑"
HEALTH = "患有高血压需定期复查"
LIFE = "家中老人独居无人照料"


def _sheet(content: bytes) -> tuple[object, list[list]]:
    """The sheet and the values of its table rows (below the title and the header)."""
    ws = load_workbook(io.BytesIO(content)).active
    rows = []
    for row in ws.iter_rows(min_row=3, values_only=True):
        if row[0] is None:
            break
        rows.append(list(row))
    return ws, rows


def _everything(ws) -> str:
    return " ".join(str(v) for line in ws.iter_rows(values_only=True) for v in line if v is not None)


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def zhou(other_cadre):
    """The other cadre's talent, 周强, of another unit."""
    return PairingFactory(cadre=other_cadre, talent=TalentFactory(name="周强", unit__name="开江县丰收合作社"))


@pytest.fixture
def demands(pairing, cadre, other_cadre, zhou):
    """2024: 陈丽华's demand (the cadre's talent, the liaison's unit), resolved; 周强's (other unit, the other
    cadre coordinating), open; 2023: one more of 陈丽华's, which the 2024 ledger leaves out."""
    Organization.current()
    bureau = UnitFactory(name="开江县人社局")
    closed = DemandFactory(
        talent=pairing.talent,
        raised_on=datetime.date(2024, 3, 1),
        kind=Demand.Kind.TRAINING,
        urgency=Demand.Urgency.PRESSING,
        content="希望参加县里的技术培训。",
        responsible_unit=bureau,
        coordinating_cadre=cadre,
        measures="协调县人社局安排名额。",
        due_date=datetime.date(2024, 4, 30),
        status=Demand.Status.RESOLVED,
        result="已参加4月培训班。",
        closed_on=datetime.date(2024, 4, 20),
        satisfaction=Demand.Satisfaction.SATISFIED,
    )
    DemandFactory(
        talent=zhou.talent,
        raised_on=datetime.date(2024, 6, 10),
        kind=Demand.Kind.FUNDING,
        content="=SUM(A1:A9) 申请产业项目资金",
        coordinating_cadre=other_cadre,
    )
    DemandFactory(talent=pairing.talent, raised_on=datetime.date(2023, 11, 5), content="去年的诉求")
    return closed


@pytest.fixture
def contacts(pairing, zhou):
    """2024: two contacts of the cadre with 陈丽华 (with thoughts, health and life notes), one of the other
    cadre with 周强; 2023: one more, left out of the 2024 register."""
    Organization.current()
    ContactFactory(
        pairing=pairing,
        date=datetime.date(2024, 5, 8),
        method=Contact.Method.FACE_TO_FACE,
        direction=Contact.Direction.CADRE,
        is_guidance=True,
        is_service=True,
        place="梅家乡农业服务中心",
        summary="了解合作社经营情况，宣传人才政策。",
        situation_thought=THOUGHT,
        situation_health=HEALTH,
        situation_life=LIFE,
    )
    ContactFactory(
        pairing=pairing,
        date=datetime.date(2024, 9, 2),
        method=Contact.Method.PHONE,
        direction=Contact.Direction.TALENT,
        summary="电话询问培训安排。",
        situation_thought=THOUGHT,
    )
    ContactFactory(pairing=zhou, date=datetime.date(2024, 7, 1), summary="走访合作社。")
    ContactFactory(pairing=pairing, date=datetime.date(2023, 12, 1), summary="去年的联系")


def _ledger(user, fmt="xlsx", **options):
    return DemandLedgerExporter(user=user, year=2024, **options).render(fmt)


def _register(user, fmt="xlsx", **options):
    return ContactRegisterExporter(user=user, year=2024, **options).render(fmt)


# --- Demand ledger: Excel ---------------------------------------------------------------------------


def test_the_excel_ledger_has_the_title_the_official_columns_and_the_years_demands(office_user, demands):
    result = _ledger(office_user)
    ws, rows = _sheet(result.content)
    assert ws["A1"].value == LEDGER_TITLE
    assert [c.value for c in ws[2]] == LEDGER_HEADERS
    assert [r[1] for r in rows] == ["陈丽华", "周强"]  # in the order they were raised; 2023's is left out
    assert result.row_count == 2
    assert result.filename == f"{LEDGER_TITLE}.xlsx"


def test_a_ledger_row_follows_the_demand_from_raising_to_the_follow_up_visit(office_user, demands):
    _ws, rows = _sheet(_ledger(office_user).content)
    assert rows[0] == [
        1,
        "陈丽华",
        "梅家乡农业服务中心",
        "学习培训",
        "较急",
        "希望参加县里的技术培训。",
        "2024-03-01",
        "开江县人社局",
        "王建国",
        "协调县人社局安排名额。",
        "2024-04-30",
        "已办结",
        "已参加4月培训班。",
        "2024-04-20",
        "满意",
    ]


def test_a_formula_looking_demand_stays_text(office_user, demands):
    ws, _rows = _sheet(_ledger(office_user).content)
    cell = ws.cell(row=4, column=6)
    assert cell.value == "=SUM(A1:A9) 申请产业项目资金"
    assert cell.data_type == "s"


def test_the_ledger_filters_by_unit_as_responsible_or_as_the_talents_employer(office_user, demands):
    bureau = demands.responsible_unit
    employer = demands.talent.unit
    assert [r[1] for r in _sheet(_ledger(office_user, unit=bureau).content)[1]] == ["陈丽华"]
    assert [r[1] for r in _sheet(_ledger(office_user, unit=employer).content)[1]] == ["陈丽华"]


def test_the_ledger_filters_by_status_and_year(office_user, demands):
    _ws, rows = _sheet(_ledger(office_user, status=Demand.Status.OPEN).content)
    assert [r[1] for r in rows] == ["周强"]
    _ws, rows = _sheet(DemandLedgerExporter(user=office_user, year=2023).render("xlsx").content)
    assert [r[5] for r in rows] == ["去年的诉求"]


def test_a_liaison_exports_only_their_units_demands(liaison_user, demands):
    _ws, rows = _sheet(_ledger(liaison_user).content)
    assert [r[1] for r in rows] == ["陈丽华"]


def test_a_cadre_exports_only_the_demands_of_their_talent_or_assigned_to_them(cadre_user, other_cadre_user, demands):
    assert [r[1] for r in _sheet(_ledger(cadre_user).content)[1]] == ["陈丽华"]
    assert [r[1] for r in _sheet(_ledger(other_cadre_user).content)[1]] == ["周强"]


def test_a_leader_exports_every_demand(leader_user, demands):
    assert _ledger(leader_user).row_count == 2


# --- Contact register: Excel ------------------------------------------------------------------------


def test_the_excel_register_has_the_title_the_columns_and_the_years_contacts(office_user, contacts):
    result = _register(office_user)
    ws, rows = _sheet(result.content)
    assert ws["A1"].value == REGISTER_TITLE
    assert [c.value for c in ws[2]] == REGISTER_HEADERS
    assert [r[1] for r in rows] == ["2024-05-08", "2024-07-01", "2024-09-02"]
    assert rows[0] == [
        1,
        "2024-05-08",
        "王建国",
        "陈丽华",
        "梅家乡农业服务中心",
        "面对面交流",
        "班子成员主动",
        "宣传引导、关心服务",
        "梅家乡农业服务中心",
        "了解合作社经营情况，宣传人才政策。",
    ]
    assert result.row_count == 3


def test_the_register_carries_no_thoughts_health_or_life_notes(office_user, contacts):
    ws, _rows = _sheet(_register(office_user).content)
    everything = _everything(ws)
    for note in (THOUGHT, HEALTH, LIFE, "思想稳定"):
        assert note not in everything
    assert not {"思想动态", "身体状况", "生活情况"} & {c.value for c in ws[2]}
    text = _pdf_text(_register(office_user, "pdf").content)
    for note in (THOUGHT, HEALTH, LIFE):
        assert note not in text


def test_the_register_filters_by_method_and_unit(office_user, contacts, pairing):
    _ws, rows = _sheet(_register(office_user, method=Contact.Method.PHONE).content)
    assert [r[1] for r in rows] == ["2024-09-02"]
    _ws, rows = _sheet(_register(office_user, unit=pairing.talent.unit).content)
    assert [r[3] for r in rows] == ["陈丽华", "陈丽华"]


def test_a_cadre_exports_only_their_own_contacts(cadre_user, other_cadre_user, contacts):
    assert [r[3] for r in _sheet(_register(cadre_user).content)[1]] == ["陈丽华", "陈丽华"]
    assert [r[3] for r in _sheet(_register(other_cadre_user).content)[1]] == ["周强"]


# --- PDF --------------------------------------------------------------------------------------------


def test_the_ledger_pdf_prints_the_title_and_the_names(office_user, demands):
    result = _ledger(office_user, "pdf")
    assert result.content.startswith(b"%PDF")
    text = _pdf_text(result.content)
    assert LEDGER_TITLE in text
    assert "陈丽华" in text and "周强" in text and "开江县人社局" in text
    assert "第1页共1页" in text
    assert result.row_count == 2


def test_the_register_pdf_prints_the_title_the_names_and_the_chosen_method(office_user, contacts):
    text = _pdf_text(_register(office_user, "pdf", method=Contact.Method.PHONE).content)
    assert REGISTER_TITLE in text
    assert "陈丽华" in text and "电话询问培训安排" in text
    assert "联系方式：电话" in text
    assert "周强" not in text


# --- Web download -----------------------------------------------------------------------------------


def test_the_office_downloads_the_ledger_and_the_download_is_logged(client, office_user, demands):
    client.force_login(office_user)
    response = client.get(
        reverse("exports:download", args=["ledger", "xlsx"]), {"year": "2024", "status": Demand.Status.RESOLVED}
    )
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    _ws, rows = _sheet(response.content)
    assert [r[1] for r in rows] == ["陈丽华"]
    entry = ExportLog.objects.get()
    assert (entry.user, entry.exporter, entry.format, entry.row_count) == (office_user, "ledger", "xlsx", 1)
    assert entry.options == {"year": 2024, "unit": None, "status": "resolved"}


def test_a_liaison_downloads_their_units_ledger_but_not_the_contact_register(client, liaison_user, demands, contacts):
    client.force_login(liaison_user)
    response = client.get(reverse("exports:download", args=["ledger", "xlsx"]), {"year": "2024"})
    assert [r[1] for r in _sheet(response.content)[1]] == ["陈丽华"]
    assert client.get(reverse("exports:download", args=["contacts", "xlsx"]), {"year": "2024"}).status_code == 403
    page = client.get(reverse("exports:index")).content.decode()
    assert reverse("exports:download", args=["ledger", "xlsx"]) in page
    assert reverse("exports:download", args=["contacts", "xlsx"]) not in page
    assert list(ExportLog.objects.values_list("exporter", flat=True)) == ["ledger"]


def test_a_cadre_downloads_the_register_of_their_own_contacts(client, cadre_user, contacts):
    client.force_login(cadre_user)
    response = client.get(reverse("exports:download", args=["contacts", "pdf"]), {"year": "2024"})
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "陈丽华" in text and "周强" not in text
    assert ExportLog.objects.get().row_count == 2


@pytest.mark.parametrize("identifier", ["ledger", "contacts"])
def test_an_account_without_a_role_may_not_download_the_ledgers(client, demands, contacts, identifier):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("exports:download", args=[identifier, "xlsx"])).status_code == 403
    assert not ExportLog.objects.exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, demands):
    response = client.get(reverse("exports:download", args=["ledger", "xlsx"]))
    assert response.status_code == 302
    assert not ExportLog.objects.exists()


def test_a_bad_year_is_explained_and_nothing_is_logged(client, office_user, demands):
    client.force_login(office_user)
    response = client.get(reverse("exports:download", args=["ledger", "xlsx"]), {"year": "1066"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert 'value="1066"' in page
    assert not ExportLog.objects.exists()


def test_the_exports_page_offers_the_ledger_and_the_register_to_the_office(client, office_user):
    client.force_login(office_user)
    page = client.get(reverse("exports:index")).content.decode()
    for identifier in ("ledger", "contacts"):
        for fmt in ("xlsx", "pdf"):
            assert reverse("exports:download", args=[identifier, fmt]) in page


# --- Query counts -----------------------------------------------------------------------------------


def _many(liaison_user, n: int) -> None:
    unit = UnitFactory(liaison=liaison_user)
    for i in range(n):
        pairing = PairingFactory(talent=TalentFactory(unit=unit))
        DemandFactory(talent=pairing.talent, raised_on=datetime.date(2024, 2, 1), coordinating_cadre=pairing.cadre)
        ContactFactory(pairing=pairing, date=datetime.date(2024, 2, 1) + datetime.timedelta(days=i))


@pytest.mark.parametrize("n", [5, 50])
def test_the_ledger_takes_the_same_queries_for_5_and_50_demands(liaison_user, n):
    _many(liaison_user, n)
    exporter = DemandLedgerExporter(user=liaison_user, year=2024)
    with CaptureQueriesContext(connection) as queries:
        result = exporter.render("xlsx")
    # 1 the organisation (the title), 2 the user's roles, 3 the demands the liaison sees with talent, unit,
    # responsible unit and coordinating cadre
    assert len(queries) == 3, [q["sql"][:80] for q in queries]
    assert result.row_count == n


@pytest.mark.parametrize("n", [5, 50])
def test_the_register_takes_the_same_queries_for_5_and_50_contacts(office_user, liaison_user, n):
    _many(liaison_user, n)
    exporter = ContactRegisterExporter(user=office_user, year=2024)
    with CaptureQueriesContext(connection) as queries:
        result = exporter.render("xlsx")
    # 1 the organisation (the title), 2 the user's roles, 3 the contacts with pairing, cadre, talent and unit
    assert len(queries) == 3, [q["sql"][:80] for q in queries]
    assert result.row_count == n


@pytest.mark.parametrize("n", [5, 50])
def test_the_ledger_download_takes_the_same_queries_for_5_and_50_demands(client, liaison_user, n):
    _many(liaison_user, n)
    client.force_login(liaison_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("exports:download", args=["ledger", "xlsx"]), {"year": "2024"})
    assert response.status_code == 200
    # 1 session, 2 user, 3 the user's roles, 4 the organisation, 5 the demands,
    # 6-9 the log entries inside their savepoint (SAVEPOINT, INSERT export log, INSERT audit log, RELEASE)
    assert len(queries) == 9, [q["sql"][:80] for q in queries]


# --- Command ----------------------------------------------------------------------------------------


def test_export_ledger_writes_the_ledger_and_the_register_and_logs_system_runs(demands, contacts, tmp_path):
    call_command("export_ledger", "--year", "2024", "--format", "xlsx", "--output", str(tmp_path / "l.xlsx"))
    call_command(
        "export_ledger", "--year", "2024", "--format", "pdf", "--output", str(tmp_path / "c.pdf"), "--kind", "contacts"
    )
    ws, rows = _sheet((tmp_path / "l.xlsx").read_bytes())
    assert ws["A1"].value == LEDGER_TITLE
    assert len(rows) == 2
    text = _pdf_text((tmp_path / "c.pdf").read_bytes())
    assert REGISTER_TITLE in text and "周强" in text
    assert THOUGHT not in text
    assert list(ExportLog.objects.order_by("id").values_list("user", "exporter", "format", "row_count")) == [
        (None, "ledger", "xlsx", 2),
        (None, "contacts", "pdf", 3),
    ]


def test_export_ledger_filters_by_unit_and_status(demands, tmp_path):
    out = tmp_path / "open.xlsx"
    call_command(
        "export_ledger",
        *("--year", "2024", "--format", "xlsx", "--output", str(out)),
        *("--unit", "开江县丰收合作社", "--status", "open"),
    )
    _ws, rows = _sheet(out.read_bytes())
    assert [r[1] for r in rows] == ["周强"]


def test_export_ledger_explains_an_unknown_unit_or_status(demands, tmp_path):
    out = tmp_path / "l.xlsx"
    with pytest.raises(CommandError, match="不存在的单位"):
        call_command("export_ledger", "--format", "xlsx", "--output", str(out), "--unit", "不存在的单位")
    with pytest.raises(CommandError, match="resolved"):
        call_command("export_ledger", "--format", "xlsx", "--output", str(out), "--status", "done")
    assert not out.exists()
    assert not ExportLog.objects.exists()
