"""Who may see and change what: the one place that answers it (roles plus record scopes).

Roles are Django groups (created by ``talents/migrations/0002_roles``). A person may hold
several; their scopes add up. Every view, export and admin page asks this module and
never decides access on its own.

Record scopes:

- office: everything; the only role that enters the admin.
- leader: reads everything, personal data masked, no 思想动态 (R2).
- cadre: the talents of their open pairings, the contacts of their own pairings (also ended
  ones: they wrote them), demands and events of those talents or assigned to them.
- village_secretary: the talents of their village, its village-level pairings and contacts,
  its demands, events, recommendations and the village's annual reports.
- liaison: the talents of their unit, their demands and events; no contact notes.

A suggestion heard at a contact is part of that contact's notes: it is seen by whoever sees the
contact. One recorded without a contact is seen by the cadres paired with the talent.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

OFFICE = "office"
CADRE = "cadre"
VILLAGE_SECRETARY = "village_secretary"
LIAISON = "liaison"
LEADER = "leader"
ROLES = (OFFICE, CADRE, VILLAGE_SECRETARY, LIAISON, LEADER)


def roles_of(user) -> frozenset[str]:
    """The user's roles, read once per user object."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_meijia_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(OFFICE)
        cached = user._meijia_roles = frozenset(names)
    return cached


def is_office(user) -> bool:
    return OFFICE in roles_of(user)


def sees_everything(user) -> bool:
    return bool(roles_of(user) & {OFFICE, LEADER})


def _own_open_pairings(user) -> QuerySet:
    from contacts.models import Pairing

    return Pairing.objects.filter(cadre__user=user, end_date__isnull=True)


def _paired_talents(user, prefix: str = "") -> Q:
    """Talents of the user's open pairings, on a model reaching Talent through ``prefix``.

    A subquery that starts from the cadre's own few pairings (both conditions bind to the same
    pairing): a join from the talents instead made SQLite read every talent or demand (issue 7).
    """
    return Q(**{f"{prefix}pk__in": _own_open_pairings(user).values("talent_id")})


def _own_cadre(user) -> QuerySet:
    """The user's Cadre row as a subquery, so a filter on ``cadre`` uses its index instead of a join."""
    from contacts.models import Cadre

    return Cadre.objects.filter(user=user).values("pk")


def _units(**lookup) -> QuerySet:
    """Units the user is secretary or liaison of, as a subquery (an index lookup, not a join)."""
    from talents.models import Unit

    return Unit.objects.filter(**lookup).values("pk")


def _talent_scope(user) -> Q:
    """Talents this user works with, as a Q on Talent: each part a subquery on an index."""
    roles = roles_of(user)
    q = Q(pk__in=[])
    if CADRE in roles:
        q |= _paired_talents(user)
    if VILLAGE_SECRETARY in roles:
        q |= Q(village__in=_units(secretary=user))
    if LIAISON in roles:
        q |= Q(unit__in=_units(liaison=user))
    return q


def _in_talent_scope(user, prefix: str) -> Q:
    """``talents_for(user)`` on a model reaching Talent through ``prefix``, one subquery deep."""
    from talents.models import Talent

    return Q(**{f"{prefix}in": Talent.objects.filter(_talent_scope(user)).values("pk")})


def _scoped(qs: QuerySet, user, q: Q) -> QuerySet:
    if sees_everything(user):
        return qs
    if not roles_of(user):
        return qs.none()
    # Joins across to-many relations can repeat rows; a subquery on pk keeps one row each.
    return qs.filter(pk__in=qs.model.objects.filter(q).values("pk"))


def talents_for(user) -> QuerySet:
    from talents.models import Talent

    return _scoped(Talent.objects.all(), user, _talent_scope(user))


def contacts_for(user) -> QuerySet:
    from contacts.models import Contact, Level

    roles = roles_of(user)
    q = Q(pk__in=[])
    if CADRE in roles:
        q |= Q(pairing__cadre__user=user)
    if VILLAGE_SECRETARY in roles:
        q |= Q(pairing__level=Level.VILLAGE, pairing__talent__village__secretary=user)
    return _scoped(Contact.objects.all(), user, q)


def demands_for(user) -> QuerySet:
    from contacts.models import Demand

    q = _in_talent_scope(user, "talent__")
    if CADRE in roles_of(user):
        q |= Q(coordinating_cadre__in=_own_cadre(user))
    if LIAISON in roles_of(user):
        q |= Q(responsible_unit__in=_units(liaison=user))
    return _scoped(Demand.objects.all(), user, q)


def suggestions_for(user) -> QuerySet:
    from contacts.models import Suggestion

    # Not the talent scope: a liaison or a village secretary must not read what a talent told a
    # township cadre (contacts_for keeps those contacts from them).
    q = Q(contact__in=contacts_for(user).values("pk"))
    if CADRE in roles_of(user):
        q |= Q(contact__isnull=True) & _paired_talents(user, "talent__")
    return _scoped(Suggestion.objects.all(), user, q)


def events_for(user) -> QuerySet:
    from contacts.models import MajorEvent

    q = Q(talent__in=talents_for(user).values("pk"))
    if CADRE in roles_of(user):
        q |= Q(cadre__user=user)
    if VILLAGE_SECRETARY in roles_of(user):
        q |= Q(reporting_unit__secretary=user)
    if LIAISON in roles_of(user):
        q |= Q(reporting_unit__liaison=user)
    return _scoped(MajorEvent.objects.all(), user, q)


def recommendations_for(user) -> QuerySet:
    from contacts.models import Recommendation

    # Political recommendations (R15) are the village Party organisations' work: cadres and
    # liaisons have no part in them, whatever talents they see.
    q = Q(pk__in=[])
    if VILLAGE_SECRETARY in roles_of(user):
        q |= Q(talent__village__secretary=user) | Q(organization__secretary=user)
    return _scoped(Recommendation.objects.all(), user, q)


def reports_for(user) -> QuerySet:
    from reports.models import VillageReport

    q = Q(pk__in=[])
    if VILLAGE_SECRETARY in roles_of(user):
        q |= Q(village__secretary=user)
    return _scoped(VillageReport.objects.all(), user, q)


def can_edit_talent(user, talent) -> bool:
    """The office keeps the database; a unit's liaison keeps its talents' information current (R11)."""
    if is_office(user):
        return True
    return LIAISON in roles_of(user) and talent.unit_id is not None and talent.unit.liaison_id == user.pk


def is_paired_cadre(user, talent) -> bool:
    if CADRE not in roles_of(user):
        return False
    return talent.pairings.filter(cadre__user=user, end_date__isnull=True).exists()


def can_see_thoughts(user, talent) -> bool:
    """思想动态 is for the office and the paired cadre only (R2)."""
    return is_office(user) or is_paired_cadre(user, talent)


def can_see_personal_data(user, talent) -> bool:
    """ID number, phone, address, health and family: the office, the paired cadre and the unit's liaison."""
    if is_office(user) or is_paired_cadre(user, talent):
        return True
    return LIAISON in roles_of(user) and talent.unit_id is not None and talent.unit.liaison_id == user.pk


def can_handle_demand(user, demand) -> bool:
    """Who follows a demand (R14): the office, the talent's paired cadre, the coordinating cadre, the unit's liaison."""
    if is_office(user):
        return True
    roles = roles_of(user)
    if CADRE in roles:
        if demand.coordinating_cadre_id and demand.coordinating_cadre.user_id == user.pk:
            return True
        if is_paired_cadre(user, demand.talent):
            return True
    if LIAISON in roles:
        units = [demand.talent.unit, demand.responsible_unit]
        return any(unit is not None and unit.liaison_id == user.pk for unit in units)
    return False


def demands_handled_by(user) -> QuerySet:
    """``can_handle_demand`` as a queryset, so a list can flag its rows in one query."""
    from contacts.models import Demand
    from talents.models import Talent

    if is_office(user):
        return Demand.objects.all()
    roles = roles_of(user)
    q = Q(pk__in=[])
    if CADRE in roles:
        q |= Q(coordinating_cadre__in=_own_cadre(user)) | _paired_talents(user, "talent__")
    if LIAISON in roles:
        units = _units(liaison=user)
        q |= Q(talent__in=Talent.objects.filter(unit__in=units).values("pk")) | Q(responsible_unit__in=units)
    return Demand.objects.filter(pk__in=Demand.objects.filter(q).values("pk"))


def handles_every_demand_seen(user) -> bool:
    """Whether ``user`` may handle every demand of ``demands_for(user)``, so a list needs no per-row flag.

    True for the office, and for cadres and liaisons without another role: their reading scope and
    ``demands_handled_by`` are the same (paired talents and the demands they coordinate; their units'
    talents and the demands their units answer for). Leaders and village secretaries read more than
    they handle.
    """
    roles = roles_of(user)
    return OFFICE in roles or (bool(roles) and roles <= {CADRE, LIAISON})


def can_handle_urgent_contact(user, contact) -> bool:
    """An urgent contact (R7) is closed by the office or the cadre whose pairing it belongs to."""
    return is_office(user) or (CADRE in roles_of(user) and contact.pairing.cadre.user_id == user.pk)


def can_record_contact(user, pairing) -> bool:
    return CADRE in roles_of(user) and pairing.is_open and pairing.cadre.user_id == user.pk


def can_view_photo(user, photo) -> bool:
    return contacts_for(user).filter(pk=photo.contact_id).exists()


# --- Pairings per term (issue 4, item 4: R10, R12) ---


def can_view_pairings(user) -> bool:
    """The pairing board and its history: the office keeps them, the township leadership reads them."""
    return sees_everything(user)


def can_manage_pairings(user) -> bool:
    """Only the office proposes, adjusts, supplements and ends pairings and starts a term (R10, R12)."""
    return is_office(user)


# --- Talent database pages (issue 4, item 2: talents/views.py) ---


def can_read_talent_database(user) -> bool:
    """The talent list and its export: the office keeps the database, leaders read it masked."""
    return sees_everything(user)


def can_change_talent_database(user) -> bool:
    """Adding talents and moving them out (调整出库) is the office's work alone."""
    return is_office(user)


def can_edit_talent_fully(user) -> bool:
    """The unit, the status and 思想动态 stay with the office where a liaison edits the rest (R11)."""
    return is_office(user)


def talents_with_personal_data(user) -> QuerySet:
    """``can_see_personal_data`` as a queryset, so a list or an export masks each row in its one query."""
    from talents.models import Talent

    if is_office(user):
        return Talent.objects.all()
    roles = roles_of(user)
    q = Q(pk__in=[])
    if CADRE in roles:
        q |= _paired_talents(user)
    if LIAISON in roles:
        q |= Q(unit__liaison=user)
    return Talent.objects.filter(pk__in=Talent.objects.filter(q).values("pk"))


# --- Ledgers: demands, suggestions, major events, recommendations, unit feedback (issue 4, items 6–11) ---

LEDGER_SECTIONS = {
    "demands": ROLES,
    "suggestions": (OFFICE, LEADER, CADRE, VILLAGE_SECRETARY),
    "events": ROLES,
    # Political recommendations are the village Party organisations' work (R15).
    "recommendations": (OFFICE, LEADER, VILLAGE_SECRETARY),
    "feedback": ROLES,
}


def ledger_sections(user) -> list[str]:
    """The ledger pages (/ledger/<section>/) this user may open, in menu order."""
    roles = roles_of(user)
    return [name for name, allowed in LEDGER_SECTIONS.items() if roles & set(allowed)]


def talents_for_demand_entry(user) -> QuerySet:
    """Talents a user may open a ledger entry for (R14): the office any, a liaison their unit's."""
    from talents.models import Talent

    if is_office(user):
        return Talent.objects.in_pool()
    if LIAISON in roles_of(user):
        return Talent.objects.in_pool().filter(unit__liaison=user)
    return Talent.objects.none()


def can_edit_demand(user, demand) -> bool:
    """Measures, responsible unit, coordinating cadre and due date: the office and the units' liaisons.

    Reads ``demand.talent.unit`` and ``demand.responsible_unit``: select them with the demand.
    """
    units = (demand.talent.unit, demand.responsible_unit)
    return can_edit_demand_of_liaisons(user, [u.liaison_id for u in units if u is not None])


def can_edit_demand_of_liaisons(user, liaison_ids) -> bool:
    """``can_edit_demand`` for a demand read as values: the liaisons of the talent's unit and of the
    responsible unit (None where a unit or its liaison is missing)."""
    if is_office(user):
        return True
    if LIAISON not in roles_of(user):
        return False
    return user.pk in liaison_ids


def can_answer_suggestion(user, suggestion) -> bool:
    """Forward, adopt or decline (R3): the office and the talent's paired cadre."""
    return is_office(user) or is_paired_cadre(user, suggestion.talent)


def talents_of_own_units(user) -> QuerySet:
    """Talents a unit reports about (major events R17, feedback R13): the liaison's unit's, the secretary's village's."""
    from talents.models import Talent

    if is_office(user):
        return Talent.objects.in_pool()
    roles = roles_of(user)
    q = Q(pk__in=[])
    if LIAISON in roles:
        q |= Q(unit__liaison=user)
    if VILLAGE_SECRETARY in roles:
        q |= Q(village__secretary=user)
    return Talent.objects.in_pool().filter(q)


def can_acknowledge_event(user, event) -> bool:
    """The cadre in charge and the office acknowledge a report (R17). Reads ``event.cadre``: select it."""
    if is_office(user):
        return True
    return CADRE in roles_of(user) and event.cadre_id is not None and event.cadre.user_id == user.pk


def talents_for_recommendation(user) -> QuerySet:
    """Talents a village Party organisation may recommend (R15): those of the secretary's village."""
    from talents.models import Talent

    if is_office(user):
        return Talent.objects.in_pool().filter(village__isnull=False)
    if VILLAGE_SECRETARY in roles_of(user):
        return Talent.objects.in_pool().filter(village__secretary=user)
    return Talent.objects.none()


def can_edit_recommendation(user, recommendation) -> bool:
    """Reads ``recommendation.organization``: select it."""
    if is_office(user):
        return True
    return VILLAGE_SECRETARY in roles_of(user) and recommendation.organization.secretary_id == user.pk


def feedback_for(user) -> QuerySet:
    """Unit feedback (R13): the reporting unit's liaison or secretary, the cadre concerned, the office and leaders."""
    from contacts.models import Feedback

    roles = roles_of(user)
    q = Q(pk__in=[])
    if CADRE in roles:
        q |= Q(cadre__user=user)
    if LIAISON in roles:
        q |= Q(unit__liaison=user)
    if VILLAGE_SECRETARY in roles:
        q |= Q(unit__secretary=user)
    return _scoped(Feedback.objects.all(), user, q)


def units_for_feedback(user) -> QuerySet:
    """Units a user may report a problem for: the ones they are liaison or secretary of (the office: any)."""
    from talents.models import Unit

    if is_office(user):
        return Unit.objects.filter(active=True)
    roles = roles_of(user)
    q = Q(pk__in=[])
    if LIAISON in roles:
        q |= Q(liaison=user)
    if VILLAGE_SECRETARY in roles:
        q |= Q(secretary=user)
    return Unit.objects.filter(q, active=True)


def can_answer_feedback(user) -> bool:
    """The office answers and closes unit feedback; the cadre concerned reads it."""
    return is_office(user)


# --- Reports: the office dashboard (R16) and yearly compliance (R9) — issue 4, items 1 and 5 ---


def can_view_work_overview(user) -> bool:
    """The dashboard and the compliance table: the office, and the leaders read-only. Figures only, no notes."""
    return sees_everything(user)


# --- Excel import of talents (issue 4, item 3: talents/import_views.py) ---


def can_import_talents(user) -> bool:
    """Importing Excel lists writes the whole database at once: the office's work alone (R11)."""
    return is_office(user)


# --- December village reports (issue 5, item 3: reports/village_report_views.py) ---


def can_view_village_reports(user) -> bool:
    """The reports' pages: the office and leaders (every village) and village secretaries (their own)."""
    return bool(roles_of(user) & {OFFICE, LEADER, VILLAGE_SECRETARY})


def villages_for_reports(user) -> QuerySet:
    """Villages (communities) whose reports the user may open: all for office and leaders, else their own."""
    from talents.models import Unit

    villages = Unit.objects.villages()
    if sees_everything(user):
        return villages
    if VILLAGE_SECRETARY in roles_of(user):
        return villages.filter(secretary=user)
    return villages.none()


def can_write_village_report(user, village) -> bool:
    """Only the village's own Party secretary drafts, edits and submits its report (R19)."""
    return VILLAGE_SECRETARY in roles_of(user) and village.secretary_id == user.pk


def can_review_village_reports(user) -> bool:
    """Returning a report with a reason or marking it received is the office's work; leaders only read."""
    return is_office(user)


# --- Official outputs: the 一览表 and the export log (issue 5, items 1, 2, 6: reports/exporters/) ---


def can_export_roster(user) -> bool:
    """联系优秀人才情况一览表 (R20): the office and the township leadership; phones masked unless allowed."""
    return sees_everything(user)


# --- Official outputs: the demand ledger and the contact register (issue 5, item 5: reports/exporters/ledger.py) ---


def can_export_demand_ledger(user) -> bool:
    """人才诉求台账: whoever has the demand ledger page; the rows are ``demands_for(user)``."""
    return "demands" in ledger_sections(user)


def can_export_contact_register(user) -> bool:
    """联系记录登记簿: whoever reads contacts (``contacts_for``); liaisons read no contact notes."""
    return bool(roles_of(user) & {OFFICE, LEADER, CADRE, VILLAGE_SECRETARY})


# --- privacygaps (issue 6, item 3): full values in the talent list export, sensitive event reports ---


def may_export_full_personal_data(user) -> bool:
    """Whether the talent list page offers the 「完整身份证号和手机号」 option: someone who may see some talents' full values.

    Ticking it gives full values only in the rows of ``talents_with_personal_data(user)``; the rest stay masked.
    """
    return bool(roles_of(user) & {OFFICE, CADRE, LIAISON})


SENSITIVE_EVENT_KINDS = ("family", "health")  # MajorEvent.Kind.FAMILY, MajorEvent.Kind.HEALTH


def can_read_sensitive_event(user, event) -> bool:
    """Whether ``user`` may read the event's description (R17, PIPL Art. 28).

    A family-difficulty or health report's description is for the office, the talent's paired cadre and
    the cadre in charge of the report, and the person who filed it (they wrote it). Others who see the
    event see its kind, date, talent and status only. Other kinds: whoever sees the event.
    Reads ``event.cadre``: select it.
    """
    if event.kind not in SENSITIVE_EVENT_KINDS or is_office(user):
        return True
    if event.created_by_id is not None and event.created_by_id == user.pk:
        return True
    if CADRE not in roles_of(user):
        return False
    if event.cadre_id is not None and event.cadre.user_id == user.pk:
        return True
    return is_paired_cadre(user, event.talent)


def events_with_readable_description(user) -> QuerySet:
    """``can_read_sensitive_event`` as a queryset, so a list flags its rows in its one query."""
    from contacts.models import MajorEvent

    if is_office(user):
        return MajorEvent.objects.all()
    q = ~Q(kind__in=SENSITIVE_EVENT_KINDS) | Q(created_by=user)
    if CADRE in roles_of(user):
        q |= Q(cadre__user=user) | _paired_talents(user, "talent__")
    return MajorEvent.objects.filter(pk__in=MajorEvent.objects.filter(q).values("pk"))
