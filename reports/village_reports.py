"""The December village report (R19): figures drafted from the year's data, the narrative, and its workflow.

One source feeds every output: ``report_figures`` counts the year's work of one village in a
fixed number of queries (seven, whatever the amount of data), ``report_document`` turns the
figures and the report's narrative into sections and appendix tables, and the web page, the
PDF, the Word file and the Excel figures all read that document, so they never disagree.

Workflow: the village secretary saves drafts and submits; a submitted report is locked; the
office returns it with a reason (the secretary edits and submits again) or marks it received.
A submission after 31 December of the report's year is accepted and marked late.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from contacts.models import Contact, Demand, Level, MajorEvent, Pairing, Recommendation, Suggestion
from talents.models import Talent, Unit

from .models import VillageReport
from .svg import percent

NARRATIVE_FIELDS = ("basic_situation", "main_practices", "results", "problems", "next_steps")
LOCKED_STATUSES = (VillageReport.Status.SUBMITTED, VillageReport.Status.RECEIVED)
NO_REPORT = "none"


class ReportLocked(Exception):
    """The report is submitted or received: nobody edits or submits it until the office returns it."""


class WrongReportState(Exception):
    """The office tried to return or receive a report that is not waiting for it."""


# --- Deadline ----------------------------------------------------------------------------------


def report_deadline(year: int) -> datetime.date:
    """Reports are due before the end of December of their year (R19)."""
    return datetime.date(year, 12, 31)


def report_is_late(report: VillageReport | None, *, year: int, today: datetime.date | None = None) -> bool:
    """A report submitted after 31 December; or, not submitted (yet, or again after a return) once it has passed."""
    deadline = report_deadline(year)
    if report is not None and report.status in LOCKED_STATUSES:
        return timezone.localdate(report.submitted_at) > deadline
    return (today or timezone.localdate()) > deadline


def is_editable(report: VillageReport | None) -> bool:
    return report is None or report.status not in LOCKED_STATUSES


# --- Figures -----------------------------------------------------------------------------------


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


@dataclass
class VillageFigures:
    village: Unit
    year: int
    talents_by_category: list[tuple[str, str, int]]  # (code, label, talents in the database)
    talents_total: int
    rural_by_type: list[tuple[str, str, int]]
    pairings: list[Pairing]  # in force at some time in the year, each with ``contacts_in_year``
    contacts_by_method: list[tuple[str, str, int]]
    contacts_total: int
    contacts_talent_initiated: int
    contacts_guidance: int
    contacts_consultation: int
    contacts_service: int
    suggestions_collected: int
    suggestions_adopted: int
    suggestions_not_adopted: int
    suggestions_waiting: int
    demands: DemandFigures
    demand_rows: list[Demand]
    recommendations: list[Recommendation]
    events_by_kind: list[tuple[str, str, int]]

    @property
    def township_pairings(self) -> int:
        return sum(1 for p in self.pairings if p.level == Level.TOWNSHIP)

    @property
    def village_pairings(self) -> int:
        return sum(1 for p in self.pairings if p.level == Level.VILLAGE)

    @property
    def paired_talents(self) -> list[Talent]:
        seen: dict[int, Talent] = {}
        for p in self.pairings:
            seen.setdefault(p.talent_id, p.talent)
        return sorted(seen.values(), key=lambda t: t.name)

    @property
    def contacted_talent_ids(self) -> set[int]:
        return {p.talent_id for p in self.pairings if p.contacts_in_year}

    @property
    def not_contacted(self) -> list[Talent]:
        contacted = self.contacted_talent_ids
        return [t for t in self.paired_talents if t.pk not in contacted]

    @property
    def coverage_percent(self) -> int | None:
        paired = self.paired_talents
        return percent(len(paired) - len(self.not_contacted), len(paired))

    @property
    def face_count(self) -> int:
        return next((n for code, _label, n in self.contacts_by_method if code == Contact.Method.FACE_TO_FACE), 0)

    @property
    def face_percent(self) -> int | None:
        return percent(self.face_count, self.contacts_total)

    @property
    def recommendations_by_role(self) -> list[tuple[str, str, int]]:
        counts = Counter(r.role for r in self.recommendations)
        return [(code, label, counts[code]) for code, label in Recommendation.Role.choices]

    @property
    def recommendations_elected(self) -> int:
        return sum(1 for r in self.recommendations if r.outcome == Recommendation.Outcome.ELECTED)

    @property
    def events_total(self) -> int:
        return sum(n for _code, _label, n in self.events_by_kind)


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _talent_counts(village: Unit) -> tuple[list, int, list]:
    """Query 1: talents in the database living in the village, by category and rural type."""
    cats, types = Talent.Category, Talent.RuralType
    row = (
        Talent.objects.in_pool()
        .filter(village=village)
        .aggregate(
            total=Count("pk"),
            **{f"c_{code}": Count("pk", filter=Q(category=code)) for code in cats.values},
            **{f"r_{code}": Count("pk", filter=Q(rural_type=code)) for code in types.values},
        )
    )
    by_category = [(code, label, row[f"c_{code}"]) for code, label in cats.choices]
    by_type = [(code, label, row[f"r_{code}"]) for code, label in types.choices]
    return by_category, row["total"], by_type


def _pairings(village: Unit, year: int) -> list[Pairing]:
    """Query 2: township and village pairings of the village's talents open on any day of the year."""
    first, last = _year_bounds(year)
    qs = (
        Pairing.objects.filter(Q(talent__village=village) | Q(level=Level.VILLAGE, cadre__village=village))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first), start_date__lte=last)
        .select_related("cadre", "talent", "talent__unit", "term", "replaces__cadre")
        .annotate(contacts_in_year=Count("contacts", filter=Q(contacts__date__year=year)))
        .order_by("level", "cadre__sort_order", "cadre__name", "talent__name", "start_date")
    )
    return list(qs)


def _contact_counts(village: Unit, year: int) -> dict:
    """Query 3: the year's contacts with the village's talents, by method, direction and content."""
    return Contact.objects.filter(pairing__talent__village=village, date__year=year).aggregate(
        total=Count("pk"),
        talent=Count("pk", filter=Q(direction=Contact.Direction.TALENT)),
        guidance=Count("pk", filter=Q(is_guidance=True)),
        consultation=Count("pk", filter=Q(is_consultation=True)),
        service=Count("pk", filter=Q(is_service=True)),
        **{f"m_{code}": Count("pk", filter=Q(method=code)) for code in Contact.Method.values},
    )


def _suggestion_counts(village: Unit, year: int) -> dict:
    """Query 4: suggestions heard in the year (the contact's date, else the day recorded), as the dashboard counts."""
    S = Suggestion.Status
    in_year = Q(contact__date__year=year) | Q(contact__isnull=True, created_at__year=year)
    return Suggestion.objects.filter(in_year, talent__village=village).aggregate(
        collected=Count("pk"),
        adopted=Count("pk", filter=Q(status=S.ADOPTED)),
        not_adopted=Count("pk", filter=Q(status=S.NOT_ADOPTED)),
        waiting=Count("pk", filter=Q(status__in=[S.COLLECTED, S.FORWARDED])),
    )


def _demands(village: Unit, year: int) -> list[Demand]:
    """Query 5: the village's demand ledger for the year: raised in it, or carried over and open or closed in it."""
    first, _last = _year_bounds(year)
    carried = Q(raised_on__lt=first) & (~Q(status__in=Demand.CLOSED_STATUSES) | Q(closed_on__year=year))
    qs = (
        Demand.objects.filter(Q(raised_on__year=year) | carried, talent__village=village)
        .select_related("talent", "responsible_unit", "coordinating_cadre")
        .order_by("raised_on", "id")
    )
    return list(qs)


def _demand_figures(rows: list[Demand], year: int) -> DemandFigures:
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


def _recommendations(village: Unit, year: int) -> list[Recommendation]:
    """Query 6: the year's recommendations as deputies or members by the village or of its talents (R15)."""
    qs = (
        Recommendation.objects.filter(Q(organization=village) | Q(talent__village=village), year=year)
        .select_related("talent")
        .order_by("role", "level", "talent__name")
    )
    return list(qs)


def _event_counts(village: Unit, year: int) -> list[tuple[str, str, int]]:
    """Query 7: major events reported about the village's talents in the year, by kind (R17)."""
    rows = (
        MajorEvent.objects.filter(talent__village=village, date__year=year)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
    )
    found = {row["kind"]: row["n"] for row in rows}
    return [(code, label, found.get(code, 0)) for code, label in MajorEvent.Kind.choices]


def report_figures(*, village: Unit, year: int) -> VillageFigures:
    """Everything the report counts for one village and year, computed live: seven queries."""
    by_category, total, by_type = _talent_counts(village)
    contacts = _contact_counts(village, year)
    suggestions = _suggestion_counts(village, year)
    demand_rows = _demands(village, year)
    return VillageFigures(
        village=village,
        year=year,
        talents_by_category=by_category,
        talents_total=total,
        rural_by_type=by_type,
        pairings=_pairings(village, year),
        contacts_by_method=[(code, label, contacts[f"m_{code}"]) for code, label in Contact.Method.choices],
        contacts_total=contacts["total"],
        contacts_talent_initiated=contacts["talent"],
        contacts_guidance=contacts["guidance"],
        contacts_consultation=contacts["consultation"],
        contacts_service=contacts["service"],
        suggestions_collected=suggestions["collected"],
        suggestions_adopted=suggestions["adopted"],
        suggestions_not_adopted=suggestions["not_adopted"],
        suggestions_waiting=suggestions["waiting"],
        demands=_demand_figures(demand_rows, year),
        demand_rows=demand_rows,
        recommendations=_recommendations(village, year),
        events_by_kind=_event_counts(village, year),
    )


# --- Pre-filled narrative ------------------------------------------------------------------------


def _join(parts) -> str:
    return pgettext("list separator", ", ").join(str(p) for p in parts)


def _counted(items, *, skip_zero: bool = True) -> str:
    """ "professional and technical talent 3, rural practical talent 2" from (code, label, n) triples."""
    parts = [_("%(label)s %(count)s") % {"label": label, "count": n} for _code, label, n in items if n or not skip_zero]
    return _join(parts) or _("none")


def _pct(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


def _text_basic(f: VillageFigures) -> str:
    lines = [
        _("%(village)s has %(total)s talents in the database: %(categories)s.")
        % {"village": f.village.name, "total": f.talents_total, "categories": _counted(f.talents_by_category)},
        _(
            "In %(year)s, %(pairings)s pairings were in force: %(township)s with township leadership members "
            "and %(village_level)s with village committee members."
        )
        % {
            "year": f.year,
            "pairings": len(f.pairings),
            "township": f.township_pairings,
            "village_level": f.village_pairings,
        },
        _("Cadres contacted the village's talents %(contacts)s times (%(methods)s); face-to-face talks: %(face)s.")
        % {"contacts": f.contacts_total, "methods": _counted(f.contacts_by_method), "face": _pct(f.face_percent)},
        _("%(contacted)s of %(paired)s paired talents were contacted in the year, a coverage of %(coverage)s.")
        % {
            "contacted": len(f.paired_talents) - len(f.not_contacted),
            "paired": len(f.paired_talents),
            "coverage": _pct(f.coverage_percent),
        },
    ]
    if f.not_contacted:
        lines.append(_("Not contacted yet: %(names)s.") % {"names": _join(t.name for t in f.not_contacted)})
    return "\n".join(lines)


def _text_practices(f: VillageFigures) -> str:
    return _(
        "Cadres gave publicity and guidance at %(guidance)s contacts, asked for opinions at %(consultation)s "
        "and offered care and services at %(service)s; talents themselves took the initiative %(talent)s times."
    ) % {
        "guidance": f.contacts_guidance,
        "consultation": f.contacts_consultation,
        "service": f.contacts_service,
        "talent": f.contacts_talent_initiated,
    }


def _text_results(f: VillageFigures) -> str:
    d = f.demands
    lines = [
        _("%(collected)s suggestions were collected and %(adopted)s adopted.")
        % {"collected": f.suggestions_collected, "adopted": f.suggestions_adopted},
        _(
            "%(raised)s demands were raised: %(resolved)s solved, %(explained)s explained, %(pending)s pending; "
            "satisfaction after closing: %(satisfaction)s."
        )
        % {
            "raised": d.raised,
            "resolved": d.resolved,
            "explained": d.explained,
            "pending": d.pending,
            "satisfaction": _pct(d.satisfaction_percent),
        },
        _("%(count)s recommendations as deputies or members (%(roles)s), %(elected)s elected.")
        % {
            "count": len(f.recommendations),
            "roles": _counted(f.recommendations_by_role),
            "elected": f.recommendations_elected,
        },
        _("%(count)s major events were reported (%(kinds)s).")
        % {"count": f.events_total, "kinds": _counted(f.events_by_kind)},
    ]
    return "\n".join(lines)


def _text_problems(f: VillageFigures) -> str:
    lines = []
    if f.not_contacted:
        lines.append(_("%(count)s paired talents were not contacted in the year.") % {"count": len(f.not_contacted)})
    if f.demands.pending:
        lines.append(_("%(count)s demands are still pending.") % {"count": f.demands.pending})
    if f.demands.unsatisfied:
        lines.append(
            _("%(count)s talents were not satisfied with how their demands were handled.")
            % {"count": f.demands.unsatisfied}
        )
    return "\n".join(lines)


def prefilled_texts(figures: VillageFigures) -> dict[str, str]:
    """The narrative a new report starts with: the facts in sentences, for the secretary to rework."""
    return {
        "basic_situation": _text_basic(figures),
        "main_practices": _text_practices(figures),
        "results": _text_results(figures),
        "problems": _text_problems(figures),
        "next_steps": "",
    }


@dataclass
class Draft:
    figures: VillageFigures
    texts: dict[str, str]


def report_draft(*, village: Unit, year: int) -> Draft:
    """The figures of the year and the narrative a new report is pre-filled with (nothing is saved)."""
    figures = report_figures(village=village, year=year)
    return Draft(figures=figures, texts=prefilled_texts(figures))


# --- The document every output renders -----------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | str

    @property
    def display(self) -> str:
        return str(self.value)


@dataclass
class Section:
    key: str  # the narrative field
    heading: str
    figures: list[Figure]
    text: str

    def figure_rows(self, per_row: int = 2) -> list[list[Figure | None]]:
        """The figures side by side for print (label, value, label, value), the last row padded with None."""
        rows = [self.figures[i : i + per_row] for i in range(0, len(self.figures), per_row)]
        return [row + [None] * (per_row - len(row)) for row in rows]


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    empty: str = ""


@dataclass
class ReportDocument:
    village: Unit
    year: int
    report: VillageReport | None
    title: str
    sections: list[Section]
    appendices: list[Table]
    seal_line: str
    date_line: str
    status_label: str
    late: bool
    figures: VillageFigures = field(repr=False)

    @property
    def status(self) -> str:
        return self.report.status if self.report else NO_REPORT

    @property
    def is_final(self) -> bool:
        return self.status in LOCKED_STATUSES


def section_headings() -> dict[str, str]:
    """The skeleton of Chinese Party-work reports: figures first, then the narrative."""
    return {
        "basic_situation": _("I. Basic situation"),
        "main_practices": _("II. Main practices"),
        "results": _("III. Results"),
        "problems": _("IV. Existing problems"),
        "next_steps": _("V. Next steps"),
    }


def report_title(village: Unit, year: int) -> str:
    return _("%(village)s: %(year)s annual report on leading cadres contacting and serving excellent talents") % {
        "village": village.name,
        "year": year,
    }


def _figures_basic(f: VillageFigures) -> list[Figure]:
    rows = [Figure(_("Talents in the database"), f.talents_total)]
    rows += [Figure(label, n) for _code, label, n in f.talents_by_category]
    rows += [
        Figure(_("Pairings in force"), len(f.pairings)),
        Figure(_("with township leadership members"), f.township_pairings),
        Figure(_("with village committee members"), f.village_pairings),
        Figure(_("Contacts in the year"), f.contacts_total),
    ]
    rows += [Figure(label, n) for _code, label, n in f.contacts_by_method if n]
    rows += [
        Figure(_("Share of face-to-face contacts"), _pct(f.face_percent)),
        Figure(_("Paired talents"), len(f.paired_talents)),
        Figure(_("Paired talents contacted"), len(f.paired_talents) - len(f.not_contacted)),
        Figure(_("Coverage"), _pct(f.coverage_percent)),
        Figure(_("Not contacted"), _join(t.name for t in f.not_contacted) or "—"),
    ]
    return rows


def _figures_practices(f: VillageFigures) -> list[Figure]:
    return [
        Figure(_("Contacts with publicity and guidance"), f.contacts_guidance),
        Figure(_("Contacts asking for opinions"), f.contacts_consultation),
        Figure(_("Contacts with care and services"), f.contacts_service),
        Figure(_("Contacts the talent took the initiative for"), f.contacts_talent_initiated),
    ]


def _figures_results(f: VillageFigures) -> list[Figure]:
    d = f.demands
    rows = [
        Figure(_("Suggestions collected"), f.suggestions_collected),
        Figure(_("Suggestions adopted"), f.suggestions_adopted),
        Figure(_("Demands raised"), d.raised),
        Figure(_("Demands solved"), d.resolved),
        Figure(_("Demands explained"), d.explained),
        Figure(_("Demands pending"), d.pending),
        Figure(_("Demands carried over from earlier years"), d.carried_over),
        Figure(_("Satisfied"), d.satisfied),
        Figure(_("Fairly satisfied"), d.fairly),
        Figure(_("Not satisfied"), d.unsatisfied),
        Figure(_("Satisfaction"), _pct(d.satisfaction_percent)),
        Figure(_("Recommended as deputies or members"), len(f.recommendations)),
    ]
    rows += [Figure(label, n) for _code, label, n in f.recommendations_by_role if n]
    rows += [
        Figure(_("Elected"), f.recommendations_elected),
        Figure(_("Major events reported"), f.events_total),
    ]
    rows += [Figure(label, n) for _code, label, n in f.events_by_kind if n]
    return rows


def _figures_problems(f: VillageFigures) -> list[Figure]:
    return [
        Figure(_("Paired talents not contacted"), len(f.not_contacted)),
        Figure(_("Demands pending"), f.demands.pending),
        Figure(_("Not satisfied"), f.demands.unsatisfied),
    ]


def _month(day: datetime.date | None) -> str:
    return _("%(year)s-%(month)02d") % {"year": day.year, "month": day.month} if day else ""


def _pairing_note(p: Pairing) -> str:
    notes = []
    if p.replaces_id:
        notes.append(
            _("from %(month)s replacing %(cadre)s") % {"month": _month(p.start_date), "cadre": p.replaces.cadre.name}
        )
    if p.end_date:
        notes.append(
            _("ended %(month)s: %(reason)s")
            % {"month": _month(p.end_date), "reason": p.end_note or p.get_end_reason_display()}
        )
    return _join(notes)


def _field_label(model, name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def roster_table(f: VillageFigures) -> Table:
    """The village's part of the roster (一览表): no ID numbers, no phones."""
    header = [
        _("No."),
        _("Cadre"),
        _("Position"),
        _field_label(Pairing, "level"),
        _("Talent"),
        _field_label(Talent, "gender"),
        _field_label(Talent, "birth_month"),
        _field_label(Talent, "political_status"),
        _field_label(Talent, "education"),
        _("Work unit and position"),
        _field_label(Talent, "category"),
        _("Contacts in the year"),
        _("Notes"),
    ]
    rows = [
        [
            str(i),
            p.cadre.name,
            p.cadre.title,
            p.get_level_display(),
            p.talent.name,
            p.talent.get_gender_display(),
            _month(p.talent.birth_month),
            p.talent.political_status,
            p.talent.education,
            " ".join(x for x in (p.talent.unit.name if p.talent.unit else "", p.talent.position) if x),
            p.talent.get_category_display(),
            str(p.contacts_in_year),
            _pairing_note(p),
        ]
        for i, p in enumerate(f.pairings, start=1)
    ]
    return Table(_("Appendix 1: pairings of the village's talents"), header, rows, _("No pairings in the year."))


def demand_table(f: VillageFigures) -> Table:
    """The village's demand ledger for the year (人才诉求台账)."""
    header = [
        _("No."),
        _field_label(Demand, "raised_on"),
        _("Talent"),
        _field_label(Demand, "kind"),
        _field_label(Demand, "content"),
        _field_label(Demand, "responsible_unit"),
        _field_label(Demand, "coordinating_cadre"),
        _field_label(Demand, "measures"),
        _field_label(Demand, "status"),
        _field_label(Demand, "closed_on"),
        _field_label(Demand, "result"),
        _field_label(Demand, "satisfaction"),
    ]
    rows = [
        [
            str(i),
            d.raised_on.isoformat(),
            d.talent.name,
            d.get_kind_display(),
            d.content,
            d.responsible_unit.name if d.responsible_unit else "",
            d.coordinating_cadre.name if d.coordinating_cadre else "",
            d.measures,
            d.get_status_display(),
            d.closed_on.isoformat() if d.closed_on else "",
            d.result,
            d.get_satisfaction_display(),
        ]
        for i, d in enumerate(f.demand_rows, start=1)
    ]
    return Table(_("Appendix 2: demand ledger"), header, rows, _("No demands in the year."))


def status_label(report: VillageReport | None) -> str:
    return str(report.get_status_display()) if report else _("not started")


def report_document(
    *, village: Unit, year: int, report: VillageReport | None, figures: VillageFigures | None = None
) -> ReportDocument:
    """The report as sections and tables. Without a saved report, the pre-filled draft's text stands in."""
    figures = figures or report_figures(village=village, year=year)
    texts = {name: getattr(report, name) for name in NARRATIVE_FIELDS} if report else prefilled_texts(figures)
    builders = {
        "basic_situation": _figures_basic,
        "main_practices": _figures_practices,
        "results": _figures_results,
        "problems": _figures_problems,
        "next_steps": lambda f: [],
    }
    headings = section_headings()
    sections = [Section(key, headings[key], builders[key](figures), texts[key]) for key in NARRATIVE_FIELDS]
    organization = village.party_organization or village.name
    return ReportDocument(
        village=village,
        year=year,
        report=report,
        title=report_title(village, year),
        sections=sections,
        appendices=[roster_table(figures), demand_table(figures)],
        seal_line=_("%(organization)s (seal)") % {"organization": organization},
        date_line=_("year month day"),
        status_label=status_label(report),
        late=report_is_late(report, year=year),
        figures=figures,
    )


# --- Workflow ------------------------------------------------------------------------------------


def _locked_for_update(village: Unit, year: int) -> VillageReport | None:
    return VillageReport.objects.select_for_update().filter(village=village, year=year).first()


def _apply_texts(report: VillageReport, texts: dict[str, str]) -> None:
    for name in NARRATIVE_FIELDS:
        if name in texts:
            setattr(report, name, texts[name].strip())


def report_save(*, village: Unit, year: int, by, texts: dict[str, str]) -> VillageReport:
    """Save the narrative as a draft; the first save creates the report. A returned report stays returned."""
    with transaction.atomic():
        report = _locked_for_update(village, year)
        if report is None:
            report = VillageReport(village=village, year=year)
        elif not is_editable(report):
            raise ReportLocked
        _apply_texts(report, texts)
        report.save()
    return report


def report_submit(
    *, village: Unit, year: int, by, texts: dict[str, str] | None = None, now: datetime.datetime | None = None
) -> VillageReport:
    """Submit the report (with the text last typed, if given). After 31 December it is accepted and marked late."""
    with transaction.atomic():
        report = _locked_for_update(village, year)
        if report is None:
            report = VillageReport(village=village, year=year)
        elif not is_editable(report):
            raise ReportLocked
        if texts is not None:
            _apply_texts(report, texts)
        report.status = VillageReport.Status.SUBMITTED
        report.submitted_at, report.submitted_by = now or timezone.now(), by
        report.received_at = None
        report.save()
    return report


def report_return(*, report: VillageReport, by, reason: str) -> VillageReport:
    """The office sends a submitted report back with its reason; the secretary may edit and submit again."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a returned report needs its reason")
    with transaction.atomic():
        report = VillageReport.objects.select_for_update().get(pk=report.pk)
        if report.status != VillageReport.Status.SUBMITTED:
            raise WrongReportState
        report.status, report.return_reason = VillageReport.Status.RETURNED, reason
        report.save(update_fields=["status", "return_reason", "updated_at"])
    return report


def report_receive(*, report: VillageReport, by, now: datetime.datetime | None = None) -> VillageReport:
    """The office marks a submitted report received: the year's reporting is done for that village."""
    with transaction.atomic():
        report = VillageReport.objects.select_for_update().get(pk=report.pk)
        if report.status != VillageReport.Status.SUBMITTED:
            raise WrongReportState
        report.status, report.received_at = VillageReport.Status.RECEIVED, now or timezone.now()
        report.save(update_fields=["status", "received_at", "updated_at"])
    return report


# --- The office's board --------------------------------------------------------------------------


@dataclass
class BoardRow:
    village: Unit
    report: VillageReport | None
    late: bool

    @property
    def status(self) -> str:
        return self.report.status if self.report else NO_REPORT

    @property
    def status_label(self) -> str:
        return status_label(self.report)


def board(*, villages, year: int, today: datetime.date) -> list[BoardRow]:
    """Each village given with its report for the year, if any: two queries whatever the number of villages."""
    villages = list(villages.order_by("sort_order", "name"))
    reports = {
        r.village_id: r
        for r in VillageReport.objects.filter(year=year, village__in=[v.pk for v in villages]).select_related(
            "submitted_by"
        )
    }
    rows = []
    for village in villages:
        report = reports.get(village.pk)
        if report is not None:
            report.village = village  # already loaded: spares a query per row in templates
        rows.append(BoardRow(village, report, report_is_late(report, year=year, today=today)))
    return rows
