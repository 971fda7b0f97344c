"""Yearly compliance (R9): per year and term, who met the at-least-once-a-year rule, not met first."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contacts.models import Level, Pairing
from reports import stats
from tests.factories import (
    CadreFactory,
    ContactFactory,
    PairingFactory,
    TalentFactory,
    TermFactory,
    UserFactory,
    VillageFactory,
)

URL = reverse("reports:compliance")
D = datetime.date
TODAY = D(2026, 11, 25)


@pytest.fixture
def terms(db):
    return {
        "old": TermFactory(name="2023年—2024年", start_date=D(2023, 1, 1), end_date=D(2024, 12, 31), is_current=False),
        "current": TermFactory(),  # 2025年—2026年, current
    }


def _pairing(term, cadre_name, talent, start, end=None, reason=Pairing.EndReason.POST_CHANGE, **cadre_fields):
    cadre = CadreFactory(name=cadre_name, **cadre_fields)
    pairing = PairingFactory(term=term, cadre=cadre, talent=talent, start_date=start)
    if end:
        pairing.end_date, pairing.end_reason = end, reason
        pairing.save()
    return pairing


@pytest.fixture
def world(terms):
    """The year 2024, in the 2023–2024 term.

    王一–甲 all term, contacted twice in 2024 · 李二–乙 all term, contacted in 2023 only ·
    张三–丙 until 30 June 2024 (contacted in March), then 周四–丙 from 1 July (contacted in September) ·
    郑六–丁 until 30 September (contacted in February), then 吴五–丁 from 1 October, never contacted ·
    钱七–戊 ended in 2023 · 孙八–庚 from the 2025 term only · village member 赵村–己, contacted in August.
    """
    old, end = terms["old"], D(2024, 12, 31)
    ended = Pairing.EndReason.TERM_ENDED
    t = {name: TalentFactory(name=name) for name in "甲乙丙丁戊己庚"}
    p = {
        "王一": _pairing(old, "王一", t["甲"], D(2023, 1, 1), end, ended),
        "李二": _pairing(old, "李二", t["乙"], D(2023, 1, 1), end, ended),
        "张三": _pairing(old, "张三", t["丙"], D(2023, 1, 1), D(2024, 6, 30)),
        "周四": _pairing(old, "周四", t["丙"], D(2024, 7, 1), end, ended),
        "郑六": _pairing(old, "郑六", t["丁"], D(2023, 1, 1), D(2024, 9, 30)),
        "吴五": _pairing(old, "吴五", t["丁"], D(2024, 10, 1), end, ended),
        "钱七": _pairing(old, "钱七", t["戊"], D(2023, 1, 1), D(2023, 12, 31)),
        "孙八": _pairing(terms["current"], "孙八", t["庚"], D(2025, 1, 1)),
        "赵村": _pairing(
            old, "赵村", t["己"], D(2023, 1, 1), end, ended, level=Level.VILLAGE, village=VillageFactory(name="溪口村")
        ),
    }
    for name, day in [
        ("王一", D(2024, 3, 1)),
        ("王一", D(2024, 5, 1)),
        ("李二", D(2023, 6, 1)),
        ("张三", D(2024, 3, 15)),
        ("周四", D(2024, 9, 1)),
        ("郑六", D(2024, 2, 1)),
        ("钱七", D(2023, 5, 1)),
        ("孙八", D(2025, 5, 1)),
        ("赵村", D(2024, 8, 1)),
    ]:
        ContactFactory(pairing=p[name], date=day)
    return p


def _rows(report, level=Level.TOWNSHIP):
    section = next(s for s in report.sections if s.level == level)
    return [(row.pairing.cadre.name, row.state) for row in section.rows]


def test_every_pairing_open_on_any_day_of_the_year_counts_and_the_unmet_come_first(world):
    report = stats.compliance(years=[2024], today=TODAY)
    rows = _rows(report)
    assert sorted(rows[:2]) == [("吴五", "not_met"), ("李二", "not_met")]
    assert sorted(rows[2:]) == [("周四", "met"), ("张三", "met"), ("王一", "met"), ("郑六", "met")]
    assert _rows(report, Level.VILLAGE) == [("赵村", "met")]


def test_a_cadre_who_left_mid_year_is_met_by_a_contact_before_leaving_and_the_successor_needs_their_own(world):
    cells = {
        row.pairing.cadre.name: row.cells[0] for row in stats.compliance(years=[2024], today=TODAY).sections[0].rows
    }
    assert (cells["张三"].state, cells["张三"].contacts, cells["张三"].last) == ("met", 1, D(2024, 3, 15))
    assert cells["周四"].state == "met"
    # 丁 was contacted in 2024, but by 郑六 before the adjustment: 吴五's own pairing has no contact.
    assert (cells["吴五"].state, cells["吴五"].contacts, cells["吴五"].last) == ("not_met", 0, None)


def test_it_shows_the_number_of_contacts_and_the_last_date(world):
    row = next(r for r in stats.compliance(years=[2024], today=TODAY).sections[0].rows if r.pairing == world["王一"])
    assert (row.cells[0].contacts, row.cells[0].last) == (2, D(2024, 5, 1))


def test_the_totals_count_met_and_not_met_per_year_and_level(world):
    report = stats.compliance(years=[2024], today=TODAY)
    total = report.totals[0]
    assert (total.counted, total.met, total.pending, total.not_met, total.met_percent) == (7, 5, 0, 2, 71)
    township, village = report.sections[0].totals[0], report.sections[1].totals[0]
    assert (township.counted, township.met, township.not_met) == (6, 4, 2)
    assert (village.counted, village.met) == (1, 1)


def test_a_term_shows_each_of_its_years_for_its_own_pairings(world, terms):
    report = stats.compliance(years=[2023, 2024], term=terms["old"], today=TODAY)
    cells = {row.pairing.cadre.name: [c.state for c in row.cells] for s in report.sections for row in s.rows}
    assert cells["李二"] == ["met", "not_met"]
    assert cells["王一"] == ["not_met", "met"]
    assert cells["周四"] == [None, "met"]  # not paired in 2023
    assert cells["钱七"] == ["met", None]
    assert "孙八" not in cells  # another term


def test_in_the_current_year_an_open_pairing_is_not_yet_due_but_an_ended_one_without_contact_is_missed(terms):
    current = terms["current"]
    _pairing(current, "在任", TalentFactory(name="甲"), D(2025, 1, 1))
    _pairing(current, "离任", TalentFactory(name="乙"), D(2025, 1, 1), D(2026, 6, 30))
    _pairing(current, "明年", TalentFactory(name="丙"), D(2026, 12, 1))
    rows = _rows(stats.compliance(years=[2026], today=TODAY))
    assert rows == [("离任", "not_met"), ("在任", "pending")]


def _page(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_the_office_page_lists_pairings_not_met_first_with_their_figures(world, client, office_user):
    response = _page(client, office_user, year=2024)
    assert response.status_code == 200
    body = response.content.decode()
    order = [body.index(f'data-pairing="{world[name].pk}"') for name in ("李二", "王一")]
    assert order == sorted(order)
    row = body.split(f'data-pairing="{world["王一"].pk}"')[1].split("</tr>")[0]
    assert 'data-state="met"' in row and "2024-05-01" in row
    assert 'data-state="not_met"' in body.split(f'data-pairing="{world["李二"].pk}"')[1].split(">")[0]
    assert f'data-pairing="{world["钱七"].pk}"' not in body
    assert '<tr data-year="2024"><td>2024</td><td>7</td><td>5</td><td>0</td><td>2</td><td>71%</td></tr>' in body


def test_the_page_shows_a_terms_years_side_by_side(world, terms, client, office_user):
    response = _page(client, office_user, term=terms["old"].pk)
    assert response.context["report"].years == [2023, 2024]
    body = response.content.decode()
    assert '<th scope="col">2023</th><th scope="col">2024</th>' in body
    assert f'data-pairing="{world["孙八"].pk}"' not in body


def test_without_a_choice_the_page_shows_this_year(world, client, leader_user):
    response = _page(client, leader_user)
    assert response.status_code == 200
    assert response.context["report"].years == [timezone.localdate().year]


def test_a_year_that_is_not_a_number_is_reported_next_to_the_field_and_kept(world, client, office_user):
    response = _page(client, office_user, year="二〇二四")
    body = response.content.decode()
    assert response.context["form"].errors["year"]
    assert 'class="field has-error"' in body
    assert 'value="二〇二四"' in body


def test_a_year_outside_the_chosen_term_is_refused_with_a_message(world, terms, client, office_user):
    response = _page(client, office_user, year=2026, term=terms["old"].pk)
    message = gettext("%(year)s is outside the term %(term)s.") % {"year": 2026, "term": terms["old"].name}
    assert message in response.content.decode()


@pytest.mark.parametrize("who", ["cadre_user", "secretary_user", "liaison_user"])
def test_cadres_secretaries_and_liaisons_are_refused(world, client, request, who):
    assert _page(client, request.getfixturevalue(who), year=2024).status_code == 403


def test_a_user_without_a_role_is_refused_and_anonymous_visitors_must_log_in(client, db):
    assert _page(client, UserFactory(username="nobody")).status_code == 403
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_leader_reads_it_without_being_able_to_change_anything(world, client, leader_user):
    response = _page(client, leader_user, year=2024)
    assert response.status_code == 200
    main = response.content.decode().split('<main id="main">')[1]
    assert 'method="post"' not in main
    assert client.post(URL).status_code == 405


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_page_runs_the_same_queries_for_few_and_many_pairings(world, terms, client, office_user):
    client.force_login(office_user)
    params = {"year": 2024, "term": terms["old"].pk}
    small = _queries(client, **params)
    for i in range(15):
        p = _pairing(terms["old"], f"干部{i}", TalentFactory(), D(2023, 1, 1), D(2024, 3, 1 + i))
        ContactFactory(pairing=p, date=D(2024, 1, 1 + i))
        ContactFactory(pairing=p, date=D(2023, 1, 1 + i))
    large = _queries(client, **params)
    # session, user, roles (groups), the chosen term (form validation), the totals per level and state
    # (one grouped query), one page of pairings per level (cadre, village, talent and term joined),
    # the page's contact counts and last dates, terms for the filter's choices, organisation for the header
    assert small == large == 10
