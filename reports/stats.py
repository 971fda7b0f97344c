"""Figures for the office's dashboard (R16) and the yearly compliance table (R9): queries only, no HTML.

Every function runs a fixed number of queries whatever the amount of data: aggregates with
conditional counts, one grouped query per chart, subqueries instead of loops in Python.

Two readings of "contacted this year", on purpose:

- the dashboard and the reminders ask whether *this cadre* contacted *this talent* this year
  (any of their pairings), exactly as the cadre's own home page does, so the three never disagree;
- the compliance table (R9) judges each pairing by the contacts recorded *on that pairing* in the
  year: a pairing ended or started mid-year is judged for the part of the year it was open.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Demand, Level, MajorEvent, Pairing, Suggestion, Term
from talents.models import Unit

from .models import VillageReport
from .svg import percent

NO_REPORT = "none"
REPORT_STATES = (
    (NO_REPORT, _("not started")),
    *VillageReport.Status.choices,
)


# --- Dashboard -------------------------------------------------------------------------------


def pairings_in_force(*, term: Term, today: datetime.date) -> list[Pairing]:
    """Open township pairings of the term, each with ``contacted`` (this year) and ``last_contact`` (ever)."""
    by_cadre = Contact.objects.filter(pairing__cadre=OuterRef("cadre"), pairing__talent=OuterRef("talent"))
    rows = (
        Pairing.objects.open()
        .filter(term=term, level=Level.TOWNSHIP, start_date__lte=today)
        .select_related("cadre", "talent", "talent__unit")
        .annotate(
            contacted=Exists(by_cadre.filter(date__year=today.year)),
            last_contact=Subquery(by_cadre.order_by("-date").values("date")[:1]),
        )
        .order_by("cadre__sort_order", "cadre__name", "talent__name")
    )
    rows = list(rows)
    for p in rows:
        p.days_since = (today - p.last_contact).days if p.last_contact else None
    return rows


@dataclass(frozen=True)
class MonthCount:
    month: int
    total: int
    face: int


def contacts_by_month(*, year: int) -> list[MonthCount]:
    """Contacts of all pairings (township and village) per month of the year, face-to-face ones apart (R5).

    Grouped by day, not by a month function: the year's date range is read in order from the
    (date, method) index alone, and SQLite calls no date function per row; at most 366 rows come
    back and are summed per month here."""
    rows = (
        Contact.objects.filter(date__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
        .order_by()
        .values("date")
        .annotate(total=Count("pk"), face=Count("pk", filter=Q(method=Contact.Method.FACE_TO_FACE)))
    )
    total, face = [0] * 13, [0] * 13
    for row in rows:
        total[row["date"].month] += row["total"]
        face[row["date"].month] += row["face"]
    return [MonthCount(m, total[m], face[m]) for m in range(1, 13)]


def suggestion_counts(*, year: int) -> dict[str, int]:
    """Suggestions heard in the year (the contact's date, else the day recorded) by outcome (R3)."""
    S = Suggestion.Status
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    # The year's contacts through the date index, then their suggestions through the contact index;
    # not a join with a condition on each side of an OR, which reads every suggestion.
    heard = Contact.objects.filter(date__range=(first, last)).values("pk")
    in_year = Q(contact__in=heard) | Q(contact__isnull=True, created_at__year=year)
    return Suggestion.objects.filter(in_year).aggregate(
        collected=Count("pk"),
        adopted=Count("pk", filter=Q(status=S.ADOPTED)),
        not_adopted=Count("pk", filter=Q(status=S.NOT_ADOPTED)),
        waiting=Count("pk", filter=Q(status__in=[S.COLLECTED, S.FORWARDED])),
    )


@dataclass(frozen=True)
class DemandCounts:
    by_status: list[tuple[str, str, int]]  # (code, label, demands raised this year)
    raised: int
    open: int
    carried_over: int  # still open, raised in an earlier year
    overdue: int
    urgent_open: int


OPEN_STATUSES = [s for s in Demand.Status.values if s not in Demand.CLOSED_STATUSES]


def demand_counts(*, year: int, today: datetime.date) -> DemandCounts:
    this_year = Q(raised_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
    is_open = Q(status__in=OPEN_STATUSES)
    urgent_open = Q(urgency=Demand.Urgency.URGENT, handled_at__isnull=True)
    # Only the rows some count needs, each found through an index: the year's, the open ones and
    # the urgent ones waiting; closed demands of earlier years (most of the ledger) are not read.
    row = Demand.objects.filter(this_year | is_open | urgent_open).aggregate(
        raised=Count("pk", filter=this_year),
        open=Count("pk", filter=is_open),
        carried_over=Count("pk", filter=is_open & Q(raised_on__lt=datetime.date(year, 1, 1))),
        overdue=Count("pk", filter=is_open & Q(due_date__lt=today)),
        urgent_open=Count("pk", filter=urgent_open),
        **{f"status_{code}": Count("pk", filter=this_year & Q(status=code)) for code in Demand.Status.values},
    )
    by_status = [(code, label, row.pop(f"status_{code}")) for code, label in Demand.Status.choices]
    return DemandCounts(by_status=by_status, **row)


def unacknowledged_events(*, limit: int = 10) -> tuple[int, list[MajorEvent]]:
    """Major-event reports nobody has acknowledged yet (R17): how many, and the latest few."""
    qs = MajorEvent.objects.filter(acknowledged_at__isnull=True)
    latest = qs.select_related("talent", "cadre", "reporting_unit").order_by("-date", "-id")[:limit]
    return qs.count(), list(latest)


def village_reports(*, year: int) -> list[Unit]:
    """Every active village (community) with ``report_status`` for the year: a VillageReport status or "none"."""
    status = VillageReport.objects.filter(village=OuterRef("pk"), year=year).values("status")[:1]
    villages = list(Unit.objects.villages().filter(active=True).annotate(report_status=Subquery(status)))
    labels = dict(REPORT_STATES)
    for village in villages:
        village.report_status = village.report_status or NO_REPORT
        village.report_status_label = labels[village.report_status]
    return villages


# Rows of each list the dashboard shows: at county scale hundreds of pairings or villages would
# make the page slow to render and to read; the compliance table and the reports board list them all.
DASHBOARD_ROWS = 20


@dataclass
class Dashboard:
    today: datetime.date
    term: Term | None
    pairings: list[Pairing]
    months: list[MonthCount]
    suggestions: dict[str, int]
    demands: DemandCounts
    events_count: int
    events: list[MajorEvent]
    urgent_contacts: int
    villages: list[Unit]

    @property
    def year(self) -> int:
        return self.today.year

    @property
    def not_contacted(self) -> list[Pairing]:
        # Never contacted first, then the longest silence first.
        waiting = [p for p in self.pairings if not p.contacted]
        return sorted(waiting, key=lambda p: (p.days_since is not None, -(p.days_since or 0)))

    @property
    def not_contacted_shown(self) -> list[Pairing]:
        return self.not_contacted[:DASHBOARD_ROWS]

    @property
    def villages_shown(self) -> list[Unit]:
        return self.villages[:DASHBOARD_ROWS]

    @property
    def contacted_count(self) -> int:
        return sum(1 for p in self.pairings if p.contacted)

    @property
    def contacted_percent(self) -> int | None:
        return percent(self.contacted_count, len(self.pairings))

    @property
    def contacts_total(self) -> int:
        return sum(m.total for m in self.months)

    @property
    def face_total(self) -> int:
        return sum(m.face for m in self.months)

    @property
    def face_percent(self) -> int | None:
        return percent(self.face_total, self.contacts_total)

    @property
    def urgent_total(self) -> int:
        return self.urgent_contacts + self.demands.urgent_open

    @property
    def report_counts(self) -> list[tuple[str, str, int]]:
        return [
            (code, label, sum(1 for v in self.villages if v.report_status == code)) for code, label in REPORT_STATES
        ]


def dashboard(*, today: datetime.date) -> Dashboard:
    """The state of the work at a glance (R16) for ``today``'s year and the current term: nine queries."""
    term = Term.objects.current()
    events_count, events = unacknowledged_events()
    return Dashboard(
        today=today,
        term=term,
        pairings=pairings_in_force(term=term, today=today) if term else [],
        months=contacts_by_month(year=today.year),
        suggestions=suggestion_counts(year=today.year),
        demands=demand_counts(year=today.year, today=today),
        events_count=events_count,
        events=events,
        urgent_contacts=Contact.objects.urgent_open().count(),
        villages=village_reports(year=today.year),
    )


# --- Compliance (R9) -------------------------------------------------------------------------


MET, PENDING, NOT_MET = "met", "pending", "not_met"
STATE_LABELS = {MET: _("met"), PENDING: _("not yet"), NOT_MET: _("not met")}
_STATE_ORDER = {NOT_MET: 0, PENDING: 1, MET: 2, None: 3}


@dataclass(frozen=True)
class YearCell:
    """One pairing in one year. ``state`` is None when the pairing does not count for that year."""

    year: int
    state: str | None
    contacts: int = 0
    last: datetime.date | None = None

    @property
    def label(self):
        return STATE_LABELS.get(self.state, "—")


@dataclass
class ComplianceRow:
    pairing: Pairing
    cells: list[YearCell]

    @property
    def state(self) -> str | None:
        """The worst state over the years counted: one missed year makes the row "not met"."""
        states = [c.state for c in self.cells if c.state]
        return min(states, key=_STATE_ORDER.__getitem__) if states else None

    @property
    def label(self):
        return STATE_LABELS.get(self.state, "—")


@dataclass(frozen=True)
class YearTotals:
    year: int
    counted: int
    met: int
    pending: int
    not_met: int

    @property
    def met_percent(self) -> int | None:
        return percent(self.met, self.counted)


@dataclass
class ComplianceSection:
    level: str
    label: str
    rows: list[ComplianceRow]
    totals: list[YearTotals]


@dataclass
class Compliance:
    years: list[int]
    term: Term | None
    sections: list[ComplianceSection]
    totals: list[YearTotals]


def _counts_for(pairing: Pairing, year: int, today: datetime.date) -> bool:
    """A pairing counts for a year that has begun if it was open on any day of it."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    started = pairing.start_date <= min(last, today)
    return year <= today.year and started and (pairing.end_date is None or pairing.end_date >= first)


def _cell(pairing: Pairing, year: int, today: datetime.date) -> YearCell:
    if not _counts_for(pairing, year, today):
        return YearCell(year, None)
    contacts, last = getattr(pairing, f"contacts_{year}"), getattr(pairing, f"last_{year}")
    if contacts:
        state = MET
    elif year < today.year or (pairing.end_date is not None and pairing.end_date < today):
        state = NOT_MET  # the year is over, or the pairing ended without a contact
    else:
        state = PENDING
    return YearCell(year, state, contacts, last)


def _totals(rows: Sequence[ComplianceRow], years: Sequence[int]) -> list[YearTotals]:
    totals = []
    for i, year in enumerate(years):
        states = [row.cells[i].state for row in rows if row.cells[i].state]
        totals.append(YearTotals(year, len(states), states.count(MET), states.count(PENDING), states.count(NOT_MET)))
    return totals


def compliance(*, years: Sequence[int], term: Term | None = None, today: datetime.date) -> Compliance:
    """Who met the at-least-once-a-year rule (R9), per pairing and year, not met first: one query."""
    years = sorted(years)
    first, last = datetime.date(years[0], 1, 1), datetime.date(years[-1], 12, 31)
    qs = Pairing.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=first), start_date__lte=last)
    if term is not None:
        qs = qs.filter(term=term)
    counts = {}
    for year in years:
        in_year = Q(contacts__date__year=year)
        counts[f"contacts_{year}"] = Count("contacts", filter=in_year)
        counts[f"last_{year}"] = Max("contacts__date", filter=in_year)
    qs = qs.select_related("cadre", "cadre__village", "talent", "term").annotate(**counts)
    rows = [ComplianceRow(p, [_cell(p, year, today) for year in years]) for p in qs]
    rows = [row for row in rows if row.state]
    rows.sort(
        key=lambda r: (
            _STATE_ORDER[r.state],
            r.pairing.cadre.sort_order,
            r.pairing.cadre.name,
            r.pairing.talent.name,
            r.pairing.start_date,
        )
    )
    sections = []
    for level, label in Level.choices:
        level_rows = [row for row in rows if row.pairing.level == level]
        sections.append(ComplianceSection(level, label, level_rows, _totals(level_rows, years)))
    return Compliance(years=list(years), term=term, sections=sections, totals=_totals(rows, years))
