"""Naming a talent by typing part of the name, in a real browser (talents/pickers.py, static/js/picker.js; issue 7).

The office's new-demand page with more talents than a select shows: type, pick from the list with
the keyboard (desk) or a tap (phone), send; the demand is saved for the talent picked. Both fail on
console errors and requests to another host, and leave screenshots behind.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contacts.models import Demand
from talents.models import Talent
from talents.pickers import SELECT_LIMIT
from tests.factories import TalentFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def crowd(db):
    """More talents than a select shows, two of them named 欧阳春花 in different units."""
    Talent.objects.bulk_create(
        Talent(name=f"人才{i:03d}", gender=Talent.Gender.MALE, category=Talent.Category.PROFESSIONAL)
        for i in range(SELECT_LIMIT + 10)
    )
    TalentFactory(name="欧阳春花", unit=UnitFactory(name="梅家乡卫生院"))
    return TalentFactory(name="欧阳春花", unit=UnitFactory(name="梅家乡中心小学"))


def _fill_the_rest(page) -> None:
    page.locator("#id_kind").select_option(Demand.Kind.HOUSING)
    page.locator("#id_content").fill("住房漏雨，需要协调维修。")


def test_the_office_picks_a_talent_from_the_list_with_the_keyboard_and_saves_the_demand(desk, office_user, crowd):
    page = desk.page
    desk.log_in("office_t")
    desk.go("/ledger/demands/new/")
    box = page.locator("#id_talent_text")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("春花", delay=50)
    options = page.locator("#id_talent_text_list").get_by_role("option")
    expect(options).to_have_count(2)
    expect(box).to_have_attribute("aria-expanded", "true")
    desk.shot("list")
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "id_talent_text_list_1")
    box.press("Enter")
    expect(box).to_have_value("欧阳春花（梅家乡中心小学）")
    expect(box).to_have_attribute("aria-expanded", "false")
    _fill_the_rest(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("诉求已记入人才诉求台账。")
    assert Demand.objects.get().talent == crowd


def test_on_a_phone_a_tap_picks_the_talent_and_escape_closes_the_list(phone, office_user, crowd):
    page = phone.page
    phone.log_in("office_t")
    phone.go("/ledger/demands/new/")
    box = page.locator("#id_talent_text")
    box.press_sequentially("欧阳", delay=50)
    options = page.locator("#id_talent_text_list").get_by_role("option")
    expect(options).to_have_count(2)
    box.press("Escape")
    expect(page.locator("#id_talent_text_list")).to_be_hidden()
    box.press("ArrowDown")
    expect(options).to_have_count(2)
    phone.shot("list")
    options.filter(has_text="梅家乡中心小学").tap()
    expect(box).to_have_value("欧阳春花（梅家乡中心小学）")
    _fill_the_rest(page)
    page.locator("main form button[type=submit]").tap()
    expect(page.locator(".messages")).to_contain_text("诉求已记入人才诉求台账。")
    assert Demand.objects.get().talent == crowd
