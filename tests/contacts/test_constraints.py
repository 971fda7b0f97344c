"""Ledger, report and configuration rules (R3, R13–R15, R17, R19) enforced by the database itself."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Cadre, Demand, Feedback, Level, Recommendation, Suggestion
from reports.models import VillageReport
from talents.models import Organization
from tests.factories import (
    DemandFactory,
    FeedbackFactory,
    MajorEventFactory,
    RecommendationFactory,
    SuggestionFactory,
    TalentFactory,
    UserFactory,
    VillageFactory,
    VillageReportFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def _refused(factory, **fields) -> bool:
    try:
        with transaction.atomic():
            factory(**fields)
    except IntegrityError:
        return True
    return False


# Demand ledger (R14)


@pytest.mark.parametrize("status", [Demand.Status.RESOLVED, Demand.Status.EXPLAINED])
def test_a_closed_demand_needs_its_closing_date(status):
    assert _refused(DemandFactory, status=status, closed_on=None)
    assert not _refused(DemandFactory, status=status, closed_on=D(2026, 3, 10))


@pytest.mark.parametrize("status", [Demand.Status.OPEN, Demand.Status.IN_PROGRESS])
def test_an_open_demand_cannot_have_a_closing_date(status):
    assert _refused(DemandFactory, status=status, closed_on=D(2026, 3, 10))
    assert not _refused(DemandFactory, status=status, closed_on=None)


def test_satisfaction_is_recorded_only_after_the_demand_is_closed():
    assert _refused(DemandFactory, status=Demand.Status.IN_PROGRESS, satisfaction=Demand.Satisfaction.SATISFIED)
    assert not _refused(
        DemandFactory,
        status=Demand.Status.RESOLVED,
        closed_on=D(2026, 3, 10),
        satisfaction=Demand.Satisfaction.UNSATISFIED,
    )


def test_reopening_a_demand_the_talent_was_unhappy_with_must_clear_the_closing_date_and_satisfaction():
    demand = DemandFactory(status=Demand.Status.RESOLVED, closed_on=D(2026, 3, 10), satisfaction="unsatisfied")
    with pytest.raises(IntegrityError), transaction.atomic():
        Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.IN_PROGRESS)
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.IN_PROGRESS, closed_on=None, satisfaction="")
    demand.refresh_from_db()
    assert not demand.is_closed


def test_a_demand_cannot_be_due_before_it_was_raised():
    assert _refused(DemandFactory, raised_on=D(2026, 3, 1), due_date=D(2026, 2, 28))
    assert not _refused(DemandFactory, raised_on=D(2026, 3, 1), due_date=D(2026, 3, 1))


# Suggestions (R3), major events (R17), feedback (R13)


def test_a_forwarded_suggestion_must_say_to_whom():
    assert _refused(SuggestionFactory, status=Suggestion.Status.FORWARDED, forwarded_to="")
    assert not _refused(SuggestionFactory, status=Suggestion.Status.FORWARDED, forwarded_to="乡农业服务中心")
    assert not _refused(SuggestionFactory, status=Suggestion.Status.COLLECTED, forwarded_to="")


def test_an_acknowledged_major_event_must_name_who_acknowledged_it(office_user):
    now = timezone.now()
    assert _refused(MajorEventFactory, acknowledged_at=now, acknowledged_by=None)
    assert not _refused(MajorEventFactory, acknowledged_at=now, acknowledged_by=office_user)
    assert not _refused(MajorEventFactory, acknowledged_at=None, acknowledged_by=None)


def test_handled_feedback_must_say_how_and_when(office_user):
    now = timezone.now()
    assert _refused(FeedbackFactory, status=Feedback.Status.HANDLED, handling="已提醒联系领导", handled_at=None)
    assert _refused(FeedbackFactory, status=Feedback.Status.HANDLED, handling="", handled_at=now)
    assert not _refused(
        FeedbackFactory,
        status=Feedback.Status.HANDLED,
        handling="已提醒联系领导",
        handled_at=now,
        handled_by=office_user,
    )
    assert not _refused(FeedbackFactory, status=Feedback.Status.IN_PROGRESS, handling="", handled_at=None)


# Village annual reports (R19)


def test_a_village_has_one_report_per_year(village):
    VillageReportFactory(village=village, year=2026)
    assert _refused(VillageReportFactory, village=village, year=2026)
    assert not _refused(VillageReportFactory, village=village, year=2025)
    assert not _refused(VillageReportFactory, village=VillageFactory(), year=2026)


@pytest.mark.parametrize("status", [VillageReport.Status.SUBMITTED, VillageReport.Status.RECEIVED])
def test_a_submitted_report_needs_its_submission_time(status):
    assert _refused(VillageReportFactory, status=status, submitted_at=None)
    assert not _refused(VillageReportFactory, status=status, submitted_at=timezone.now())


def test_a_draft_needs_no_submission_time():
    assert VillageReportFactory(status=VillageReport.Status.DRAFT).submitted_at is None


def test_a_returned_report_must_say_why():
    now = timezone.now()
    assert _refused(VillageReportFactory, status=VillageReport.Status.RETURNED, submitted_at=now, return_reason="")
    assert not _refused(
        VillageReportFactory, status=VillageReport.Status.RETURNED, submitted_at=now, return_reason="缺少工作成效数据"
    )


# Recommendations (R15)


def test_a_talent_is_recommended_once_per_role_level_and_year():
    talent = TalentFactory()
    RecommendationFactory(talent=talent)
    assert _refused(RecommendationFactory, talent=talent)
    assert not _refused(RecommendationFactory, talent=talent, role=Recommendation.Role.CPPCC)
    assert not _refused(RecommendationFactory, talent=talent, level=Recommendation.Level.COUNTY)
    assert not _refused(RecommendationFactory, talent=talent, year=2027)


def test_a_recommendation_year_must_have_four_digits():
    assert _refused(RecommendationFactory, year=26)


# Cadres and the organisation


def test_a_village_committee_member_must_belong_to_a_village(db):
    user = UserFactory(username="village_member", roles=["cadre"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Cadre.objects.create(user=user, name="周村委", title="村委委员", level=Level.VILLAGE, village=None)
    assert Cadre.objects.create(
        user=user, name="周村委", title="村委委员", level=Level.VILLAGE, village=VillageFactory()
    )


def test_a_township_cadre_needs_no_village(db):
    user = UserFactory(username="township_member", roles=["cadre"])
    assert Cadre.objects.create(user=user, name="吴乡长", title="乡长", level=Level.TOWNSHIP).village is None


def test_the_organisation_defaults_to_meijia_township():
    org = Organization.current()
    assert (org.pk, org.county, org.township) == (1, "开江县", "梅家乡")
    assert org.committee_name == "中共开江县梅家乡委员会"
    assert str(org) == "中共开江县梅家乡委员会"


def test_the_organisation_keeps_the_offices_edits():
    org = Organization.current()
    org.township, org.committee_name = "普安镇", "中共开江县普安镇委员会"
    org.save()
    assert Organization.current().township == "普安镇"
    assert Organization.objects.count() == 1


def test_a_second_organisation_row_is_refused():
    Organization.current()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(id=2, county="开江县", township="普安镇", committee_name="x", office_name="y")
    assert Organization.objects.count() == 1
