"""The home page's urgent box stays bounded however many urgent items the county has (issue 7)."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Demand
from contacts.views import URGENT_ROWS
from tests.factories import ContactFactory, DemandFactory, PairingFactory

MORE = "仅列出最新的"


def _urgent_box(client, user) -> str:
    client.force_login(user)
    body = client.get(reverse("home")).content.decode()
    return body.split('id="urgent-h"', 1)[1].split("</section>", 1)[0]


def test_the_office_sees_the_newest_urgent_items_and_is_told_the_rest_follow(client, office_user):
    today = timezone.localdate()
    pairings = [PairingFactory() for _ in range(3)]
    for i in range(URGENT_ROWS + 2):
        p = pairings[i % 3]
        ContactFactory(pairing=p, date=today - datetime.timedelta(days=i), urgent=True, summary=f"紧急联系{i:02d}")
        DemandFactory(talent=p.talent, raised_on=today - datetime.timedelta(days=i), urgency=Demand.Urgency.URGENT)
    box = _urgent_box(client, office_user)
    assert box.count("<li>") == 2 * URGENT_ROWS
    assert "紧急联系00" in box
    assert f"紧急联系{URGENT_ROWS:02d}" not in box
    assert MORE in box


def test_a_cadre_with_few_urgent_items_sees_them_all_and_no_note(client, cadre, pairing):
    ContactFactory(pairing=pairing, urgent=True)
    DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT)
    box = _urgent_box(client, cadre.user)
    assert box.count("<li>") == 2
    assert MORE not in box


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


def test_the_cadres_home_runs_the_same_queries_for_a_few_or_many_urgent_items(client, cadre, pairing):
    client.force_login(cadre.user)
    ContactFactory(pairing=pairing, urgent=True)
    few = _queries(client)
    for i in range(URGENT_ROWS + 3):
        ContactFactory(pairing=pairing, urgent=True, date=timezone.localdate() - datetime.timedelta(days=i))
        DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT)
    DemandFactory(coordinating_cadre=cadre, urgency=Demand.Urgency.URGENT)
    many = _queries(client)
    # session, user, roles, urgent contacts, urgent demands (all the cadre's to handle: no per-row flag),
    # open pairings, reminders, to-dos (2, each list with its window count), organisation for the header
    assert few == many == 10
