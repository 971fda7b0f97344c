"""``manage.py send_reminders`` (R9, R14): reminders in time, by mail and in the app, once a day."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Demand
from contacts.reminders import reminders_for
from reports.models import ReminderLog
from tests.factories import ContactFactory, DemandFactory, PairingFactory, TalentFactory, UserFactory

D = datetime.date


class BrokenMailBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _with_email(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def people(cadre, other_cadre, office_user, leader_user, pairing):
    """王建国 has 陈丽华, not contacted in 2026; 李其他 has 周明远, contacted in March 2026."""
    contacted = PairingFactory(cadre=other_cadre, talent=TalentFactory(name="周明远"))
    ContactFactory(pairing=contacted, date=D(2026, 3, 1))
    return {
        "cadre": _with_email(cadre.user, "cadre@meijia.example"),
        "other": _with_email(other_cadre.user, "other@meijia.example"),
        "office": _with_email(office_user, "office@meijia.example"),
        "leader": _with_email(leader_user, "leader@meijia.example"),
    }


def _run(day: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", "--date", day, *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_before_the_reminder_date_nobody_is_reminded_to_make_contact(people):
    _run("2026-09-30")
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


def test_from_the_reminder_date_a_cadre_whose_talent_is_not_contacted_this_year_is_reminded(people):
    _run("2026-10-01")
    assert _recipients() == ["cadre@meijia.example"]
    body = mail.outbox[0].body
    assert "陈丽华" in body
    assert f"{reverse('contacts:contact_new')}?talent=" in body
    log = ReminderLog.objects.get()
    assert (log.user, log.kind, log.date, log.emailed) == (people["cadre"], "contact_due", D(2026, 10, 1), True)


def test_a_contact_made_last_year_does_not_count_for_this_year(people, pairing):
    ContactFactory(pairing=pairing, date=D(2025, 12, 31))
    _run("2026-10-01")
    assert _recipients() == ["cadre@meijia.example"]


def test_the_reminder_date_comes_from_the_settings(people, settings):
    settings.CONTACT_REMINDER_FROM = (11, 15)
    _run("2026-11-14")
    assert mail.outbox == []
    _run("2026-11-15")
    assert _recipients() == ["cadre@meijia.example"]


def test_a_dry_run_prints_what_it_would_send_and_writes_and_sends_nothing(people):
    out = _run("2026-10-01", "--dry-run")
    assert "陈丽华" in out
    assert "周明远" not in out
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


def test_running_twice_on_one_day_sends_once_and_the_next_day_sends_again(people):
    _run("2026-10-01")
    _run("2026-10-01")
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.count() == 1
    _run("2026-10-02")
    assert len(mail.outbox) == 2
    assert ReminderLog.objects.count() == 2


def test_a_cadre_without_an_email_address_is_reminded_in_the_app_only(people):
    people["cadre"].email = ""
    people["cadre"].save(update_fields=["email"])
    _run("2026-10-01")
    assert mail.outbox == []
    assert ReminderLog.objects.get().emailed is False
    shown = reminders_for(people["cadre"], D(2026, 10, 1))
    assert len(shown) == 1
    assert "陈丽华" in shown[0].text


@pytest.fixture
def overdue(people, cadre, pairing):
    """A demand of 陈丽华 coordinated by 王建国, due on 10 September 2026 and still open."""
    return DemandFactory(
        talent=pairing.talent,
        raised_on=D(2026, 9, 1),
        due_date=D(2026, 9, 10),
        coordinating_cadre=cadre,
        content="希望解决子女入学问题。",
    )


def test_an_overdue_demand_reminds_the_coordinating_cadre_and_the_office(overdue):
    _run("2026-09-11")
    assert _recipients() == ["cadre@meijia.example", "office@meijia.example"]
    assert all("希望解决子女入学问题" in m.body for m in mail.outbox)
    assert set(ReminderLog.objects.values_list("kind", flat=True)) == {"demand_overdue"}


def test_a_demand_due_today_or_closed_reminds_nobody(overdue):
    _run("2026-09-10")
    assert mail.outbox == []
    overdue.status, overdue.closed_on, overdue.result = Demand.Status.RESOLVED, D(2026, 9, 12), "已协调入学"
    overdue.save()
    _run("2026-09-20")
    assert mail.outbox == []


def test_after_three_days_overdue_the_leaders_are_told_too(overdue):
    _run("2026-09-12")  # two days overdue
    assert "leader@meijia.example" not in _recipients()
    mail.outbox.clear()
    _run("2026-09-13")  # three days overdue
    assert _recipients() == ["cadre@meijia.example", "leader@meijia.example", "office@meijia.example"]
    assert ReminderLog.objects.get(user=overdue.coordinating_cadre.user, date=D(2026, 9, 13)).kind == "demand_overdue"
    assert ReminderLog.objects.get(user__username="leader_t").kind == "demand_escalated"


def test_the_escalation_delay_comes_from_the_settings(overdue, settings):
    settings.DEMAND_ESCALATE_AFTER_DAYS = 5
    _run("2026-09-14")
    assert "leader@meijia.example" not in _recipients()
    _run("2026-09-15")
    assert "leader@meijia.example" in _recipients()


def test_each_person_gets_one_mail_listing_all_their_reminders(overdue):
    _run("2026-10-01")
    cadre_mail = [m for m in mail.outbox if m.to == ["cadre@meijia.example"]]
    assert len(cadre_mail) == 1
    assert "陈丽华" in cadre_mail[0].body and "希望解决子女入学问题" in cadre_mail[0].body
    assert ReminderLog.objects.filter(user__username="cadre_t").count() == 2


def test_a_mail_server_that_is_down_loses_no_reminder(overdue, settings):
    settings.EMAIL_BACKEND = "tests.reports.test_send_reminders.BrokenMailBackend"
    err = io.StringIO()
    call_command("send_reminders", "--date", "2026-09-11", stdout=io.StringIO(), stderr=err)
    assert ReminderLog.objects.count() == 2
    assert not ReminderLog.objects.filter(emailed=True).exists()
    assert err.getvalue()
    assert len(reminders_for(overdue.coordinating_cadre.user, D(2026, 9, 11))) == 1


def test_the_in_app_reminders_link_to_the_work_and_leave_once_it_is_done(overdue, pairing, people):
    _run("2026-10-01")
    shown = reminders_for(people["cadre"], D(2026, 10, 2))
    assert {r.url for r in shown} == {
        f"{reverse('contacts:contact_new')}?talent={pairing.talent_id}",
        reverse("contacts:demand", args=[overdue.pk]),
    }
    ContactFactory(pairing=pairing, date=D(2026, 10, 2))
    overdue.status, overdue.closed_on, overdue.result = Demand.Status.RESOLVED, D(2026, 10, 2), "已解决"
    overdue.save()
    assert reminders_for(people["cadre"], D(2026, 10, 2)) == []


def test_in_app_reminders_are_personal_shown_once_and_fade_after_a_week(people):
    _run("2026-10-01")
    _run("2026-10-02")
    assert len(reminders_for(people["cadre"], D(2026, 10, 3))) == 1
    assert reminders_for(people["other"], D(2026, 10, 3)) == []
    assert reminders_for(people["cadre"], D(2026, 10, 9)) == []


def test_in_app_reminders_take_the_same_queries_however_many_there_are(people, cadre, office_user):
    def queries(expected: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert len(reminders_for(office_user, D(2026, 9, 20))) == expected
        return len(ctx.captured_queries)

    _run("2026-09-20")
    none = queries(0)
    DemandFactory(raised_on=D(2026, 9, 1), due_date=D(2026, 9, 2), coordinating_cadre=cadre)
    _run("2026-09-20")
    one = queries(1)
    for i in range(11):
        DemandFactory(raised_on=D(2026, 9, 1), due_date=D(2026, 9, 3 + i), coordinating_cadre=cadre)
    _run("2026-09-20")
    # whether the user has any reminder this week; if so, the reminders with pairing, talent, demand and
    # coordinating cadre joined, "still due" as subqueries
    assert (none, one, queries(12)) == (1, 2, 2)


def test_a_date_that_is_not_a_date_is_refused():
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "2026-13-01")


def test_an_inactive_cadre_is_not_reminded(people):
    people["cadre"].is_active = False
    people["cadre"].save(update_fields=["is_active"])
    UserFactory(username="bystander")
    _run("2026-10-01")
    assert mail.outbox == []
