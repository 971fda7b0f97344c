"""One small township in which every form of the project can be posted by someone allowed to."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from contacts.models import Demand, Feedback, Recommendation, Suggestion, Term
from reports.models import VillageReport
from tests.factories import (
    CadreFactory,
    DemandFactory,
    FeedbackFactory,
    PairingFactory,
    RecommendationFactory,
    SuggestionFactory,
    TalentFactory,
    TermFactory,
    UnitFactory,
    VillageFactory,
)


@pytest.fixture
def world(db, office_user, cadre, secretary_user, village, liaison_user):
    today = timezone.localdate()
    year = today.year if today.year % 2 else today.year - 1
    term = TermFactory(
        name=Term.name_for(year),
        start_date=datetime.date(year, 1, 1),
        end_date=datetime.date(year + 1, 12, 31),
        is_current=True,
    )
    unit = UnitFactory(name="梅家乡农业服务中心", liaison=liaison_user)
    talent = TalentFactory(name="陈丽华", unit=unit, village=village, phone="13812345678")
    free_talent = TalentFactory(name="刘空闲", unit=unit, village=village, phone="13812345679")
    pairing = PairingFactory(term=term, cadre=cadre, talent=talent, created_by=office_user)
    free_cadre = CadreFactory(user__username="cadre_free", name="赵空闲")
    raised = term.start_date
    other_village = VillageFactory(name="青山村")
    return SimpleNamespace(
        today=today,
        term=term,
        unit=unit,
        village=village,
        other_village=other_village,
        talent=talent,
        free_talent=free_talent,
        pairing=pairing,
        cadre=cadre,
        free_cadre=free_cadre,
        office=office_user,
        cadre_user=cadre.user,
        secretary=secretary_user,
        liaison=liaison_user,
        open_demand=DemandFactory(talent=talent, raised_on=raised, content="希望参加技术培训。"),
        closed_demand=DemandFactory(
            talent=talent,
            raised_on=raised,
            status=Demand.Status.RESOLVED,
            result="已安排培训。",
            closed_on=raised,
        ),
        suggestion=SuggestionFactory(talent=talent, status=Suggestion.Status.COLLECTED),
        feedback=FeedbackFactory(unit=unit, status=Feedback.Status.OPEN),
        recommendation=RecommendationFactory(
            talent=talent, organization=village, year=today.year, outcome=Recommendation.Outcome.PENDING
        ),
        submitted_report=VillageReport.objects.create(
            village=other_village,
            year=today.year,
            status=VillageReport.Status.SUBMITTED,
            submitted_at=timezone.now(),
            **dict.fromkeys(("basic_situation", "main_practices", "results", "problems", "next_steps"), "无"),
        ),
    )


@pytest.fixture
def clients(db):
    """A logged-in client per user, kept for the whole test so examples do not each log in."""
    from .support import logged_in_client

    made = {}

    def client_for(user):
        if user not in made:
            made[user] = logged_in_client(user)
        return made[user]

    return client_for
