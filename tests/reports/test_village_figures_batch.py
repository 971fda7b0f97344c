"""The village report's figures counted for every village at once (issue 5's closing note): the township summary
and the all-villages zip take a fixed number of queries whatever the number of villages, and the batched figures
are exactly each village's own."""

from __future__ import annotations

import datetime
import io
import json
import random
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from contacts.models import Contact, Demand, Level, MajorEvent, Pairing, Recommendation, Suggestion
from reports import village_reports as vr
from reports.exporters.township_summary import TownshipSummaryExporter
from reports.exporters.village_report import render_zip
from reports.models import VillageReport
from talents.models import Talent, Unit
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
    VillageFactory,
)

Y = 2024


@pytest.fixture
def term(db):
    return TermFactory(name="2023年—2024年", start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2024, 12, 31))


def _varied(term, villages: int, seed: int = 7) -> list[Unit]:
    """Villages with different amounts of every kind of record, in and around the year, and the cross-village
    cases: a village-level cadre paired with another village's talent, a recommendation made by one village for
    another's talent, a talent moved out, a village with no data at all."""
    rng = random.Random(seed)
    units = [VillageFactory(name=f"样本{i}村", sort_order=i) for i in range(villages)]
    VillageFactory(name="空白村", sort_order=99)
    years = [Y - 1, Y, Y, Y]
    for i, village in enumerate(units):
        for t in range(rng.randint(0, 4) + i % 2):
            category = rng.choice(Talent.Category.values)
            rural = rng.choice(Talent.RuralType.values) if category == Talent.Category.RURAL else ""
            talent = TalentFactory(name=f"村{i}人{t}", village=village, category=category, rural_type=rural)
            if rng.random() < 0.15:
                talent.move_out(on=datetime.date(Y, 5, 1), reason="调离本乡")
                continue
            pairing = PairingFactory(term=term, talent=talent, start_date=term.start_date)
            for _c in range(rng.randint(0, 3)):
                contact = ContactFactory(
                    pairing=pairing,
                    date=datetime.date(rng.choice(years), rng.randint(1, 12), 1),
                    method=rng.choice(Contact.Method.values),
                    direction=rng.choice(Contact.Direction.values),
                    is_guidance=rng.random() < 0.5,
                    is_consultation=rng.random() < 0.5,
                    is_service=rng.random() < 0.5,
                )
                if rng.random() < 0.5:
                    status = rng.choice(Suggestion.Status.values)
                    SuggestionFactory(talent=talent, contact=contact, status=status, forwarded_to="乡农业服务中心")
            for _d in range(rng.randint(0, 3)):
                status, raised = rng.choice(Demand.Status.values), rng.choice(years)
                closed = status in Demand.CLOSED_STATUSES
                DemandFactory(
                    talent=talent,
                    raised_on=datetime.date(raised, rng.randint(1, 6), 1),
                    status=status,
                    closed_on=datetime.date(rng.choice([raised, Y]), 7, 1) if closed else None,
                    satisfaction=rng.choice(["", *Demand.Satisfaction.values]) if closed else "",
                )
            for _e in range(rng.randint(0, 2)):
                MajorEventFactory(
                    talent=talent, date=datetime.date(rng.choice(years), 8, 1), kind=rng.choice(MajorEvent.Kind.values)
                )
            if rng.random() < 0.5:
                RecommendationFactory(
                    talent=talent,
                    year=rng.choice(years),
                    role=rng.choice(Recommendation.Role.values),
                    outcome=rng.choice(Recommendation.Outcome.values),
                )
        # Heard outside a contact: counted by the day it was recorded.
        heard = SuggestionFactory(talent=TalentFactory(village=village), contact=None)
        recorded = datetime.datetime(rng.choice(years), 5, 1, tzinfo=datetime.UTC)
        Suggestion.objects.filter(pk=heard.pk).update(created_at=recorded)
    # Across villages: 样本1村's committee member paired with a talent of 样本0村; 样本2村 recommends her too.
    guest = TalentFactory(name="跨村人才", village=units[0])
    cadre = CadreFactory(name="村委委员", level=Level.VILLAGE, village=units[1 % villages])
    PairingFactory(term=term, cadre=cadre, talent=guest, start_date=term.start_date)
    RecommendationFactory(talent=guest, organization=units[2 % villages], year=Y, role=Recommendation.Role.CPPCC)
    old = PairingFactory(term=term, talent=TalentFactory(village=units[-1]), start_date=term.start_date)
    Pairing.objects.filter(pk=old.pk).update(end_date=datetime.date(2023, 12, 31), end_reason="term_ended")
    return list(Unit.objects.villages().order_by("sort_order", "name"))


def test_the_batched_figures_equal_each_villages_own_figures(term):
    villages = _varied(term, villages=6)
    batched = vr.report_figures_for(villages=villages, year=Y)
    assert set(batched) == {v.pk for v in villages}
    for village in villages:
        assert batched[village.pk] == vr.report_figures(village=village, year=Y), village.name
    # The dataset is varied enough to mean something: villages differ, and the cross-village pairing counts twice.
    assert len({(f.contacts_total, f.demands.raised, len(f.pairings)) for f in batched.values()}) > 2
    guest_pairings = [f.village.name for f in batched.values() for p in f.pairings if p.talent == "跨村人才"]
    assert guest_pairings == ["样本0村", "样本1村"]
    assert batched[villages[2].pk].recommendation_counts.get(Recommendation.Role.CPPCC) == 1


def test_figures_read_back_from_their_json_snapshot_are_the_same_figures(term):
    villages = _varied(term, villages=4, seed=11)
    for village, figures in vr.report_figures_for(villages=villages, year=Y).items():
        stored = json.loads(json.dumps(figures.to_snapshot()))
        assert vr.VillageFigures.from_snapshot(stored, village=figures.village) == figures, village


def test_counting_no_villages_asks_the_database_nothing(db):
    with CaptureQueriesContext(connection) as queries:
        assert vr.report_figures_for(villages=[], year=Y) == {}
    assert len(queries) == 0


def _summary_queries(villages: int, term) -> int:
    _varied(term, villages=villages)
    exporter = TownshipSummaryExporter(user=None, year=Y)
    with CaptureQueriesContext(connection) as queries:
        result = exporter.render("xlsx")
    assert result.row_count == villages + 1  # and 空白村
    return len(queries)


@pytest.mark.parametrize("villages", [2, 6])
def test_the_summary_takes_ten_queries_for_two_or_six_villages(term, villages):
    # 1 the organisation (the title), 2 the villages, 3 their reports for the year, then the figures of all
    # villages together: 4 talents by category, 5 pairings (contacts counted), 6 contacts by method,
    # 7 suggestions, 8 demands, 9 recommendations, 10 major events by kind.
    assert _summary_queries(villages, term) == 10


def test_the_summary_line_of_every_village_shows_its_own_figures(term):
    villages = _varied(term, villages=5)
    sheet = load_workbook(io.BytesIO(TownshipSummaryExporter(user=None, year=Y).render("xlsx").content)).active
    lines = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True) if row[1] is not None}
    for village in villages:
        figures = vr.report_figures(village=village, year=Y)
        assert lines[village.name][1:5] == (
            figures.talents_total,
            figures.township_pairings,
            figures.village_pairings,
            figures.contacts_total,
        ), village.name


def _zip_queries(villages: int, term, office_user) -> tuple[int, list[str]]:
    _varied(term, villages=villages)
    VillageFactory(name="撤并村", active=False)
    first = Unit.objects.villages().filter(active=True).order_by("sort_order").first()
    vr.report_submit(village=first, year=Y, by=None, texts={"results": "已提交。"})
    with CaptureQueriesContext(connection) as queries:
        result = render_zip(user=office_user, villages=Unit.objects.villages().filter(active=True), year=Y)
    return len(queries), zipfile.ZipFile(io.BytesIO(result.content)).namelist()


@pytest.mark.parametrize("villages", [1, 3])
def test_the_all_villages_zip_takes_the_same_queries_for_few_and_more_villages(term, office_user, villages):
    count, names = _zip_queries(villages, term, office_user)
    # 1 the user's roles, 2 the villages in the user's scope, 3 their reports for the year, 4–10 the live
    # figures of the villages whose report is not frozen (seven grouped queries), 11–14 the export log
    # entry (savepoint, insert, its audit entry, release). Nothing per village.
    assert count == 14
    assert len(names) == 2 * (villages + 1)  # PDF and Word of each active village, 空白村 included
    assert VillageReport.objects.get().figures is not None
