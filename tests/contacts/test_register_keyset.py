"""The contact register's keyset pages, with and without a year: every contact once, newest first."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse

from contacts.ledger import REGISTER_ROWS
from tests.factories import ContactFactory

LIST = reverse("ledger:contacts")


def _walk(client, query: dict) -> list[str]:
    """The summaries on every page, following the 'Older' links to the end."""
    seen, url = [], LIST + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    for _page in range(20):
        response = client.get(url)
        assert response.status_code == 200
        seen += re.findall(r"第\d{3}次联系", response.content.decode())
        if not response.context["older"]:
            return seen
        url = LIST + response.context["older"]
    raise AssertionError("the pages never ended")


def test_paging_through_one_year_shows_each_of_its_contacts_once_newest_first(client, office_user, pairing):
    # Three contacts a day across New Year's Day, so that pages end in the middle of a day and of the year.
    start = datetime.date(2025, 12, 1)
    for i in range(3 * 90):
        ContactFactory(pairing=pairing, date=start + datetime.timedelta(days=i // 3), summary=f"第{i:03d}次联系。")
    in_2026 = [
        f"第{i:03d}次联系"
        for i in range(3 * 90)
        if start + datetime.timedelta(days=i // 3) >= datetime.date(2026, 1, 1)
    ]
    client.force_login(office_user)

    year = _walk(client, {"year": 2026})
    assert sorted(year) == sorted(in_2026) and len(year) == len(set(year)) > REGISTER_ROWS

    everything = _walk(client, {})
    assert len(everything) == len(set(everything)) == 3 * 90
    # Newest day first; on one day the latest recorded first.
    assert everything == [f"第{i:03d}次联系" for i in reversed(range(3 * 90))]


def test_a_cursor_older_than_every_contact_shows_an_empty_page(client, office_user, pairing):
    ContactFactory(pairing=pairing, date=datetime.date(2026, 3, 2), summary="第001次联系。")
    client.force_login(office_user)
    response = client.get(LIST, {"year": 2026, "before": "2020-01-01.1"})
    assert response.status_code == 200
    assert "第001次联系" not in response.content.decode()
    assert not response.context["older"]
