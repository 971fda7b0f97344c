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

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, ExtractYear, Least
from django.utils import timezone
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


def _in_force(*, term: Term, today: datetime.date):
    return Pairing.objects.open().filter(term=term, level=Level.TOWNSHIP, start_date__lte=today)


def _same_cadre_and_talent():
    """Contacts of the outer pairing's cadre with its talent, on any of their pairings (see the module docstring)."""
    return Contact.objects.filter(pairing__cadre=OuterRef("cadre"), pairing__talent=OuterRef("talent"))


def _year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def pairings_in_force(*, term: Term, today: datetime.date) -> list[Pairing]:
    """Every open township pairing of the term, each with ``contacted`` (this year) and ``last_contact`` (ever).

    Loads them all: for callers that need the whole list. The dashboard counts them and loads only the
    first rows of those waiting (``pairings_waiting``)."""
    by_cadre = _same_cadre_and_talent()
    rows = list(
        _in_force(term=term, today=today)
        .select_related("cadre", "talent", "talent__unit")
        .annotate(
            contacted=Exists(by_cadre.filter(date__range=_year(today.year))),
            last_contact=Subquery(by_cadre.order_by("-date").values("date")[:1]),
        )
        .order_by("cadre__sort_order", "cadre__name", "talent__name")
    )
    for p in rows:
        p.days_since = (today - p.last_contact).days if p.last_contact else None
    return rows


def pairings_waiting(*, term: Term, today: datetime.date, limit: int) -> tuple[int, list[Pairing]]:
    """Open township pairings whose cadre has not contacted the talent this year: how many, and the first
    ``limit`` of them, never contacted first, then the longest silence (``last_contact``, ``days_since``).

    One query: the count is a window over every waiting pairing, taken before the LIMIT; only the
    rows shown are read into Python."""
    by_cadre = _same_cadre_and_talent()
    last = by_cadre.order_by().values("pairing__talent").annotate(m=Max("date")).values("m")
    rows = list(
        _in_force(term=term, today=today)
        .filter(~Exists(by_cadre.filter(date__range=_year(today.year))))
        .select_related("cadre", "talent", "talent__unit")
        # Every waiting pairing passes through the window count: only the columns shown.
        .only("cadre__name", "cadre__title", "talent__name", "talent__unit__name")
        .annotate(last_contact=Subquery(last), waiting=Window(Count("pk")))
        .order_by(F("last_contact").asc(nulls_first=True), "cadre__sort_order", "cadre__name", "talent__name")[:limit]
    )
    for p in rows:
        p.contacted = False
        p.days_since = (today - p.last_contact).days if p.last_contact else None
    return (rows[0].waiting if rows else 0), rows


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
    """Suggestions heard in the year (the contact's date, else the day recorded) by outcome (R3).

    Two queries, not one with an OR, which reads every suggestion: those heard at the year's contacts
    (the contacts' date index, then the suggestions' contact index) and those recorded without a contact."""
    S = Suggestion.Status
    counts = {
        "collected": Count("pk"),
        "adopted": Count("pk", filter=Q(status=S.ADOPTED)),
        "not_adopted": Count("pk", filter=Q(status=S.NOT_ADOPTED)),
        "waiting": Count("pk", filter=Q(status__in=[S.COLLECTED, S.FORWARDED])),
    }
    heard = Suggestion.objects.filter(contact__date__range=_year(year)).aggregate(**counts)
    alone = Suggestion.objects.filter(contact__isnull=True, created_at__year=year).aggregate(**counts)
    return {key: heard[key] + alone[key] for key in counts}


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
    """Three queries, each reading one index range: the demands raised from the start of the year on,
    by status (the year's and any dated later), the open ones (status and due date), the urgent ones
    waiting; closed demands of earlier years (most of the ledger) are not read."""
    first, last = _year(year)
    # Conditional counts, not GROUP BY status: grouping makes SQLite walk the status index over the
    # whole ledger instead of the raised_on range.
    since = Demand.objects.filter(raised_on__gte=first).aggregate(
        **{code: Count("pk", filter=Q(status=code, raised_on__lte=last)) for code in Demand.Status.values},
        # open, raised after this year (a date typed ahead): neither this year's nor carried over
        later_open=Count("pk", filter=Q(status__in=OPEN_STATUSES, raised_on__gt=last)),
    )
    later_open = since.pop("later_open")
    open_ = Demand.objects.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
    )
    raised_open = sum(since[s] for s in OPEN_STATUSES) + later_open
    return DemandCounts(
        by_status=[(code, label, since[code]) for code, label in Demand.Status.choices],
        raised=sum(since.values()),
        open=open_["open"],
        carried_over=open_["open"] - raised_open,
        overdue=open_["overdue"],
        urgent_open=Demand.objects.urgent_open().count(),
    )


def unacknowledged_events(*, limit: int = 10) -> tuple[int, list[MajorEvent]]:
    """Major-event reports nobody has acknowledged yet (R17): how many, and the latest few.

    One query: the count is a window over every unacknowledged report, taken before the LIMIT. The office's
    and the leaders' home page lists the first of them as a to-do (``limit`` ≥ contacts.ledger.TODO_ROWS)."""
    qs = MajorEvent.objects.filter(acknowledged_at__isnull=True)
    latest = list(
        qs.select_related("talent", "cadre", "reporting_unit")
        .annotate(unacknowledged=Window(Count("pk")))
        .order_by("-date", "-id")[:limit]
    )
    return (latest[0].unacknowledged if latest else 0), latest


def _with_report_status(villages, *, year: int):
    # order_by(): the model's ordering would join the units again inside the subquery.
    status = VillageReport.objects.filter(village=OuterRef("pk"), year=year).order_by().values("status")[:1]
    return villages.annotate(report_status=Coalesce(Subquery(status), Value(NO_REPORT)))


def village_reports(*, year: int, limit: int | None = None) -> list[Unit]:
    """Active villages (communities), all or the first ``limit``, each with ``report_status`` for the year:
    a VillageReport status or "none"."""
    villages = _with_report_status(Unit.objects.villages().filter(active=True), year=year)
    villages = list(villages[:limit] if limit is not None else villages)
    labels = dict(REPORT_STATES)
    for village in villages:
        village.report_status_label = labels[village.report_status]
    return villages


def village_report_counts(*, year: int) -> dict[str, int]:
    """Active villages (communities) per report status for the year, "none" included: one grouped query."""
    this_year = FilteredRelation("reports", condition=Q(reports__year=year))
    rows = (
        Unit.objects.villages()
        .filter(active=True)
        .annotate(report=this_year)
        .values(report_status=Coalesce("report__status", Value(NO_REPORT)))
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(dict(REPORT_STATES), 0)
    for row in rows:
        counts[row["report_status"]] = row["n"]
    return counts


# Rows of each list the dashboard shows: at county scale hundreds of pairings or villages would
# make the page slow to render and to read; the compliance table and the reports board list them all.
DASHBOARD_ROWS = 20


@dataclass
class Dashboard:
    """The dashboard's figures. Lists hold only the first DASHBOARD_ROWS rows; the totals count them all."""

    today: datetime.date
    term: Term | None
    computed_at: datetime.datetime  # when the yearly figures were computed (see year_figures)
    pairings_total: int  # open township pairings of the term in force today
    not_contacted_total: int
    not_contacted: list[Pairing]  # never contacted first, then the longest silence first
    months: list[MonthCount]
    suggestions: dict[str, int]
    demands: DemandCounts
    events_count: int
    events: list[MajorEvent]
    urgent_contacts: int
    report_status_counts: dict[str, int]  # active villages per report status, "none" included
    villages: list[Unit]

    @property
    def year(self) -> int:
        return self.today.year

    @property
    def contacted_count(self) -> int:
        return self.pairings_total - self.not_contacted_total

    @property
    def contacted_percent(self) -> int | None:
        return percent(self.contacted_count, self.pairings_total)

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
    def villages_total(self) -> int:
        return sum(self.report_status_counts.values())

    @property
    def report_counts(self) -> list[tuple[str, str, int]]:
        return [(code, label, self.report_status_counts[code]) for code, label in REPORT_STATES]


# The year's figures read every contact, suggestion and demand of the year and test every pairing in
# force: tens of milliseconds at county scale, hundreds at stress scale, and the same for every office
# user. They are computed at most once a minute and shared by every user and app server through the
# cache (settings.CACHES: the database, or Redis); the page says when they were computed. The current
# term and the villages' report status come with them (they change a few times a year: a minute late is
# soon enough, and three queries fewer on every dashboard and office home page). Events and urgent
# items are read fresh on every request: they are what the office acts on next.
YEAR_FIGURES_SECONDS = 60


@dataclass(frozen=True)
class YearFigures:
    computed_at: datetime.datetime
    term: Term | None
    pairings_total: int
    not_contacted_total: int
    not_contacted: list[Pairing]
    months: list[MonthCount]
    suggestions: dict[str, int]
    demands: DemandCounts
    report_status_counts: dict[str, int]
    villages: list[Unit]


def year_figures(*, today: datetime.date) -> YearFigures:
    """The dashboard's yearly figures for ``today``, from the cache when computed in the last minute."""
    key = f"reports:dashboard:v2:{today.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        term = Term.objects.current()
        if term:
            pairings_total = _in_force(term=term, today=today).count()
            waiting_total, waiting = pairings_waiting(term=term, today=today, limit=DASHBOARD_ROWS)
        else:
            pairings_total, waiting_total, waiting = 0, 0, []
        figures = YearFigures(
            computed_at=timezone.now(),
            term=term,
            pairings_total=pairings_total,
            not_contacted_total=waiting_total,
            not_contacted=waiting,
            months=contacts_by_month(year=today.year),
            suggestions=suggestion_counts(year=today.year),
            demands=demand_counts(year=today.year, today=today),
            report_status_counts=village_report_counts(year=today.year),
            villages=village_reports(year=today.year, limit=DASHBOARD_ROWS),
        )
        cache.set(key, figures, YEAR_FIGURES_SECONDS)
    return figures


def dashboard(*, today: datetime.date) -> Dashboard:
    """The state of the work at a glance (R16) for ``today``'s year and the current term.

    A fixed number of queries whatever the size of the township, and only the rows shown are loaded
    into Python; the yearly figures come from ``year_figures`` (at most a minute old)."""
    events_count, events = unacknowledged_events()
    return Dashboard(
        today=today,
        **vars(year_figures(today=today)),
        events_count=events_count,
        events=events,
        urgent_contacts=Contact.objects.urgent_open().count(),
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
    """One level's pairings: the totals count them all, ``rows`` holds one page of them."""

    level: str
    label: str
    rows: list[ComplianceRow]
    totals: list[YearTotals]
    count: int = 0  # rows in the whole section, over every page
    page: int = 1
    per_page: int = 50

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def has_previous(self) -> bool:
        return self.page > 1

    def has_next(self) -> bool:
        return self.page < self.num_pages

    def has_other_pages(self) -> bool:
        return self.num_pages > 1


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


# Each year's state as a number, in SQL, so that the not met come first and the totals are counted
# without loading the rows: the same rules as ``_cell``. _NOT_COUNTED stands for "does not count".
_RANK = {NOT_MET: 0, PENDING: 1, MET: 2}
_NOT_COUNTED = 3
PER_PAGE = 50


def _year_rank(year: int, today: datetime.date):
    """``_cell``'s state for ``year`` as a SQL expression over a pairing (one index seek for a contact)."""
    if year > today.year:
        return Value(_NOT_COUNTED)
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    counts = Q(start_date__lte=min(last, today)) & (Q(end_date__isnull=True) | Q(end_date__gte=first))
    contacted = Exists(Contact.objects.filter(pairing=OuterRef("pk"), date__gte=first, date__lte=last))
    whens = [When(~counts, then=Value(_NOT_COUNTED)), When(contacted, then=Value(_RANK[MET]))]
    if year < today.year:
        default = _RANK[NOT_MET]  # the year is over
    else:
        whens.append(When(end_date__lt=today, then=Value(_RANK[NOT_MET])))  # ended without a contact
        default = _RANK[PENDING]
    return Case(*whens, default=Value(default), output_field=IntegerField())


def _pairings(years: Sequence[int], term: Term | None):
    """The pairings open on some day of the years (of the term): those that may count."""
    first, last = datetime.date(years[0], 1, 1), datetime.date(years[-1], 12, 31)
    qs = Pairing.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=first), start_date__lte=last)
    return qs if term is None else qs.filter(term=term)


def _ranks(years: Sequence[int], today: datetime.date) -> dict:
    return {f"rank_{year}": _year_rank(year, today) for year in years}


def _level_totals(pairings, years: Sequence[int], today: datetime.date) -> dict[str, tuple[int, list[YearTotals]]]:
    """Per level, the number of rows and each year's totals, from one query grouped by level and the
    years' ranks (a handful of groups: each rank is worked out once per pairing)."""
    ranks = _ranks(years, today)
    found: dict[str, tuple[int, list[list[int]]]] = {}
    for g in pairings.order_by().annotate(**ranks).values("level", *ranks).annotate(n=Count("pk")):
        row_ranks = [g[name] for name in ranks]
        if min(row_ranks) == _NOT_COUNTED:
            continue  # counts for none of the years: not a row
        rows, per_year = found.get(g["level"], (0, [[0] * 4 for _year in years]))
        for i, rank in enumerate(row_ranks):
            per_year[i][rank] += g["n"]
        found[g["level"]] = (rows + g["n"], per_year)
    return {
        level: (
            rows,
            [
                YearTotals(year, sum(c[:_NOT_COUNTED]), c[_RANK[MET]], c[_RANK[PENDING]], c[_RANK[NOT_MET]])
                for year, c in zip(years, per_year, strict=True)
            ],
        )
        for level, (rows, per_year) in found.items()
    }


def _sum_totals(parts: Sequence[list[YearTotals]], years: Sequence[int]) -> list[YearTotals]:
    return [
        YearTotals(
            year,
            sum(p[i].counted for p in parts),
            sum(p[i].met for p in parts),
            sum(p[i].pending for p in parts),
            sum(p[i].not_met for p in parts),
        )
        for i, year in enumerate(years)
    ]


def _with_figures(pairings: list[Pairing], years: Sequence[int]) -> None:
    """Each year's number of contacts and last date on the page's pairings: one grouped query."""
    for p in pairings:
        for year in years:
            setattr(p, f"contacts_{year}", 0)
            setattr(p, f"last_{year}", None)
    if not pairings:
        return
    by_pk = {p.pk: p for p in pairings}
    figures = (
        Contact.objects.filter(
            pairing__in=list(by_pk),
            date__gte=datetime.date(years[0], 1, 1),
            date__lte=datetime.date(years[-1], 12, 31),
        )
        .annotate(year=ExtractYear("date"))
        .values("pairing_id", "year")
        .annotate(n=Count("pk"), last=Max("date"))
        .order_by()
    )
    for f in figures:
        if f["year"] in years:
            setattr(by_pk[f["pairing_id"]], f"contacts_{f['year']}", f["n"])
            setattr(by_pk[f["pairing_id"]], f"last_{f['year']}", f["last"])


def compliance(
    *,
    years: Sequence[int],
    term: Term | None = None,
    today: datetime.date,
    pages: dict[str, int] | None = None,
    per_page: int = PER_PAGE,
) -> Compliance:
    """Who met the at-least-once-a-year rule (R9), per pairing and year, not met first.

    The totals count every pairing in SQL; each level lists one page of rows (``pages`` maps a level
    to its page number, the first by default). A fixed number of queries: the totals, one page per
    level, the page's contact figures."""
    years = sorted(years)
    pairings = _pairings(years, term)
    totals = _level_totals(pairings, years, today)
    ranks = list(_ranks(years, today).values())
    # Rows that count for none of the years sort last: the page never reaches them (sliced to ``count``).
    ranked = pairings.alias(worst_rank=Least(*ranks) if len(ranks) > 1 else ranks[0])
    empty = [YearTotals(year, 0, 0, 0, 0) for year in years]
    sections = []
    for level, label in Level.choices:
        count, level_totals = totals.get(level, (0, empty))
        section = ComplianceSection(level, label, [], level_totals, count=count, per_page=per_page)
        section.page = min(max(1, (pages or {}).get(level, 1)), section.num_pages)
        start = (section.page - 1) * per_page
        page = (
            ranked.filter(level=level)
            .select_related("cadre", "cadre__village", "talent", "term")
            .order_by("worst_rank", "cadre__sort_order", "cadre__name", "talent__name", "start_date", "pk")
        )
        section.rows = [ComplianceRow(p, []) for p in page[start : min(start + per_page, count)]]
        sections.append(section)
    _with_figures([row.pairing for s in sections for row in s.rows], years)
    for s in sections:
        for row in s.rows:
            row.cells = [_cell(row.pairing, year, today) for year in years]
    return Compliance(
        years=list(years), term=term, sections=sections, totals=_sum_totals([s.totals for s in sections], years)
    )
