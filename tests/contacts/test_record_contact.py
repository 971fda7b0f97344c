"""记录一次联系: the one-screen contact form cadres use on their phones (issue 3, R2–R7)."""

from __future__ import annotations

import datetime
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Demand, Pairing, Suggestion
from tests.factories import (
    PairingFactory,
    TalentFactory,
    UnitFactory,
    UserFactory,
    contact_form_data,
)

URL = reverse("contacts:contact_new")
EXCEPTION = "乡党委批准：分管领域调整，临时增加联系对象"

SUMMARY = "到合作社了解柑橘销售情况，宣讲人才政策。"
PLACE = "梅家村柑橘合作社"
SUGGESTION = "建议乡里牵头办一次电商销售培训。"
DIFFICULTY = "冷库用电负荷不够，旺季经常跳闸。"
SITUATION = "身体状况良好，家中老人需要照顾。"


class _Inputs(HTMLParser):
    """Every <input>, <textarea> and <option> of a page, with its attributes."""

    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []
        self.options: dict[str, list[dict]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.inputs.append(attrs)
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select:
            self.options.setdefault(self._select, []).append(attrs)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _inputs(body: str) -> _Inputs:
    parser = _Inputs()
    parser.feed(body)
    return parser


def _value(body: str, name: str) -> str | None:
    found = [i for i in _inputs(body).inputs if i.get("name") == name]
    assert len(found) == 1, f"expected one input named {name}, found {len(found)}"
    return found[0].get("value")


def _checked(body: str, name: str) -> list[str]:
    return [i["value"] for i in _inputs(body).inputs if i.get("name") == name and "checked" in i]


def _marked_fields(body: str) -> list[str]:
    """The fields marked in error, each with what is inside its box (widget and messages)."""
    return [m.group(2) for m in re.finditer(r'<(div|fieldset) class="[^"]*has-error[^"]*">(.*?)</\1>', body, re.S)]


def _nothing_saved() -> None:
    assert Contact.objects.count() == 0
    assert Suggestion.objects.count() == 0
    assert Demand.objects.count() == 0


def _working_days_after(start: datetime.date, n: int) -> datetime.date:
    day = start
    while n:
        day += datetime.timedelta(days=1)
        n -= day.weekday() < 5
    return day


@pytest.fixture
def second_pairing(cadre):
    return PairingFactory(cadre=cadre, talent=TalentFactory(name="周明远"), exception_reason=EXCEPTION)


@pytest.fixture
def full_entry(pairing) -> dict:
    """A typical entry: one suggestion, one difficulty, a place and a summary."""
    return contact_form_data(
        pairing,
        summary=SUMMARY,
        place=PLACE,
        is_consultation="on",
        situation_life=SITUATION,
        suggestions=[{"content": SUGGESTION, "category": Suggestion.Category.ECONOMY}],
        demands=[{"content": DIFFICULTY, "kind": Demand.Kind.WORK, "urgency": Demand.Urgency.PRESSING}],
    )


# --- Opening the form --------------------------------------------------------------------------


def test_the_form_opens_with_today_and_face_to_face_chosen(client, cadre, pairing):
    client.force_login(cadre.user)
    body = client.get(URL).content.decode()
    assert _value(body, "date") == timezone.localdate().isoformat()
    assert _checked(body, "method") == [Contact.Method.FACE_TO_FACE]
    assert "面对面交流" in body
    assert _checked(body, "direction") == [Contact.Direction.CADRE]


def test_the_only_talent_is_chosen_without_asking(client, cadre, pairing):
    client.force_login(cadre.user)
    body = client.get(URL).content.decode()
    assert _value(body, "pairing") == str(pairing.pk)
    assert "<strong>陈丽华</strong>" in body
    assert not [i for i in _inputs(body).inputs if i.get("name") == "pairing" and i.get("type") == "radio"]


def test_each_opening_of_the_form_carries_a_fresh_token(client, cadre, pairing):
    client.force_login(cadre.user)
    first = _value(client.get(URL).content.decode(), "token")
    second = _value(client.get(URL).content.decode(), "token")
    assert uuid.UUID(first) and uuid.UUID(second)
    assert first != second


def test_with_several_talents_the_one_from_the_home_page_link_is_chosen(client, cadre, pairing, second_pairing):
    client.force_login(cadre.user)
    body = client.get(URL, {"talent": second_pairing.talent_id}).content.decode()
    assert _checked(body, "pairing") == [str(second_pairing.pk)]
    assert "陈丽华" in body and "周明远" in body


def test_with_several_talents_and_no_link_the_cadre_chooses(client, cadre, pairing, second_pairing):
    client.force_login(cadre.user)
    body = client.get(URL).content.decode()
    assert _checked(body, "pairing") == []
    radios = [i["value"] for i in _inputs(body).inputs if i.get("name") == "pairing"]
    assert sorted(radios) == sorted([str(pairing.pk), str(second_pairing.pk)])


def test_the_form_offers_only_the_cadres_own_open_talents(client, cadre, pairing, other_cadre):
    other = PairingFactory(cadre=other_cadre, talent=TalentFactory(name="赵别人"))
    client.force_login(cadre.user)
    body = client.get(URL, {"talent": other.talent_id}).content.decode()
    assert "赵别人" not in body
    assert _value(body, "pairing") == str(pairing.pk)


# --- Saving ------------------------------------------------------------------------------------


def test_a_complete_entry_saves_one_contact_with_its_suggestion_and_difficulty(client, cadre, pairing, full_entry):
    client.force_login(cadre.user)
    response = client.post(URL, full_entry)
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.pairing, contact.date, contact.method) == (pairing, timezone.localdate(), "face")
    assert (contact.is_guidance, contact.is_consultation, contact.is_service) == (True, True, False)
    assert (contact.summary, contact.place, contact.situation_life) == (SUMMARY, PLACE, SITUATION)
    assert contact.created_by == cadre.user
    assert str(contact.client_token) == full_entry["token"]
    suggestion = Suggestion.objects.get()
    assert (suggestion.contact, suggestion.talent, suggestion.content) == (contact, pairing.talent, SUGGESTION)
    assert suggestion.category == Suggestion.Category.ECONOMY
    assert Demand.objects.get().contact == contact


def test_a_difficulty_becomes_a_ledger_entry_for_the_cadre_and_the_talents_unit(client, cadre, pairing, full_entry):
    client.force_login(cadre.user)
    client.post(URL, full_entry)
    demand = Demand.objects.get()
    today = timezone.localdate()
    assert demand.content == DIFFICULTY
    assert (demand.kind, demand.urgency) == (Demand.Kind.WORK, Demand.Urgency.PRESSING)
    assert demand.source == Demand.Source.CONTACT
    assert demand.talent == pairing.talent
    assert demand.raised_on == today
    assert demand.due_date == _working_days_after(today, settings.DEMAND_DUE_WORKING_DAYS["pressing"])
    assert demand.coordinating_cadre == cadre
    assert demand.responsible_unit == pairing.talent.unit
    assert demand.status == Demand.Status.OPEN


def test_after_saving_the_cadre_lands_on_the_talent_page_and_sees_the_contact(client, cadre, pairing, full_entry):
    client.force_login(cadre.user)
    response = client.post(URL, full_entry, follow=True)
    assert response.redirect_chain == [(reverse("contacts:talent", args=[pairing.talent_id]), 302)]
    body = response.content.decode()
    assert "与 陈丽华 的联系记录已保存。" in body
    assert SUMMARY in body
    assert DIFFICULTY[:20] in body
    assert SUGGESTION in body
    home = client.get(reverse("home")).content.decode()
    assert "今年已联系" in home
    assert "1 项诉求未办结" in home


def test_sending_the_same_form_twice_saves_it_once(client, cadre, pairing, full_entry):
    client.force_login(cadre.user)
    talent_page = reverse("contacts:talent", args=[pairing.talent_id])
    first = client.post(URL, full_entry, follow=True)
    second = client.post(URL, full_entry, follow=True)
    assert first.redirect_chain == second.redirect_chain == [(talent_page, 302)]
    assert second.content.decode().count(SUMMARY) == 1
    assert Contact.objects.count() == 1
    assert Suggestion.objects.count() == 1
    assert Demand.objects.count() == 1


def test_a_second_contact_with_a_new_token_is_saved(client, cadre, pairing, full_entry):
    client.force_login(cadre.user)
    client.post(URL, full_entry)
    client.post(URL, {**full_entry, "token": str(uuid.uuid4())})
    assert Contact.objects.count() == 2


def test_a_contact_the_talent_brought_to_the_cadre_by_phone_keeps_its_method_and_direction(client, cadre, pairing):
    client.force_login(cadre.user)
    data = contact_form_data(pairing, method=Contact.Method.PHONE, direction=Contact.Direction.TALENT, is_service="on")
    assert client.post(URL, data).status_code == 302
    contact = Contact.objects.get()
    assert (contact.method, contact.direction) == (Contact.Method.PHONE, Contact.Direction.TALENT)


def test_rows_added_by_the_add_another_button_are_all_saved(client, cadre, pairing):
    client.force_login(cadre.user)
    data = contact_form_data(
        pairing,
        suggestions=[{"content": "建议一"}, {"content": "建议二"}],
        demands=[
            {"content": "困难一", "kind": Demand.Kind.HOUSING},
            {"content": "困难二", "kind": Demand.Kind.FUNDING, "urgency": Demand.Urgency.URGENT},
        ],
    )
    assert client.post(URL, data).status_code == 302
    assert sorted(Suggestion.objects.values_list("content", flat=True)) == ["建议一", "建议二"]
    assert sorted(Demand.objects.values_list("content", flat=True)) == ["困难一", "困难二"]


def test_empty_suggestion_and_difficulty_rows_save_nothing(client, cadre, pairing):
    client.force_login(cadre.user)
    assert client.post(URL, contact_form_data(pairing)).status_code == 302
    assert Contact.objects.count() == 1
    assert Suggestion.objects.count() == 0
    assert Demand.objects.count() == 0


def test_rare_characters_outside_the_basic_cjk_block_are_kept_intact(client, cadre, pairing):
    client.force_login(cadre.user)
    text = "𠮷家湾𪚥村：与𡈽老师面谈。"  # GB 18030 characters outside the BMP
    client.post(URL, contact_form_data(pairing, summary=text, suggestions=[{"content": text}]))
    assert Contact.objects.get().summary == text
    assert Suggestion.objects.get().content == text


# --- Refusing what is wrong, keeping what was typed -----------------------------------------------


def _tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


ERRORS = {
    "a date in the future": ({"date": _tomorrow}, "form", "date", "联系日期不能晚于今天。"),
    "no kind of content": (
        {"is_guidance": None, "is_consultation": None},
        "form",
        "is_guidance",
        "请至少选择一项联系内容。",
    ),
    "a difficulty without a type": ({"dem-0-kind": ""}, "demands", "kind", "这个字段是必填项。"),
}


@pytest.mark.parametrize("case", list(ERRORS), ids=list(ERRORS))
def test_a_mistake_is_shown_in_chinese_next_to_its_field_and_nothing_typed_is_lost(
    client, cadre, pairing, full_entry, case
):
    change, form_name, field, message = ERRORS[case]
    data = {**full_entry, **{k: v() if callable(v) else v for k, v in change.items()}}
    data = {k: v for k, v in data.items() if v is not None}
    client.force_login(cadre.user)
    response = client.post(URL, data)
    assert response.status_code == 200
    if form_name == "form":
        assert field in response.context["form"].errors
    else:
        assert field in response.context["demands"].errors[0]
    body = response.content.decode()
    assert any(message in block for block in _marked_fields(body)), f"{message} is not next to a field"
    assert "请修改下方标出的项目，已填写的内容都已保留。" in body
    for typed in (SUMMARY, PLACE, SUGGESTION, DIFFICULTY, SITUATION):
        assert typed in body, f"{typed} was lost"
    assert _value(body, "token") == full_entry["token"]
    _nothing_saved()


def test_a_future_date_keeps_the_date_the_cadre_typed(client, cadre, pairing, full_entry):
    client.force_login(cadre.user)
    body = client.post(URL, {**full_entry, "date": _tomorrow()}).content.decode()
    assert _value(body, "date") == _tomorrow()


def test_without_a_chosen_talent_the_cadre_is_asked_to_choose_one(client, cadre, pairing, second_pairing):
    client.force_login(cadre.user)
    data = contact_form_data(pairing, summary=SUMMARY, pairing=None)
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "pairing" in response.context["form"].errors
    body = response.content.decode()
    assert any("请选择本次联系的优秀人才。" in block for block in _marked_fields(body))
    assert SUMMARY in body
    _nothing_saved()


def test_a_date_before_the_pairing_started_is_refused(client, cadre, pairing):
    client.force_login(cadre.user)
    before = pairing.start_date - datetime.timedelta(days=1)
    response = client.post(URL, contact_form_data(pairing, date=before.isoformat()))
    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    assert any(f"{pairing.start_date}" in block for block in _marked_fields(response.content.decode()))
    _nothing_saved()


def test_a_difficulty_type_without_its_text_is_refused(client, cadre, pairing):
    client.force_login(cadre.user)
    data = contact_form_data(pairing, summary=SUMMARY, demands=[{"content": "", "kind": Demand.Kind.HOUSING}])
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "content" in response.context["demands"].errors[0]
    assert SUMMARY in response.content.decode()
    _nothing_saved()


# --- Access ------------------------------------------------------------------------------------


def test_a_cadre_cannot_record_a_contact_on_another_cadres_pairing(client, cadre, pairing, other_cadre):
    others = PairingFactory(cadre=other_cadre, talent=TalentFactory(name="赵别人"))
    client.force_login(cadre.user)
    response = client.post(URL, contact_form_data(others, summary=SUMMARY))
    assert response.status_code == 200
    assert "pairing" in response.context["form"].errors
    assert "赵别人" not in response.content.decode()
    _nothing_saved()


def test_a_cadre_cannot_record_a_contact_on_their_ended_pairing(client, cadre, pairing):
    ended = PairingFactory(cadre=cadre, talent=TalentFactory(name="吴旧人"), exception_reason=EXCEPTION)
    ended.end_date, ended.end_reason = timezone.localdate(), Pairing.EndReason.POST_CHANGE
    ended.save()
    client.force_login(cadre.user)
    response = client.post(URL, contact_form_data(ended))
    assert response.status_code == 200
    assert "pairing" in response.context["form"].errors
    _nothing_saved()


def test_a_cadre_without_an_open_pairing_cannot_open_the_form(client, cadre):
    client.force_login(cadre.user)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("role", ["office", "leader", "village_secretary", "liaison"])
def test_people_who_are_not_cadres_cannot_open_or_post_the_form(client, pairing, role):
    user = UserFactory(username=f"{role}_x", roles=[role])
    if role == "liaison":
        unit = pairing.talent.unit
        unit.liaison = user
        unit.save()
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, contact_form_data(pairing)).status_code == 403
    _nothing_saved()


def test_anonymous_visitors_are_sent_to_the_login_page(client, pairing):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Weak mobile data ----------------------------------------------------------------------------


def _assets(body: str) -> list[Path]:
    urls = re.findall(r'<link[^>]+href="([^"]+)"', body) + re.findall(r'<script[^>]+src="([^"]+)"', body)
    paths = []
    for url in urls:
        assert url.startswith(settings.STATIC_URL) or url.startswith("/" + settings.STATIC_URL), url
        found = finders.find(url.split(settings.STATIC_URL, 1)[1])
        assert found, f"{url} is not a static file of the project"
        paths.append(Path(found))
    return paths


def test_the_form_with_its_css_and_js_weighs_at_most_100_kb(client, cadre, pairing):
    client.force_login(cadre.user)
    body = client.get(URL).content
    assets = _assets(body.decode())  # everything the page makes the phone fetch
    assert {"meijia.css", "contact_form.js"} <= {p.name for p in assets}
    total = len(body) + sum(p.stat().st_size for p in assets)
    assert total <= 100 * 1024, f"{total} bytes"


def test_the_form_loads_nothing_from_the_internet_and_no_web_font(client, cadre, pairing):
    client.force_login(cadre.user)
    body = client.get(URL).content.decode()
    assert "http://" not in body and "https://" not in body
    for asset in _assets(body):
        text = asset.read_text(encoding="utf-8")
        assert "@font-face" not in text, asset.name
        # an SVG's xmlns="http://www.w3.org/2000/svg" names a namespace and loads nothing
        assert not re.search(r"""(url\(\s*['"]?|@import\s+['"]?|(src|href)=['"])(https?:)?//""", text), asset.name


def test_the_form_posts_as_plain_html_with_its_rows_and_no_script_needed(client, cadre, pairing):
    client.force_login(cadre.user)
    body = client.get(URL).content.decode()
    assert 'enctype="multipart/form-data"' in body
    names = {i.get("name") for i in _inputs(body).inputs}
    assert {"sug-TOTAL_FORMS", "dem-TOTAL_FORMS", "token", "is_guidance", "urgent", "photos"} <= names
    assert 'name="sug-0-content"' in body and 'name="dem-0-content"' in body


def test_the_new_unit_of_a_talent_is_the_responsible_unit_of_a_new_difficulty(client, cadre, pairing):
    talent = pairing.talent
    talent.unit = UnitFactory(name="梅家乡中心小学")
    talent.save()
    client.force_login(cadre.user)
    client.post(URL, contact_form_data(pairing, demands=[{"content": DIFFICULTY, "kind": Demand.Kind.WORK}]))
    assert Demand.objects.get().responsible_unit.name == "梅家乡中心小学"
