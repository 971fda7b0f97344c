"""What the December village report (R19) counts: the figures of a year's work, for one village or all at once.

``report_figures_for(villages=..., year=...)`` counts every given village in seven grouped queries,
whatever the number of villages or the amount of data; ``report_figures(village=..., year=...)`` is
the same call for one village, so a village's report and the township summary can never disagree.

The figures hold plain values (codes, names, dates and counts), never model instances: that is what
lets a submitted report store them as JSON (``VillageFigures.to_snapshot``) and render later from the
snapshot (``VillageFigures.from_snapshot``) through exactly the code that renders live figures.
Labels of choices are looked up when the report is rendered.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Count, Q, QuerySet

from contacts.models import Contact, Demand, Level, MajorEvent, Pairing, Recommendation, Suggestion
from talents.models import Talent, Unit

from .svg import percent

# Bump when the snapshot's shape changes; ``from_snapshot`` refuses versions it does not know.
SNAPSHOT_VERSION = 1


def _choices(choices, counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(code, label, count) for every choice, in the choices' order."""
    return [(code, label, counts.get(code, 0)) for code, label in choices.choices]


def choice_label(choices, code: str) -> str:
    """The label of ``code`` in the active language; the code itself if the choice is gone; "" for blank."""
    if not code:
        return ""
    return str(dict(choices.choices).get(code, code))


@dataclass
class DemandFigures:
    raised: int = 0
    resolved: int = 0
    explained: int = 0
    pending: int = 0
    carried_over: int = 0  # raised in an earlier year, still open or closed this year
    satisfied: int = 0
    fairly: int = 0
    unsatisfied: int = 0

    @property
    def asked(self) -> int:
        return self.satisfied + self.fairly + self.unsatisfied

    @property
    def satisfaction_percent(self) -> int | None:
        """Satisfied or fairly satisfied, of the talents asked after their demand was closed."""
        return percent(self.satisfied + self.fairly, self.asked)


class _Line:
    """A row of an appendix as plain values; dates travel through JSON as ISO strings."""

    DATES: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for name in self.DATES:
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]):
        data = dict(data)
        for name in cls.DATES:
            data[name] = datetime.date.fromisoformat(data[name]) if data[name] else None
        return cls(**data)


@dataclass(frozen=True)
class PairingLine(_Line):
    """A pairing in force at some time in the year, as the roster appendix prints it (no ID number, no phone)."""

    DATES = ("birth_month", "start_date", "end_date")

    level: str
    cadre: str
    cadre_title: str
    talent_id: int
    talent: str
    gender: str
    birth_month: datetime.date | None
    political_status: str
    education: str
    workplace: str  # unit and position
    category: str
    contacts_in_year: int
    start_date: datetime.date
    end_date: datetime.date | None
    end_reason: str
    end_note: str
    replaces_cadre: str  # "" unless the pairing replaced another one

    @classmethod
    def of(cls, p: Pairing) -> PairingLine:
        t = p.talent
        return cls(
            level=p.level,
            cadre=p.cadre.name,
            cadre_title=p.cadre.title,
            talent_id=t.pk,
            talent=t.name,
            gender=t.gender,
            birth_month=t.birth_month,
            political_status=t.political_status,
            education=t.education,
            workplace=" ".join(x for x in (t.unit.name if t.unit else "", t.position) if x),
            category=t.category,
            contacts_in_year=p.contacts_in_year,
            start_date=p.start_date,
            end_date=p.end_date,
            end_reason=p.end_reason,
            end_note=p.end_note,
            replaces_cadre=p.replaces.cadre.name if p.replaces_id else "",
        )


@dataclass(frozen=True)
class DemandLine(_Line):
    """A demand of the village's ledger for the year (人才诉求台账)."""

    DATES = ("raised_on", "closed_on")

    raised_on: datetime.date
    talent: str
    kind: str
    content: str
    responsible_unit: str
    coordinating_cadre: str
    measures: str
    status: str
    closed_on: datetime.date | None
    result: str
    satisfaction: str

    @classmethod
    def of(cls, d: Demand) -> DemandLine:
        return cls(
            raised_on=d.raised_on,
            talent=d.talent.name,
            kind=d.kind,
            content=d.content,
            responsible_unit=d.responsible_unit.name if d.responsible_unit else "",
            coordinating_cadre=d.coordinating_cadre.name if d.coordinating_cadre else "",
            measures=d.measures,
            status=d.status,
            closed_on=d.closed_on,
            result=d.result,
            satisfaction=d.satisfaction,
        )


class PairedTalent(NamedTuple):
    pk: int
    name: str


def _demand_figures(rows: list[DemandLine], year: int) -> DemandFigures:
    figures = DemandFigures()
    S, sat = Demand.Status, Demand.Satisfaction
    for d in rows:
        if d.raised_on.year < year:
            figures.carried_over += 1
            continue
        figures.raised += 1
        if d.status == S.RESOLVED:
            figures.resolved += 1
        elif d.status == S.EXPLAINED:
            figures.explained += 1
        else:
            figures.pending += 1
        if d.satisfaction == sat.SATISFIED:
            figures.satisfied += 1
        elif d.satisfaction == sat.FAIRLY:
            figures.fairly += 1
        elif d.satisfaction == sat.UNSATISFIED:
            figures.unsatisfied += 1
    return figures


# The counted fields a snapshot stores as they are (ints and {code: count} dicts).
_COUNTS = (
    "talent_counts",
    "talents_total",
    "rural_counts",
    "contact_counts",
    "contacts_total",
    "contacts_talent_initiated",
    "contacts_guidance",
    "contacts_consultation",
    "contacts_service",
    "suggestions_collected",
    "suggestions_adopted",
    "suggestions_not_adopted",
    "suggestions_waiting",
    "recommendation_counts",
    "recommendations_elected",
    "event_counts",
)


@dataclass
class VillageFigures:
    village: Unit
    year: int
    talent_counts: dict[str, int]  # talents in the database, by category
    talents_total: int
    rural_counts: dict[str, int]  # rural talents by type
    pairings: list[PairingLine]  # in force at some time in the year
    contact_counts: dict[str, int]  # the year's contacts by method
    contacts_total: int
    contacts_talent_initiated: int
    contacts_guidance: int
    contacts_consultation: int
    contacts_service: int
    suggestions_collected: int
    suggestions_adopted: int
    suggestions_not_adopted: int
    suggestions_waiting: int
    demand_rows: list[DemandLine]
    recommendation_counts: dict[str, int]  # by role
    recommendations_elected: int
    event_counts: dict[str, int]  # major events by kind
    frozen_at: datetime.datetime | None = None  # set when read from a submitted report's snapshot
    demands: DemandFigures = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.demands = _demand_figures(self.demand_rows, self.year)

    # --- the snapshot ---------------------------------------------------------------------------

    def to_snapshot(self) -> dict[str, Any]:
        """JSON for ``VillageReport.figures``: every count and every appendix row, no model instance."""
        return {
            "version": SNAPSHOT_VERSION,
            "year": self.year,
            **{name: getattr(self, name) for name in _COUNTS},
            "pairings": [p.to_json() for p in self.pairings],
            "demand_rows": [d.to_json() for d in self.demand_rows],
        }

    @classmethod
    def from_snapshot(
        cls, data: dict[str, Any], *, village: Unit, frozen_at: datetime.datetime | None = None
    ) -> VillageFigures:
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unknown village report snapshot version {data.get('version')!r}")
        return cls(
            village=village,
            year=data["year"],
            **{name: data[name] for name in _COUNTS},
            pairings=[PairingLine.from_json(p) for p in data["pairings"]],
            demand_rows=[DemandLine.from_json(d) for d in data["demand_rows"]],
            frozen_at=frozen_at,
        )

    # --- derived figures ------------------------------------------------------------------------

    @property
    def talents_by_category(self) -> list[tuple[str, str, int]]:
        return _choices(Talent.Category, self.talent_counts)

    @property
    def rural_by_type(self) -> list[tuple[str, str, int]]:
        return _choices(Talent.RuralType, self.rural_counts)

    @property
    def contacts_by_method(self) -> list[tuple[str, str, int]]:
        return _choices(Contact.Method, self.contact_counts)

    @property
    def events_by_kind(self) -> list[tuple[str, str, int]]:
        return _choices(MajorEvent.Kind, self.event_counts)

    @property
    def recommendations_by_role(self) -> list[tuple[str, str, int]]:
        return _choices(Recommendation.Role, self.recommendation_counts)

    @property
    def recommendations_total(self) -> int:
        return sum(self.recommendation_counts.values())

    @property
    def township_pairings(self) -> int:
        return sum(1 for p in self.pairings if p.level == Level.TOWNSHIP)

    @property
    def village_pairings(self) -> int:
        return sum(1 for p in self.pairings if p.level == Level.VILLAGE)

    @property
    def paired_talents(self) -> list[PairedTalent]:
        seen = {p.talent_id: PairedTalent(p.talent_id, p.talent) for p in self.pairings}
        return sorted(seen.values(), key=lambda t: t.name)

    @property
    def contacted_talent_ids(self) -> set[int]:
        return {p.talent_id for p in self.pairings if p.contacts_in_year}

    @property
    def not_contacted(self) -> list[PairedTalent]:
        contacted = self.contacted_talent_ids
        return [t for t in self.paired_talents if t.pk not in contacted]

    @property
    def coverage_percent(self) -> int | None:
        paired = self.paired_talents
        return percent(len(paired) - len(self.not_contacted), len(paired))

    @property
    def face_count(self) -> int:
        return self.contact_counts.get(Contact.Method.FACE_TO_FACE, 0)

    @property
    def face_percent(self) -> int | None:
        return percent(self.face_count, self.contacts_total)

    @property
    def events_total(self) -> int:
        return sum(self.event_counts.values())


# --- The seven grouped queries -------------------------------------------------------------------


def _grouped(qs: QuerySet, key: str, **aggregates) -> dict[int, dict]:
    """One GROUP BY ``key`` query: {key value: {aggregate name: value}}."""
    return {row.pop(key): row for row in qs.order_by().values(key).annotate(**aggregates)}


def _zeros(aggregates: dict) -> dict[str, int]:
    return dict.fromkeys(aggregates, 0)


def _talent_counts(ids: list[int]) -> dict[int, dict]:
    """Query 1: talents in the database living in each village, by category and rural type."""
    aggregates = {
        "total": Count("pk"),
        **{f"c_{code}": Count("pk", filter=Q(category=code)) for code in Talent.Category.values},
        **{f"r_{code}": Count("pk", filter=Q(rural_type=code)) for code in Talent.RuralType.values},
    }
    found = _grouped(Talent.objects.in_pool().filter(village__in=ids), "village", **aggregates)
    return {pk: found.get(pk, _zeros(aggregates)) for pk in ids}


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _pairings(ids: list[int], year: int) -> dict[int, list[PairingLine]]:
    """Query 2: township and village pairings open on any day of the year, of the villages' talents or,
    at the village level, of their own committee members (a pairing may count for two villages)."""
    first, last = _year_bounds(year)
    qs = (
        Pairing.objects.filter(Q(talent__village__in=ids) | Q(level=Level.VILLAGE, cadre__village__in=ids))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first), start_date__lte=last)
        .select_related("cadre", "talent", "talent__unit", "replaces__cadre")
        .annotate(contacts_in_year=Count("contacts", filter=Q(contacts__date__year=year)))
        .order_by("level", "cadre__sort_order", "cadre__name", "talent__name", "start_date")
    )
    wanted, by_village = set(ids), defaultdict(list)
    for p in qs:
        owners = {p.talent.village_id} | ({p.cadre.village_id} if p.level == Level.VILLAGE else set())
        line = PairingLine.of(p)
        for pk in owners & wanted:
            by_village[pk].append(line)
    return by_village


def _contact_counts(ids: list[int], year: int) -> dict[int, dict]:
    """Query 3: the year's contacts with each village's talents, by method, direction and content."""
    aggregates = {
        "total": Count("pk"),
        "talent": Count("pk", filter=Q(direction=Contact.Direction.TALENT)),
        "guidance": Count("pk", filter=Q(is_guidance=True)),
        "consultation": Count("pk", filter=Q(is_consultation=True)),
        "service": Count("pk", filter=Q(is_service=True)),
        **{f"m_{code}": Count("pk", filter=Q(method=code)) for code in Contact.Method.values},
    }
    qs = Contact.objects.filter(pairing__talent__village__in=ids, date__year=year)
    found = _grouped(qs, "pairing__talent__village", **aggregates)
    return {pk: found.get(pk, _zeros(aggregates)) for pk in ids}


def _suggestion_counts(ids: list[int], year: int) -> dict[int, dict]:
    """Query 4: suggestions heard in the year (the contact's date, else the day recorded), as the dashboard counts."""
    S = Suggestion.Status
    aggregates = {
        "collected": Count("pk"),
        "adopted": Count("pk", filter=Q(status=S.ADOPTED)),
        "not_adopted": Count("pk", filter=Q(status=S.NOT_ADOPTED)),
        "waiting": Count("pk", filter=Q(status__in=[S.COLLECTED, S.FORWARDED])),
    }
    in_year = Q(contact__date__year=year) | Q(contact__isnull=True, created_at__year=year)
    found = _grouped(Suggestion.objects.filter(in_year, talent__village__in=ids), "talent__village", **aggregates)
    return {pk: found.get(pk, _zeros(aggregates)) for pk in ids}


def _demands(ids: list[int], year: int) -> dict[int, list[DemandLine]]:
    """Query 5: each village's demand ledger for the year: raised in it, or carried over and open or closed in it."""
    first, _last = _year_bounds(year)
    carried = Q(raised_on__lt=first) & (~Q(status__in=Demand.CLOSED_STATUSES) | Q(closed_on__year=year))
    qs = (
        Demand.objects.filter(Q(raised_on__year=year) | carried, talent__village__in=ids)
        .select_related("talent", "responsible_unit", "coordinating_cadre")
        .order_by("raised_on", "id")
    )
    by_village = defaultdict(list)
    for d in qs:
        by_village[d.talent.village_id].append(DemandLine.of(d))
    return by_village


def _recommendations(ids: list[int], year: int) -> dict[int, tuple[Counter, int]]:
    """Query 6: the year's recommendations as deputies or members by each village or of its talents (R15):
    ({role: count}, elected)."""
    qs = Recommendation.objects.filter(Q(organization__in=ids) | Q(talent__village__in=ids), year=year)
    wanted = set(ids)
    roles: dict[int, Counter] = defaultdict(Counter)
    elected: Counter = Counter()
    for organization, talent_village, role, outcome in qs.order_by().values_list(
        "organization_id", "talent__village_id", "role", "outcome"
    ):
        for pk in {organization, talent_village} & wanted:
            roles[pk][role] += 1
            elected[pk] += outcome == Recommendation.Outcome.ELECTED
    return {pk: (roles[pk], elected[pk]) for pk in ids}


def _event_counts(ids: list[int], year: int) -> dict[int, dict[str, int]]:
    """Query 7: major events reported about each village's talents in the year, by kind (R17)."""
    rows = (
        MajorEvent.objects.filter(talent__village__in=ids, date__year=year)
        .order_by()
        .values_list("talent__village", "kind")
        .annotate(n=Count("pk"))
    )
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for village, kind, n in rows:
        found[village][kind] = n
    return found


def report_figures_for(*, villages: Iterable[Unit], year: int) -> dict[int, VillageFigures]:
    """Everything the report counts, live, for each village (by primary key): seven queries in all."""
    units = {v.pk: v for v in villages}
    if not units:
        return {}
    ids = list(units)
    talents, pairings = _talent_counts(ids), _pairings(ids, year)
    contacts, suggestions = _contact_counts(ids, year), _suggestion_counts(ids, year)
    demands, recommendations, events = _demands(ids, year), _recommendations(ids, year), _event_counts(ids, year)
    figures = {}
    for pk, village in units.items():
        t, c, s = talents[pk], contacts[pk], suggestions[pk]
        roles, elected = recommendations[pk]
        figures[pk] = VillageFigures(
            village=village,
            year=year,
            talent_counts={code: t[f"c_{code}"] for code in Talent.Category.values},
            talents_total=t["total"],
            rural_counts={code: t[f"r_{code}"] for code in Talent.RuralType.values},
            pairings=pairings.get(pk, []),
            contact_counts={code: c[f"m_{code}"] for code in Contact.Method.values},
            contacts_total=c["total"],
            contacts_talent_initiated=c["talent"],
            contacts_guidance=c["guidance"],
            contacts_consultation=c["consultation"],
            contacts_service=c["service"],
            suggestions_collected=s["collected"],
            suggestions_adopted=s["adopted"],
            suggestions_not_adopted=s["not_adopted"],
            suggestions_waiting=s["waiting"],
            demand_rows=demands.get(pk, []),
            recommendation_counts=dict(roles),
            recommendations_elected=elected,
            event_counts=dict(events.get(pk, {})),
        )
    return figures


def report_figures(*, village: Unit, year: int) -> VillageFigures:
    """Everything the report counts for one village and year, live: ``report_figures_for`` for one village."""
    return report_figures_for(villages=[village], year=year)[village.pk]
