"""Village Party organisations recommend talents as deputies and members (issue 4, item 9, R15)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Recommendation
from tests.factories import RecommendationFactory, TalentFactory, UserFactory, VillageFactory

LIST = reverse("ledger:recommendations")
NEW = reverse("ledger:recommendation_new")


@pytest.fixture
def talent(pairing):
    return pairing.talent  # 陈丽华 of 梅家村


@pytest.fixture
def other_secretary(db):
    return UserFactory(username="secretary_other", roles=["village_secretary"])


@pytest.fixture
def other_village(other_secretary):
    return VillageFactory(name="新桥村", secretary=other_secretary)


@pytest.fixture
def other_talent(other_village):
    return TalentFactory(name="赵其他", village=other_village)


@pytest.fixture
def recommendation(talent, village):
    return RecommendationFactory(
        talent=talent, organization=village, role=Recommendation.Role.PEOPLES_CONGRESS, year=2026, note="乡人大换届"
    )


@pytest.fixture
def other_recommendation(other_talent, other_village):
    return RecommendationFactory(
        talent=other_talent,
        organization=other_village,
        role=Recommendation.Role.PARTY_CONGRESS,
        level=Recommendation.Level.COUNTY,
        year=2025,
        outcome=Recommendation.Outcome.ELECTED,
    )


def _rows(body: str) -> str:
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _list(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return _rows(response.content.decode())


def _record(client, user, talent, **fields):
    client.force_login(user)
    data = {
        "talent": talent.pk,
        "role": Recommendation.Role.CPPCC,
        "level": Recommendation.Level.COUNTY,
        "year": "2026",
        "outcome": Recommendation.Outcome.PENDING,
        "note": "县政协换届推荐",
    }
    data.update(fields)
    return client.post(NEW, data)


def _edit_url(item) -> str:
    return reverse("ledger:recommendation_edit", args=[item.pk])


def _set_outcome(client, user, item, outcome=Recommendation.Outcome.ELECTED, note="当选"):
    client.force_login(user)
    return client.post(_edit_url(item), {"outcome": outcome, "note": note})


# --- Recording -----------------------------------------------------------------------------------


def test_a_secretary_records_a_recommendation_for_their_villages_talent(client, secretary_user, talent, village):
    response = _record(client, secretary_user, talent)
    assert response.status_code == 302
    assert response["Location"] == LIST
    item = Recommendation.objects.get()
    assert (item.talent, item.organization, item.created_by) == (talent, village, secretary_user)
    assert (item.role, item.level, item.year, item.note) == ("cppcc", "county", 2026, "县政协换届推荐")
    rows = _rows(client.get(LIST).content.decode())
    assert "陈丽华" in rows and "县政协换届推荐" in rows


def test_the_same_recommendation_twice_is_a_form_error_not_a_crash(client, secretary_user, talent):
    _record(client, secretary_user, talent)
    response = _record(client, secretary_user, talent, note="重复")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "重复" in response.content.decode()
    assert Recommendation.objects.count() == 1


def test_another_level_or_year_is_a_new_recommendation(client, secretary_user, talent):
    _record(client, secretary_user, talent)
    _record(client, secretary_user, talent, level=Recommendation.Level.CITY)
    _record(client, secretary_user, talent, year="2027")
    assert Recommendation.objects.count() == 3


def test_an_implausible_year_is_refused_next_to_the_field(client, secretary_user, talent):
    response = _record(client, secretary_user, talent, year="26")
    assert list(response.context["form"].errors) == ["year"]
    assert not Recommendation.objects.exists()


def test_a_secretary_cannot_recommend_another_villages_talent(client, secretary_user, talent, other_talent):
    response = _record(client, secretary_user, other_talent)
    assert "talent" in response.context["form"].errors
    assert not Recommendation.objects.exists()


def test_the_form_offers_only_the_secretarys_village_talents(client, secretary_user, talent, other_talent):
    client.force_login(secretary_user)
    body = client.get(NEW).content.decode()
    assert "陈丽华" in body and "赵其他" not in body


def test_the_office_records_for_the_talents_own_village(client, office_user, other_talent, other_village):
    _record(client, office_user, other_talent)
    assert Recommendation.objects.get().organization == other_village


@pytest.mark.parametrize("who", ["cadre_user", "liaison_user", "leader_user"])
def test_cadres_liaisons_and_leaders_record_no_recommendations(client, request, talent, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(NEW).status_code == 403
    assert _record(client, user, talent).status_code == 403
    assert not Recommendation.objects.exists()


# --- The list ------------------------------------------------------------------------------------


def test_the_office_sees_every_village_by_village_and_year(client, office_user, recommendation, other_recommendation):
    rows = _list(client, office_user)
    assert "陈丽华" in rows and "赵其他" in rows
    assert "梅家村" in rows and "新桥村" in rows


def test_a_leader_reads_the_list_without_edit_links(client, leader_user, recommendation):
    rows = _list(client, leader_user)
    assert "陈丽华" in rows
    assert _edit_url(recommendation) not in rows


def test_a_secretary_sees_only_their_village(client, secretary_user, recommendation, other_recommendation):
    rows = _list(client, secretary_user)
    assert "陈丽华" in rows
    assert "赵其他" not in rows
    assert _edit_url(recommendation) in rows


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"year": "2025"}, "赵其他", "陈丽华"),
        ({"role": "npc"}, "陈丽华", "赵其他"),
        ({"outcome": "elected"}, "赵其他", "陈丽华"),
    ],
)
def test_the_list_filters_by_year_role_and_outcome(
    client, office_user, recommendation, other_recommendation, params, shown, hidden
):
    rows = _list(client, office_user, **params)
    assert shown in rows
    assert hidden not in rows


def test_the_list_filters_by_village(client, office_user, recommendation, other_recommendation, other_village):
    rows = _list(client, office_user, village=other_village.pk)
    assert "赵其他" in rows and "陈丽华" not in rows


@pytest.mark.parametrize("who", ["cadre_user", "liaison_user"])
def test_cadres_and_liaisons_have_no_recommendations_page(client, request, recommendation, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client, recommendation):
    for url in (LIST, NEW, _edit_url(recommendation)):
        assert client.get(url)["Location"].startswith(reverse("login"))


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["office_user", "secretary_user"])
def test_the_list_runs_the_same_queries_for_two_or_fifteen_recommendations(client, request, village, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for year in (2025, 2026):
        RecommendationFactory(talent=TalentFactory(village=village), organization=village, year=year)
    small = _list_queries(client)
    for i in range(13):
        where = village if i % 2 else VillageFactory()
        RecommendationFactory(talent=TalentFactory(village=where), organization=where, year=2020 + i % 4)
    large = _list_queries(client)
    # session, user, roles (groups), years with recommendations (year filter), row count (pager,
    # capped), the page (talent and organisation joined; the scope as a subquery), "may record one"
    # (exists), organisation for the header; the secretary's own villages for the filter select
    # (the office types a village's name: no query lists the villages)
    assert small == large == {"office_user": 8, "secretary_user": 9}[who]


# --- The outcome ---------------------------------------------------------------------------------


def test_the_secretary_records_the_outcome(client, secretary_user, recommendation):
    response = _set_outcome(client, secretary_user, recommendation)
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert (recommendation.outcome, recommendation.note) == (Recommendation.Outcome.ELECTED, "当选")


def test_the_office_corrects_an_outcome(client, office_user, other_recommendation):
    _set_outcome(client, office_user, other_recommendation, outcome=Recommendation.Outcome.NOT_ELECTED, note="")
    other_recommendation.refresh_from_db()
    assert other_recommendation.outcome == Recommendation.Outcome.NOT_ELECTED


def test_an_unknown_outcome_is_refused(client, secretary_user, recommendation):
    response = _set_outcome(client, secretary_user, recommendation, outcome="won")
    assert list(response.context["form"].errors) == ["outcome"]
    recommendation.refresh_from_db()
    assert recommendation.outcome == Recommendation.Outcome.PENDING


def test_another_villages_secretary_gets_not_found(client, other_secretary, recommendation):
    client.force_login(other_secretary)
    assert client.get(_edit_url(recommendation)).status_code == 404
    assert _set_outcome(client, other_secretary, recommendation).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("leader_user", 403), ("cadre_user", 404), ("liaison_user", 404)])
def test_others_cannot_change_the_outcome(client, request, recommendation, who, status):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(_edit_url(recommendation)).status_code == status
    assert _set_outcome(client, user, recommendation).status_code == status
    recommendation.refresh_from_db()
    assert recommendation.outcome == Recommendation.Outcome.PENDING
