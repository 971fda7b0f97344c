"""Revealing a personal value is deliberate and logged (PIPL; issue 6, item 3), and the consent date."""

from __future__ import annotations

import datetime
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from talents import audit
from talents.models import AuditEntry, Talent
from tests.factories import TalentFactory, UnitFactory, UserFactory, VillageFactory

pytestmark = pytest.mark.django_db

PHONE, MASKED_PHONE = "13812345678", "138****5678"


def _page(client, talent) -> str:
    response = client.get(reverse("contacts:talent", args=[talent.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _reveal(client, talent, field: str, ip: str = "127.0.0.1", **data):
    url = reverse("contacts:talent_reveal", args=[talent.pk])
    return client.post(url, {"field": field, **data}, REMOTE_ADDR=ip)


def _reveals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).order_by("id"))


# --- Masked until asked, then shown and logged ---------------------------------------------------


def test_the_office_sees_masked_values_with_a_show_button_until_it_asks(client, office_user, pairing):
    talent = pairing.talent
    client.force_login(office_user)
    body = _page(client, talent)
    assert MASKED_PHONE in body and PHONE not in body
    assert talent.id_number not in body
    assert body.count(f'action="{reverse("contacts:talent_reveal", args=[talent.pk])}"') == 2
    assert not _reveals()


def test_showing_the_phone_logs_it_and_shows_that_value_only(client, office_user, pairing):
    talent = pairing.talent
    client.force_login(office_user)
    response = _reveal(client, talent, "phone", ip="192.168.3.4")
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:talent", args=[talent.pk])
    body = _page(client, talent)
    assert f'href="tel:{PHONE}"' in body
    assert talent.id_number not in body, "the ID number stays masked"
    [entry] = _reveals()
    assert (entry.user, entry.ip, entry.object_type, entry.object_id) == (
        office_user,
        "192.168.3.4",
        "talents.talent",
        str(talent.pk),
    )
    assert entry.extra["field"] == "phone"
    assert PHONE not in str(entry.changes) + str(entry.extra)


def test_showing_the_id_number_shows_it_in_full(client, office_user, pairing):
    talent = pairing.talent
    client.force_login(office_user)
    _reveal(client, talent, "id_number")
    body = _page(client, talent)
    assert talent.id_number in body
    assert MASKED_PHONE in body
    assert _reveals()[0].extra["field"] == "id_number"


def test_a_revealed_value_is_masked_again_after_five_minutes(client, office_user, pairing):
    talent = pairing.talent
    client.force_login(office_user)
    _reveal(client, talent, "phone")
    session = client.session
    session[audit.REVEAL_SESSION_KEY] = {f"{talent.pk}:phone": time.time() - 1}
    session.save()
    assert PHONE not in _page(client, talent)


def test_a_reveal_counts_for_that_talent_only(client, office_user, pairing):
    other = TalentFactory(phone="13900001111")
    client.force_login(office_user)
    _reveal(client, pairing.talent, "phone")
    assert "13900001111" not in _page(client, other)


@pytest.mark.parametrize("who", ["cadre_user", "liaison_user"])
def test_the_paired_cadre_and_the_units_liaison_may_reveal(client, request, pairing, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert PHONE not in _page(client, pairing.talent)
    assert _reveal(client, pairing.talent, "phone").status_code == 302
    assert PHONE in _page(client, pairing.talent)
    assert _reveals()[0].user == user


def test_from_the_list_the_office_returns_to_the_list_showing_that_row_in_full(client, office_user, pairing):
    other = TalentFactory(phone="13900001111")
    client.force_login(office_user)
    url = reverse("talents:list") + "?category=professional"
    body = client.get(url).content.decode()
    assert PHONE not in body and MASKED_PHONE in body
    response = _reveal(client, pairing.talent, "phone", next=url)
    assert response["Location"] == url
    body = client.get(url).content.decode()
    assert PHONE in body
    assert other.phone not in body


def test_a_next_address_on_another_site_is_ignored(client, office_user, pairing):
    client.force_login(office_user)
    response = _reveal(client, pairing.talent, "phone", next="https://evil.example/")
    assert response["Location"] == reverse("contacts:talent", args=[pairing.talent_id])


# --- Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["leader_user", "secretary_user"])
def test_roles_that_see_the_talent_masked_are_refused_and_nothing_is_logged(client, request, pairing, who):
    client.force_login(request.getfixturevalue(who))
    assert _reveal(client, pairing.talent, "phone").status_code == 403
    assert PHONE not in _page(client, pairing.talent)
    assert not _reveals()


def test_a_leader_sees_no_show_button(client, leader_user, pairing):
    client.force_login(leader_user)
    assert reverse("contacts:talent_reveal", args=[pairing.talent_id]) not in _page(client, pairing.talent)


def test_another_cadre_and_another_units_liaison_get_not_found(client, pairing, other_cadre_user):
    client.force_login(other_cadre_user)
    assert _reveal(client, pairing.talent, "phone").status_code == 404
    client.force_login(UserFactory(username="liaison_else", roles=["liaison"]))
    assert _reveal(client, pairing.talent, "phone").status_code == 404
    assert not _reveals()


def test_a_talent_of_another_village_is_not_found_for_the_secretary(client, secretary_user):
    talent = TalentFactory(village=VillageFactory(name="石龙村"), unit=UnitFactory())
    client.force_login(secretary_user)
    assert _reveal(client, talent, "phone").status_code == 404


def test_only_the_id_number_and_the_phone_can_be_revealed(client, office_user, pairing):
    client.force_login(office_user)
    assert _reveal(client, pairing.talent, "thoughts").status_code == 400
    assert not _reveals()


def test_a_reveal_needs_a_post_with_the_csrf_token(office_user, pairing):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office_user)
    url = reverse("contacts:talent_reveal", args=[pairing.talent_id])
    assert client.get(url, {"field": "phone"}).status_code == 405
    assert client.post(url, {"field": "phone"}).status_code == 403
    assert not _reveals()


def test_anonymous_visitors_are_sent_to_log_in(client, pairing):
    response = _reveal(client, pairing.talent, "phone")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Notice and consent date; the ID number is optional ------------------------------------------


def _new_talent_form(**fields) -> dict:
    unit, village = UnitFactory(), VillageFactory()
    data = {
        "name": "周建华",
        "gender": "M",
        "ethnicity": "汉族",
        "political_status": "群众",
        "category": Talent.Category.PROFESSIONAL,
        "unit": unit.pk,
        "village": village.pk,
        "id_number": "",
    }
    data.update(fields)
    return data


def test_the_office_adds_a_talent_without_an_id_number_and_with_a_consent_date(client, office_user):
    client.force_login(office_user)
    response = client.post(reverse("talents:new"), _new_talent_form(notice_date="2026-03-01"))
    assert response.status_code == 302
    talent = Talent.objects.get(name="周建华")
    assert talent.id_number == ""
    assert talent.notice_date == datetime.date(2026, 3, 1)
    assert "2026-03-01" in _page(client, talent)


def test_a_consent_date_in_the_future_is_refused_next_to_the_field(client, office_user):
    client.force_login(office_user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(reverse("talents:new"), _new_talent_form(notice_date=tomorrow.isoformat()))
    assert response.status_code == 200
    assert response.context["form"].errors["notice_date"]
    assert 'value="周建华"' in response.content.decode(), "nothing typed is lost"


def test_the_consent_date_shows_for_the_office_only(client, office_user, cadre_user, pairing):
    talent = pairing.talent
    talent.notice_date = datetime.date(2026, 2, 3)
    talent.save()
    client.force_login(office_user)
    assert "2026-02-03" in _page(client, talent)
    client.force_login(cadre_user)
    assert "2026-02-03" not in _page(client, talent)
