"""Pairings per term (R10, R12): propose, adjust, supplement, end, start the next term; board and history.

Each change is first *proposed*: checked against the same rules the database enforces, with the
message next to the field it concerns, and described (warnings, demands handed over) for the
confirmation page. Saving runs the same checks again inside one transaction, so a refused step
leaves nothing half done.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from talents.models import Talent, Unit

from .models import Cadre, Demand, DemandProgress, Level, Pairing, Term

# The reasons the office gives for ending a pairing; "term ended" is set by starting the next term.
CHANGE_REASONS = (Pairing.EndReason.POST_CHANGE, Pairing.EndReason.TALENT_ADJUSTED, Pairing.EndReason.OTHER)


def _rule(name: str) -> str:
    """The database rule's own message, so a form says exactly what the constraint means."""
    return str(next(c for c in Pairing._meta.constraints if c.name == name).violation_error_message)


def _merge(errors: dict[str, list], exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    for key, messages in exc.update_error_dict({}).items():
        errors.setdefault((rename or {}).get(key, key), []).extend(messages)


@contextmanager
def _atomic() -> Iterator[None]:
    """One transaction; a rule broken by a concurrent change becomes a message, not a server error."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ValidationError(
            _("The pairings were changed by someone else at the same moment. Reload the page and check.")
        ) from exc


@dataclass
class Proposal:
    """What a change will do, for the confirmation page; nothing is saved yet."""

    pairing: Pairing
    warnings: list[str] = field(default_factory=list)
    replaces: Pairing | None = None
    handover: list[Demand] = field(default_factory=list)  # open demands moving to the successor cadre
    staying: list[Demand] = field(default_factory=list)  # open demands staying with the previous cadre


def default_start_date(term: Term, today: datetime.date) -> datetime.date:
    """Today, moved into the term when today lies outside it."""
    return min(max(today, term.start_date), term.end_date)


def _conflicts(
    *, term: Term, cadre: Cadre, talent: Talent, exception_reason: str, ignore: Collection[int]
) -> dict[str, list]:
    """The two pairing rules of the database, checked ahead and placed on the field they concern."""
    errors: dict[str, list] = {}
    open_pairings = Pairing.objects.open().exclude(pk__in=ignore).select_related("cadre", "talent", "term")
    taken = open_pairings.filter(talent=talent, level=cadre.level).first()
    if taken:
        errors["talent"] = [f"{_rule('pairing_one_open_per_talent_and_level')}（{taken}）"]
    if not exception_reason:
        busy = open_pairings.filter(cadre=cadre, term=term, exception_reason="").first()
        if busy:
            errors["cadre"] = [f"{_rule('pairing_one_open_talent_per_cadre_term')}（{busy}）"]
    return errors


def _warnings(*, term: Term, cadre: Cadre, talent: Talent, exception_reason: str, ignore: Collection[int]) -> list:
    warnings = []
    if not cadre.active:
        warnings.append(_("%(cadre)s is marked as no longer active.") % {"cadre": cadre.name})
    others = Pairing.objects.open().filter(cadre=cadre, term=term).exclude(pk__in=ignore).count()
    if others:
        warnings.append(
            _("%(cadre)s will then contact %(n)d talents in this term (justified exception: %(reason)s).")
            % {"cadre": cadre.name, "n": others + 1, "reason": exception_reason or "—"}
        )
    if cadre.level == Level.VILLAGE and talent.village_id != cadre.village_id:
        warnings.append(
            _("%(talent)s is not from %(village)s, the village of %(cadre)s.")
            % {"talent": talent.name, "village": cadre.village, "cadre": cadre.name}
        )
    return warnings


def pairing_propose(
    *,
    term: Term,
    cadre: Cadre,
    talent: Talent,
    start_date: datetime.date,
    exception_reason: str = "",
    replaces: Pairing | None = None,
    supplement: bool = False,
) -> Proposal:
    """Check a new pairing and describe it; raises ValidationError (by field) when it breaks a rule."""
    pairing = Pairing(
        term=term,
        cadre=cadre,
        talent=talent,
        level=cadre.level,
        start_date=start_date,
        exception_reason=exception_reason,
        replaces=replaces,
    )
    ignore = [replaces.pk] if replaces else []
    errors = _conflicts(term=term, cadre=cadre, talent=talent, exception_reason=exception_reason, ignore=ignore)
    if supplement and "talent" not in errors:
        existing = Pairing.objects.open().filter(talent=talent).select_related("cadre", "talent", "term").first()
        if existing:
            errors["talent"] = [
                _("%(talent)s already has a pairing (%(pairing)s); adjust that pairing instead.")
                % {"talent": talent.name, "pairing": existing}
            ]
    try:
        pairing.clean()
    except ValidationError as exc:
        _merge(errors, exc)
    if errors:
        raise ValidationError(errors)
    warnings = _warnings(term=term, cadre=cadre, talent=talent, exception_reason=exception_reason, ignore=ignore)
    return Proposal(pairing=pairing, warnings=warnings, replaces=replaces)


def _save(pairing: Pairing, by) -> Pairing:
    pairing.created_by = by
    pairing.full_clean()
    pairing.save()
    return pairing


def pairing_create(
    *,
    term: Term,
    cadre: Cadre,
    talent: Talent,
    start_date: datetime.date,
    by,
    exception_reason: str = "",
) -> Pairing:
    """Add a pairing to the term's list (R10)."""
    with _atomic():
        proposal = pairing_propose(
            term=term, cadre=cadre, talent=talent, start_date=start_date, exception_reason=exception_reason
        )
        return _save(proposal.pairing, by)


def pairing_supplement(
    *,
    term: Term,
    cadre: Cadre,
    talent: Talent,
    start_date: datetime.date,
    by,
    exception_reason: str = "",
) -> Pairing:
    """Pair, mid-term, a talent who has no pairing at all (补充, R12)."""
    with _atomic():
        proposal = pairing_propose(
            term=term,
            cadre=cadre,
            talent=talent,
            start_date=start_date,
            exception_reason=exception_reason,
            supplement=True,
        )
        return _save(proposal.pairing, by)


def _open_demands_of(pairing: Pairing) -> QuerySet:
    return (
        Demand.objects.open()
        .filter(talent=pairing.talent_id, coordinating_cadre=pairing.cadre_id)
        .select_related("talent")  # the audit entries of a hand-over name the talent
    )


def pairing_adjust_propose(
    *,
    pairing: Pairing,
    term: Term,
    end_date: datetime.date,
    cadre: Cadre | None = None,
    talent: Talent | None = None,
    exception_reason: str = "",
) -> Proposal:
    """Describe ending ``pairing`` on ``end_date`` and opening its successor in ``term`` the same day."""
    if not pairing.is_open:
        raise ValidationError(_("This pairing has already ended."))
    cadre, talent = cadre or pairing.cadre, talent or pairing.talent
    errors: dict[str, list] = {}
    if cadre.pk == pairing.cadre_id and talent.pk == pairing.talent_id:
        errors["cadre"] = [_("Choose a successor cadre or a new talent.")]
    if end_date < pairing.start_date:
        errors["end_date"] = [_rule("pairing_ends_after_start")]
    proposal = None
    try:
        proposal = pairing_propose(
            term=term,
            cadre=cadre,
            talent=talent,
            start_date=end_date,
            exception_reason=exception_reason,
            replaces=pairing,
        )
    except ValidationError as exc:
        _merge(errors, exc, rename={"start_date": "end_date"})
    if errors:
        raise ValidationError(errors)
    demands = list(_open_demands_of(pairing).order_by("raised_on", "pk"))
    if cadre.pk != pairing.cadre_id:
        proposal.handover = demands
    else:
        proposal.staying = demands
    if cadre.level != pairing.level:
        proposal.warnings.append(
            _("The pairing moves from the %(old)s level to the %(new)s level.")
            % {"old": pairing.get_level_display(), "new": cadre.get_level_display()}
        )
    return proposal


def _close(pairing: Pairing, *, end_date: datetime.date, end_reason: str, end_note: str) -> None:
    pairing.end_date, pairing.end_reason, pairing.end_note = end_date, end_reason, end_note
    pairing.save(update_fields=["end_date", "end_reason", "end_note"])


def _hand_over(demands: list[Demand], *, old: Pairing, new: Pairing, on: datetime.date, by) -> None:
    """Open demands follow the talent to the successor cadre, with a line in each demand's progress.

    One ``save()`` per row (a cadre has a handful of open demands): the audit log keeps each change.
    """
    if not demands:
        return
    note = _("Handed over to %(cadre)s (%(title)s): the pairing was adjusted (%(reason)s).") % {
        "cadre": new.cadre.name,
        "title": new.cadre.title,
        "reason": old.get_end_reason_display(),
    }
    for demand in demands:
        demand.coordinating_cadre = new.cadre
        demand.save(update_fields=["coordinating_cadre"])
        DemandProgress.objects.create(demand=demand, date=on, note=note, created_by=by)


def pairing_adjust(
    *,
    pairing: Pairing,
    term: Term,
    by,
    end_date: datetime.date,
    end_reason: str,
    end_note: str = "",
    cadre: Cadre | None = None,
    talent: Talent | None = None,
    exception_reason: str = "",
) -> Pairing:
    """Mid-term adjustment (R12): end the pairing, open its successor, hand open demands over — all or nothing.

    The talent's 思想动态 note lives on the talent: the successor cadre reads it from now on and the
    previous one no longer does (talents.access decides by open pairing).
    """
    with _atomic():
        pairing = Pairing.objects.select_for_update().select_related("cadre", "talent", "term").get(pk=pairing.pk)
        proposal = pairing_adjust_propose(
            pairing=pairing,
            term=term,
            end_date=end_date,
            cadre=cadre,
            talent=talent,
            exception_reason=exception_reason,
        )
        _close(pairing, end_date=end_date, end_reason=end_reason, end_note=end_note)
        new = _save(proposal.pairing, by)
        _hand_over(proposal.handover, old=pairing, new=new, on=end_date, by=by)
    return new


def pairing_end(*, pairing: Pairing, end_date: datetime.date, end_reason: str, end_note: str = "") -> None:
    """End a pairing without a successor (the talent left, or a stale pairing of an old term)."""
    with _atomic():
        pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if not pairing.is_open:
            raise ValidationError(_("This pairing has already ended."))
        if end_date < pairing.start_date:
            raise ValidationError({"end_date": [_rule("pairing_ends_after_start")]})
        _close(pairing, end_date=end_date, end_reason=end_reason, end_note=end_note)


# --- Starting the next term -------------------------------------------------------------------


@dataclass
class NextTerm:
    """The next term as proposed from the current one: its dates and the pairings carried over."""

    current: Term
    name: str
    start_date: datetime.date
    end_date: datetime.date
    pairings: list[Pairing]  # open pairings of the current term, each with ``carry`` and ``hold``

    def build(self) -> Term:
        return Term(name=self.name, start_date=self.start_date, end_date=self.end_date, is_current=False)


def _two_years_from(start: datetime.date) -> datetime.date:
    try:
        return start.replace(year=start.year + 2) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 2, day=28)


def term_next_proposal(*, term: Term) -> NextTerm:
    """The term after ``term`` (two years from the day after it ends) with its open pairings as the proposal."""
    start = term.end_date + datetime.timedelta(days=1)
    name = Term.name_for(start.year)
    later = Term.objects.filter(Q(start_date__gt=term.start_date) | Q(name=name)).first()
    if later:
        raise ValidationError(_("The next term (%(name)s) already exists.") % {"name": later.name})
    pairings = list(
        term.pairings.open()
        .select_related("cadre", "cadre__village", "talent", "talent__unit")
        .order_by("level", "cadre__village__sort_order", "cadre__sort_order", "cadre__name", "start_date", "pk")
    )
    for p in pairings:
        # Not carried over by default: a cadre who left the team or a talent moved out of the database.
        p.hold = [] if p.cadre.active else [_("cadre no longer active")]
        if p.talent.status != Talent.Status.IN_POOL:
            p.hold.append(_("talent moved out of the database"))
        p.carry = not p.hold
    return NextTerm(current=term, name=name, start_date=start, end_date=_two_years_from(start), pairings=pairings)


def term_start_next(*, term: Term, by, carry: Collection[int]) -> Term:
    """Start the next term (R12): end every open pairing of ``term`` at its end date, carry the chosen ones over
    (``replaces`` keeps the chain) and make the new term the current one — all or nothing."""
    with _atomic():
        term = Term.objects.select_for_update().get(pk=term.pk)
        proposal = term_next_proposal(term=term)
        new_term = proposal.build()
        new_term.full_clean()
        new_term.save()
        # One save() per pairing, not update()/bulk_create(): the audit log keeps each ending and each
        # carried-over pairing with its fields (a township has a few hundred pairings at most).
        chosen = set(carry)
        for p in proposal.pairings:
            _close(p, end_date=term.end_date, end_reason=Pairing.EndReason.TERM_ENDED, end_note="")
        for p in proposal.pairings:
            if p.pk in chosen:
                Pairing(
                    term=new_term,
                    cadre=p.cadre,
                    talent=p.talent,
                    level=p.level,
                    start_date=new_term.start_date,
                    replaces=p,
                    exception_reason=p.exception_reason,
                    created_by=by,
                ).save()
        # One current term at a time (a unique constraint): clear the old flag before setting the new one.
        Term.objects.filter(is_current=True).update(is_current=False)
        Term.objects.filter(pk=new_term.pk).update(is_current=True)
        new_term.is_current = True
    return new_term


# --- The board --------------------------------------------------------------------------------


@dataclass
class Board:
    term: Term
    terms: list[Term]
    township: list[Cadre]  # each cadre with ``board_pairings``
    villages: list[tuple[Unit, list[Cadre]]]
    unpaired_cadres: list[Cadre]
    unpaired_talents: list[Talent]
    stale: list[Pairing]  # open pairings left in an older term
    twice: list[list[Pairing]]  # talents with two pairings in force at the same level
    several: list[Cadre]  # cadres with more than one talent
    inactive: list[Cadre]  # cadres no longer active who still have a talent
    moved_out: list[Pairing]  # pairings of talents moved out of the database

    @property
    def warning_count(self) -> int:
        lists = (self.unpaired_cadres, self.stale, self.twice, self.several, self.inactive, self.moved_out)
        return sum(len(x) for x in lists)


def _in_force(term: Term) -> QuerySet:
    """The term's pairings as its list stands: open ones, and for a past term those ended by the term's end."""
    return Pairing.objects.filter(term=term).filter(
        Q(end_date__isnull=True) | Q(end_reason=Pairing.EndReason.TERM_ENDED)
    )


def pairing_board(*, term: Term, terms: list[Term]) -> Board:
    """Everything the board shows in four queries whatever the number of cadres and talents."""
    in_force = _in_force(term)
    cadres = list(
        Cadre.objects.filter(Q(active=True) | Q(pk__in=in_force.values("cadre")))
        .select_related("village")
        .prefetch_related(
            Prefetch(
                "pairings",
                queryset=in_force.select_related("talent", "talent__unit").order_by("start_date", "pk"),
                to_attr="board_pairings",
            )
        )
        .order_by("level", "village__sort_order", "village__name", "sort_order", "name", "pk")
    )
    unpaired_talents = list(
        Talent.objects.in_pool()
        .exclude(pk__in=in_force.values("talent"))
        .select_related("unit", "village")
        .order_by("village__sort_order", "village__name", "name", "pk")
    )
    stale = list(
        Pairing.objects.open()
        .filter(term__start_date__lt=term.start_date)
        .select_related("cadre", "talent", "term")
        .order_by("term__start_date", "talent__name", "pk")
    )
    villages: dict[int, tuple[Unit, list[Cadre]]] = {}
    for c in cadres:
        if c.level == Level.VILLAGE:
            villages.setdefault(c.village_id, (c.village, []))[1].append(c)
    pairings = [p for c in cadres for p in c.board_pairings]
    counts = Counter((p.talent_id, p.level) for p in pairings)
    twice: dict[tuple, list[Pairing]] = {}
    for p in pairings:
        if counts[(p.talent_id, p.level)] > 1:
            twice.setdefault((p.talent_id, p.level), []).append(p)
    return Board(
        term=term,
        terms=terms,
        township=[c for c in cadres if c.level == Level.TOWNSHIP],
        villages=list(villages.values()),
        unpaired_cadres=[c for c in cadres if c.active and not c.board_pairings],
        unpaired_talents=unpaired_talents,
        stale=stale,
        twice=list(twice.values()),
        several=[c for c in cadres if len(c.board_pairings) > 1],
        inactive=[c for c in cadres if not c.active and c.board_pairings],
        moved_out=[p for p in pairings if p.talent.status != Talent.Status.IN_POOL],
    )


# --- History ----------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    """One dated change of a pairing: it started, or it ended (with its reason)."""

    date: datetime.date
    started: bool
    pairing: Pairing
    by: object = None  # the account that made the change, when recorded


def pairing_history(*, cadre: Cadre | None = None, talent: Talent | None = None) -> list[HistoryEntry]:
    """Every start and end of the cadre's or the talent's pairings, oldest first, in two queries.

    Who ended a pairing is known when a successor replaced it (the successor's creator); the model
    has no field for who ended a pairing on its own.
    """
    qs = Pairing.objects.filter(cadre=cadre) if cadre is not None else Pairing.objects.filter(talent=talent)
    pairings = qs.select_related(
        "term", "cadre", "talent", "created_by", "replaces__cadre", "replaces__talent"
    ).prefetch_related(
        Prefetch(
            "replaced_by",
            queryset=Pairing.objects.select_related("cadre", "talent", "created_by").order_by("pk"),
            to_attr="successors",
        )
    )
    entries = []
    for p in pairings:
        entries.append(HistoryEntry(date=p.start_date, started=True, pairing=p, by=p.created_by))
        if not p.is_open:
            by = p.successors[0].created_by if p.successors else None
            entries.append(HistoryEntry(date=p.end_date, started=False, pairing=p, by=by))
    # On a handover day the old pairing ends before its successor starts.
    entries.sort(key=lambda e: (e.date, e.started, e.pairing.pk))
    return entries
