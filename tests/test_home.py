from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PairingFactory, TalentFactory, UserFactory


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_is_served_without_anything_from_the_internet(client, db):
    body = client.get(reverse("login")).content.decode()
    assert 'name="username"' in body
    assert "http://" not in body and "https://" not in body


def test_office_staff_land_on_a_page_that_leads_to_the_back_office(client, office_user):
    client.force_login(office_user)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("admin:index")}"' in body


def test_a_cadre_sees_their_own_talent_and_not_another_cadres(client, cadre, other_cadre):
    PairingFactory(cadre=cadre, talent=TalentFactory(name="张自己"))
    PairingFactory(cadre=other_cadre, talent=TalentFactory(name="赵别人"))
    client.force_login(cadre.user)
    body = client.get(reverse("home")).content.decode()
    assert "张自己" in body
    assert "赵别人" not in body


def test_a_user_without_a_role_is_told_to_ask_the_office(client, db):
    client.force_login(UserFactory(username="norole"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["has_role"] is False
    assert response.context["pairings"] == []
    assert "talents" not in response.context


@pytest.mark.parametrize("n", [1, 8])
def test_the_home_page_runs_the_same_queries_for_one_or_many_talents(client, secretary_user, village, n):
    TalentFactory.create_batch(n, village=village)
    client.force_login(secretary_user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert len(response.context["talents"]) == n
    # session, user, roles (groups), urgent contacts, urgent demands, reminders, talents with
    # the secretary's to-dos (3: contacts.ledger.todos_for, each list with its window count), unit and village, organisation
    # for the header
    assert len(ctx.captured_queries) == 11
