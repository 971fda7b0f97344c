"""The yearly compliance table (R9) a page at a time: totals over every pairing, one page of rows per level."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Level
from reports import stats
from tests.factories import CadreFactory, ContactFactory, PairingFactory, TalentFactory, TermFactory

URL = reverse("reports:compliance")
D = datetime.date
TODAY = D(2026, 11, 25)
PER_PAGE = stats.PER_PAGE


@pytest.fixture
def term(db):
    return TermFactory(name="2023年—2024年", start_date=D(2023, 1, 1), end_date=D(2024, 12, 31), is_current=False)


def _pairings(term, n: int, *, contacted: bool, prefix: str):
    """n township pairings for the whole term, each contacted in 2024 or not; cadres in name order."""
    made = []
    for i in range(n):
        p = PairingFactory(
            term=term, cadre=CadreFactory(name=f"{prefix}{i:03d}"), talent=TalentFactory(), start_date=D(2023, 1, 1)
        )
        if contacted:
            ContactFactory(pairing=p, date=D(2024, 6, 1))
        made.append(p)
    return made


def _township(report):
    return next(s for s in report.sections if s.level == Level.TOWNSHIP)


def test_the_totals_count_every_pairing_while_a_level_lists_one_page(term):
    _pairings(term, 3, contacted=False, prefix="乙")
    _pairings(term, 4, contacted=True, prefix="甲")
    report = stats.compliance(years=[2024], today=TODAY, per_page=2)
    total = report.totals[0]
    assert (total.counted, total.met, total.not_met) == (7, 4, 3)
    township = _township(report)
    assert township.count == 7 and township.num_pages == 4
    assert [row.state for row in township.rows] == ["not_met", "not_met"]


def test_the_pages_go_on_where_the_last_one_stopped_and_the_unmet_stay_first(term):
    unmet = _pairings(term, 3, contacted=False, prefix="乙")
    met = _pairings(term, 4, contacted=True, prefix="甲")
    seen = []
    for page in (1, 2, 3, 4):
        report = stats.compliance(years=[2024], today=TODAY, per_page=2, pages={Level.TOWNSHIP: page})
        seen += [row.pairing for row in _township(report).rows]
    assert seen == unmet + met
    last = _township(stats.compliance(years=[2024], today=TODAY, per_page=2, pages={Level.TOWNSHIP: 4}))
    assert (last.rows[0].cells[0].contacts, last.rows[0].cells[0].last) == (1, D(2024, 6, 1))


def test_a_page_beyond_the_last_shows_the_last(term):
    _pairings(term, 3, contacted=False, prefix="乙")
    section = _township(stats.compliance(years=[2024], today=TODAY, per_page=2, pages={Level.TOWNSHIP: 99}))
    assert section.page == 2 and len(section.rows) == 1


def _get(client, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_the_office_page_lists_fifty_rows_counts_them_all_and_links_to_the_next_page(term, client, office_user):
    unmet = _pairings(term, 2, contacted=False, prefix="乙")
    met = _pairings(term, PER_PAGE + 1, contacted=True, prefix="甲")
    client.force_login(office_user)
    first, _ = _get(client, year=2024, term=term.pk)
    body = first.content.decode()
    assert body.count('class="compliance-row') == PER_PAGE
    assert f'data-pairing="{unmet[0].pk}"' in body and f'data-pairing="{met[-1].pk}"' not in body
    total = PER_PAGE + 3
    assert f'<tr data-year="2024"><td>2024</td><td>{total}</td><td>{PER_PAGE + 1}</td><td>0</td><td>2</td>' in body
    assert "page_township=2" in body and "page_village" not in body
    second, _ = _get(client, year=2024, term=term.pk, page_township=2)
    body = second.content.decode()
    assert body.count('class="compliance-row') == 3
    assert f'data-pairing="{met[-1].pk}"' in body and f'data-pairing="{unmet[0].pk}"' not in body
    assert f"year=2024&amp;term={term.pk}&amp;page_township=1" in body  # the filters are kept


def test_a_page_number_that_is_not_a_number_shows_the_first_page(term, client, office_user):
    _pairings(term, 2, contacted=False, prefix="乙")
    client.force_login(office_user)
    response, _ = _get(client, year=2024, page_township="二")
    assert response.content.decode().count('class="compliance-row') == 2


def test_a_later_page_runs_the_same_queries_for_few_and_many_pairings(term, client, office_user):
    _pairings(term, PER_PAGE + 2, contacted=False, prefix="乙")
    client.force_login(office_user)
    _, small = _get(client, year=2024, term=term.pk, page_township=2)
    _pairings(term, PER_PAGE, contacted=True, prefix="甲")
    _, large = _get(client, year=2024, term=term.pk, page_township=2)
    # session, user, roles, the term, totals, a page of township pairings (no village pairings: no query),
    # the page's contact figures, terms, organisation
    assert small == large == 9
