"""The talent database's own rules (R1, R11): checked by full_clean and, where it matters, by the database."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from talents.models import Talent, Unit
from tests.factories import TalentFactory, UnitFactory, VillageFactory, valid_id_number

pytestmark = pytest.mark.django_db


def test_full_clean_rejects_a_birth_date_that_disagrees_with_the_id_number():
    talent = TalentFactory.build(
        unit=UnitFactory(),
        village=VillageFactory(),
        id_number=valid_id_number(1),
        birth_month=datetime.date(1990, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        talent.full_clean()
    assert "birth_month" in exc.value.message_dict


def test_full_clean_accepts_a_birth_month_that_agrees_with_the_id_number_whatever_the_day():
    talent = TalentFactory.build(
        unit=UnitFactory(),
        village=VillageFactory(),
        id_number=valid_id_number(1),
        birth_month=datetime.date(1985, 6, 1),
    )
    talent.full_clean()


def test_full_clean_fills_an_empty_birth_date_from_the_id_number():
    born = datetime.date(1979, 11, 23)
    talent = TalentFactory.build(
        unit=UnitFactory(), village=VillageFactory(), id_number=valid_id_number(2, born), birth_month=None
    )
    talent.full_clean()
    assert talent.birth_month == born


def test_full_clean_stores_a_small_x_check_digit_as_a_capital_x():
    talent = TalentFactory.build(
        unit=UnitFactory(), village=VillageFactory(), id_number="11010519491231002x", birth_month=None
    )
    talent.full_clean()
    assert talent.id_number == "11010519491231002X"
    assert talent.birth_month == datetime.date(1949, 12, 31)


def test_full_clean_rejects_an_id_number_with_a_wrong_check_digit():
    talent = TalentFactory.build(unit=UnitFactory(), village=VillageFactory(), id_number="110105194912310021")
    with pytest.raises(ValidationError) as exc:
        talent.full_clean()
    assert exc.value.error_dict["id_number"][0].code == "checksum"


def test_full_clean_rejects_a_village_field_that_is_not_a_village():
    talent = TalentFactory.build(unit=UnitFactory(), village=UnitFactory(kind=Unit.Kind.SCHOOL))
    with pytest.raises(ValidationError) as exc:
        talent.full_clean()
    assert "village" in exc.value.message_dict


def test_the_database_refuses_a_second_talent_with_the_same_id_number():
    TalentFactory(id_number=valid_id_number(3))
    with pytest.raises(IntegrityError), transaction.atomic():
        Talent.objects.create(name="重复", gender="M", category="other", id_number=valid_id_number(3))


def test_full_clean_reports_a_duplicate_id_number_before_the_database_does():
    TalentFactory(id_number=valid_id_number(3))
    duplicate = TalentFactory.build(unit=UnitFactory(), village=VillageFactory(), id_number=valid_id_number(3))
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_many_talents_may_have_no_id_number():
    for name in ("甲", "乙", "丙"):
        Talent.objects.create(name=name, gender="F", category="other", id_number="")
    assert Talent.objects.filter(id_number="").count() == 3


@pytest.mark.parametrize(
    "name",
    [
        "𠀀𪚥",  # Extension B: U+20000, U+2A6A5
        "王䶮",  # Extension A: U+4DAE
        "李𬌗",  # Extension E: U+2C317
        "张𫓧",  # Extension C: U+2B4E7
        "赵𫠠",  # Extension D: U+2B820
        "陈𮯠",  # Extension F: U+2EBE0
        "刘𰀀",  # Extension G: U+30000
        "阿依古丽·买买提",  # minority name with the middle dot
    ],
)
def test_names_with_rare_characters_round_trip_through_the_database_unchanged(name):
    talent = TalentFactory(name=name)
    assert Talent.objects.get(pk=talent.pk).name == name
    assert Talent.objects.filter(name=name).get() == talent


def test_a_50_character_name_of_rare_characters_is_not_truncated():
    name = "𠀀" * 50
    talent = TalentFactory.build(unit=UnitFactory(), village=VillageFactory(), name=name)
    talent.full_clean()
    talent.save()
    assert Talent.objects.get(pk=talent.pk).name == name


def test_the_database_refuses_a_talent_moved_out_without_date_or_reason():
    talent = TalentFactory()
    for out_date, out_reason in [(None, "调离本乡"), (datetime.date(2026, 1, 5), ""), (None, "")]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Talent.objects.filter(pk=talent.pk).update(status="out", out_date=out_date, out_reason=out_reason)
    talent.refresh_from_db()
    assert talent.status == Talent.Status.IN_POOL


def test_moving_a_talent_out_with_date_and_reason_keeps_the_row():
    talent = TalentFactory()
    talent.move_out(on=datetime.date(2026, 1, 5), reason="调离本乡")
    talent.refresh_from_db()
    assert (talent.status, talent.out_date, talent.out_reason) == ("out", datetime.date(2026, 1, 5), "调离本乡")
    assert talent not in Talent.objects.in_pool()


def test_the_database_refuses_a_rural_type_for_a_talent_who_is_not_a_rural_talent():
    with pytest.raises(IntegrityError), transaction.atomic():
        TalentFactory(category=Talent.Category.PROFESSIONAL, rural_type=Talent.RuralType.PRODUCTION)


def test_a_rural_practical_talent_may_have_a_rural_type():
    talent = TalentFactory(category=Talent.Category.RURAL, rural_type=Talent.RuralType.SKILL_LEADING)
    assert talent.get_rural_type_display()


def test_full_clean_reports_a_rural_type_on_a_non_rural_talent():
    talent = TalentFactory.build(
        unit=UnitFactory(), village=VillageFactory(), category="professional", rural_type="production"
    )
    with pytest.raises(ValidationError):
        talent.full_clean()


@pytest.mark.parametrize("kind", [Unit.Kind.VILLAGE, Unit.Kind.COMMUNITY])
def test_the_database_refuses_a_village_or_community_without_a_party_organisation(kind):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="无支部村", kind=kind, party_organization="")


def test_a_school_needs_no_party_organisation():
    assert Unit.objects.create(name="梅家小学", kind=Unit.Kind.SCHOOL).pk


def test_age_on_counts_whole_years():
    talent = Talent(birth_month=datetime.date(1985, 6, 15))
    assert talent.age_on(datetime.date(2026, 6, 14)) == 40
    assert talent.age_on(datetime.date(2026, 6, 15)) == 41
    assert talent.age_on(datetime.date(2026, 12, 31)) == 41


def test_age_on_is_unknown_without_a_birth_date():
    assert Talent(birth_month=None).age_on(datetime.date(2026, 1, 1)) is None


def test_a_talent_shows_masked_id_and_phone():
    talent = Talent(id_number="511723198506150015", phone="13812345678")
    assert talent.masked_id_number == "511***********0015"
    assert talent.masked_phone == "138****5678"
