"""Workflows of the contact work that span several models or send mail (R3, R4, R7, R14)."""

from __future__ import annotations

import datetime
import io
import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from talents.access import OFFICE

from .models import Contact, ContactPhoto, Demand, DemandProgress, Pairing, Suggestion

log = logging.getLogger(__name__)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """Counts Monday to Friday only; public holidays are left to the person setting the date."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def demand_due_date(*, urgency: str, raised_on: datetime.date) -> datetime.date:
    """Default deadline by urgency, in working days (settings.DEMAND_DUE_WORKING_DAYS)."""
    return add_working_days(raised_on, settings.DEMAND_DUE_WORKING_DAYS[urgency])


def photo_prepare(upload) -> ContentFile:
    """Re-encode an uploaded photo: upright, at most PHOTO_MAX_SIDE px, JPEG, no EXIF (no GPS), random name."""
    with Image.open(upload) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail((settings.PHOTO_MAX_SIDE, settings.PHOTO_MAX_SIDE))
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def _photos_store(uploads: Iterable) -> list[str]:
    """Re-encode and store the photos before the write transaction; returns the stored names."""
    field = ContactPhoto._meta.get_field("image")
    names = []
    try:
        for upload in uploads:
            content = photo_prepare(upload)
            names.append(field.storage.save(field.generate_filename(None, content.name), content))
    except BaseException:
        _photos_remove(names)
        raise
    return names


def _photos_remove(names: Iterable[str]) -> None:
    storage = ContactPhoto._meta.get_field("image").storage
    for name in names:
        storage.delete(name)


def contact_record(
    *,
    pairing: Pairing,
    by,
    token: uuid.UUID,
    data: dict,
    suggestions: Iterable[dict] = (),
    demands: Iterable[dict] = (),
    photos: Iterable = (),
) -> tuple[Contact, bool]:
    """Save a contact with its suggestions, demands and photos, all or nothing.

    ``token`` comes from the form: a double tap or a resend after a timeout finds the contact
    the first post created and returns it with ``created=False`` instead of saving a second one.
    The token's unique index decides it, inside the write: no lookup before it (issue 7).

    The write transaction holds SQLite's one write lock, so everything that can happen before it
    does (photos re-encoded and stored, demand due dates); only the rows and their audit entries are
    written inside it. Photo files of a write that does not happen are removed again.
    """
    talent = pairing.talent
    demand_rows = [
        {
            "due_date": demand_due_date(urgency=item["urgency"], raised_on=data.get("date") or timezone.localdate()),
            **item,
        }
        for item in demands
    ]
    stored = _photos_store(photos)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(pairing=pairing, created_by=by, client_token=token, **data)
            for item in suggestions:
                Suggestion.objects.create(talent=talent, contact=contact, created_by=by, **item)
            new_demands = [
                Demand.objects.create(
                    talent=talent,
                    contact=contact,
                    source=Demand.Source.CONTACT,
                    raised_on=contact.date,
                    coordinating_cadre=pairing.cadre,
                    responsible_unit_id=talent.unit_id,
                    created_by=by,
                    **item,
                )
                for item in demand_rows
            ]
            for name in stored:
                ContactPhoto.objects.create(contact=contact, image=name)
    except IntegrityError:
        _photos_remove(stored)
        existing = Contact.objects.filter(client_token=token).first()
        if existing:  # the same form sent twice: the first one saved it
            return existing, False
        raise
    except BaseException:
        _photos_remove(stored)
        raise
    urgent = [d for d in new_demands if d.urgency == Demand.Urgency.URGENT]
    if contact.urgent or urgent:
        transaction.on_commit(lambda: urgent_notify(pairing=pairing, contact=contact, demands=urgent))
    return contact, True


def urgent_notify(*, pairing: Pairing, contact: Contact | None = None, demands: Iterable[Demand] = ()) -> int:
    """Mail the paired cadre and the office about urgent matters (R7); the in-app list needs no message."""
    users = get_user_model().objects.filter(Q(pk=pairing.cadre.user_id) | Q(groups__name=OFFICE), is_active=True)
    recipients = sorted({u.email for u in users if u.email})
    if not recipients:
        return 0
    talent = pairing.talent
    lines = []
    if contact is not None and contact.urgent:
        lines.append(_("Urgent contact on %(date)s: %(summary)s") % {"date": contact.date, "summary": contact.summary})
    lines += [_("Urgent demand: %(content)s") % {"content": d.content} for d in demands]
    lines.append(reverse("contacts:talent", args=[talent.pk]))
    subject = _("[Urgent] %(talent)s (contact: %(cadre)s)") % {"talent": talent.name, "cadre": pairing.cadre.name}
    try:
        return send_mail(subject, "\n".join(lines), None, recipients)
    except OSError:  # a mail server being down must not lose the saved contact
        log.exception("urgent mail could not be sent")
        return 0


def urgent_mark_handled(*, item: Contact | Demand, by) -> None:
    item.handled_at, item.handled_by = timezone.now(), by
    item.save(update_fields=["handled_at", "handled_by"])


@transaction.atomic
def demand_add_progress(*, demand: Demand, by, note: str, date: datetime.date) -> DemandProgress:
    entry = DemandProgress.objects.create(demand=demand, note=note, date=date, created_by=by)
    if demand.status == Demand.Status.OPEN:
        demand.status = Demand.Status.IN_PROGRESS
        demand.save(update_fields=["status"])
    return entry


@transaction.atomic
def demand_close(*, demand: Demand, by, status: str, result: str, closed_on: datetime.date) -> None:
    demand.status, demand.result, demand.closed_on = status, result, closed_on
    demand.save(update_fields=["status", "result", "closed_on"])
    DemandProgress.objects.create(demand=demand, date=closed_on, note=result, created_by=by)


@transaction.atomic
def demand_follow_up(*, demand: Demand, by, follow_up: str, on: datetime.date, satisfaction: str) -> None:
    """Record the follow-up visit (回访). A talent who is not satisfied reopens the demand."""
    if satisfaction == Demand.Satisfaction.UNSATISFIED:
        note = _("Follow-up: not satisfied, handling again. %(text)s") % {"text": follow_up}
        DemandProgress.objects.create(demand=demand, date=on, note=note, created_by=by)
        demand.status, demand.closed_on, demand.satisfaction = Demand.Status.IN_PROGRESS, None, ""
    else:
        demand.satisfaction = satisfaction
    demand.follow_up, demand.follow_up_on = follow_up, on
    demand.save(update_fields=["status", "closed_on", "satisfaction", "follow_up", "follow_up_on"])


def cadre_pairings(user, *, today: datetime.date):
    """The cadre's open pairings with what the home page shows, in one query whatever the history."""
    contacts = Contact.objects.filter(pairing__cadre__user=user, pairing__talent=OuterRef("talent"))
    open_demands = (
        Demand.objects.open()
        .filter(talent=OuterRef("talent"))
        .order_by()
        .values("talent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Pairing.objects.open()
        .filter(cadre__user=user)
        .select_related("talent", "talent__unit", "talent__village", "term")
        .annotate(
            last_contact=Subquery(contacts.order_by().values("pairing__talent").annotate(m=Max("date")).values("m")),
            contacts_this_year=Coalesce(
                Subquery(
                    contacts.filter(date__year=today.year)
                    .order_by()
                    .values("pairing__talent")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            open_demands=Coalesce(Subquery(open_demands), 0),
        )
        .order_by("level", "talent__name")
    )


def reminder_due(today: datetime.date) -> bool:
    """From this day of the year on (settings.CONTACT_REMINDER_FROM, default 10-01) uncontacted talents are flagged."""
    month, day = settings.CONTACT_REMINDER_FROM
    return (today.month, today.day) >= (month, day)
