"""The contact register on screen (/ledger/contacts/): who reads it, its filters, its keyset pages."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from contacts.ledger import REGISTER_ROWS
from contacts.models import Contact, Level
from tests.factories import CadreFactory, ContactFactory, PairingFactory, TalentFactory

LIST = reverse("ledger:contacts")


@pytest.fixture
def own_contact(pairing):
    return ContactFactory(pairing=pairing, summary="走访了解合作社经营情况。", date=datetime.date(2026, 3, 2))


@pytest.fixture
def other_contact(other_cadre):
    pairing = PairingFactory(cadre=other_cadre, talent=TalentFactory(name="赵其他"))
    return ContactFactory(pairing=pairing, summary="电话了解其他人才的情况。", date=datetime.date(2026, 3, 3))


def test_the_office_reads_every_contact_newest_first(client, office_user, own_contact, other_contact):
    client.force_login(office_user)
    page = client.get(LIST).content.decode()
    assert page.index("电话了解其他人才的情况") < page.index("走访了解合作社经营情况")


def test_each_row_names_the_method_who_took_the_initiative_and_links_to_the_talent(client, office_user, pairing):
    ContactFactory(pairing=pairing, method=Contact.Method.PHONE, direction=Contact.Direction.TALENT)
    client.force_login(office_user)
    page = client.get(LIST).content.decode()
    talent_url = reverse("contacts:talent", args=[pairing.talent_id])
    assert f'<a href="{talent_url}">{pairing.talent.name}</a>' in page
    assert f'{Contact.Method.PHONE.label}<span class="muted">{Contact.Direction.TALENT.label}</span>' in page


def test_a_cadre_reads_only_their_own_contacts(client, cadre_user, own_contact, other_contact):
    client.force_login(cadre_user)
    page = client.get(LIST).content.decode()
    assert "走访了解合作社经营情况" in page
    assert "电话了解其他人才的情况" not in page


def test_a_village_secretary_reads_only_village_level_contacts_of_their_village(
    client, secretary_user, village, own_contact
):
    vcadre = CadreFactory(level=Level.VILLAGE, village=village)
    village_pairing = PairingFactory(cadre=vcadre, talent=TalentFactory(name="孙村民", village=village))
    ContactFactory(pairing=village_pairing, summary="村委会走访本村人才。")
    client.force_login(secretary_user)
    page = client.get(LIST).content.decode()
    assert "村委会走访本村人才" in page
    assert "走访了解合作社经营情况" not in page  # a township cadre's notes, though the talent lives in the village


def test_liaisons_and_people_without_a_role_are_refused(client, liaison_user, django_user_model, own_contact):
    client.force_login(liaison_user)
    assert client.get(LIST).status_code == 403
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get(LIST).status_code == 403
    client.logout()
    assert client.get(LIST).status_code == 302


def test_filters_by_year_and_method(client, office_user, pairing):
    ContactFactory(pairing=pairing, date=datetime.date(2025, 6, 1), summary="去年的面谈。")
    ContactFactory(pairing=pairing, date=datetime.date(2026, 6, 1), summary="今年的面谈。")
    ContactFactory(pairing=pairing, date=datetime.date(2026, 6, 2), method=Contact.Method.PHONE, summary="今年的电话。")
    client.force_login(office_user)
    page = client.get(LIST, {"year": 2026, "method": "face"}).content.decode()
    assert "今年的面谈" in page
    assert "去年的面谈" not in page and "今年的电话" not in page


def test_older_pages_continue_where_the_last_one_stopped(client, office_user, pairing):
    start = datetime.date(2026, 1, 1)
    for i in range(REGISTER_ROWS + 5):
        ContactFactory(pairing=pairing, date=start + datetime.timedelta(days=i // 2), summary=f"第{i:03d}次联系。")
    client.force_login(office_user)
    first = client.get(LIST)
    shown = first.content.decode().count("次联系。")
    assert shown == REGISTER_ROWS
    older = first.context["older"]
    assert older
    second = client.get(LIST + older).content.decode()
    assert second.count("次联系。") == 5
    assert "第000次联系" in second and "第054次联系" not in second
    assert "第054次联系" in first.content.decode()


def test_a_broken_cursor_shows_the_newest_page(client, office_user, own_contact):
    client.force_login(office_user)
    response = client.get(LIST, {"before": "not-a-date.x"})
    assert response.status_code == 200
    assert "走访了解合作社经营情况" in response.content.decode()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST, {"year": 2026}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["office_user", "cadre_user"])
def test_the_register_runs_the_same_queries_for_two_or_sixty_contacts(client, request, pairing, who):
    client.force_login(request.getfixturevalue(who))
    for _ in range(2):
        ContactFactory(pairing=pairing)
    small = _queries(client)
    for _ in range(58):
        ContactFactory(pairing=pairing)
    # session, user, roles, the terms' years, the page of contacts with cadre and talent, the organisation
    assert small == _queries(client) == 6


def test_each_row_names_the_kinds_of_content_ticked_in_chinese(client, office_user, pairing):
    ContactFactory(pairing=pairing, is_guidance=True, is_consultation=False, is_service=True)
    client.force_login(office_user)
    page = client.get(LIST).content.decode()
    guidance, service = (gettext(s) for s in ("publicity and guidance", "care and service"))
    assert f"<td>{guidance}、{service}</td>" in page
    assert gettext("asking for opinions") not in page
    assert guidance != "publicity and guidance"  # the zh-hans catalogue is used
