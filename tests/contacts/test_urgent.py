"""Urgent matters (R7): straight to the paired cadre and the office, highlighted until handled."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact, Demand, Level
from tests.factories import (
    CadreFactory,
    ContactFactory,
    DemandFactory,
    PairingFactory,
    UserFactory,
    contact_form_data,
)

URL = reverse("contacts:contact_new")
SUMMARY = "人才反映家中突发火灾，房屋受损，急需帮助。"
DIFFICULTY = "孩子突发重病，需要联系县医院专家会诊。"
URGENT_BOX = '<section class="card urgent"'


class BrokenMailBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def emails(cadre, office_user, other_cadre, leader_user):
    """Everyone has an email address; only the paired cadre and the office should get the mail."""
    second_office = UserFactory(username="office_2", roles=["office"])
    for user, address in (
        (cadre.user, "cadre@meijia.example"),
        (office_user, "office@meijia.example"),
        (second_office, "office2@meijia.example"),
        (other_cadre.user, "other@meijia.example"),
        (leader_user, "leader@meijia.example"),
    ):
        user.email = address
        user.save(update_fields=["email"])
    return {"cadre@meijia.example", "office@meijia.example", "office2@meijia.example"}


def _home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def _urgent_box(body: str) -> str:
    assert URGENT_BOX in body, "no highlighted urgent box"
    return body.split(URGENT_BOX, 1)[1].split("</section>", 1)[0]


def _record_urgent_contact(client, cadre, pairing, capture) -> Contact:
    client.force_login(cadre.user)
    with capture(execute=True):
        response = client.post(URL, contact_form_data(pairing, summary=SUMMARY, urgent="on", is_service="on"))
    assert response.status_code == 302
    return Contact.objects.get()


def _record_urgent_difficulty(client, cadre, pairing, capture) -> Demand:
    client.force_login(cadre.user)
    data = contact_form_data(
        pairing,
        summary="例行走访。",
        demands=[{"content": DIFFICULTY, "kind": Demand.Kind.HEALTH, "urgency": Demand.Urgency.URGENT}],
    )
    with capture(execute=True):
        assert client.post(URL, data).status_code == 302
    return Demand.objects.get()


# --- Highlighted on the home pages ---------------------------------------------------------------


def test_an_urgent_contact_is_highlighted_on_the_cadres_home(
    client, cadre, pairing, django_capture_on_commit_callbacks
):
    contact = _record_urgent_contact(client, cadre, pairing, django_capture_on_commit_callbacks)
    box = _urgent_box(_home(client, cadre.user))
    assert "紧急事项" in box
    assert "陈丽华" in box
    assert SUMMARY[:20] in box
    assert reverse("contacts:contact_handled", args=[contact.pk]) in box


def test_an_urgent_contact_is_highlighted_on_the_offices_home(
    client, cadre, pairing, office_user, django_capture_on_commit_callbacks
):
    contact = _record_urgent_contact(client, cadre, pairing, django_capture_on_commit_callbacks)
    box = _urgent_box(_home(client, office_user))
    assert "陈丽华" in box
    assert "王建国" in box  # which cadre it concerns
    assert reverse("contacts:contact_handled", args=[contact.pk]) in box


def test_an_urgent_contact_is_highlighted_in_the_talents_history(
    client, cadre, pairing, django_capture_on_commit_callbacks
):
    _record_urgent_contact(client, cadre, pairing, django_capture_on_commit_callbacks)
    body = client.get(reverse("contacts:talent", args=[pairing.talent_id])).content.decode()
    assert '<li class="urgent">' in body


def test_an_urgent_difficulty_is_highlighted_on_the_cadres_and_the_offices_home(
    client, cadre, pairing, office_user, django_capture_on_commit_callbacks
):
    demand = _record_urgent_difficulty(client, cadre, pairing, django_capture_on_commit_callbacks)
    assert Contact.objects.get().urgent is False  # the difficulty is urgent, not the whole contact
    for user in (cadre.user, office_user):
        box = _urgent_box(_home(client, user))
        assert DIFFICULTY[:20] in box
        assert reverse("contacts:demand", args=[demand.pk]) in box
        assert reverse("contacts:demand_handled", args=[demand.pk]) in box


def test_an_ordinary_contact_puts_nothing_in_the_urgent_box(client, cadre, pairing, office_user):
    client.force_login(cadre.user)
    client.post(URL, contact_form_data(pairing, summary=SUMMARY))
    assert URGENT_BOX not in _home(client, cadre.user)
    assert URGENT_BOX not in _home(client, office_user)


def test_another_cadre_does_not_see_the_urgent_contact(client, pairing, other_cadre):
    ContactFactory(pairing=pairing, urgent=True, summary=SUMMARY)
    assert SUMMARY[:20] not in _home(client, other_cadre.user)


@pytest.fixture
def village_member(village):
    return CadreFactory(user__username="member_t", level=Level.VILLAGE, village=village, title="村委委员")


@pytest.mark.parametrize("who", ["leader_user", "secretary_user"])
def test_readers_see_urgent_matters_but_no_button_they_cannot_use(client, request, pairing, village_member, who):
    # A village-level pairing, so that the village secretary sees the contact too.
    village_pairing = PairingFactory(cadre=village_member, talent=pairing.talent)
    contact = ContactFactory(pairing=village_pairing, urgent=True, summary=SUMMARY)
    demand = DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT, content=DIFFICULTY)
    box = _urgent_box(_home(client, request.getfixturevalue(who)))
    assert SUMMARY[:20] in box and DIFFICULTY[:20] in box
    assert reverse("contacts:contact_handled", args=[contact.pk]) not in box
    assert reverse("contacts:demand_handled", args=[demand.pk]) not in box
    assert "标记为已处理" not in box


@pytest.mark.parametrize(
    "who", ["cadre_user", "office_user", "leader_user", "secretary_user", "liaison_user", "member_user"]
)
def test_the_mark_handled_button_is_shown_exactly_to_those_allowed_to_use_it(
    client, request, pairing, village_member, who
):
    request.getfixturevalue("secretary_user")
    user = village_member.user if who == "member_user" else request.getfixturevalue(who)
    items = [
        ContactFactory(pairing=pairing, urgent=True),
        ContactFactory(pairing=PairingFactory(cadre=village_member, talent=pairing.talent), urgent=True),
        DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT, source=Demand.Source.UNIT),
        DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT, coordinating_cadre=village_member),
    ]
    body = _home(client, user)
    for item in items:
        shown = f'action="{_handled_url(item)}"' in body
        status = client.post(_handled_url(item)).status_code
        assert shown == (status == 302), f"{item!r}: button shown={shown}, POST gave {status}"


def test_the_liaison_can_mark_their_talents_urgent_demand_handled_from_their_home(client, pairing, liaison_user):
    demand = DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT, content=DIFFICULTY)
    box = _urgent_box(_home(client, liaison_user))
    assert reverse("contacts:demand_handled", args=[demand.pk]) in box
    assert client.post(reverse("contacts:demand_handled", args=[demand.pk])).status_code == 302
    assert URGENT_BOX not in _home(client, liaison_user)


# --- Mail ----------------------------------------------------------------------------------------


def test_an_urgent_contact_mails_the_cadre_and_the_office_once(
    client, cadre, pairing, emails, django_capture_on_commit_callbacks
):
    _record_urgent_contact(client, cadre, pairing, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.recipients()) == emails
    assert "陈丽华" in message.subject and "王建国" in message.subject
    assert SUMMARY in message.body
    assert reverse("contacts:talent", args=[pairing.talent_id]) in message.body


def test_an_urgent_difficulty_mails_the_cadre_and_the_office(
    client, cadre, pairing, emails, django_capture_on_commit_callbacks
):
    _record_urgent_difficulty(client, cadre, pairing, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].recipients()) == emails
    assert DIFFICULTY in mail.outbox[0].body


def test_the_mail_leaves_only_once_the_contact_is_saved(
    client, cadre, pairing, emails, django_capture_on_commit_callbacks
):
    client.force_login(cadre.user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(URL, contact_form_data(pairing, summary=SUMMARY, urgent="on"))
        assert mail.outbox == []
    assert len(callbacks) == 1


def test_an_ordinary_contact_sends_no_mail(client, cadre, pairing, emails, django_capture_on_commit_callbacks):
    client.force_login(cadre.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, contact_form_data(pairing, summary=SUMMARY))
    assert mail.outbox == []


def test_sending_the_same_urgent_form_twice_mails_once(
    client, cadre, pairing, emails, django_capture_on_commit_callbacks
):
    client.force_login(cadre.user)
    data = contact_form_data(pairing, summary=SUMMARY, urgent="on")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, data)
        client.post(URL, data)
    assert len(mail.outbox) == 1


def test_inactive_accounts_and_accounts_without_an_address_get_no_mail(
    client, cadre, pairing, office_user, django_capture_on_commit_callbacks
):
    office_user.email, office_user.is_active = "gone@meijia.example", False
    office_user.save()
    _record_urgent_contact(client, cadre, pairing, django_capture_on_commit_callbacks)
    assert mail.outbox == []  # the cadre has no address, the only office account is inactive
    assert URGENT_BOX in _home(client, cadre.user)  # the in-app list still shows it


def test_a_mail_server_that_is_down_does_not_lose_the_contact(
    client, settings, cadre, pairing, emails, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMailBackend"
    _record_urgent_contact(client, cadre, pairing, django_capture_on_commit_callbacks)
    assert Contact.objects.get().summary == SUMMARY
    assert URGENT_BOX in _home(client, cadre.user)


# --- Marking handled -----------------------------------------------------------------------------


def _handled_url(item) -> str:
    name = "contact_handled" if isinstance(item, Contact) else "demand_handled"
    return reverse(f"contacts:{name}", args=[item.pk])


def test_the_cadre_marks_an_urgent_contact_handled_and_it_leaves_both_home_pages(
    client, cadre, pairing, office_user, django_capture_on_commit_callbacks
):
    contact = _record_urgent_contact(client, cadre, pairing, django_capture_on_commit_callbacks)
    client.force_login(cadre.user)
    response = client.post(_handled_url(contact), follow=True)
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "已标记为已处理。" in response.content.decode()
    contact.refresh_from_db()
    assert contact.handled_at is not None and contact.handled_by == cadre.user
    assert URGENT_BOX not in _home(client, cadre.user)
    assert URGENT_BOX not in _home(client, office_user)
    body = client.get(reverse("contacts:talent", args=[pairing.talent_id])).content.decode()
    assert '<li class="urgent">' not in body


def test_the_office_marks_an_urgent_difficulty_handled_and_it_leaves_both_home_pages(
    client, cadre, pairing, office_user, django_capture_on_commit_callbacks
):
    demand = _record_urgent_difficulty(client, cadre, pairing, django_capture_on_commit_callbacks)
    client.force_login(office_user)
    assert client.post(_handled_url(demand)).status_code == 302
    demand.refresh_from_db()
    assert demand.handled_by == office_user
    assert URGENT_BOX not in _home(client, office_user)
    assert URGENT_BOX not in _home(client, cadre.user)


@pytest.mark.parametrize("kind", ["contact", "demand"])
def test_another_cadre_cannot_mark_it_handled(client, pairing, other_cadre, kind):
    item = (
        ContactFactory(pairing=pairing, urgent=True)
        if kind == "contact"
        else DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT)
    )
    client.force_login(other_cadre.user)
    assert client.post(_handled_url(item)).status_code == 404
    item.refresh_from_db()
    assert item.handled_at is None


@pytest.mark.parametrize("kind", ["contact", "demand"])
@pytest.mark.parametrize("who", ["leader_user", "secretary_user"])
def test_readers_cannot_mark_it_handled(client, request, pairing, village_member, kind, who):
    user = request.getfixturevalue(who)
    if kind == "contact":
        # a village-level pairing, so that the village secretary does see the contact
        item = ContactFactory(pairing=PairingFactory(cadre=village_member, talent=pairing.talent), urgent=True)
    else:
        item = DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT)
    client.force_login(user)
    assert client.post(_handled_url(item)).status_code == 403
    item.refresh_from_db()
    assert item.handled_at is None


def _office_home_queries(client) -> int:
    cache.clear()  # the overview's yearly figures are computed, not read from the cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


def test_the_offices_home_runs_the_same_queries_for_one_or_many_urgent_items(client, pairing, office_user):
    client.force_login(office_user)
    ContactFactory(pairing=pairing, urgent=True)
    DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT)
    one = _office_home_queries(client)
    for _ in range(9):
        other = PairingFactory()
        ContactFactory(pairing=other, urgent=True)
        DemandFactory(talent=other.talent, urgency=Demand.Urgency.URGENT, coordinating_cadre=other.cadre)
    many = _office_home_queries(client)
    assert _urgent_box(_home(client, office_user)).count("标记为已处理") == 20
    # session, user, roles (groups), urgent contacts with talent and cadre, urgent demands with
    # talent (the "may mark handled" flag as a subquery), the user's reminders, the overview (14
    # queries of reports.stats.dashboard, and 6 each of the database cache that keeps its yearly figures
    # and their sections' HTML for a minute), the office's to-dos (4: contacts.ledger.todos_for; the
    # unacknowledged events come from the overview), organisation for the header
    assert one == many == 36


def test_marking_handled_needs_a_post(client, cadre, pairing):
    contact = ContactFactory(pairing=pairing, urgent=True)
    client.force_login(cadre.user)
    assert client.get(_handled_url(contact)).status_code == 405
    contact.refresh_from_db()
    assert contact.handled_at is None
