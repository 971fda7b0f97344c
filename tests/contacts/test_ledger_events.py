"""Major-event reports: units file them, the cadre in charge and the office acknowledge them (issue 4, item 8, R17)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.ledger import unacknowledged_events_for
from contacts.models import Level, MajorEvent
from tests.factories import (
    CadreFactory,
    MajorEventFactory,
    PairingFactory,
    TalentFactory,
    UnitFactory,
    UserFactory,
    VillageFactory,
)

LIST = reverse("ledger:events")
NEW = reverse("ledger:event_new")


@pytest.fixture
def talent(pairing):
    return pairing.talent


@pytest.fixture
def other_liaison(db):
    return UserFactory(username="liaison_other", roles=["liaison"])


@pytest.fixture
def other_secretary(db):
    return UserFactory(username="secretary_other", roles=["village_secretary"])


@pytest.fixture
def other_talent(other_cadre, other_liaison, other_secretary):
    """Another cadre's talent, at another unit, in another village."""
    talent = TalentFactory(
        name="赵其他",
        unit=UnitFactory(name="梅家乡中心小学", liaison=other_liaison),
        village=VillageFactory(name="新桥村", secretary=other_secretary),
    )
    PairingFactory(cadre=other_cadre, talent=talent)
    return talent


@pytest.fixture
def event(talent, cadre):
    return MajorEventFactory(talent=talent, cadre=cadre, description="获得省级劳动模范称号。")


@pytest.fixture
def other_event(other_talent, other_cadre):
    return MajorEventFactory(
        talent=other_talent, cadre=other_cadre, kind=MajorEvent.Kind.HEALTH, description="突发疾病住院治疗。"
    )


def _url(name: str, event) -> str:
    return reverse(f"ledger:{name}", args=[event.pk])


def _rows(body: str) -> str:
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _list(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return _rows(response.content.decode())


def _file(client, user, talent, **fields):
    client.force_login(user)
    data = {
        "talent": talent.pk,
        "kind": MajorEvent.Kind.POST_CHANGE,
        "date": timezone.localdate().isoformat(),
        "description": "调任县农业农村局副局长。",
        "reporter_name": "刘联络",
    }
    data.update(fields)
    return client.post(NEW, data)


def _acknowledge(client, user, event, **data):
    client.force_login(user)
    return client.post(_url("event_acknowledge", event), data)


# --- Filing a report -----------------------------------------------------------------------------


def test_a_liaison_files_a_report_that_goes_to_the_talents_cadre(client, liaison_user, talent, cadre):
    response = _file(client, liaison_user, talent)
    event = MajorEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("event", event)
    assert (event.reporting_unit, event.cadre, event.created_by) == (talent.unit, cadre, liaison_user)
    assert (event.kind, event.reporter_name) == (MajorEvent.Kind.POST_CHANGE, "刘联络")
    assert event.acknowledged_at is None
    body = client.get(response["Location"]).content.decode()
    assert "调任县农业农村局副局长。" in body and "岗位职务重大变动" in body


def test_a_village_secretary_files_for_a_talent_of_their_village(client, secretary_user, talent, village):
    assert _file(client, secretary_user, talent).status_code == 302
    assert MajorEvent.objects.get().reporting_unit == village


def test_the_office_files_on_a_units_behalf(client, office_user, talent, village):
    _file(client, office_user, talent)
    _file(client, office_user, talent, reporting_unit=village.pk, description="第二份")
    first, second = MajorEvent.objects.order_by("pk")
    assert (first.reporting_unit, second.reporting_unit) == (talent.unit, village)


def test_the_report_is_mailed_to_the_cadre_in_charge_and_the_office(
    client, liaison_user, office_user, talent, cadre, django_capture_on_commit_callbacks
):
    cadre.user.email, office_user.email = "cadre@example.cn", "office@example.cn"
    cadre.user.save()
    office_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        _file(client, liaison_user, talent)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["cadre@example.cn", "office@example.cn"]
    assert "陈丽华" in message.subject
    assert "调任县农业农村局副局长。" in message.body


def test_only_a_township_pairing_makes_a_cadre_in_charge(client, liaison_user, village, db):
    unit = UnitFactory(liaison=liaison_user)
    talent = TalentFactory(unit=unit, village=village)
    PairingFactory(cadre=CadreFactory(level=Level.VILLAGE, village=village), talent=talent)
    _file(client, liaison_user, talent)
    assert MajorEvent.objects.get().cadre is None


def test_a_report_needs_a_description_and_keeps_what_was_typed(client, liaison_user, talent):
    response = _file(client, liaison_user, talent, description="", reporter_name="刘联络填写")
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["description"]
    assert "刘联络填写" in response.content.decode()
    assert not MajorEvent.objects.exists()


def test_a_liaison_cannot_report_on_another_units_talent(client, liaison_user, talent, other_talent):
    response = _file(client, liaison_user, other_talent)
    assert "talent" in response.context["form"].errors
    assert not MajorEvent.objects.exists()


def test_a_secretary_cannot_report_on_another_villages_talent(client, secretary_user, talent, other_talent):
    response = _file(client, secretary_user, other_talent)
    assert "talent" in response.context["form"].errors
    assert not MajorEvent.objects.exists()


def test_the_form_offers_only_the_users_talents_and_prefills_the_reporter(client, liaison_user, talent, other_talent):
    liaison_user.first_name, liaison_user.last_name = "联络", "刘"
    liaison_user.save()
    client.force_login(liaison_user)
    response = client.get(NEW)
    body = response.content.decode()
    assert "陈丽华" in body and "赵其他" not in body
    assert response.context["form"].initial["reporter_name"] == liaison_user.get_full_name()
    assert "reporting_unit" not in response.context["form"].fields  # only the office chooses one


@pytest.mark.parametrize("who", ["cadre_user", "leader_user"])
def test_cadres_and_leaders_do_not_file_reports(client, request, talent, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(NEW).status_code == 403
    assert _file(client, user, talent).status_code == 403
    assert not MajorEvent.objects.exists()


# --- The list ------------------------------------------------------------------------------------


def test_the_office_sees_every_report(client, office_user, event, other_event):
    rows = _list(client, office_user)
    assert "获得省级劳动模范称号。" in rows and "突发疾病住院治疗。" in rows
    assert _url("event", event) in rows


@pytest.mark.parametrize("who", ["cadre_user", "liaison_user", "secretary_user"])
def test_each_role_sees_its_own_talents_reports_only(client, request, event, other_event, who):
    rows = _list(client, request.getfixturevalue(who))
    assert "获得省级劳动模范称号。" in rows
    assert "突发疾病住院治疗。" not in rows


def test_the_unacknowledged_filter_hides_acknowledged_reports(client, office_user, event, other_event):
    other_event.acknowledged_at, other_event.acknowledged_by = timezone.now(), office_user
    other_event.save()
    rows = _list(client, office_user, unacknowledged="on")
    assert "获得省级劳动模范称号。" in rows
    assert "突发疾病住院治疗。" not in rows


@pytest.mark.parametrize(("params", "shown"), [({"kind": "health"}, "突发疾病"), ({"year": "2024"}, "获得省级")])
def test_the_list_filters_by_kind_and_year(client, office_user, event, other_event, params, shown):
    event.date = datetime.date(2024, 3, 1)
    event.save()
    rows = _list(client, office_user, **params)
    assert shown in rows
    assert rows.count("<tr") == 1


def test_the_acknowledge_button_shows_only_to_who_may_acknowledge(client, cadre, liaison_user, event):
    button = f'action="{_url("event_acknowledge", event)}"'
    assert button in _list(client, cadre.user)
    assert button not in _list(client, liaison_user)


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["office_user", "liaison_user"])
def test_the_list_runs_the_same_queries_for_two_or_fifteen_reports(client, request, talent, office_user, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for _ in range(2):
        MajorEventFactory(talent=talent, cadre=CadreFactory())
    small = _list_queries(client)
    for i in range(13):
        MajorEventFactory(
            talent=talent if i % 2 else TalentFactory(),
            cadre=CadreFactory() if i % 3 else None,
            date=datetime.date(2024 + i % 3, 5, 1),
            acknowledged_at=timezone.now() if i % 2 else None,
            acknowledged_by=office_user if i % 2 else None,
        )
    large = _list_queries(client)
    # session, user, roles (groups), oldest and newest report (year filter: two one-row queries), row
    # count (pager, capped), the page
    # of reports (talent, reporting unit, cadre and acknowledging user joined; the scope as a
    # subquery), "may file a report" (exists), organisation for the header
    assert small == large == 9


def test_anonymous_visitors_are_sent_to_the_login_page(client, event):
    for url in (LIST, NEW, _url("event", event)):
        assert client.get(url)["Location"].startswith(reverse("login"))
    assert client.post(_url("event_acknowledge", event))["Location"].startswith(reverse("login"))


def test_a_user_without_a_role_is_refused(client, event):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(LIST).status_code == 403
    assert client.get(_url("event", event)).status_code == 404


@pytest.mark.parametrize("who", ["other_cadre_user", "other_liaison", "other_secretary"])
def test_others_get_not_found_for_a_report_outside_their_scope(client, request, event, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(_url("event", event)).status_code == 404
    assert client.post(_url("event_acknowledge", event)).status_code == 404


# --- Acknowledging -------------------------------------------------------------------------------


def test_the_cadre_in_charge_acknowledges_the_report(client, cadre, event):
    response = _acknowledge(client, cadre.user, event)
    assert response.status_code == 302
    assert response["Location"] == _url("event", event)
    event.refresh_from_db()
    assert event.acknowledged_by == cadre.user
    assert event.acknowledged_at is not None
    body = client.get(response["Location"]).content.decode()
    assert f'action="{_url("event_acknowledge", event)}"' not in body


def test_the_office_acknowledges_a_report_no_cadre_is_in_charge_of(client, office_user, talent):
    event = MajorEventFactory(talent=talent, cadre=None)
    _acknowledge(client, office_user, event)
    event.refresh_from_db()
    assert event.acknowledged_by == office_user


def test_a_second_acknowledgement_keeps_the_first(client, cadre, office_user, event):
    _acknowledge(client, cadre.user, event)
    event.refresh_from_db()
    first = event.acknowledged_at
    assert _acknowledge(client, office_user, event).status_code == 302
    event.refresh_from_db()
    assert (event.acknowledged_by, event.acknowledged_at) == (cadre.user, first)


def test_acknowledging_from_the_list_or_the_home_page_returns_there(client, cadre, talent):
    first, second = MajorEventFactory(talent=talent, cadre=cadre), MajorEventFactory(talent=talent, cadre=cadre)
    assert _acknowledge(client, cadre.user, first, back="list")["Location"] == LIST
    assert _acknowledge(client, cadre.user, second, back="home")["Location"] == reverse("home")


@pytest.mark.parametrize("who", ["leader_user", "liaison_user", "secretary_user"])
def test_readers_and_reporters_cannot_acknowledge(client, request, event, who):
    assert _acknowledge(client, request.getfixturevalue(who), event).status_code == 403
    event.refresh_from_db()
    assert event.acknowledged_at is None


def test_a_cadre_who_only_sees_the_talent_cannot_acknowledge_for_the_cadre_in_charge(client, talent, village):
    member = CadreFactory(level=Level.VILLAGE, village=village)
    PairingFactory(cadre=member, talent=talent)
    event = MajorEventFactory(talent=talent, cadre=CadreFactory())
    assert _acknowledge(client, member.user, event).status_code == 403


def test_acknowledging_needs_a_post(client, cadre, event):
    client.force_login(cadre.user)
    assert client.get(_url("event_acknowledge", event)).status_code == 405


# --- What waits for acknowledgement (home pages) -------------------------------------------------


def test_unacknowledged_events_reach_the_office_and_leaders_all_and_a_cadre_their_own(
    office_user, leader_user, cadre, liaison_user, event, other_event
):
    done = MajorEventFactory(
        talent=event.talent, cadre=cadre, acknowledged_at=timezone.now(), acknowledged_by=office_user
    )
    assert set(unacknowledged_events_for(office_user)) == {event, other_event}
    assert set(unacknowledged_events_for(leader_user)) == {event, other_event}
    assert list(unacknowledged_events_for(cadre.user)) == [event]
    assert list(unacknowledged_events_for(liaison_user)) == []
    assert done not in unacknowledged_events_for(office_user)
