"""Who sees what (talents/access.py): every role sees exactly its own records and nothing more.

One small township is built per test: two villages with their secretaries, two units with their
liaisons, two township cadres each paired with one talent (the first also with an ended pairing),
village-level pairings in both villages, and contacts, suggestions, demands, events,
recommendations and village reports on both sides.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User

from contacts.models import Cadre, Level, Pairing
from talents import access
from talents.models import Unit
from tests.factories import (
    CadreFactory,
    ContactFactory,
    DemandFactory,
    MajorEventFactory,
    PairingFactory,
    RecommendationFactory,
    SuggestionFactory,
    TalentFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    VillageFactory,
    VillageReportFactory,
)

pytestmark = pytest.mark.django_db

SCOPES = ("talents", "contacts", "demands", "suggestions", "events", "recommendations", "reports")


def _fresh(user):
    """The user as a new request would load it: no roles cached on the object."""
    return User.objects.get(pk=user.pk)


def _seen(w, user, scope: str) -> set[str]:
    """Names (keys of ``w``) of the records of ``scope`` that ``user`` sees."""
    names = {getattr(w, name).pk: name for name in w.records[scope]}
    pks = getattr(access, f"{scope}_for")(_fresh(user)).values_list("pk", flat=True)
    return {names[pk] for pk in pks}


@pytest.fixture
def world(village, secretary_user, cadre, other_cadre, office_user, leader_user):
    w = SimpleNamespace()
    w.office, w.leader, w.cadre, w.other_cadre = office_user, leader_user, cadre.user, other_cadre.user
    w.village_a, w.secretary_a = village, secretary_user
    w.secretary_b = UserFactory(username="secretary_b", roles=["village_secretary"])
    w.village_b = VillageFactory(name="梅家社区", kind=Unit.Kind.COMMUNITY, secretary=w.secretary_b)
    w.liaison_a = UserFactory(username="liaison_a", roles=["liaison"])
    w.liaison_b = UserFactory(username="liaison_b", roles=["liaison"])
    w.unit_a = UnitFactory(name="梅家乡中心小学", kind=Unit.Kind.SCHOOL, liaison=w.liaison_a)
    w.unit_b = UnitFactory(name="梅家乡卫生院", kind=Unit.Kind.HEALTH, liaison=w.liaison_b)
    w.nobody = UserFactory(username="nobody")
    w.inactive_office = UserFactory(username="gone", roles=["office"])
    User.objects.filter(pk=w.inactive_office.pk).update(is_active=False)

    # t0 was the cadre's talent until mid-2025; t1 is now. t2 is the other cadre's; t3 is unpaired.
    w.t0 = TalentFactory(name="赵前任", unit=w.unit_a, village=w.village_a)
    w.t1 = TalentFactory(name="钱现任", unit=w.unit_a, village=w.village_a)
    w.t2 = TalentFactory(name="孙他人", unit=w.unit_b, village=w.village_b)
    w.t3 = TalentFactory(name="李未结", unit=w.unit_b, village=w.village_b)

    term = TermFactory()
    p0 = PairingFactory(
        term=term, cadre=cadre, talent=w.t0, end_date=datetime.date(2025, 6, 30), end_reason="talent_adjusted"
    )
    p1 = PairingFactory(term=term, cadre=cadre, talent=w.t1, start_date=datetime.date(2025, 7, 1), replaces=p0)
    p2 = PairingFactory(term=term, cadre=other_cadre, talent=w.t2)
    vc_a = CadreFactory(user__username="village_cadre_a", level=Level.VILLAGE, village=w.village_a, title="村委委员")
    vc_b = CadreFactory(user__username="village_cadre_b", level=Level.VILLAGE, village=w.village_b, title="村委委员")
    w.village_cadre_a = vc_a.user
    pv_a = PairingFactory(term=term, cadre=vc_a, talent=w.t1)
    pv_b = PairingFactory(term=term, cadre=vc_b, talent=w.t2)

    w.c0, w.c1, w.c2 = ContactFactory(pairing=p0), ContactFactory(pairing=p1), ContactFactory(pairing=p2)
    w.cv_a, w.cv_b = ContactFactory(pairing=pv_a), ContactFactory(pairing=pv_b)

    w.s0, w.s1, w.s2 = (SuggestionFactory(talent=c.pairing.talent, contact=c) for c in (w.c0, w.c1, w.c2))
    w.sv_a, w.sv_b = (SuggestionFactory(talent=c.pairing.talent, contact=c) for c in (w.cv_a, w.cv_b))
    w.s1_letter = SuggestionFactory(talent=w.t1, contact=None, content="来信建议修缮村道。")

    w.d0, w.d1, w.d2 = (DemandFactory(talent=t, responsible_unit=t.unit) for t in (w.t0, w.t1, w.t2))
    w.d3 = DemandFactory(talent=w.t3, responsible_unit=w.unit_b, coordinating_cadre=cadre)

    w.e0, w.e1, w.e2 = (MajorEventFactory(talent=t) for t in (w.t0, w.t1, w.t2))
    w.e3 = MajorEventFactory(talent=w.t3, cadre=cadre)

    w.r1, w.r2 = RecommendationFactory(talent=w.t1), RecommendationFactory(talent=w.t2)
    w.rep_a, w.rep_b = VillageReportFactory(village=w.village_a), VillageReportFactory(village=w.village_b)

    w.records = {
        "talents": {"t0", "t1", "t2", "t3"},
        "contacts": {"c0", "c1", "c2", "cv_a", "cv_b"},
        "suggestions": {"s0", "s1", "s2", "sv_a", "sv_b", "s1_letter"},
        "demands": {"d0", "d1", "d2", "d3"},
        "events": {"e0", "e1", "e2", "e3"},
        "recommendations": {"r1", "r2"},
        "reports": {"rep_a", "rep_b"},
    }
    return w


# What each user sees, scope by scope. Anything not listed must stay hidden.
EXPECTED = {
    "cadre": {
        "talents": {"t1"},
        "contacts": {"c0", "c1"},
        "suggestions": {"s0", "s1", "s1_letter"},
        "demands": {"d1", "d3"},
        "events": {"e1", "e3"},
        "recommendations": set(),
        "reports": set(),
    },
    "other_cadre": {
        "talents": {"t2"},
        "contacts": {"c2"},
        "suggestions": {"s2"},
        "demands": {"d2"},
        "events": {"e2"},
        "recommendations": set(),
        "reports": set(),
    },
    "village_cadre_a": {
        "talents": {"t1"},
        "contacts": {"cv_a"},
        "suggestions": {"sv_a", "s1_letter"},
        "demands": {"d1"},
        "events": {"e1"},
        "recommendations": set(),
        "reports": set(),
    },
    "secretary_a": {
        "talents": {"t0", "t1"},
        "contacts": {"cv_a"},
        "suggestions": {"sv_a"},
        "demands": {"d0", "d1"},
        "events": {"e0", "e1"},
        "recommendations": {"r1"},
        "reports": {"rep_a"},
    },
    "secretary_b": {
        "talents": {"t2", "t3"},
        "contacts": {"cv_b"},
        "suggestions": {"sv_b"},
        "demands": {"d2", "d3"},
        "events": {"e2", "e3"},
        "recommendations": {"r2"},
        "reports": {"rep_b"},
    },
    "liaison_a": {
        "talents": {"t0", "t1"},
        "contacts": set(),
        "suggestions": set(),
        "demands": {"d0", "d1"},
        "events": {"e0", "e1"},
        "recommendations": set(),
        "reports": set(),
    },
    "liaison_b": {
        "talents": {"t2", "t3"},
        "contacts": set(),
        "suggestions": set(),
        "demands": {"d2", "d3"},
        "events": {"e2", "e3"},
        "recommendations": set(),
        "reports": set(),
    },
}


@pytest.mark.parametrize("who", ["office", "leader"])
@pytest.mark.parametrize("scope", SCOPES)
def test_the_office_and_the_leaders_see_every_record(world, who, scope):
    assert _seen(world, getattr(world, who), scope) == world.records[scope]


@pytest.mark.parametrize("who", sorted(EXPECTED))
@pytest.mark.parametrize("scope", SCOPES)
def test_each_role_sees_exactly_its_own_records(world, who, scope):
    assert _seen(world, getattr(world, who), scope) == EXPECTED[who][scope]


@pytest.mark.parametrize("who", ["nobody", "inactive_office"])
@pytest.mark.parametrize("scope", SCOPES)
def test_a_user_without_a_role_or_no_longer_active_sees_nothing(world, who, scope):
    assert _seen(world, getattr(world, who), scope) == set()


@pytest.mark.parametrize("scope", SCOPES)
def test_an_anonymous_visitor_sees_nothing(world, scope):
    assert not getattr(access, f"{scope}_for")(AnonymousUser()).exists()


def test_a_superuser_counts_as_the_office(world):
    admin = UserFactory(username="root")
    User.objects.filter(pk=admin.pk).update(is_superuser=True)
    assert _seen(world, admin, "talents") == world.records["talents"]
    assert access.can_see_thoughts(_fresh(admin), world.t1)


def test_a_cadre_no_longer_sees_a_talent_once_their_pairing_ends(world):
    assert _seen(world, world.other_cadre, "talents") == {"t2"}
    pairing = Pairing.objects.get(cadre__user=world.other_cadre)
    pairing.end_date, pairing.end_reason = datetime.date(2026, 5, 1), Pairing.EndReason.POST_CHANGE
    pairing.save()

    assert _seen(world, world.other_cadre, "talents") == set()
    assert _seen(world, world.other_cadre, "demands") == set()
    assert _seen(world, world.other_cadre, "contacts") == {"c2"}, "they still see the notes they wrote"
    assert _seen(world, world.other_cadre, "suggestions") == {"s2"}


def test_a_cadre_sees_demands_assigned_to_them_and_events_sent_to_them_for_other_talents(world):
    assert "d3" in _seen(world, world.cadre, "demands")
    assert "e3" in _seen(world, world.cadre, "events")
    assert "t3" not in _seen(world, world.cadre, "talents")


def test_a_liaison_sees_the_demands_their_unit_must_answer_for_another_units_talent(world):
    world.d9 = DemandFactory(talent=world.t2, responsible_unit=world.unit_a)
    world.records["demands"].add("d9")
    assert _seen(world, world.liaison_a, "demands") == {"d0", "d1", "d9"}
    assert "t2" not in _seen(world, world.liaison_a, "talents")


def test_a_secretary_sees_the_major_events_their_village_reported(world):
    world.e9 = MajorEventFactory(talent=world.t3, reporting_unit=world.village_a)
    world.records["events"].add("e9")
    assert _seen(world, world.secretary_a, "events") == {"e0", "e1", "e9"}


def test_a_cadre_who_is_also_a_village_secretary_sees_both_scopes_together(world):
    both = world.secretary_b
    both.groups.add(Group.objects.get(name="cadre"))
    cadre = Cadre.objects.create(user=both, name="周兼任", title="党委委员", level=Level.TOWNSHIP)
    pairing = PairingFactory(term=TermFactory(), cadre=cadre, talent=world.t0, start_date=datetime.date(2025, 7, 1))
    world.c_both = ContactFactory(pairing=pairing)
    world.records["contacts"].add("c_both")

    assert _seen(world, both, "talents") == {"t0", "t2", "t3"}
    assert _seen(world, both, "contacts") == {"c_both", "cv_b"}
    assert _seen(world, both, "demands") == {"d0", "d2", "d3"}
    assert _seen(world, both, "events") == {"e0", "e2", "e3"}
    assert _seen(world, both, "reports") == {"rep_b"}


@pytest.mark.parametrize("scope", SCOPES)
def test_no_record_is_listed_twice(world, scope):
    # A talent with two open pairings and a user holding every role gives the joins the most rows.
    everyone = world.cadre
    everyone.groups.add(*Group.objects.filter(name__in=["village_secretary", "liaison"]))
    Unit.objects.filter(pk__in=[world.village_a.pk, world.village_b.pk]).update(secretary=everyone)
    Unit.objects.filter(pk__in=[world.unit_a.pk, world.unit_b.pk]).update(liaison=everyone)
    for who in [*EXPECTED, "office", "leader"]:
        qs = getattr(access, f"{scope}_for")(_fresh(getattr(world, who)))
        pks = list(qs.values_list("pk", flat=True))
        assert qs.count() == len(pks) == len(set(pks)), who


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("who", ["office", "cadre", "secretary_a", "liaison_a", "nobody"])
def test_each_scope_is_read_in_two_queries(world, django_assert_max_num_queries, scope, who):
    user = _fresh(getattr(world, who))
    # 1. the user's role groups; 2. the scoped records, subqueries included.
    with django_assert_max_num_queries(2):
        list(getattr(access, f"{scope}_for")(user))


# 思想动态 (R2), personal data, editing (R11)


def _allowed(check, world, talent) -> set[str]:
    users = ["office", "leader", "cadre", "other_cadre", "secretary_a", "liaison_a", "liaison_b", "nobody"]
    return {who for who in users if check(_fresh(getattr(world, who)), talent)}


def test_only_the_office_and_the_paired_cadre_see_a_talents_thoughts(world):
    assert _allowed(access.can_see_thoughts, world, world.t1) == {"office", "cadre"}
    assert _allowed(access.can_see_thoughts, world, world.t2) == {"office", "other_cadre"}


def test_a_cadre_stops_seeing_the_thoughts_of_a_talent_no_longer_paired_with_them(world):
    assert _allowed(access.can_see_thoughts, world, world.t0) == {"office"}


def test_personal_data_is_for_the_office_the_paired_cadre_and_the_units_liaison(world):
    assert _allowed(access.can_see_personal_data, world, world.t1) == {"office", "cadre", "liaison_a"}
    assert _allowed(access.can_see_personal_data, world, world.t2) == {"office", "other_cadre", "liaison_b"}


def test_only_the_office_and_the_units_liaison_may_edit_a_talent(world):
    assert _allowed(access.can_edit_talent, world, world.t1) == {"office", "liaison_a"}
    assert _allowed(access.can_edit_talent, world, world.t3) == {"office", "liaison_b"}


def test_a_talent_without_a_unit_is_edited_by_the_office_alone(world):
    talent = TalentFactory(unit=None)
    assert _allowed(access.can_edit_talent, world, talent) == {"office"}
    assert _allowed(access.can_see_personal_data, world, talent) == {"office"}


def test_an_inactive_office_account_may_neither_read_nor_edit(world):
    user = _fresh(world.inactive_office)
    assert not access.can_see_thoughts(user, world.t1)
    assert not access.can_see_personal_data(user, world.t1)
    assert not access.can_edit_talent(user, world.t1)
