"""The December village report (R19): figures drafted from the year's data, the narrative, and its workflow.

One source feeds every output: ``report_figures`` (``reports/village_figures.py``) counts the
year's work of one village, or of every village at once, in seven grouped queries whatever the
amount of data; ``report_document`` turns the figures and the report's narrative into sections and
appendix tables, and the web page, the PDF, the Word file and the Excel figures all read that
document, so they never disagree.

Workflow: the village secretary saves drafts and submits; a submitted report is locked and keeps
the figures counted at submission (a snapshot: later changes to the data do not change what the
office received); the office returns it with a reason (the snapshot is dropped, the secretary edits
and submits again) or marks it received. A submission after 31 December of the report's year is
accepted and marked late.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from contacts.models import Demand, Level, Pairing
from talents.models import Talent, Unit

from .models import VillageReport
from .village_figures import DemandFigures as DemandFigures  # re-exported: callers use vr.<name>
from .village_figures import PairingLine, VillageFigures, choice_label, report_figures, report_figures_for

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


def has_snapshot(report: VillageReport | None) -> bool:
    """A submitted or received report that froze its figures at submission (reports submitted before the
    snapshot existed have none and keep showing live figures)."""
    return report is not None and report.status in LOCKED_STATUSES and bool(report.figures)


def report_figures_as_shown(
    *, villages: Iterable[Unit], year: int, reports: dict[int, VillageReport | None]
) -> dict[int, VillageFigures]:
    """The figures each village's report shows: as frozen at submission while it is submitted or received,
    else counted live (seven queries for all the live ones together, none for the frozen)."""
    villages = list(villages)
    shown = {
        v.pk: VillageFigures.from_snapshot(r.figures, village=v, frozen_at=r.figures_frozen_at)
        for v in villages
        if has_snapshot(r := reports.get(v.pk))
    }
    live = report_figures_for(villages=[v for v in villages if v.pk not in shown], year=year)
    return {v.pk: shown.get(v.pk) or live[v.pk] for v in villages}


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
            "count": f.recommendations_total,
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

    @property
    def frozen_at(self) -> datetime.datetime | None:
        """When the figures shown were counted, for a submitted report; None for live figures."""
        return self.figures.frozen_at


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
        Figure(_("Recommended as deputies or members"), f.recommendations_total),
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


def _pairing_note(p: PairingLine) -> str:
    notes = []
    if p.replaces_cadre:
        notes.append(
            _("from %(month)s replacing %(cadre)s") % {"month": _month(p.start_date), "cadre": p.replaces_cadre}
        )
    if p.end_date:
        notes.append(
            _("ended %(month)s: %(reason)s")
            % {"month": _month(p.end_date), "reason": p.end_note or choice_label(Pairing.EndReason, p.end_reason)}
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
            p.cadre,
            p.cadre_title,
            choice_label(Level, p.level),
            p.talent,
            choice_label(Talent.Gender, p.gender),
            _month(p.birth_month),
            p.political_status,
            p.education,
            p.workplace,
            choice_label(Talent.Category, p.category),
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
            d.talent,
            choice_label(Demand.Kind, d.kind),
            d.content,
            d.responsible_unit,
            d.coordinating_cadre,
            d.measures,
            choice_label(Demand.Status, d.status),
            d.closed_on.isoformat() if d.closed_on else "",
            d.result,
            choice_label(Demand.Satisfaction, d.satisfaction),
        ]
        for i, d in enumerate(f.demand_rows, start=1)
    ]
    return Table(_("Appendix 2: demand ledger"), header, rows, _("No demands in the year."))


def status_label(report: VillageReport | None) -> str:
    return str(report.get_status_display()) if report else _("not started")


def report_document(
    *, village: Unit, year: int, report: VillageReport | None, figures: VillageFigures | None = None
) -> ReportDocument:
    """The report as sections and tables. Without a saved report, the pre-filled draft's text stands in.

    The figures are those frozen at submission while the report is submitted or received, else live
    (``report_figures_as_shown``); ``figures`` spares the queries when the caller counted them already.
    """
    if figures is None:
        figures = report_figures_as_shown(villages=[village], year=year, reports={village.pk: report})[village.pk]
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
    """Submit the report (with the text last typed, if given). After 31 December it is accepted and marked late.

    The figures and appendix rows are counted now and stored with the report: what the office receives
    does not change when the year's data does (seven queries more).
    """
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
        report.figures = report_figures(village=village, year=year).to_snapshot()
        report.figures_frozen_at = report.submitted_at
        report.save()
    return report


def report_return(*, report: VillageReport, by, reason: str) -> VillageReport:
    """The office sends a submitted report back with its reason; the secretary may edit and submit again.

    The frozen figures go: a returned report shows live figures, and the next submission freezes its own.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("a returned report needs its reason")
    with transaction.atomic():
        report = VillageReport.objects.select_for_update().get(pk=report.pk)
        if report.status != VillageReport.Status.SUBMITTED:
            raise WrongReportState
        report.status, report.return_reason = VillageReport.Status.RETURNED, reason
        report.figures, report.figures_frozen_at = None, None
        report.save(update_fields=["status", "return_reason", "figures", "figures_frozen_at", "updated_at"])
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


def report_figures_freeze(*, reports: Iterable[VillageReport], now: datetime.datetime | None = None) -> int:
    """Freeze the figures of submitted or received reports that have none (generated demo data, reports
    submitted before snapshots existed), counted today: seven queries per year concerned, one update.
    Returns how many reports were frozen."""
    todo = [r for r in reports if r.status in LOCKED_STATUSES and not r.figures]
    now = now or timezone.now()
    for year in {r.year for r in todo}:
        of_year = [r for r in todo if r.year == year]
        figures = report_figures_for(villages=[r.village for r in of_year], year=year)
        for r in of_year:
            r.figures, r.figures_frozen_at = figures[r.village_id].to_snapshot(), now
    VillageReport.objects.bulk_update(todo, ["figures", "figures_frozen_at"])
    return len(todo)


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
