"""Pairings and terms (R9, R12, R18): the rules hold in the database even when forms are bypassed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts.models import Level, Pairing, Term
from tests.factories import CadreFactory, ContactFactory, TalentFactory, TermFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def term():
    return TermFactory()


@pytest.fixture
def village_cadre(village):
    return CadreFactory(user__username="village_cadre_t", level=Level.VILLAGE, village=village, title="村委委员")


def _open(term, cadre, talent, **extra) -> Pairing:
    return Pairing.objects.create(
        term=term, cadre=cadre, talent=talent, level=cadre.level, start_date=term.start_date, **extra
    )


def _end(pairing: Pairing, on: datetime.date, reason=Pairing.EndReason.POST_CHANGE) -> None:
    pairing.end_date, pairing.end_reason = on, reason
    pairing.save(update_fields=["end_date", "end_reason"])


def test_a_talent_cannot_have_two_open_township_pairings(term, cadre, other_cadre):
    talent = TalentFactory()
    _open(term, cadre, talent)
    with pytest.raises(IntegrityError), transaction.atomic():
        _open(term, other_cadre, talent)


def test_a_village_pairing_may_coexist_with_a_township_pairing(term, cadre, village_cadre):
    talent = TalentFactory()
    _open(term, cadre, talent)
    _open(term, village_cadre, talent)
    assert talent.pairings.open().count() == 2


def test_a_talent_whose_pairing_ended_may_be_paired_again(term, cadre, other_cadre):
    talent = TalentFactory()
    _end(_open(term, cadre, talent), D(2025, 6, 30))
    assert _open(term, other_cadre, talent).is_open


def test_a_cadre_cannot_have_a_second_open_talent_in_a_term(term, cadre):
    _open(term, cadre, TalentFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        _open(term, cadre, TalentFactory())


def test_a_cadre_may_have_a_second_open_talent_with_a_justified_exception(term, cadre):
    _open(term, cadre, TalentFactory())
    _open(term, cadre, TalentFactory(), exception_reason="乡党委会议研究同意增联一名")
    assert cadre.pairings.open().count() == 2


def test_a_cadre_may_have_one_open_talent_in_each_term(term, cadre):
    next_term = TermFactory(name="2027年—2028年", start_date=D(2027, 1, 1), end_date=D(2028, 12, 31), is_current=False)
    _open(term, cadre, TalentFactory())
    _open(next_term, cadre, TalentFactory())
    assert cadre.pairings.open().count() == 2


def test_an_ended_pairing_without_an_end_reason_is_refused(term, cadre):
    pairing = _open(term, cadre, TalentFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.filter(pk=pairing.pk).update(end_date=D(2025, 6, 30))


def test_an_open_pairing_with_an_end_reason_is_refused(term, cadre):
    with pytest.raises(IntegrityError), transaction.atomic():
        _open(term, cadre, TalentFactory(), end_reason=Pairing.EndReason.OTHER)


def test_a_pairing_cannot_end_before_it_starts(term, cadre):
    pairing = _open(term, cadre, TalentFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        _end(pairing, term.start_date - datetime.timedelta(days=1))


def test_a_pairing_may_end_on_the_day_it_starts(term, cadre):
    pairing = _open(term, cadre, TalentFactory())
    _end(pairing, pairing.start_date)
    assert not pairing.is_open


def test_replacing_a_pairing_keeps_the_old_one_in_the_talents_history(term, cadre, other_cadre):
    talent = TalentFactory()
    old = _open(term, cadre, talent)
    ContactFactory(pairing=old)
    _end(old, D(2025, 9, 1))
    new = Pairing.objects.create(
        term=term, cadre=other_cadre, talent=talent, level=Level.TOWNSHIP, start_date=D(2025, 9, 2), replaces=old
    )

    assert list(talent.pairings.order_by("start_date")) == [old, new]
    assert list(talent.pairings.open()) == [new]
    assert list(old.replaced_by.all()) == [new]
    old.refresh_from_db()
    assert (old.end_date, old.end_reason, old.contacts.count()) == (D(2025, 9, 1), "post_change", 1)


def test_a_pairing_with_contacts_cannot_be_deleted(term, cadre):
    pairing = _open(term, cadre, TalentFactory())
    ContactFactory(pairing=pairing)
    with pytest.raises(IntegrityError), transaction.atomic():
        pairing.delete()


def test_only_one_term_can_be_current(term):
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(name="2027年—2028年", start_date=D(2027, 1, 1), end_date=D(2028, 12, 31), is_current=True)


def test_any_number_of_past_terms_may_exist(term):
    Term.objects.create(name="2021年—2022年", start_date=D(2021, 1, 1), end_date=D(2022, 12, 31))
    Term.objects.create(name="2023年—2024年", start_date=D(2023, 1, 1), end_date=D(2024, 12, 31))
    assert Term.objects.current() == term
    assert Term.objects.count() == 3


@pytest.mark.parametrize("end_date", [D(2020, 12, 31), D(2021, 1, 1)])
def test_a_term_must_end_after_it_starts(end_date):
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(name="错误届期", start_date=D(2021, 1, 1), end_date=end_date)


def test_term_names_read_like_the_roster_heading():
    assert Term.name_for(2023) == "2023年—2024年"


@pytest.mark.parametrize("start_date", [D(2024, 12, 31), D(2027, 1, 1)])
def test_pairing_clean_rejects_a_start_date_outside_the_term(term, cadre, start_date):
    pairing = Pairing(term=term, cadre=cadre, talent=TalentFactory(), start_date=start_date)
    with pytest.raises(ValidationError) as exc:
        pairing.clean()
    assert "start_date" in exc.value.message_dict


def test_pairing_clean_accepts_the_terms_first_and_last_day(term, cadre):
    for day in (term.start_date, term.end_date):
        Pairing(term=term, cadre=cadre, talent=TalentFactory(), start_date=day).clean()


def test_pairing_clean_takes_the_level_from_the_cadre(term, village_cadre):
    pairing = Pairing(term=term, cadre=village_cadre, talent=TalentFactory(), start_date=term.start_date)
    pairing.level = Level.TOWNSHIP
    pairing.clean()
    assert pairing.level == Level.VILLAGE


def test_full_clean_reports_a_second_open_township_pairing(term, cadre, other_cadre):
    talent = TalentFactory()
    _open(term, cadre, talent)
    pairing = Pairing(term=term, cadre=other_cadre, talent=talent, start_date=term.start_date)
    with pytest.raises(ValidationError):
        pairing.full_clean()
