"""The office's board of village reports a page at a time: the figures count every village."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports.village_report_views import BOARD_PER_PAGE
from talents import access
from tests.factories import VillageFactory, VillageReportFactory

URL = reverse("village_reports:board")
Y = 2024


def _villages(n: int, prefix: str) -> list:
    return [VillageFactory(name=f"{prefix}{i:03d}村", sort_order=1000 + i) for i in range(n)]


def _get(client, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"year": Y, **params})
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def _figure(body: str, code: str) -> int:
    return int(body.split(f'data-count="{code}">', 1)[1].split("<", 1)[0])


@pytest.fixture
def many(db):
    """More villages than a page: two submitted on time, one late, one draft, the rest not started."""
    villages = _villages(BOARD_PER_PAGE + 5, "甲")
    tz = timezone.get_current_timezone()
    on_time = datetime.datetime(Y, 12, 20, 9, tzinfo=tz)
    late = datetime.datetime(Y + 1, 1, 1, 0, 30, tzinfo=tz)  # half an hour after the deadline, local time
    VillageReportFactory(village=villages[0], year=Y, status="submitted", submitted_at=on_time)
    VillageReportFactory(village=villages[1], year=Y, status="received", submitted_at=on_time)
    VillageReportFactory(village=villages[-1], year=Y, status="submitted", submitted_at=late)
    VillageReportFactory(village=villages[2], year=Y, status="draft")
    VillageFactory(name="撤并村", active=False)
    return villages


def test_the_figures_count_every_village_while_the_board_lists_one_page(many, client, office_user):
    client.force_login(office_user)
    body, _ = _get(client)
    active = access.villages_for_reports(office_user).filter(active=True).count()
    assert body.count("<tr data-village=") == BOARD_PER_PAGE
    assert (_figure(body, "submitted"), _figure(body, "received"), _figure(body, "draft")) == (2, 1, 1)
    assert _figure(body, "none") == active - 4
    # a past year: every village not submitted is late, and so is the one submitted after 31 December
    assert _figure(body, "late") == active - 3 + 1
    assert "page=2" in body


def test_the_second_page_shows_the_villages_after_the_first(many, client, office_user):
    client.force_login(office_user)
    first, _ = _get(client)
    second, _ = _get(client, page=2)
    assert f'data-village="{many[-1].pk}"' in second and f'data-village="{many[-1].pk}"' not in first
    assert f'data-village="{many[0].pk}"' not in second
    assert f"year={Y}&amp;page=1" in second  # the year is kept
    assert _figure(second, "submitted") == 2


def test_a_page_number_that_is_not_a_number_shows_the_first_page(many, client, office_user):
    client.force_login(office_user)
    body, _ = _get(client, page="二")
    assert body.count("<tr data-village=") == BOARD_PER_PAGE


def test_a_later_page_runs_the_same_queries_for_few_and_many_villages(client, office_user):
    _villages(BOARD_PER_PAGE + 2, "乙")
    client.force_login(office_user)
    _, small = _get(client, page=2)
    for v in _villages(30, "丙"):
        VillageReportFactory(village=v, year=Y, status="submitted", submitted_at=timezone.now())
    _, large = _get(client, page=2)
    # session, user, roles, villages counted, the page of villages, the page's villages again for the rows,
    # their reports, reports counted per status, organisation
    assert small == large == 9
