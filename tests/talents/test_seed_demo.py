"""``manage.py seed_demo``: accounts, sizes, coverage of every state, the pairing rules, valid data, determinism."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Count, QuerySet
from django.utils import timezone

from contacts.models import (
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
    Term,
)
from reports.models import VillageReport
from talents import access, demo
from talents.models import Talent, Unit
from talents.validators import id_birth_date, validate_id_number, validate_phone
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded() -> str:
    return _seed("--password", PASSWORD, "--seed", "7")


def _usernames(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(1, n + 1)]


EXPECTED_ROLES = {
    "office": [access.OFFICE],
    "leader": [access.LEADER],
    **{u: [access.CADRE] for u in _usernames("cadre", 15) + _usernames("vcadre", 4)},
    **{u: [access.VILLAGE_SECRETARY] for u in _usernames("village", 12)},
    **{u: [access.LIAISON] for u in _usernames("liaison", 8)},
}


# Accounts


def test_it_creates_the_documented_accounts_in_their_roles(seeded):
    users = User.objects.prefetch_related("groups")
    assert {u.username: sorted(g.name for g in u.groups.all()) for u in users} == EXPECTED_ROLES
    assert list(User.objects.filter(is_staff=True).values_list("username", flat=True)) == ["office"]
    assert not User.objects.filter(is_superuser=True).exists()


def test_the_accounts_are_linked_to_the_people_they_stand_for(seeded):
    cadres = Cadre.objects.select_related("user", "village")
    assert sorted(c.user.username for c in cadres if c.level == Level.TOWNSHIP) == _usernames("cadre", 15)
    assert sorted(c.user.username for c in cadres if c.level == Level.VILLAGE) == _usernames("vcadre", 4)
    assert all(c.user.first_name == c.name for c in cadres)
    villages = Unit.objects.villages().select_related("secretary")
    assert sorted(v.secretary.username for v in villages) == _usernames("village", 12)
    units = Unit.objects.exclude(kind__in=Unit.VILLAGE_KINDS).select_related("liaison")
    assert sorted(u.liaison.username for u in units) == _usernames("liaison", 8)
    assert all(u.liaison.first_name == u.liaison_name for u in units)


def test_every_account_can_log_in_with_the_given_password(seeded, client):
    for username in EXPECTED_ROLES:
        assert client.login(username=username, password=PASSWORD), username
        client.logout()
    assert not client.login(username="office", password="wrong-password")


def test_each_township_cadre_sees_exactly_their_one_open_talent(seeded):
    for cadre in Cadre.objects.filter(level=Level.TOWNSHIP).select_related("user"):
        open_pairing = Pairing.objects.open().get(cadre=cadre)
        assert list(access.talents_for(cadre.user)) == [open_pairing.talent]


def test_village_secretaries_see_only_their_own_village(seeded):
    secretary = User.objects.get(username="village02")
    talents = list(access.talents_for(secretary))
    assert talents
    assert {t.village.secretary_id for t in talents} == {secretary.pk}


def test_without_a_password_it_prints_a_generated_one_that_works(client):
    out = _seed()
    match = re.search(r"只显示这一次）：(\S+)", out)
    assert match, out
    assert len(match.group(1)) >= 12
    assert client.login(username="cadre01", password=match.group(1))


def test_the_summary_lists_counts_and_accounts(seeded):
    assert "人才 60" in seeded
    assert "乡班子成员 15" in seeded
    assert re.search(r"^cadre01 +班子成员（联系领导） +\S+（党委书记）$", seeded, re.M)
    assert re.search(r"^village01 +村\(社区\)党组织书记 +\S+（\S+党组织书记）$", seeded, re.M)
    assert PASSWORD not in seeded


# Sizes and coverage


def test_it_creates_a_township_of_the_documented_size(seeded):
    assert Unit.objects.villages().count() == 12
    assert Unit.objects.filter(kind=Unit.Kind.COMMUNITY).exists()
    assert Unit.objects.exclude(kind__in=Unit.VILLAGE_KINDS).count() == 8
    assert Cadre.objects.filter(level=Level.TOWNSHIP).count() == 15
    assert Cadre.objects.filter(level=Level.VILLAGE).count() == 4
    assert Talent.objects.count() == 60
    assert Term.objects.count() == 2
    assert Contact.objects.count() > 60


def test_villages_name_their_party_organisation_and_units_their_liaison(seeded):
    for village in Unit.objects.villages():
        assert village.name in village.party_organization
        assert re.fullmatch(r"(中共.+(支部)?委员会|.+党支部)", village.party_organization)
    for unit in Unit.objects.all():
        assert unit.liaison_name
        validate_phone(unit.liaison_phone)
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert {Unit.Kind.STATION, Unit.Kind.SCHOOL, Unit.Kind.HEALTH, Unit.Kind.ENTERPRISE, Unit.Kind.COOPERATIVE} <= kinds


def _values(rows, field: str) -> set[str]:
    """The distinct values of a field, over a model's rows or a queryset."""
    qs = rows if isinstance(rows, QuerySet) else rows.objects.all()
    return set(qs.values_list(field, flat=True).distinct())


def test_every_category_kind_and_status_appears(seeded):
    assert _values(Talent, "category") == set(Talent.Category.values)
    assert _values(Talent.objects.filter(category=Talent.Category.RURAL), "rural_type") == set(Talent.RuralType.values)
    assert _values(Demand, "status") == set(Demand.Status.values)
    assert _values(Demand, "kind") == set(Demand.Kind.values)
    assert _values(MajorEvent, "kind") == set(MajorEvent.Kind.values)
    assert _values(Suggestion, "status") == set(Suggestion.Status.values)
    assert _values(Feedback, "status") == set(Feedback.Status.values)
    assert _values(Recommendation, "role") == set(Recommendation.Role.values)
    assert _values(Recommendation, "level") == {Recommendation.Level.TOWNSHIP, Recommendation.Level.COUNTY}
    assert _values(Pairing, "end_reason") == set(Pairing.EndReason.values) - {Pairing.EndReason.OTHER} | {""}
    this_year = timezone.localdate().year
    assert _values(VillageReport.objects.filter(year=this_year - 1), "status") == {VillageReport.Status.RECEIVED}
    assert {VillageReport.Status.DRAFT, VillageReport.Status.SUBMITTED} <= _values(
        VillageReport.objects.filter(year=this_year), "status"
    )


def test_the_ledgers_are_filled_in_as_their_states_require(seeded):
    assert all(s.forwarded_to for s in Suggestion.objects.filter(status=Suggestion.Status.FORWARDED))
    closed = Demand.objects.filter(status__in=Demand.CLOSED_STATUSES)
    assert all(d.closed_on and d.result for d in closed)
    assert closed.exclude(satisfaction="").exists()
    assert not Demand.objects.exclude(status__in=Demand.CLOSED_STATUSES).exclude(satisfaction="").exists()
    assert DemandProgress.objects.exists()
    for demand in Demand.objects.select_related("coordinating_cadre", "responsible_unit"):
        assert demand.coordinating_cadre and demand.responsible_unit
        assert demand.due_date >= demand.raised_on
    assert MajorEvent.objects.filter(acknowledged_at__isnull=False).exists()
    assert MajorEvent.objects.filter(acknowledged_at__isnull=True).exists()
    handled = Feedback.objects.get(status=Feedback.Status.HANDLED)
    assert handled.handling and handled.handled_at
    assert Contact.objects.filter(urgent=True, handled_at__isnull=False).count() == 1
    assert Contact.objects.filter(urgent=True, handled_at__isnull=True).count() == 1
    assert Talent.objects.exclude(thoughts="").count() >= 5


def test_rows_are_recorded_by_the_office_and_contacts_by_their_cadre(seeded):
    office = User.objects.get(username="office")
    assert set(Talent.objects.values_list("created_by", flat=True)) == {office.pk}
    assert set(Pairing.objects.values_list("created_by", flat=True)) == {office.pk}
    for contact in Contact.objects.select_related("pairing__cadre"):
        assert contact.created_by_id == contact.pairing.cadre.user_id


# Terms, pairings, contacts


def test_the_current_term_contains_today_and_the_previous_one_is_over(seeded):
    today = timezone.localdate()
    current, previous = Term.objects.current(), Term.objects.get(is_current=False)
    assert current.start_date <= today <= current.end_date
    assert current.start_date.year % 2 == 1
    assert current.name == Term.name_for(current.start_date.year)
    assert previous.end_date == current.start_date - datetime.timedelta(days=1)


def test_the_pairing_rules_hold(seeded):
    current, previous = Term.objects.current(), Term.objects.get(is_current=False)
    # Exactly one open talent for every cadre in the current term, none in the previous one.
    per_cadre = Pairing.objects.open().filter(exception_reason="").values("cadre", "term").annotate(n=Count("id"))
    assert {row["n"] for row in per_cadre} == {1}
    assert {row["term"] for row in per_cadre} == {current.pk}
    assert len(per_cadre) == Cadre.objects.count()
    per_talent = Pairing.objects.open().values("talent", "level").annotate(n=Count("id"))
    assert {row["n"] for row in per_talent} == {1}
    for pairing in Pairing.objects.select_related("term", "cadre", "talent"):
        assert pairing.term.start_date <= pairing.start_date <= pairing.term.end_date
        assert pairing.level == pairing.cadre.level
        if pairing.level == Level.VILLAGE:
            assert pairing.talent.village_id == pairing.cadre.village_id
        if pairing.is_open:
            assert pairing.talent.status == Talent.Status.IN_POOL
    previous_pairings = Pairing.objects.filter(term=previous)
    assert not previous_pairings.open().exists()
    assert previous_pairings.filter(end_reason=Pairing.EndReason.TERM_ENDED, end_date=previous.end_date).count() == 19


@pytest.mark.parametrize("term_is_current", [True, False])
def test_each_term_has_mid_term_adjustments_with_their_history(seeded, term_is_current):
    term = Term.objects.get(is_current=term_is_current)
    replacements = Pairing.objects.filter(term=term, replaces__isnull=False).select_related("replaces__talent")
    assert {p.replaces.end_reason for p in replacements} == {
        Pairing.EndReason.POST_CHANGE,
        Pairing.EndReason.TALENT_ADJUSTED,
    }
    for new in replacements:
        old = new.replaces
        assert old.cadre_id == new.cadre_id and old.talent_id != new.talent_id
        assert old.end_date <= new.start_date and old.end_note
        if old.end_reason == Pairing.EndReason.TALENT_ADJUSTED:
            assert old.talent.status == Talent.Status.OUT and old.talent.out_date == old.end_date


def test_contacts_fall_within_their_pairings(seeded):
    today = timezone.localdate()
    for contact in Contact.objects.select_related("pairing"):
        pairing = contact.pairing
        assert pairing.start_date <= contact.date <= (pairing.end_date or today)
        assert contact.date <= today
        assert contact.is_guidance or contact.is_consultation or contact.is_service


def test_most_cadres_met_their_talent_this_year_and_all_did_last_year(seeded):
    year = timezone.localdate().year
    township = Contact.objects.filter(pairing__level=Level.TOWNSHIP)

    def cadres_met(y: int) -> int:
        return township.in_year(y).values("pairing__cadre").distinct().count()

    assert cadres_met(year - 1) == 15
    assert 10 <= cadres_met(year) <= 14
    methods = list(Contact.objects.values_list("method", flat=True))
    assert methods.count(Contact.Method.FACE_TO_FACE) > len(methods) / 3


# Valid data


def test_every_row_passes_full_clean(seeded):
    models = (Unit, Talent, Cadre, Term, Pairing, Contact, Suggestion, Demand, DemandProgress)
    models += (MajorEvent, Recommendation, Feedback, VillageReport)
    for model in models:
        for obj in model.objects.all():
            obj.full_clean()


def test_id_numbers_phones_and_birth_dates_are_valid_and_agree(seeded):
    talents = list(Talent.objects.all())
    assert len({t.id_number for t in talents}) == len(talents)
    for talent in talents:
        validate_id_number(talent.id_number)
        validate_phone(talent.phone)
        assert id_birth_date(talent.id_number) == talent.birth_month
        assert int(talent.id_number[16]) % 2 == (talent.gender == Talent.Gender.MALE)
    ethnicities = [t.ethnicity for t in talents]
    assert ethnicities.count("汉族") > len(talents) / 2
    assert len(set(ethnicities)) >= 3


def test_rare_character_and_minority_names_round_trip(seeded):
    wang = Talent.objects.get(name="王䶮")  # U+4DAE, CJK Extension A
    li = Talent.objects.get(name="李𬌗")  # U+2C317, CJK Extension E: outside the BMP
    assert [len(wang.name), ord(wang.name[1])] == [2, 0x4DAE]
    assert [len(li.name), ord(li.name[1])] == [2, 0x2C317]
    aygul = Talent.objects.get(name="阿依古丽·买买提")
    assert (aygul.ethnicity, aygul.gender) == ("维吾尔族", Talent.Gender.FEMALE)
    assert Talent.objects.filter(name__contains="𬌗").count() == 1


@pytest.mark.parametrize("today", [datetime.date(2025, 1, 1), datetime.date(2026, 12, 31), datetime.date(2028, 2, 29)])
def test_it_lays_out_valid_data_on_any_day_of_a_term(today):
    demo.seed(password=PASSWORD, today=today)
    current = Term.objects.current()
    assert current.start_date <= today <= current.end_date
    assert Pairing.objects.open().count() == 19
    for model, field in ((Contact, "date"), (Demand, "raised_on"), (Demand, "closed_on"), (MajorEvent, "date")):
        assert not model.objects.filter(**{f"{field}__gt": today}).exists()
    for model in (Pairing, Contact, Demand, VillageReport):
        for obj in model.objects.all():
            obj.full_clean()


# Determinism and refusing to overwrite


def _people() -> list[tuple[str, str]]:
    return list(Talent.objects.order_by("id").values_list("name", "id_number"))


def test_the_same_seed_gives_the_same_people_after_a_flush(seeded):
    first = _people()
    units = list(Unit.objects.order_by("id").values_list("name", flat=True))
    _seed("--flush", "--password", PASSWORD, "--seed", "7")
    assert _people() == first
    assert list(Unit.objects.order_by("id").values_list("name", flat=True)) == units
    assert Talent.objects.count() == 60 and User.objects.count() == len(EXPECTED_ROLES)
    _seed("--flush", "--password", PASSWORD, "--seed", "8")
    assert _people() != first


def test_it_refuses_a_database_with_data_without_flush():
    UnitFactory(name="已有单位")
    with pytest.raises(CommandError, match="--flush"):
        _seed("--password", PASSWORD)
    assert list(Unit.objects.values_list("name", flat=True)) == ["已有单位"]
    assert not User.objects.exists()


def test_it_refuses_when_only_demo_accounts_exist():
    User.objects.create_user("office", password="someone-elses")
    with pytest.raises(CommandError, match="演示账号"):
        _seed("--password", PASSWORD)


def test_flush_replaces_existing_data_and_keeps_other_accounts(seeded):
    User.objects.create_user("zhang_admin")
    UnitFactory(name="已有单位")
    _seed("--flush", "--password", PASSWORD)
    assert not Unit.objects.filter(name="已有单位").exists()
    assert User.objects.filter(username="zhang_admin").exists()
    assert Talent.objects.count() == 60


def test_if_empty_skips_a_database_with_data(seeded):
    before = Contact.objects.count(), User.objects.count()
    out = _seed("--if-empty", "--password", "other-pass")
    assert "跳过" in out
    assert (Contact.objects.count(), User.objects.count()) == before


def test_if_empty_seeds_an_empty_database():
    _seed("--if-empty", "--password", PASSWORD)
    assert Talent.objects.count() == 60


def test_flush_and_if_empty_cannot_be_combined():
    with pytest.raises(CommandError):
        _seed("--flush", "--if-empty")
