"""Reminders in time (R9) and chasers for overdue demands (R14), by mail and on the home page.

``reminders_send`` is what ``manage.py send_reminders`` runs from cron. Each reminder is written as a
``reports.ReminderLog`` row for its recipient and day: the rows are the in-app reminders
(``reminders_for``) and make a second run on the same day add and send nothing.

- From settings.CONTACT_REMINDER_FROM (month, day; default 10-01) on, each cadre with an open pairing
  whose talent they have not contacted this year is reminded.
- An open demand past its due date reminds its coordinating cadre and the office; from
  settings.DEMAND_ESCALATE_AFTER_DAYS days overdue (default 3) the leaders too.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.models import ReminderLog
from talents.access import LEADER, OFFICE

from .models import Contact, Demand, Pairing
from .services import reminder_due

log = logging.getLogger(__name__)
Kind = ReminderLog.Kind


def escalate_after_days() -> int:
    return getattr(settings, "DEMAND_ESCALATE_AFTER_DAYS", 3)


@dataclass(frozen=True)
class Reminder:
    """A reminder before it is written: who, about what."""

    user: object
    kind: str
    pairing: Pairing | None = None
    demand: Demand | None = None

    @property
    def key(self) -> tuple:
        return (
            self.user.pk,
            self.kind,
            self.pairing.pk if self.pairing else None,
            self.demand.pk if self.demand else None,
        )


def reminder_text(item: Reminder | ReminderLog, today: datetime.date) -> str:
    """The sentence a reminder shows, worked out for ``today`` (days left, days overdue)."""
    if item.kind == Kind.CONTACT_DUE:
        days = (datetime.date(today.year, 12, 31) - today).days
        return _("%(talent)s has not been contacted yet this year: %(days)s days left until the end of %(year)s.") % {
            "talent": item.pairing.talent.name,
            "days": days,
            "year": today.year,
        }
    demand = item.demand
    values = {
        "talent": demand.talent.name,
        "days": (today - demand.due_date).days,
        "due": demand.due_date.isoformat(),
        "content": demand.content[:60],
        "cadre": demand.coordinating_cadre.name if demand.coordinating_cadre else _("none"),
    }
    if item.kind == Kind.DEMAND_ESCALATED:
        return (
            _(
                "Escalated: the demand of %(talent)s is %(days)s days overdue (due %(due)s, coordinating cadre: "
                "%(cadre)s): %(content)s"
            )
            % values
        )
    return _("The demand of %(talent)s is %(days)s days overdue (due %(due)s): %(content)s") % values


def reminder_url(item: Reminder | ReminderLog) -> str:
    if item.kind == Kind.CONTACT_DUE:
        return f"{reverse('contacts:contact_new')}?talent={item.pairing.talent_id}"
    return reverse("contacts:demand", args=[item.demand_id if isinstance(item, ReminderLog) else item.demand.pk])


def _contacted_this_year(today: datetime.date, prefix: str = "") -> Exists:
    """The cadre of the pairing contacted its talent this year (any of their pairings, as the home page counts)."""
    return Exists(
        Contact.objects.filter(
            pairing__cadre=OuterRef(f"{prefix}cadre"),
            pairing__talent=OuterRef(f"{prefix}talent"),
            date__year=today.year,
        )
    )


def _contact_reminders(today: datetime.date) -> list[Reminder]:
    if not reminder_due(today):
        return []
    pairings = (
        Pairing.objects.open()
        .filter(start_date__lte=today, cadre__active=True, cadre__user__is_active=True)
        .exclude(_contacted_this_year(today))
        .select_related("cadre__user", "talent")
        .order_by("cadre__sort_order", "cadre__name", "talent__name")
    )
    return [Reminder(user=p.cadre.user, kind=Kind.CONTACT_DUE, pairing=p) for p in pairings]


def _demand_reminders(today: datetime.date) -> list[Reminder]:
    overdue = list(
        Demand.objects.open()
        .filter(due_date__lt=today)
        .select_related("talent", "coordinating_cadre__user")
        .order_by("due_date", "pk")
    )
    if not overdue:
        return []
    users = get_user_model().objects.filter(is_active=True)
    office = list(users.filter(groups__name=OFFICE).distinct().order_by("pk"))
    leaders = list(users.filter(groups__name=LEADER).distinct().order_by("pk"))
    items = []
    for demand in overdue:
        recipients = {}
        cadre = demand.coordinating_cadre
        if cadre is not None and cadre.active and cadre.user.is_active:
            recipients[cadre.user.pk] = (cadre.user, Kind.DEMAND_OVERDUE)
        for user in office:
            recipients.setdefault(user.pk, (user, Kind.DEMAND_OVERDUE))
        if (today - demand.due_date).days >= escalate_after_days():
            for user in leaders:
                recipients.setdefault(user.pk, (user, Kind.DEMAND_ESCALATED))
        items += [Reminder(user=user, kind=kind, demand=demand) for user, kind in recipients.values()]
    return items


def reminders_collect(*, today: datetime.date) -> list[Reminder]:
    """Everything that is due to be reminded on ``today``, sent before or not."""
    return _contact_reminders(today) + _demand_reminders(today)


@dataclass
class SendResult:
    reminders: list[Reminder]  # the new ones, sent (or, in a dry run, that would be sent)
    mailed: int  # people reached by mail
    in_app_only: int  # people without an email address (or whose mail failed): the home page only
    failed: int = 0


def _by_user(items: list[Reminder]) -> dict:
    grouped = defaultdict(list)
    for item in items:
        grouped[item.user].append(item)
    return grouped


def _mail(user, items: list[Reminder], today: datetime.date) -> bool:
    lines = [f"- {reminder_text(item, today)}\n  {reminder_url(item)}" for item in items]
    subject = ngettext("[Reminder] %(count)s item to follow up", "[Reminder] %(count)s items to follow up", len(items))
    subject %= {"count": len(items)}
    body = "\n".join([_("Reminders of %(date)s:") % {"date": today.isoformat()}, "", *lines])
    try:
        return bool(send_mail(subject, body, None, [user.email]))
    except OSError:  # a mail server being down must not stop the other reminders; the app still shows them
        log.exception("reminder mail to user %s could not be sent", user.pk)
        return False


def reminders_send(*, today: datetime.date, dry_run: bool = False) -> SendResult:
    """Write today's new reminders and mail them, one message per person; idempotent per day."""
    done = set(ReminderLog.objects.filter(date=today).values_list("user_id", "kind", "pairing_id", "demand_id"))
    new = [item for item in reminders_collect(today=today) if item.key not in done]
    grouped = _by_user(new)
    with_email = [user for user in grouped if user.email]
    if dry_run:
        return SendResult(new, mailed=len(with_email), in_app_only=len(grouped) - len(with_email))
    with transaction.atomic():
        rows = ReminderLog.objects.bulk_create(
            [ReminderLog(user=i.user, kind=i.kind, pairing=i.pairing, demand=i.demand, date=today) for i in new]
        )
    mailed = []
    with translation.override(settings.LANGUAGE_CODE):
        for user in with_email:
            if _mail(user, grouped[user], today):
                mailed.append(user.pk)
    ReminderLog.objects.filter(pk__in=[r.pk for r in rows], user_id__in=mailed).update(emailed=True)
    return SendResult(
        new, mailed=len(mailed), in_app_only=len(grouped) - len(mailed), failed=len(with_email) - len(mailed)
    )


def reminders_for(user, today: datetime.date, *, days: int = 7) -> list[ReminderLog]:
    """The reminders to show on ``user``'s home page: given this year in the last ``days`` days, still open.

    A reminder disappears once its talent is contacted, its pairing ends, or its demand is closed or no
    longer overdue. Each item shows once (the newest), with ``text`` and ``url`` ready for the template.
    """
    if not user.is_authenticated:
        return []
    recent = ReminderLog.objects.filter(
        user=user, date__lte=today, date__gt=today - datetime.timedelta(days=days), date__year=today.year
    )
    # Most people have no reminder most days: a look at their rows (0.3 ms) spares building the query
    # that tests each one is still open (4-5 ms of ORM work on every home page, issue 7).
    if not recent.exists():
        return []
    still_due = Q(pairing__isnull=False, pairing__end_date__isnull=True) & ~_contacted_this_year(today, "pairing__")
    still_overdue = Q(demand__isnull=False, demand__due_date__lt=today) & ~Q(demand__status__in=Demand.CLOSED_STATUSES)
    logs = (
        recent.filter(still_due | still_overdue)
        .select_related("pairing__talent", "demand__talent", "demand__coordinating_cadre")
        .order_by("-date", "kind", "pk")
    )
    seen, shown = set(), []
    for item in logs:
        key = (item.kind, item.pairing_id, item.demand_id)
        if key not in seen:
            seen.add(key)
            item.text, item.url = reminder_text(item, today), reminder_url(item)
            shown.append(item)
    return shown
