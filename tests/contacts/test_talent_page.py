"""The talent page: basic information masked by role, 思想动态 for the few, the history (issue 3, R2, R3, R14)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Demand, Level, Pairing, Suggestion
from tests.factories import (
    CadreFactory,
    ContactFactory,
    ContactPhotoFactory,
    DemandFactory,
    PairingFactory,
    SuggestionFactory,
    TalentFactory,
    UserFactory,
    VillageFactory,
)

PHONE, MASKED_PHONE = "13812345678", "138****5678"
THOUGHTS = "对乡里产业规划有些顾虑。"


def _url(talent) -> str:
    return reverse("contacts:talent", args=[talent.pk])


def _page(client, user, talent) -> str:
    client.force_login(user)
    response = client.get(_url(talent))
    assert response.status_code == 200
    return response.content.decode()


def _revealed_page(client, user, talent) -> str:
    """The page after the user pressed 显示 for the phone and the ID number (shown masked until then)."""
    client.force_login(user)
    for field in ("phone", "id_number"):
        client.post(reverse("contacts:talent_reveal", args=[talent.pk]), {"field": field})
    return _page(client, user, talent)


def _masked_id(talent) -> str:
    return talent.id_number[:3] + "*" * 11 + talent.id_number[-4:]


def _shows_thoughts(body: str) -> bool:
    return "思想动态" in body or THOUGHTS in body


# --- Who sees what ------------------------------------------------------------------------------


def test_the_paired_cadre_sees_the_full_phone_and_id_number(client, cadre, pairing):
    talent = pairing.talent
    body = _revealed_page(client, cadre.user, talent)
    assert f'href="tel:{PHONE}"' in body
    assert talent.id_number in body
    assert MASKED_PHONE not in body


def test_the_paired_cadre_reads_and_can_edit_the_thoughts_note(client, cadre, pairing):
    body = _page(client, cadre.user, pairing.talent)
    assert "思想动态" in body
    assert THOUGHTS in body
    assert f'action="{reverse("contacts:talent_thoughts", args=[pairing.talent_id])}"' in body


def test_the_paired_cadre_has_a_button_to_record_a_contact(client, cadre, pairing):
    body = _page(client, cadre.user, pairing.talent)
    assert f"{reverse('contacts:contact_new')}?talent={pairing.talent_id}" in body


def test_another_cadre_cannot_open_the_page(client, pairing, other_cadre):
    client.force_login(other_cadre.user)
    assert client.get(_url(pairing.talent)).status_code == 404


def test_a_cadre_whose_pairing_has_ended_can_no_longer_open_the_page(client, cadre, pairing):
    pairing.end_date, pairing.end_reason = timezone.localdate(), Pairing.EndReason.POST_CHANGE
    pairing.save()
    client.force_login(cadre.user)
    assert client.get(_url(pairing.talent)).status_code == 404


def test_the_village_secretary_sees_masked_phone_and_id_and_no_thoughts(client, pairing, secretary_user):
    talent = pairing.talent
    body = _page(client, secretary_user, talent)
    assert MASKED_PHONE in body
    assert _masked_id(talent) in body
    assert PHONE not in body
    assert talent.id_number not in body
    assert not _shows_thoughts(body)
    assert "contacts:talent_thoughts" not in body
    assert reverse("contacts:talent_thoughts", args=[talent.pk]) not in body
    assert reverse("contacts:contact_new") not in body


def test_a_secretary_of_another_village_cannot_open_the_page(client, pairing):
    elsewhere = VillageFactory(name="石龙村", secretary=UserFactory(username="sec_else", roles=["village_secretary"]))
    client.force_login(elsewhere.secretary)
    assert client.get(_url(pairing.talent)).status_code == 404


def test_the_leader_sees_masked_values_and_no_thoughts(client, pairing, leader_user):
    talent = pairing.talent
    body = _page(client, leader_user, talent)
    assert MASKED_PHONE in body
    assert _masked_id(talent) in body
    assert PHONE not in body and talent.id_number not in body
    assert "（不予显示）" in body  # the address
    assert not _shows_thoughts(body)


def test_the_liaison_of_the_talents_unit_sees_the_full_phone_but_no_thoughts(client, pairing, liaison_user):
    talent = pairing.talent
    body = _revealed_page(client, liaison_user, talent)
    assert f'href="tel:{PHONE}"' in body
    assert talent.id_number in body
    assert not _shows_thoughts(body)


def test_a_liaison_of_another_unit_cannot_open_the_page(client, pairing):
    client.force_login(UserFactory(username="liaison_else", roles=["liaison"]))
    assert client.get(_url(pairing.talent)).status_code == 404


def test_the_office_sees_everything(client, pairing, office_user):
    talent = pairing.talent
    body = _revealed_page(client, office_user, talent)
    assert f'href="tel:{PHONE}"' in body
    assert talent.id_number in body
    assert THOUGHTS in body


def test_anonymous_visitors_are_sent_to_the_login_page(client, pairing):
    response = client.get(_url(pairing.talent))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- History ------------------------------------------------------------------------------------


def test_the_contact_history_shows_each_contact_newest_first(client, cadre, pairing):
    today = timezone.localdate()
    ContactFactory(pairing=pairing, date=today - datetime.timedelta(days=40), summary="春节前走访慰问。")
    ContactFactory(pairing=pairing, date=today, summary="了解冷库建设进度。", method="phone")
    body = _page(client, cadre.user, pairing.talent)
    assert body.index("了解冷库建设进度。") < body.index("春节前走访慰问。")
    assert f"{today:%Y-%m-%d}" in body
    assert "王建国" in body  # who contacted
    assert "暂无联系记录。" not in body


def test_a_talent_without_contacts_says_so(client, cadre, pairing):
    assert "暂无联系记录。" in _page(client, cadre.user, pairing.talent)


def test_the_paired_cadre_reads_the_thinking_health_and_life_situations(client, cadre, pairing):
    ContactFactory(pairing=pairing, situation_thought="想法甲", situation_health="血压偏高", situation_life="家中老人")
    body = _page(client, cadre.user, pairing.talent)
    assert "想法甲" in body and "血压偏高" in body and "家中老人" in body


def test_the_leader_does_not_read_the_thinking_health_and_life_situations(client, pairing, leader_user):
    ContactFactory(
        pairing=pairing,
        summary="总体情况良好。",
        situation_thought="想法甲",
        situation_health="血压偏高",
        situation_life="家中老人",
        situation_work="承担县级课题",
    )
    body = _page(client, leader_user, pairing.talent)
    assert "总体情况良好。" in body and "承担县级课题" in body
    assert "想法甲" not in body and "血压偏高" not in body and "家中老人" not in body


def test_the_village_secretary_does_not_read_the_township_cadres_contact_notes(client, pairing, secretary_user):
    ContactFactory(pairing=pairing, summary="乡领导面谈内容。")
    SuggestionFactory(talent=pairing.talent, contact=pairing.contacts.get(), content="乡领导听到的建议。")
    body = _page(client, secretary_user, pairing.talent)
    assert "乡领导面谈内容。" not in body
    assert "乡领导听到的建议。" not in body


def test_the_village_secretary_reads_the_village_pairings_contacts(client, pairing, village, secretary_user):
    member = CadreFactory(user__username="village_member_t", level=Level.VILLAGE, village=village, title="村委委员")
    village_pairing = PairingFactory(cadre=member, talent=pairing.talent)
    ContactFactory(pairing=village_pairing, summary="村委上门了解种植情况。")
    assert "村委上门了解种植情况。" in _page(client, secretary_user, pairing.talent)


def test_the_liaison_sees_the_demands_but_no_contact_notes(client, pairing, liaison_user):
    contact = ContactFactory(pairing=pairing, summary="乡领导面谈内容。")
    DemandFactory(talent=pairing.talent, contact=contact, raised_on=contact.date, content="希望解决冷库用电。")
    body = _page(client, liaison_user, pairing.talent)
    assert "希望解决冷库用电。" in body
    assert "乡领导面谈内容。" not in body


def test_demands_and_suggestions_are_listed_with_their_status(client, cadre, pairing):
    today = timezone.localdate()
    contact = ContactFactory(pairing=pairing, date=today)
    DemandFactory(talent=pairing.talent, contact=contact, raised_on=today, content="孩子转学手续。")
    DemandFactory(
        talent=pairing.talent,
        raised_on=today,
        content="申请科技项目资金。",
        status=Demand.Status.RESOLVED,
        closed_on=today,
        result="已立项。",
    )
    SuggestionFactory(talent=pairing.talent, contact=contact, content="建议办电商培训。")
    SuggestionFactory(
        talent=pairing.talent,
        contact=contact,
        content="建议修村道。",
        status=Suggestion.Status.FORWARDED,
        forwarded_to="乡村建设办",
    )
    body = _page(client, cadre.user, pairing.talent)
    demands = body.split("人才诉求</h2>")[1].split("</section>")[0]
    assert "孩子转学手续。" in demands and "待办" in demands
    assert "申请科技项目资金。" in demands and "已办结" in demands
    suggestions = body.split("意见建议</h2>")[1].split("</section>")[0]
    assert "建议办电商培训。" in suggestions and "已收集" in suggestions
    assert "建议修村道。" in suggestions and "已转交" in suggestions


def test_the_pairing_history_shows_the_cadre_and_term(client, cadre, pairing):
    body = _page(client, cadre.user, pairing.talent)
    assert pairing.term.name in body
    assert "王建国（副乡长）" in body


# --- Speed --------------------------------------------------------------------------------------


def _history(pairing, n: int, start: int = 0) -> None:
    today = timezone.localdate()
    for i in range(start, start + n):
        contact = ContactFactory(pairing=pairing, date=today - datetime.timedelta(days=i * 7), urgent=(i == 0))
        ContactPhotoFactory(contact=contact)
        ContactPhotoFactory(contact=contact)
        SuggestionFactory(talent=pairing.talent, contact=contact, content=f"建议{i}")
        DemandFactory(talent=pairing.talent, contact=contact, raised_on=contact.date, content=f"诉求{i}")


def _page_queries(client, talent) -> tuple[list[str], str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_url(talent))
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries], response.content.decode()


def test_the_talent_page_runs_the_same_queries_for_a_short_and_a_long_history(client, cadre, pairing):
    client.force_login(cadre.user)
    _history(pairing, 1)
    small, _body = _page_queries(client, pairing.talent)
    _history(pairing, 19, start=1)
    large, body = _page_queries(client, pairing.talent)
    assert body.count('class="thumb"') == 40
    assert all(f"诉求{i}" in body for i in range(20))
    # session, user, roles (groups), the talent with unit and village (scope as a subquery),
    # "is this the paired cadre?" three times (thoughts, personal data, record button),
    # organisation for the header, contacts with their cadre, their photos (one prefetch),
    # demands, suggestions, pairings with cadre and term
    assert len(small) == len(large) == 13


def test_the_talent_page_runs_the_same_queries_for_the_office_whatever_the_history(client, office_user, pairing):
    client.force_login(office_user)
    _history(pairing, 1)
    small, _body = _page_queries(client, pairing.talent)
    _history(pairing, 19, start=1)
    large, _body = _page_queries(client, pairing.talent)
    assert len(small) == len(large)


# --- 思想动态 note (R2) ----------------------------------------------------------------------------


def _post_thoughts(client, user, talent, text="已谈心，顾虑已消除。"):
    client.force_login(user)
    return client.post(reverse("contacts:talent_thoughts", args=[talent.pk]), {"thoughts": text})


def test_the_paired_cadre_saves_the_thoughts_note(client, cadre, pairing):
    response = _post_thoughts(client, cadre.user, pairing.talent)
    assert response.status_code == 302
    pairing.talent.refresh_from_db()
    assert pairing.talent.thoughts == "已谈心，顾虑已消除。"
    assert pairing.talent.updated_by == cadre.user
    assert "已谈心，顾虑已消除。" in client.get(response["Location"]).content.decode()


def test_the_office_saves_the_thoughts_note(client, office_user, pairing):
    assert _post_thoughts(client, office_user, pairing.talent).status_code == 302
    pairing.talent.refresh_from_db()
    assert pairing.talent.thoughts == "已谈心，顾虑已消除。"


def test_another_cadre_cannot_write_the_thoughts_note(client, pairing, other_cadre):
    assert _post_thoughts(client, other_cadre.user, pairing.talent).status_code == 404
    pairing.talent.refresh_from_db()
    assert pairing.talent.thoughts == THOUGHTS


@pytest.mark.parametrize("who", ["secretary_user", "leader_user", "liaison_user"])
def test_those_who_see_the_talent_but_not_the_note_cannot_write_it(client, request, pairing, who):
    user = request.getfixturevalue(who)
    assert _post_thoughts(client, user, pairing.talent).status_code == 403
    pairing.talent.refresh_from_db()
    assert pairing.talent.thoughts == THOUGHTS


def test_the_thoughts_note_cannot_be_changed_by_a_get(client, cadre, pairing):
    client.force_login(cadre.user)
    response = client.get(reverse("contacts:talent_thoughts", args=[pairing.talent_id]), {"thoughts": "x"})
    assert response.status_code == 405


def test_a_talent_of_another_cadre_is_not_reachable_by_a_made_up_id(client, cadre, pairing):
    stranger = TalentFactory(name="钱陌生")
    client.force_login(cadre.user)
    assert client.get(_url(stranger)).status_code == 404


def test_a_thoughts_note_that_cannot_be_stored_comes_back_with_the_reason_and_the_text(client, cadre, pairing):
    response = _post_thoughts(client, cadre.user, pairing.talent, text="谈心记录\x01第二段")
    assert response.status_code == 200, "the page is shown again instead of silently dropping the note"
    body = response.content.decode()
    assert "谈心记录" in body and "第二段" in body, "what the cadre typed is still in the box"
    assert "控制字符" in body
    pairing.talent.refresh_from_db()
    assert pairing.talent.thoughts == THOUGHTS
