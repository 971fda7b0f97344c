"""The ledgers units and the office keep (R3, R13, R14, R15, R17) and everyone's to-dos for the home page.

The per-demand workflow (progress, close, follow-up) lives in ``services``; this module adds the
ledger around it: entering and editing demands, answering suggestions, filing and acknowledging
major-event reports, recording recommendations, routing unit feedback, and ``todos_for``.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import VillageReport
from talents import access
from talents.models import Talent, Unit
from talents.search import Unindexed
from talents.widgets import NameMatch, url_for_rows

from . import services
from .models import (
    Cadre,
    Contact,
    Demand,
    DemandProgress,
    Feedback,
    Level,
    MajorEvent,
    Pairing,
    Recommendation,
    Suggestion,
)

log = logging.getLogger(__name__)

# How many rows of each to-do list the home page shows; the rest are one click away ("See all N").
# Five: a home page with up to three lists per role stays a page to glance at, and each row cost the
# office's home page about 0.35 ms to render (issue 7).
TODO_ROWS = 5

UNCLOSED = "unclosed"  # pseudo-status of the demand filter: to do or in progress
UNHANDLED = "unhandled"  # pseudo-status of the feedback filter: to handle or being handled


def township_pairing(talent: Talent) -> Pairing | None:
    """The talent's open pairing with a township leadership member: that cadre is 'in charge' of them."""
    return Pairing.objects.open().filter(talent=talent, level=Level.TOWNSHIP).select_related("cadre").first()


def _notify(*, user_ids: list[int], subject: str, lines: list[str]) -> int:
    """Mail the given users and the office; the in-app lists need no message. Mail failures lose nothing."""
    users = get_user_model().objects.filter(Q(pk__in=user_ids) | Q(groups__name=access.OFFICE), is_active=True)
    recipients = sorted({u.email for u in users if u.email})
    if not recipients:
        return 0
    try:
        return send_mail(subject, "\n".join(lines), None, recipients)
    except OSError:
        log.exception("ledger mail could not be sent")
        return 0


# --- Demand ledger (R14) -------------------------------------------------------------------------


OPEN_STATUSES = [s for s in Demand.Status.values if s not in Demand.CLOSED_STATUSES]


def _overdue_q(today: datetime.date) -> Q:
    # The open statuses by name, not "not closed": an IN list can use the (status, due_date) index.
    return Q(due_date__lt=today, status__in=OPEN_STATUSES)


def _with_overdue(qs: QuerySet, today: datetime.date) -> QuerySet:
    return qs.annotate(
        is_overdue=Case(When(_overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def demand_ledger(
    user,
    *,
    today: datetime.date,
    status: str = "",
    kind: str = "",
    unit: NameMatch | None = None,
    cadre: NameMatch | None = None,
    overdue: bool = False,
    year: int | None = None,
) -> QuerySet:
    """The demands the user sees, filtered, each with ``is_overdue``; one query whatever the size.

    ``unit`` matches the responsible unit or the talent's unit, ``cadre`` the coordinating cadre
    (typed names or one record, ``talents.widgets.NameMatch``)."""
    qs = access.demands_for(user)
    # The status compared without its index (SQLite): the page then walks the raised_on index, newest
    # first, and stops after a page of rows, instead of collecting and sorting every open demand
    # (170 ms at 167,000 demands).
    qs = qs.alias(status_unindexed=Unindexed("status", output_field=CharField()))
    if status == UNCLOSED:
        qs = qs.filter(status_unindexed__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status_unindexed=status)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(unit.q("responsible_unit") | unit.q("talent__unit"))
    if cadre is not None:
        qs = qs.filter(cadre.q("coordinating_cadre"))
    if overdue:
        qs = qs.filter(status_unindexed__in=OPEN_STATUSES, due_date__lt=today)
    if year:
        qs = qs.filter(raised_on__year=year)
    return _with_overdue(qs, today).order_by("-raised_on", "-id").values_list(*DEMAND_LEDGER_COLUMNS)


# What a row of the demand ledger shows, read as values (no model objects for 50 rows × 5 tables).
DEMAND_LEDGER_COLUMNS = (
    *("pk", "raised_on", "talent__name", "talent__unit__name", "talent__unit__liaison_id", "kind", "urgency"),
    *("content", "responsible_unit__name", "responsible_unit__liaison_id", "coordinating_cadre__name"),
    *("due_date", "is_overdue", "status"),
)


class DemandRow(NamedTuple):
    pk: int
    raised_on: datetime.date
    talent_name: str
    talent_unit: str
    kind_label: str
    urgency: str
    urgency_label: str
    content: str
    responsible_unit: str
    cadre_name: str
    due_date: datetime.date | None
    is_overdue: bool
    status: str
    status_label: str
    pending_urgent: bool  # urgent and not closed
    can_edit: bool
    url: str
    edit_url: str


def demand_rows(user, values: list[tuple]) -> list[DemandRow]:
    """Rows of ``demand_ledger`` as the page shows them: labels, links and the edit right made per page."""
    detail_url, edit_url = url_for_rows("contacts:demand"), url_for_rows("ledger:demand_edit")
    kinds, urgencies, statuses = (dict(c.choices) for c in (Demand.Kind, Demand.Urgency, Demand.Status))
    rows = []
    for pk, raised_on, talent, talent_unit, talent_liaison, kind, urgency, content, *rest in values:
        unit, unit_liaison, cadre, due_date, is_overdue, status = rest
        rows.append(
            DemandRow(
                pk=pk,
                raised_on=raised_on,
                talent_name=talent,
                talent_unit=talent_unit or "",
                kind_label=kinds.get(kind, kind),
                urgency=urgency,
                urgency_label=urgencies.get(urgency, urgency),
                content=content,
                responsible_unit=unit or "",
                cadre_name=cadre or "",
                due_date=due_date,
                is_overdue=is_overdue,
                status=status,
                status_label=statuses.get(status, status),
                pending_urgent=urgency == Demand.Urgency.URGENT and status not in Demand.CLOSED_STATUSES,
                can_edit=access.can_edit_demand_of_liaisons(user, (talent_liaison, unit_liaison)),
                url=detail_url(pk),
                edit_url=edit_url(pk),
            )
        )
    return rows


def demand_create(
    *,
    by,
    talent: Talent,
    raised_on: datetime.date,
    source: str,
    kind: str,
    urgency: str,
    content: str,
    measures: str = "",
    responsible_unit: Unit | None = None,
    coordinating_cadre: Cadre | None = None,
    due_date: datetime.date | None = None,
) -> Demand:
    """A demand reported by a unit or raised by the talent directly, with defaults the office would pick.

    The due date follows the urgency, the responsible unit is the talent's, the coordinating cadre
    the talent's township cadre; an urgent demand mails that cadre and the office (R7).
    """
    pairing = township_pairing(talent)
    with transaction.atomic():
        demand = Demand.objects.create(
            talent=talent,
            raised_on=raised_on,
            source=source,
            kind=kind,
            urgency=urgency,
            content=content,
            measures=measures,
            responsible_unit=responsible_unit or talent.unit,
            coordinating_cadre=coordinating_cadre or (pairing.cadre if pairing else None),
            due_date=due_date or services.demand_due_date(urgency=urgency, raised_on=raised_on),
            created_by=by,
        )
        if demand.urgency == Demand.Urgency.URGENT and pairing is not None:
            transaction.on_commit(lambda: services.urgent_notify(pairing=pairing, demands=[demand]))
    return demand


DEMAND_EDITABLE = ("measures", "responsible_unit", "coordinating_cadre", "due_date")


@transaction.atomic
def demand_update(*, demand: Demand, by, **values) -> list[str]:
    """Change what the ledger says about the handling; the change is written into the progress log.

    An empty due date means the default for the demand's urgency. Returns the names of the changed fields.
    """
    unknown = set(values) - set(DEMAND_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "due_date" in values and values["due_date"] is None:
        values["due_date"] = services.demand_due_date(urgency=demand.urgency, raised_on=demand.raised_on)
    changed = [name for name, value in values.items() if getattr(demand, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(demand, name, values[name])
    demand.save(update_fields=changed)
    labels = "、".join(str(Demand._meta.get_field(name).verbose_name) for name in changed)
    DemandProgress.objects.create(
        demand=demand,
        date=timezone.localdate(),
        note=_("Ledger entry changed: %(fields)s.") % {"fields": labels},
        created_by=by,
    )
    return changed


# --- Contact register (联系记录登记簿) --------------------------------------------------------------

REGISTER_ROWS = 50


class RegisterRow(NamedTuple):
    """One line of the register as the page shows it (plain values: no model objects for 50 rows × 4 tables)."""

    pk: int
    date: datetime.date
    cadre_name: str
    talent_id: int
    talent_name: str
    method_label: str
    direction: str
    direction_label: str
    content_label: str  # 宣传引导、咨询、服务: the kinds of content ticked
    summary: str
    urgent: bool
    pending: bool  # urgent and not yet marked handled


@dataclass
class RegisterPage:
    """One page of the register, newest first; ``older`` is the cursor of the next page or ""."""

    rows: list[RegisterRow]
    older: str


def register_cursor(row) -> str:
    return f"{row.date:%Y-%m-%d}.{row.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime.date, int] | None:
    day, _sep, pk = cursor.partition(".")
    try:
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def contact_register(
    user, *, year: int | None = None, method: str = "", urgent: bool = False, before: str = ""
) -> RegisterPage:
    """The contacts the user reads, newest first, a page at a time: one query whatever the size.

    Keyset pages (the date and id of the last row shown) instead of page numbers: no COUNT(*) over
    the contacts and no OFFSET that reads every skipped row; a year is a date range on the index."""
    qs = access.contacts_for(user)
    first, last = (datetime.date(year, 1, 1), datetime.date(year, 12, 31)) if year else (None, None)
    if method:
        qs = qs.filter(method=method)
    if urgent:
        qs = qs.filter(urgent=True)
    cursor = _parse_cursor(before) if before else None
    if cursor:
        day, pk = cursor
        # The same rows as "date < day or (date = day and id < pk)", but with "date <= day" as the
        # upper end of the (date, id) index range to start from: with an OR only, the database reads
        # every newer row to skip it — an OFFSET in disguise (0.2-0.6 s a page deep in the stress data).
        qs = qs.filter(Q(date__lt=day) | Q(pk__lt=pk))
        last = min(last, day) if last else day
    # One lower and one upper bound: SQLite takes only one of two upper bounds into the index range.
    if first:
        qs = qs.filter(date__gte=first)
    if last:
        qs = qs.filter(date__lte=last)
    # The columns the page shows, as tuples: not the five situation notes nor the talents' long texts.
    columns = ("pk", "date", "pairing__cadre__name", "pairing__talent_id", "pairing__talent__name", "method")
    columns += ("direction", *Contact.CONTENT_FLAGS, "summary", "urgent", "handled_at")
    found = list(qs.order_by("-date", "-id").values_list(*columns)[: REGISTER_ROWS + 1])
    # Labels once per page: get_FOO_display and verbose_name translate every label on each call.
    methods, directions = dict(Contact.Method.choices), dict(Contact.Direction.choices)
    flags = Contact.content_type_labels()
    rows = [
        RegisterRow(
            pk=pk,
            date=day,
            cadre_name=cadre,
            talent_id=talent_id,
            talent_name=talent,
            method_label=methods.get(method, method),
            direction=direction,
            direction_label=directions.get(direction, direction),
            content_label=Contact.content_types_text(flags, ticks),
            summary=summary,
            urgent=is_urgent,
            pending=is_urgent and handled_at is None,
        )
        for pk, day, cadre, talent_id, talent, method, direction, *ticks, summary, is_urgent, handled_at in found
    ]
    older = register_cursor(rows[REGISTER_ROWS - 1]) if len(rows) > REGISTER_ROWS else ""
    return RegisterPage(rows=rows[:REGISTER_ROWS], older=older)


# --- Suggestions (R3) ----------------------------------------------------------------------------


def suggestion_list(user, *, status: str = "", category: str = "", year: int | None = None) -> QuerySet:
    qs = access.suggestions_for(user).select_related("talent", "contact__pairing__cadre")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if year:
        qs = qs.filter(created_at__year=year)
    return qs.order_by("-created_at", "-id")


@transaction.atomic
def suggestion_forward(*, suggestion: Suggestion, forwarded_to: str) -> None:
    suggestion.forwarded_to, suggestion.status = forwarded_to, Suggestion.Status.FORWARDED
    suggestion.save(update_fields=["forwarded_to", "status"])


@transaction.atomic
def suggestion_answer(*, suggestion: Suggestion, status: str, answer: str) -> None:
    """Adopted or not adopted, with the answer given to the talent."""
    if status not in (Suggestion.Status.ADOPTED, Suggestion.Status.NOT_ADOPTED):
        raise ValueError(status)
    suggestion.status, suggestion.answer = status, answer
    suggestion.save(update_fields=["status", "answer"])


# --- Major-event reports (R17) -------------------------------------------------------------------


def event_reporting_unit(user, talent: Talent) -> Unit | None:
    """Who the report comes from: the liaison's unit or the secretary's village (the office: the talent's)."""
    roles = access.roles_of(user)
    if access.LIAISON in roles and talent.unit_id and talent.unit.liaison_id == user.pk:
        return talent.unit
    if access.VILLAGE_SECRETARY in roles and talent.village_id and talent.village.secretary_id == user.pk:
        return talent.village
    if access.is_office(user):
        return talent.unit or talent.village
    return None


def event_list(user, *, unacknowledged: bool = False, kind: str = "", year: int | None = None) -> QuerySet:
    qs = access.events_for(user).select_related("talent", "reporting_unit", "cadre", "acknowledged_by")
    if unacknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(date__year=year)
    return qs.order_by("-date", "-id")


def event_file(
    *,
    by,
    talent: Talent,
    reporting_unit: Unit,
    kind: str,
    date: datetime.date,
    description: str,
    reporter_name: str,
) -> MajorEvent:
    """File a report; it goes to the talent's township cadre (set here) and the office, by mail as well."""
    pairing = township_pairing(talent)
    with transaction.atomic():
        event = MajorEvent.objects.create(
            talent=talent,
            kind=kind,
            date=date,
            description=description,
            reporting_unit=reporting_unit,
            reporter_name=reporter_name,
            cadre=pairing.cadre if pairing else None,
            created_by=by,
        )
        transaction.on_commit(lambda: event_notify(event=event))
    return event


def event_notify(*, event: MajorEvent) -> int:
    subject = _("[Major event] %(talent)s: %(kind)s") % {"talent": event.talent.name, "kind": event.get_kind_display()}
    lines = [
        f"{event.date:%Y-%m-%d} {event.reporting_unit.name} {event.reporter_name}",
        event.description,
        reverse("ledger:event", args=[event.pk]),
    ]
    return _notify(user_ids=[event.cadre.user_id] if event.cadre else [], subject=subject, lines=lines)


def event_acknowledge(*, event: MajorEvent, by) -> bool:
    """Acknowledge once: a second click (or a second person) changes nothing. True if this call did it.

    A locked row and ``save()`` rather than ``update()``: the audit log records who acknowledged (issue 6).
    """
    with transaction.atomic():
        locked = MajorEvent.objects.select_for_update().get(pk=event.pk)
        done = locked.acknowledged_at is None
        if done:
            locked.acknowledged_at, locked.acknowledged_by = timezone.now(), by
            if MajorEvent.talent.field.is_cached(event):  # the audit entry names the talent without a query
                locked.talent = event.talent
            locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
    event.acknowledged_at, event.acknowledged_by_id = locked.acknowledged_at, locked.acknowledged_by_id
    return done


def unacknowledged_events_for(user) -> QuerySet:
    """Reports still waiting for acknowledgement that reach this user (R17).

    The office acknowledges any and leaders read them all; a cadre gets those about the talents
    they are in charge of. Units that filed them follow them on the events list instead.
    """
    qs = MajorEvent.objects.filter(acknowledged_at__isnull=True).select_related("talent", "reporting_unit", "cadre")
    roles = access.roles_of(user)
    if roles & {access.OFFICE, access.LEADER}:
        return qs.order_by("-date", "-id")
    if access.CADRE in roles:
        return qs.filter(cadre__user=user).order_by("-date", "-id")
    return qs.none()


# --- Recommendations (R15) -----------------------------------------------------------------------


def recommendation_list(
    user, *, village: Unit | NameMatch | None = None, year: int | None = None, role: str = "", outcome: str = ""
) -> QuerySet:
    qs = access.recommendations_for(user).select_related("talent", "organization")
    if isinstance(village, NameMatch):
        qs = qs.filter(village.q("organization"))
    elif village is not None:
        qs = qs.filter(organization=village)
    if year:
        qs = qs.filter(year=year)
    if role:
        qs = qs.filter(role=role)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("organization__sort_order", "organization__name", "-year", "talent__name", "id")


@transaction.atomic
def recommendation_create(
    *, by, talent: Talent, role: str, level: str, year: int, outcome: str, note: str = ""
) -> Recommendation:
    """The talent's village Party organisation is the recommending one."""
    return Recommendation.objects.create(
        talent=talent,
        organization=talent.village,
        role=role,
        level=level,
        year=year,
        outcome=outcome,
        note=note,
        created_by=by,
    )


@transaction.atomic
def recommendation_update(*, recommendation: Recommendation, outcome: str, note: str) -> None:
    recommendation.outcome, recommendation.note = outcome, note
    recommendation.save(update_fields=["outcome", "note"])


# --- Unit feedback (R13) -------------------------------------------------------------------------


def feedback_list(user, *, status: str = "", year: int | None = None) -> QuerySet:
    qs = access.feedback_for(user).select_related("unit", "talent", "cadre")
    if status == UNHANDLED:
        qs = qs.exclude(status=Feedback.Status.HANDLED)
    elif status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(created_at__year=year)
    return qs.order_by("-created_at", "-id")


@transaction.atomic
def feedback_file(*, by, unit: Unit, content: str, talent: Talent | None = None, cadre: Cadre | None = None):
    """A unit's problem report; about a talent and naming no cadre, it goes to the talent's township cadre."""
    if cadre is None and talent is not None:
        pairing = township_pairing(talent)
        cadre = pairing.cadre if pairing else None
    return Feedback.objects.create(unit=unit, talent=talent, cadre=cadre, content=content, created_by=by)


@transaction.atomic
def feedback_answer(*, feedback: Feedback, by, handling: str, close: bool) -> None:
    """Record how the office handles it; closing marks it handled with who and when."""
    feedback.handling = handling
    if close:
        feedback.status, feedback.handled_at, feedback.handled_by = Feedback.Status.HANDLED, timezone.now(), by
    else:
        feedback.status = Feedback.Status.IN_PROGRESS
    feedback.save(update_fields=["handling", "status", "handled_at", "handled_by"])


# --- Home page to-dos ----------------------------------------------------------------------------


@dataclass
class Items:
    """The first rows of a to-do list, how many there are in all and where the whole list is."""

    rows: list
    total: int
    url: str = ""

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass
class VillageStatus:
    village: Unit
    talent_count: int
    report_status: str  # "" when the year's report is not started

    @property
    def report_label(self) -> str:
        if not self.report_status:
            return _("not started")
        return str(VillageReport.Status(self.report_status).label)


@dataclass
class Todos:
    """Per role, what the user has to look at; a role the user lacks stays ``None``."""

    year: int
    liaison: dict | None = None
    secretary: dict | None = None
    cadre: dict | None = None
    office: dict | None = None
    leader: dict | None = None

    @property
    def empty(self) -> bool:
        return not any((self.liaison, self.secretary, self.cadre, self.office, self.leader))


def _items(qs: QuerySet, url: str = "", *, keys_first: bool = False) -> Items:
    """The first rows and how many there are, in a fixed number of queries whatever the size.

    One query: the total is a window count over every matching row, taken before the LIMIT (a
    cadre's or a unit's short lists; a separate COUNT cost a query on every home page, issue 7).
    ``keys_first`` for lists over a whole table (the office's overdue demands): two queries, the
    count and the first rows' keys picked from the index in a subquery, so only those rows are read
    and joined. Sorting every matching row with its joined columns took 150 ms at stress scale.
    """
    if keys_first:
        return Items(rows=list(qs.filter(pk__in=qs.values("pk")[:TODO_ROWS])), total=qs.count(), url=url)
    rows = list(qs.annotate(matching=Window(Count("pk")))[:TODO_ROWS])
    return Items(rows=rows, total=rows[0].matching if rows else 0, url=url)


def _url(name: str, query: str = "") -> str:
    return reverse(f"ledger:{name}") + (f"?{query}" if query else "")


def _open_demands(qs: QuerySet, today: datetime.date) -> QuerySet:
    """Open demands, overdue first, then by due date."""
    return (
        # "Not closed" rather than the open statuses by name: a NOT IN keeps SQLite on the scope's own
        # index (the unit's or village's demands) instead of walking every open demand by status.
        _with_overdue(qs.exclude(status__in=Demand.CLOSED_STATUSES), today)
        .select_related("talent", "responsible_unit")
        .order_by("-is_overdue", F("due_date").asc(nulls_last=True), "raised_on", "id")
    )


def _liaison_todos(user, today: datetime.date) -> dict:
    # Subqueries, not joins: an OR across two joined tables read every demand (issue 7).
    units = Unit.objects.filter(liaison=user).values("pk")
    demands = Demand.objects.filter(
        Q(talent__in=Talent.objects.filter(unit__in=units).values("pk")) | Q(responsible_unit__in=units)
    )
    since = today - datetime.timedelta(days=90)
    events = MajorEvent.objects.filter(reporting_unit__liaison=user, date__gte=since).select_related(
        "talent", "reporting_unit", "cadre"
    )
    feedback = Feedback.objects.filter(unit__liaison=user).exclude(status=Feedback.Status.HANDLED)
    return {
        "open_demands": _items(_open_demands(demands, today), _url("demands", f"status={UNCLOSED}")),
        "recent_events": _items(events.order_by("-date", "-id"), _url("events")),
        "open_feedback": _items(
            feedback.select_related("unit", "talent").order_by("-created_at", "-id"), _url("feedback")
        ),
    }


def _secretary_todos(user, today: datetime.date) -> dict:
    report = VillageReport.objects.filter(village=OuterRef("pk"), year=today.year)
    villages = (
        Unit.objects.filter(secretary=user)
        .annotate(
            talent_count=Count("village_talents", filter=Q(village_talents__status=Talent.Status.IN_POOL)),
            report_status=Subquery(report.values("status")[:1]),
        )
        .order_by("sort_order", "name")
    )
    demands = Demand.objects.filter(talent__in=Talent.objects.filter(village__secretary=user).values("pk"))
    recommendations = (
        Recommendation.objects.filter(
            Q(organization__in=Unit.objects.filter(secretary=user).values("pk"))
            | Q(talent__in=Talent.objects.filter(village__secretary=user).values("pk"))
        )
        .filter(year=today.year)
        .select_related("talent")
        .order_by("talent__name", "id")
    )
    return {
        "villages": [VillageStatus(v, v.talent_count, v.report_status or "") for v in villages],
        "open_demands": _items(_open_demands(demands, today), _url("demands", f"status={UNCLOSED}")),
        "recommendations": _items(recommendations, _url("recommendations", f"year={today.year}")),
    }


def _cadre_todos(user) -> dict:
    feedback = Feedback.objects.filter(cadre__user=user).exclude(status=Feedback.Status.HANDLED)
    return {
        "events": _items(unacknowledged_events_for(user), _url("events", "unacknowledged=on")),
        "feedback": _items(feedback.select_related("unit", "talent").order_by("-created_at", "-id"), _url("feedback")),
    }


def _all_events(user, events: tuple[int, list] | None) -> Items:
    """Every unacknowledged event (office, leaders): the newest and their number, unless already read."""
    url = _url("events", "unacknowledged=on")
    if events is None:
        return _items(unacknowledged_events_for(user), url, keys_first=True)
    total, rows = events
    return Items(rows=rows[:TODO_ROWS], total=total, url=url)


def _office_todos(user, today: datetime.date, events: tuple[int, list] | None) -> dict:
    feedback = Feedback.objects.exclude(status=Feedback.Status.HANDLED).select_related("unit", "talent", "cadre")
    overdue = Demand.objects.filter(_overdue_q(today)).select_related("talent", "responsible_unit")
    return {
        "events": _all_events(user, events),
        "feedback": _items(
            feedback.order_by("created_at", "id"), _url("feedback", f"status={UNHANDLED}"), keys_first=True
        ),
        "overdue_demands": _items(overdue.order_by("due_date", "id"), _url("demands", "overdue=on"), keys_first=True),
    }


def _leader_todos(user, today: datetime.date, events: tuple[int, list] | None) -> dict:
    days = settings.DEMAND_ESCALATE_AFTER_DAYS  # overdue this long, a demand goes to the leaders
    cutoff = today - datetime.timedelta(days=days)
    escalated = Demand.objects.filter(_overdue_q(cutoff)).select_related("talent", "responsible_unit")
    return {
        "events": _all_events(user, events),
        "escalated_demands": _items(
            escalated.order_by("due_date", "id"), _url("demands", "overdue=on"), keys_first=True
        ),
        "escalation_days": days,
    }


def todos_for(user, today: datetime.date, *, events: tuple[int, list] | None = None) -> Todos:
    """What each of the user's roles asks of them today; a fixed number of queries per role.

    ``events``: every unacknowledged event's number and the newest of them (at least ``TODO_ROWS``, newest
    first, talent, unit and cadre joined), when the caller has read them already: the office's and the
    leaders' home page shows the dashboard, which counts them too (reports.stats.unacknowledged_events).
    """
    roles = access.roles_of(user)
    todos = Todos(year=today.year)
    if access.OFFICE in roles:
        todos.office = _office_todos(user, today, events)
    elif access.LEADER in roles:
        todos.leader = _leader_todos(user, today, events)
    if access.CADRE in roles and access.OFFICE not in roles:
        todos.cadre = _cadre_todos(user)
    if access.VILLAGE_SECRETARY in roles:
        todos.secretary = _secretary_todos(user, today)
    if access.LIAISON in roles:
        todos.liaison = _liaison_todos(user, today)
    return todos
