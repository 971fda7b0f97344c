"""The office at its desk, in a real browser (issue 4, item 12 and its "Done when" journey).

As ``office`` on a 1366-px screen: find a talent by pinyin initials, import an Excel list with one
bad row, adjust a pairing mid-term and read the history, see who has not been contacted this year,
and drive a demand from 待办 to 已办结 with a follow-up. Every test fails on console errors, page
errors and requests to another host (the ``desk`` fixture), and leaves screenshots behind.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from contacts.models import Demand, DemandProgress, Pairing
from talents.importer import IMPORT_HEADERS
from talents.models import Talent
from tests.factories import (
    CadreFactory,
    ContactFactory,
    DemandFactory,
    PairingFactory,
    TalentFactory,
    UnitFactory,
    VillageFactory,
    valid_id_number,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# serialized_rollback: the role groups and the organisation come from data migrations, and a
# transactional test empties every table when it ends; this restores them for the next test.


def _label(choice) -> str:
    """A choice's Chinese label, as the office types it into Excel."""
    with translation.override("zh-hans"):
        return str(choice.label)


def test_the_office_finds_a_talent_by_pinyin_initials_and_opens_the_talent(desk, office_user):
    page = desk.page
    wanted = TalentFactory(name="张三丰", position="农技站站长")
    TalentFactory(name="张三")  # zs, but not zsf
    TalentFactory(name="李四")
    desk.log_in("office_t")

    desk.go("/db/")
    expect(page.locator(".db-table tbody tr")).to_have_count(3)
    page.locator("#id_q").fill("zsf")
    page.locator("form.db-filters button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/db/\?.*q=zsf"))
    rows = page.locator(".db-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link", name="张三丰", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="张三", exact=True)).to_have_count(0)
    expect(page.locator("#id_q")).to_have_value("zsf")  # the search stays in the box
    desk.shot("search")

    rows.get_by_role("link", name="张三丰", exact=True).click()
    expect(page).to_have_url(f"{desk.base_url}/talents/{wanted.pk}/")
    expect(page.locator("h1")).to_have_text("张三丰")
    desk.shot("talent")


def _fill_template(path, rows: list[dict[str, str]], out) -> None:
    """Rows written under the downloaded template's header, over its example row (row 3)."""
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[2]]
    assert headers == list(IMPORT_HEADERS)  # the template's header row is the import layout
    for col in range(1, len(headers) + 1):
        sheet.cell(row=3, column=col).value = None
    for r, row in enumerate(rows, start=3):
        for header, value in row.items():
            sheet.cell(row=r, column=headers.index(header) + 1).value = value
    workbook.save(out)


def _upload(page, selector: str, path) -> None:
    page.locator(selector).set_input_files(path)
    page.locator(f"form:has({selector}) button[type=submit]").click()


def test_an_excel_list_with_one_bad_row_shows_that_rows_error_and_imports_once_corrected(
    desk, office_user, tmp_path, compiled_catalogue
):
    page = desk.page
    unit = UnitFactory(name="梅家乡农业服务中心")
    village = VillageFactory(name="梅家村")
    good_id = valid_id_number(12, datetime.date(1979, 11, 3))
    bad_id = good_id[:17] + ("0" if good_id[17] != "0" else "1")  # one wrong check digit
    common = {"工作单位": unit.name, "所在村(社区)": village.name}
    rows = [
        {
            "姓名": "赵红梅",
            "性别": _label(Talent.Gender.FEMALE),
            "人才类别": _label(Talent.Category.PROFESSIONAL),
            "身份证号": valid_id_number(11, datetime.date(1988, 3, 2)),
            "联系电话": "13900001111",
            **common,
        },
        {
            "姓名": "钱志刚",
            "性别": _label(Talent.Gender.MALE),
            "人才类别": _label(Talent.Category.RURAL),
            "农村实用人才类型": _label(Talent.RuralType.PRODUCTION),
            "身份证号": bad_id,
            **common,
        },
        {
            "姓名": "孙丽",
            "性别": _label(Talent.Gender.FEMALE),
            "人才类别": _label(Talent.Category.INTRODUCED),
            "出生年月": "1990-07",
            **common,
        },
    ]
    desk.log_in("office_t")
    desk.go("/db/import/")
    desk.shot("upload")
    with page.expect_download() as download:
        page.locator("a[href='/db/import/template.xlsx']").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.suffix == ".xlsx"
    bad_file, good_file = tmp_path / "人才名单.xlsx", tmp_path / "人才名单-改.xlsx"
    _fill_template(template, rows, bad_file)

    _upload(page, "#id_file", bad_file)
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(1)
    cells = errors.first.locator("td")
    expect(cells.nth(0)).to_have_text("4")  # the second talent, on Excel's row 4 under the note and header
    expect(cells.nth(1)).to_have_text("身份证号")
    expect(cells.nth(2)).to_have_text("身份证号校验位不正确，请逐位核对。")
    expect(page.locator("dd[data-count=error]")).to_have_text("1")
    expect(page.locator("tr.import-error")).to_contain_text("钱志刚")
    expect(page.locator("form[action='/db/import/confirm/']")).to_have_count(0)
    expect(page.locator("section.card.urgent [role=alert]")).to_be_visible()
    desk.shot("preview-error")
    assert not Talent.objects.exists()

    rows[1]["身份证号"] = good_id
    _fill_template(template, rows, good_file)
    _upload(page, "input[type=file][name=file]", good_file)
    expect(page.locator("table.import-errors")).to_have_count(0)
    expect(page.locator("dd[data-count=new]")).to_have_text("3")
    expect(page.locator("dd[data-count=error]")).to_have_text("0")
    desk.shot("preview-clean")
    page.locator("form[action='/db/import/confirm/'] button[type=submit]").click()

    expect(page).to_have_url(f"{desk.base_url}/db/import/")
    expect(page.locator("#id_file")).to_be_visible()
    imported = {t.name: t for t in Talent.objects.select_related("unit", "village")}
    assert sorted(imported) == sorted(["赵红梅", "钱志刚", "孙丽"])
    qian = imported["钱志刚"]
    assert (qian.id_number, qian.birth_month, qian.rural_type) == (good_id, datetime.date(1979, 11, 3), "production")
    assert {(t.unit, t.village) for t in imported.values()} == {(unit, village)}
    desk.shot("imported")


def test_the_office_adjusts_a_pairing_mid_term_and_sees_the_history_and_the_handed_over_demand(
    desk, office_user, cadre, talent, compiled_catalogue
):
    page = desk.page
    old = talent.pairings.get()
    successor = CadreFactory(name="刘志强", title="副乡长", portfolio="农业农村、产业发展")
    demand = DemandFactory(talent=talent, coordinating_cadre=cadre, content="希望协调冷库建设用地。")
    day = timezone.localdate() - datetime.timedelta(days=3)
    desk.log_in("office_t")

    desk.go("/pairings/")
    expect(page.locator(f"#cadre-{successor.pk} .status.todo")).to_be_visible()  # no talent yet
    desk.shot("board-before")
    page.locator(f"#cadre-{cadre.pk} a[href='/pairings/{old.pk}/adjust/']").click()

    expect(page).to_have_url(f"{desk.base_url}/pairings/{old.pk}/adjust/")
    page.locator("#id_cadre").select_option(str(successor.pk))
    page.locator("#id_end_date").fill(day.isoformat())
    page.locator("label.choice:has(input[name=end_reason][value=post_change])").click()
    expect(page.locator("input[name=end_reason][value=post_change]")).to_be_checked()
    page.locator("#id_end_note").fill("王建国调任县农业农村局")
    desk.shot("adjust-form")
    page.locator("main form button[type=submit]").click()

    steps = page.locator("ol.steps")
    expect(steps).to_contain_text("岗位变动")
    expect(steps).to_contain_text("刘志强")
    expect(steps).to_contain_text("希望协调冷库建设用地。")  # the open demand to hand over
    assert Pairing.objects.open().get() == old  # nothing saved before the confirmation
    desk.shot("adjust-confirm")
    page.locator("button[name=confirm][value='1']").click()

    expect(page).to_have_url(f"{desk.base_url}/pairings/")
    expect(page.locator(f"#cadre-{successor.pk}")).to_contain_text(talent.name)
    expect(page.locator(f"#cadre-{cadre.pk} .status.todo")).to_be_visible()
    desk.shot("board-after")
    new = Pairing.objects.open().get()
    assert (new.cadre, new.talent, new.start_date, new.replaces) == (successor, talent, day, old)
    old.refresh_from_db()
    assert (old.end_date, old.end_reason) == (day, Pairing.EndReason.POST_CHANGE)
    demand.refresh_from_db()
    assert demand.coordinating_cadre == successor
    assert DemandProgress.objects.filter(demand=demand, note__contains="刘志强").exists()

    page.locator(f"#cadre-{successor.pk} a[href='/pairings/history/?talent={talent.pk}']").click()
    expect(page).to_have_url(f"{desk.base_url}/pairings/history/?talent={talent.pk}")
    # Oldest first: 王建国 paired at the term's start, 王建国 ended, 刘志强 paired the same day.
    expect(page.locator("tbody tr")).to_have_class(["started", "ended", "started"])
    expect(page.locator("tbody tr td:nth-child(3) a")).to_have_text(["王建国", "王建国", "刘志强"])
    ended = page.locator("tr.ended")
    expect(ended).to_have_count(1)
    expect(ended).to_contain_text("王建国")
    expect(ended).to_contain_text("岗位变动：王建国调任县农业农村局")
    expect(ended).to_contain_text(day.isoformat())
    desk.shot("history")


def test_the_office_sees_who_has_not_been_contacted_this_year(desk, office_user, cadre, talent):
    page = desk.page
    today = timezone.localdate()
    ContactFactory(pairing=talent.pairings.get(), date=today)
    forgotten = PairingFactory(cadre=CadreFactory(name="李明"), talent__name="周明远").talent
    ContactFactory(pairing=forgotten.pairings.get(), date=datetime.date(today.year - 1, 10, 8))
    desk.log_in("office_t")

    for path in ("/", "/office/"):
        desk.go(path)
        section = page.locator("section[aria-labelledby=dash-contacted]")
        table = section.locator("table")
        expect(table.locator("tbody tr")).to_have_count(1)
        expect(table.get_by_role("link", name="周明远", exact=True)).to_be_visible()
        expect(table).to_contain_text("李明")
        expect(table).to_contain_text(f"{today.year - 1}-10-08")
        expect(table).not_to_contain_text(talent.name)
        expect(section.locator("svg")).to_be_visible()
        desk.shot("home" if path == "/" else "dashboard")


def test_the_office_drives_a_demand_from_to_do_to_resolved_with_a_follow_up(
    desk, office_user, cadre, talent, compiled_catalogue
):
    page = desk.page
    demand = DemandFactory(
        talent=talent,
        coordinating_cadre=cadre,
        raised_on=timezone.localdate() - datetime.timedelta(days=7),
        kind=Demand.Kind.CHILDREN,
        content="孩子明年上初中，希望协调就近入学。",
    )
    status = page.locator("h1 .status")
    desk.log_in("office_t")

    desk.go(f"/demands/{demand.pk}/")
    expect(status).to_have_text("待办")
    desk.shot("to-do")
    # The dates come filled in with today; a date field the browser cannot read blocks sending.
    today = timezone.localdate().isoformat()
    expect(page.locator("#id_date")).to_have_value(today)
    page.locator("#id_note").fill("已与乡中心校联系，等待县教育局回复。")
    page.locator("form[action$='/progress/'] button[type=submit]").click()
    expect(status).to_have_text("办理中")
    expect(page.locator(".timeline")).to_contain_text("已与乡中心校联系")

    close = page.locator("form[action$='/close/']")
    expect(page.locator("#id_closed_on")).to_have_value(today)
    close.locator("label.choice:has(input[value=resolved])").click()
    page.locator("#id_result").fill("县教育局同意就近入学，已办妥。")
    desk.shot("in-progress")
    close.locator("button[type=submit]").click()
    expect(status).to_have_text("已办结")
    expect(page.locator("form[action$='/close/']")).to_have_count(0)

    follow_up = page.locator("form[action$='/follow-up/']")
    expect(page.locator("#id_on")).to_have_value(today)
    follow_up.locator("label.choice:has(input[value=satisfied])").click()
    page.locator("#id_follow_up").fill("电话回访，本人表示满意。")
    follow_up.locator("button[type=submit]").click()

    expect(status).to_have_text("已办结")
    expect(page.locator("dl.facts")).to_contain_text("电话回访，本人表示满意。 满意")
    desk.shot("resolved")
    demand.refresh_from_db()
    assert (demand.status, demand.satisfaction, demand.closed_on) == ("resolved", "satisfied", timezone.localdate())
    assert demand.result == "县教育局同意就近入学，已办妥。"
