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


def _paired_talents(user, prefix: str = "") -> Q:
    """Talents of the user's open pairings; both conditions in one Q so they bind to the same pairing."""
    return Q(**{f"{prefix}pairings__cadre__user": user, f"{prefix}pairings__end_date__isnull": True})


def _talent_scope(user, prefix: str = "") -> Q:
    """Talents this user works with, as a Q on a model reaching Talent through ``prefix``."""
    roles = roles_of(user)
    q = Q(pk__in=[])
    if CADRE in roles:
        q |= _paired_talents(user, prefix)
    if VILLAGE_SECRETARY in roles:
        q |= Q(**{f"{prefix}village__secretary": user})
    if LIAISON in roles:
        q |= Q(**{f"{prefix}unit__liaison": user})
    return q


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

    q = Q(talent__in=talents_for(user).values("pk"))
    if CADRE in roles_of(user):
        q |= Q(coordinating_cadre__user=user)
    if LIAISON in roles_of(user):
        q |= Q(responsible_unit__liaison=user)
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


def can_handle_urgent_contact(user, contact) -> bool:
    """An urgent contact (R7) is closed by the office or the cadre whose pairing it belongs to."""
    return is_office(user) or (CADRE in roles_of(user) and contact.pairing.cadre.user_id == user.pk)


def can_record_contact(user, pairing) -> bool:
    return CADRE in roles_of(user) and pairing.is_open and pairing.cadre.user_id == user.pk


def can_view_photo(user, photo) -> bool:
    return contacts_for(user).filter(pk=photo.contact_id).exists()
