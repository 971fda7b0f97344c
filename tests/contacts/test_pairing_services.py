"""Pairings per term (R10, R12): the workflows behind the board — propose, adjust, supplement, end, next term."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts import pairings as services
from contacts.models import Demand, DemandProgress, Level, Pairing, Term
from talents import access
from tests.factories import (
    CadreFactory,
    DemandFactory,
    PairingFactory,
    TalentFactory,
    TermFactory,
    current_term_covering_today,
)

pytestmark = pytest.mark.django_db

TALENT_TAKEN = "该优秀人才在此级别已有未结束的结对关系，请先结束原结对关系。"
CADRE_BUSY = "该联系领导本届期内已结对一名优秀人才，请先结束原结对关系，或填写特殊情况说明。"
EXCEPTION = "乡党委会议研究同意增联一名"


@pytest.fixture
def term():
    return current_term_covering_today()


@pytest.fixture
def old_term(term):
    start = term.start_date.replace(year=term.start_date.year - 2)
    return TermFactory(
        name=Term.name_for(start.year),
        start_date=start,
        end_date=term.start_date - datetime.timedelta(days=1),
        is_current=False,
    )


@pytest.fixture
def paired(term, cadre, office_user):
    talent = TalentFactory(name="陈丽华", thoughts="对产业规划有顾虑。")
    return PairingFactory(term=term, cadre=cadre, talent=talent, created_by=office_user)


def _errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def _create(term, cadre, talent, by, **extra) -> Pairing:
    return services.pairing_create(term=term, cadre=cadre, talent=talent, start_date=term.start_date, by=by, **extra)


# --- Propose and create -----------------------------------------------------------------------


def test_proposing_a_pairing_describes_it_and_saves_nothing(term, cadre):
    talent = TalentFactory()
    proposal = services.pairing_propose(term=term, cadre=cadre, talent=talent, start_date=term.start_date)
    assert (proposal.pairing.cadre, proposal.pairing.talent, proposal.pairing.level) == (cadre, talent, Level.TOWNSHIP)
    assert proposal.warnings == []
    assert not Pairing.objects.exists()


def test_creating_a_pairing_records_who_created_it(term, cadre, office_user):
    pairing = _create(term, cadre, TalentFactory(), office_user)
    assert pairing.is_open and pairing.created_by == office_user and pairing.created_at is not None


def test_a_second_open_talent_for_a_cadre_is_refused_beside_the_cadre(term, cadre, paired, office_user):
    with pytest.raises(ValidationError) as excinfo:
        _create(term, cadre, TalentFactory(), office_user)
    assert CADRE_BUSY in _errors(excinfo)["cadre"][0]
    assert Pairing.objects.count() == 1


def test_a_second_talent_with_a_justified_exception_is_saved_and_warned_about(term, cadre, paired, office_user):
    talent = TalentFactory()
    proposal = services.pairing_propose(
        term=term, cadre=cadre, talent=talent, start_date=term.start_date, exception_reason=EXCEPTION
    )
    assert any(EXCEPTION in w and cadre.name in w for w in proposal.warnings)
    _create(term, cadre, talent, office_user, exception_reason=EXCEPTION)
    assert cadre.pairings.open().count() == 2


def test_a_talent_already_paired_at_the_level_is_refused_beside_the_talent(term, paired, other_cadre, office_user):
    with pytest.raises(ValidationError) as excinfo:
        _create(term, other_cadre, paired.talent, office_user)
    message = _errors(excinfo)["talent"][0]
    assert TALENT_TAKEN in message and paired.cadre.name in message  # says with whom
    assert Pairing.objects.count() == 1


def test_a_talent_left_open_in_an_old_term_must_be_ended_before_pairing_again(term, old_term, cadre, other_cadre):
    stale = PairingFactory(term=old_term, cadre=other_cadre, talent=TalentFactory())
    with pytest.raises(ValidationError) as excinfo:
        _create(term, cadre, stale.talent, None)
    assert old_term.name in _errors(excinfo)["talent"][0]
    services.pairing_end(pairing=stale, end_date=old_term.end_date, end_reason=Pairing.EndReason.OTHER, end_note="遗留")
    assert _create(term, cadre, stale.talent, None).is_open


def test_a_start_date_outside_the_term_is_refused_beside_the_date(term, cadre):
    with pytest.raises(ValidationError) as excinfo:
        services.pairing_create(
            term=term, cadre=cadre, talent=TalentFactory(), start_date=term.end_date.replace(year=2099), by=None
        )
    assert "start_date" in _errors(excinfo)
    assert not Pairing.objects.exists()


def test_supplementing_pairs_a_talent_who_has_none(term, cadre, office_user):
    pairing = services.pairing_supplement(
        term=term, cadre=cadre, talent=TalentFactory(), start_date=term.start_date, by=office_user
    )
    assert pairing.is_open and pairing.created_by == office_user


def test_supplementing_refuses_a_talent_who_already_has_a_village_pairing(term, cadre, village):
    village_cadre = CadreFactory(level=Level.VILLAGE, village=village, title="村委委员")
    talent = TalentFactory(village=village)
    PairingFactory(term=term, cadre=village_cadre, talent=talent)
    with pytest.raises(ValidationError) as excinfo:
        services.pairing_supplement(term=term, cadre=cadre, talent=talent, start_date=term.start_date, by=None)
    assert village_cadre.name in _errors(excinfo)["talent"][0]


# --- Adjust mid-term --------------------------------------------------------------------------


def _adjust(paired, term, by, **change) -> Pairing:
    change.setdefault("end_reason", Pairing.EndReason.POST_CHANGE)
    change.setdefault("end_note", "调任县农业农村局")
    return services.pairing_adjust(pairing=paired, term=term, by=by, end_date=timezone.localdate(), **change)


def test_adjusting_ends_the_old_pairing_and_opens_its_successor(term, paired, other_cadre, office_user):
    new = _adjust(paired, term, office_user, cadre=other_cadre)
    paired.refresh_from_db()
    assert (paired.end_date, paired.end_reason, paired.end_note) == (
        timezone.localdate(),
        Pairing.EndReason.POST_CHANGE,
        "调任县农业农村局",
    )
    assert (new.cadre, new.talent, new.replaces, new.start_date, new.created_by) == (
        other_cadre,
        paired.talent,
        paired,
        timezone.localdate(),
        office_user,
    )


def test_adjusting_hands_the_old_cadres_open_demands_to_the_successor(term, paired, other_cadre, office_user):
    talent, cadre = paired.talent, paired.cadre
    moving = DemandFactory(talent=talent, coordinating_cadre=cadre, raised_on=term.start_date)
    closed = DemandFactory(
        talent=talent,
        coordinating_cadre=cadre,
        raised_on=term.start_date,
        status=Demand.Status.RESOLVED,
        closed_on=term.start_date,
    )
    elsewhere = DemandFactory(talent=talent, coordinating_cadre=CadreFactory(), raised_on=term.start_date)
    proposal = services.pairing_adjust_propose(
        pairing=paired, term=term, end_date=timezone.localdate(), cadre=other_cadre
    )
    assert proposal.handover == [moving]
    _adjust(paired, term, office_user, cadre=other_cadre)
    for d in (moving, closed, elsewhere):
        d.refresh_from_db()
    assert moving.coordinating_cadre == other_cadre
    assert closed.coordinating_cadre == cadre and elsewhere.coordinating_cadre != other_cadre
    note = moving.progress.get()
    assert other_cadre.name in note.note and note.created_by == office_user
    assert not closed.progress.exists() and not elsewhere.progress.exists()


def test_the_successor_reads_the_thoughts_note_and_the_previous_cadre_no_longer(term, paired, other_cadre):
    talent = paired.talent
    assert access.can_see_thoughts(paired.cadre.user, talent)
    _adjust(paired, term, None, cadre=other_cadre)
    talent.refresh_from_db()
    assert talent.thoughts == "对产业规划有顾虑。"
    assert access.can_see_thoughts(other_cadre.user, talent)
    assert not access.can_see_thoughts(paired.cadre.user, talent)


def test_adjusting_to_a_new_talent_leaves_the_old_talents_demands_with_the_cadre(term, paired, office_user):
    demand = DemandFactory(talent=paired.talent, coordinating_cadre=paired.cadre, raised_on=term.start_date)
    new_talent = TalentFactory()
    proposal = services.pairing_adjust_propose(
        pairing=paired, term=term, end_date=timezone.localdate(), talent=new_talent
    )
    assert proposal.staying == [demand] and proposal.handover == []
    new = _adjust(paired, term, office_user, talent=new_talent, end_reason=Pairing.EndReason.TALENT_ADJUSTED)
    demand.refresh_from_db()
    assert (new.cadre, new.talent) == (paired.cadre, new_talent)
    assert demand.coordinating_cadre == paired.cadre and not demand.progress.exists()


def test_an_adjustment_refused_by_the_successors_own_pairing_changes_nothing(term, paired, other_cadre):
    PairingFactory(term=term, cadre=other_cadre, talent=TalentFactory())
    demand = DemandFactory(talent=paired.talent, coordinating_cadre=paired.cadre, raised_on=term.start_date)
    with pytest.raises(ValidationError) as excinfo:
        _adjust(paired, term, None, cadre=other_cadre)
    assert CADRE_BUSY in _errors(excinfo)["cadre"][0]
    paired.refresh_from_db()
    demand.refresh_from_db()
    assert paired.is_open and paired.end_reason == ""
    assert Pairing.objects.count() == 2
    assert demand.coordinating_cadre == paired.cadre and not DemandProgress.objects.exists()


def test_adjusting_needs_another_cadre_or_another_talent(term, paired):
    with pytest.raises(ValidationError) as excinfo:
        services.pairing_adjust_propose(pairing=paired, term=term, end_date=timezone.localdate())
    assert "cadre" in _errors(excinfo)


def test_an_adjustment_dated_before_the_pairing_started_is_refused_beside_the_date(term, paired, other_cadre):
    with pytest.raises(ValidationError) as excinfo:
        services.pairing_adjust_propose(
            pairing=paired, term=term, end_date=term.start_date - datetime.timedelta(days=1), cadre=other_cadre
        )
    assert "end_date" in _errors(excinfo)


def test_ending_a_pairing_keeps_its_date_reason_and_note(term, paired):
    services.pairing_end(
        pairing=paired, end_date=timezone.localdate(), end_reason=Pairing.EndReason.OTHER, end_note="本人调离本乡"
    )
    paired.refresh_from_db()
    assert (paired.end_reason, paired.end_note) == (Pairing.EndReason.OTHER, "本人调离本乡")
    with pytest.raises(ValidationError):
        services.pairing_end(pairing=paired, end_date=timezone.localdate(), end_reason=Pairing.EndReason.OTHER)


# --- The next term ----------------------------------------------------------------------------


def test_the_next_term_is_proposed_for_two_years_after_the_current_one(term, paired):
    proposal = services.term_next_proposal(term=term)
    start = term.end_date + datetime.timedelta(days=1)
    assert (proposal.name, proposal.start_date, proposal.end_date) == (
        Term.name_for(start.year),
        start,
        datetime.date(start.year + 1, 12, 31),
    )
    assert proposal.pairings == [paired] and proposal.pairings[0].carry
    assert not Term.objects.filter(name=proposal.name).exists()  # nothing saved by proposing


def test_starting_the_next_term_ends_the_old_pairings_and_carries_them_over(term, paired, other_cadre, office_user):
    second = PairingFactory(term=term, cadre=other_cadre, talent=TalentFactory())
    new_term = services.term_start_next(term=term, by=office_user, carry=[paired.pk, second.pk])
    for p in (paired, second):
        p.refresh_from_db()
        assert (p.end_date, p.end_reason) == (term.end_date, Pairing.EndReason.TERM_ENDED)
        successor = p.replaced_by.get()
        assert (successor.term, successor.cadre, successor.talent) == (new_term, p.cadre, p.talent)
        assert successor.start_date == new_term.start_date and successor.created_by == office_user
    term.refresh_from_db()
    assert Term.objects.current() == new_term and not term.is_current


def test_pairings_not_ticked_end_with_the_term_and_are_not_carried_over(term, paired, other_cadre):
    dropped = PairingFactory(term=term, cadre=other_cadre, talent=TalentFactory())
    new_term = services.term_start_next(term=term, by=None, carry=[paired.pk])
    dropped.refresh_from_db()
    assert dropped.end_reason == Pairing.EndReason.TERM_ENDED and not dropped.replaced_by.exists()
    assert list(new_term.pairings.values_list("talent", flat=True)) == [paired.talent_id]


def test_a_justified_exception_carries_over_with_the_pairing(term, cadre, paired):
    second = PairingFactory(term=term, cadre=cadre, talent=TalentFactory(), exception_reason=EXCEPTION)
    new_term = services.term_start_next(term=term, by=None, carry=[paired.pk, second.pk])
    assert sorted(new_term.pairings.values_list("exception_reason", flat=True)) == ["", EXCEPTION]


def test_a_cadre_no_longer_active_or_a_talent_moved_out_is_not_ticked_by_default(term, paired, other_cadre):
    other_cadre.active = False
    other_cadre.save(update_fields=["active"])
    leaving_cadre = PairingFactory(term=term, cadre=other_cadre, talent=TalentFactory())
    moved = PairingFactory(term=term, cadre=CadreFactory(), talent=TalentFactory())
    moved.talent.move_out(on=timezone.localdate(), reason="调离本乡")
    proposal = services.term_next_proposal(term=term)
    carry = {p.pk: p.carry for p in proposal.pairings}
    assert carry == {paired.pk: True, leaving_cadre.pk: False, moved.pk: False}


def test_starting_the_next_term_twice_is_refused(term, paired):
    services.term_start_next(term=term, by=None, carry=[paired.pk])
    term.refresh_from_db()
    with pytest.raises(ValidationError):
        services.term_start_next(term=term, by=None, carry=[])
    assert Term.objects.count() == 2


# --- History ----------------------------------------------------------------------------------


def test_the_history_lists_every_start_and_end_oldest_first_with_who_did_it(term, paired, other_cadre, office_user):
    new = _adjust(paired, term, office_user, cadre=other_cadre)
    entries = services.pairing_history(talent=paired.talent)
    assert [(e.pairing, e.started) for e in entries] == [(paired, True), (paired, False), (new, True)]
    assert entries[1].by == office_user and entries[2].by == office_user
    assert [e.pairing for e in services.pairing_history(cadre=other_cadre)] == [new]
