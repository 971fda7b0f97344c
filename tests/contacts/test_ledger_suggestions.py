"""Suggestions heard from talents: list, forward, adopt or decline with an answer (issue 4, item 7, R3)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Level, Suggestion
from tests.factories import CadreFactory, ContactFactory, PairingFactory, SuggestionFactory, UserFactory

LIST = reverse("ledger:suggestions")


@pytest.fixture
def suggestion(pairing):
    contact = ContactFactory(pairing=pairing)
    return SuggestionFactory(
        talent=pairing.talent, contact=contact, content="建议乡里办一期电商培训。", category=Suggestion.Category.ECONOMY
    )


@pytest.fixture
def other_suggestion(other_cadre):
    pairing = PairingFactory(cadre=other_cadre)
    return SuggestionFactory(
        talent=pairing.talent,
        contact=ContactFactory(pairing=pairing),
        content="建议完善村道路灯。",
        category=Suggestion.Category.LIVELIHOOD,
    )


def _url(name: str, suggestion) -> str:
    return reverse(f"ledger:{name}", args=[suggestion.pk])


def _rows(body: str) -> str:
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _list(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return _rows(response.content.decode())


def _forward(client, user, suggestion, to="县农业农村局"):
    client.force_login(user)
    return client.post(_url("suggestion_forward", suggestion), {"forwarded_to": to})


def _answer(client, user, suggestion, status=Suggestion.Status.ADOPTED, answer="已纳入明年培训计划。"):
    client.force_login(user)
    return client.post(_url("suggestion_answer", suggestion), {"status": status, "answer": answer})


# --- The list ------------------------------------------------------------------------------------


def test_the_office_sees_every_suggestion_with_who_heard_it(client, office_user, suggestion, other_suggestion):
    rows = _list(client, office_user)
    assert "建议乡里办一期电商培训。" in rows and "建议完善村道路灯。" in rows
    assert _url("suggestion", suggestion) in rows
    assert "王建国" in rows  # the cadre who heard it
    assert "产业经济" in rows  # the category, in Chinese


def test_a_cadre_sees_their_talents_suggestions_only(client, cadre, suggestion, other_suggestion):
    rows = _list(client, cadre.user)
    assert "建议乡里办一期电商培训。" in rows
    assert "建议完善村道路灯。" not in rows


def test_a_cadre_sees_a_suggestion_recorded_without_a_contact_for_their_talent(client, cadre, pairing):
    SuggestionFactory(talent=pairing.talent, content="来信建议增设图书室。")
    assert "来信建议增设图书室。" in _list(client, cadre.user)


def test_a_village_secretary_sees_suggestions_heard_by_their_village_committee(
    client, secretary_user, village, pairing, suggestion
):
    member = CadreFactory(level=Level.VILLAGE, village=village, user__roles=["cadre"])
    village_pairing = PairingFactory(cadre=member, talent=pairing.talent)
    SuggestionFactory(talent=pairing.talent, contact=ContactFactory(pairing=village_pairing), content="村里建议。")
    rows = _list(client, secretary_user)
    assert "村里建议。" in rows
    assert "建议乡里办一期电商培训。" not in rows  # heard by a township cadre


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"status": "forwarded"}, "建议完善村道路灯。", "建议乡里办一期电商培训。"),
        ({"category": "economy"}, "建议乡里办一期电商培训。", "建议完善村道路灯。"),
        ({"year": "2024"}, "建议完善村道路灯。", "建议乡里办一期电商培训。"),
    ],
)
def test_the_list_filters_by_status_category_and_year(
    client, office_user, suggestion, other_suggestion, params, shown, hidden
):
    other_suggestion.status, other_suggestion.forwarded_to = Suggestion.Status.FORWARDED, "县交通局"
    other_suggestion.save()
    Suggestion.objects.filter(pk=other_suggestion.pk).update(
        created_at=datetime.datetime(2024, 6, 1, 9, tzinfo=datetime.UTC)
    )
    rows = _list(client, office_user, **params)
    assert shown in rows
    assert hidden not in rows


def test_a_liaison_has_no_suggestions_page(client, liaison_user, suggestion):
    client.force_login(liaison_user)
    assert client.get(LIST).status_code == 403
    assert client.get(_url("suggestion", suggestion)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, suggestion):
    for url in (LIST, _url("suggestion", suggestion)):
        assert client.get(url)["Location"].startswith(reverse("login"))


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["office_user", "cadre_user"])
def test_the_list_runs_the_same_queries_for_two_or_fifteen_suggestions(client, request, pairing, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for _ in range(2):
        SuggestionFactory(talent=pairing.talent, contact=ContactFactory(pairing=pairing))
    small = _list_queries(client)
    for i in range(13):
        other = pairing if i % 2 else PairingFactory()
        SuggestionFactory(talent=other.talent, contact=ContactFactory(pairing=other) if i % 3 else None)
    large = _list_queries(client)
    # session, user, roles (groups), oldest and newest suggestion (year filter: two one-row queries),
    # row count (pager, capped), the page
    # of suggestions (talent and contact → pairing → cadre joined; the scope as a subquery),
    # organisation for the header
    assert small == large == 8


# --- Forward, adopt, decline ---------------------------------------------------------------------


def test_the_office_forwards_a_suggestion(client, office_user, suggestion):
    response = _forward(client, office_user, suggestion)
    assert response.status_code == 302
    assert response["Location"] == _url("suggestion", suggestion)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.forwarded_to) == (Suggestion.Status.FORWARDED, "县农业农村局")
    assert "县农业农村局" in client.get(response["Location"]).content.decode()


def test_forwarding_needs_a_recipient_said_next_to_the_field(client, office_user, suggestion):
    response = _forward(client, office_user, suggestion, to="  ")
    assert response.status_code == 200
    assert list(response.context["forward_form"].errors) == ["forwarded_to"]
    assert "建议乡里办一期电商培训。" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.COLLECTED


def test_the_paired_cadre_adopts_it_with_an_answer(client, cadre, suggestion):
    assert _answer(client, cadre.user, suggestion).status_code == 302
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.answer) == (Suggestion.Status.ADOPTED, "已纳入明年培训计划。")


def test_a_forwarded_suggestion_can_still_be_declined(client, office_user, suggestion):
    _forward(client, office_user, suggestion)
    _answer(
        client, office_user, suggestion, status=Suggestion.Status.NOT_ADOPTED, answer="暂不具备条件，已向本人解释。"
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.NOT_ADOPTED
    assert suggestion.forwarded_to == "县农业农村局"


def test_an_answer_is_required_and_the_chosen_decision_is_kept(client, office_user, suggestion):
    response = _answer(client, office_user, suggestion, status=Suggestion.Status.NOT_ADOPTED, answer="")
    assert response.status_code == 200
    form = response.context["answer_form"]
    assert list(form.errors) == ["answer"]
    assert re.search(r'value="not_adopted"[^>]*checked', response.content.decode())
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.COLLECTED


def test_the_decision_must_be_adopted_or_not_adopted(client, office_user, suggestion):
    response = _answer(client, office_user, suggestion, status=Suggestion.Status.COLLECTED)
    assert list(response.context["answer_form"].errors) == ["status"]


def test_an_answered_suggestion_shows_no_forms_and_refuses_a_second_answer(client, office_user, suggestion):
    _answer(client, office_user, suggestion)
    body = client.get(_url("suggestion", suggestion)).content.decode()
    assert _url("suggestion_answer", suggestion) not in body
    assert "已纳入明年培训计划。" in body
    _forward(client, office_user, suggestion)
    _answer(client, office_user, suggestion, status=Suggestion.Status.NOT_ADOPTED, answer="改口")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.forwarded_to) == (Suggestion.Status.ADOPTED, "")


def test_the_page_shows_the_forms_to_those_who_may_answer(client, cadre, suggestion):
    client.force_login(cadre.user)
    body = client.get(_url("suggestion", suggestion)).content.decode()
    assert f'action="{_url("suggestion_forward", suggestion)}"' in body
    assert f'action="{_url("suggestion_answer", suggestion)}"' in body


def test_a_leader_reads_the_suggestion_but_cannot_answer_it(client, leader_user, suggestion):
    client.force_login(leader_user)
    body = client.get(_url("suggestion", suggestion)).content.decode()
    assert "建议乡里办一期电商培训。" in body
    assert _url("suggestion_answer", suggestion) not in body
    assert _forward(client, leader_user, suggestion).status_code == 403
    assert _answer(client, leader_user, suggestion).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.COLLECTED


def test_a_village_secretary_cannot_answer_what_their_village_committee_heard(client, secretary_user, village, pairing):
    member = CadreFactory(level=Level.VILLAGE, village=village, user__roles=["cadre"])
    village_pairing = PairingFactory(cadre=member, talent=pairing.talent)
    item = SuggestionFactory(talent=pairing.talent, contact=ContactFactory(pairing=village_pairing))
    assert _answer(client, secretary_user, item).status_code == 403
    item.refresh_from_db()
    assert item.status == Suggestion.Status.COLLECTED


def test_another_cadre_gets_not_found(client, other_cadre, suggestion):
    client.force_login(other_cadre.user)
    assert client.get(_url("suggestion", suggestion)).status_code == 404
    assert _forward(client, other_cadre.user, suggestion).status_code == 404
    assert _answer(client, other_cadre.user, suggestion).status_code == 404


def test_a_user_without_a_role_is_refused(client, suggestion):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(LIST).status_code == 403
    assert client.get(_url("suggestion", suggestion)).status_code == 404


def test_answering_needs_a_post(client, office_user, suggestion):
    client.force_login(office_user)
    assert client.get(_url("suggestion_answer", suggestion)).status_code == 405
    assert client.get(_url("suggestion_forward", suggestion)).status_code == 405
