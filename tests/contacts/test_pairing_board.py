"""The pairing board (R10, R12) as the office and the leadership use it: /pairings/…"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Demand, Level, Pairing, Term
from talents.models import Organization
from tests.factories import (
    CadreFactory,
    DemandFactory,
    PairingFactory,
    TalentFactory,
    TermFactory,
    VillageFactory,
    current_term_covering_today,
)

pytestmark = pytest.mark.django_db

TALENT_TAKEN = "该优秀人才在此级别已有未结束的结对关系，请先结束原结对关系。"
CADRE_BUSY = "该联系领导本届期内已结对一名优秀人才，请先结束原结对关系，或填写特殊情况说明。"
EXCEPTION = "乡党委会议研究同意增联一名"
BOARD = reverse("pairings:board")
NEW = reverse("pairings:new")
NEXT = reverse("pairings:next_term")


@pytest.fixture
def term():
    return current_term_covering_today()


@pytest.fixture
def old_term(term):
    start = term.start_date.replace(year=term.start_date.year - 2)
    return TermFactory(
        name=Term.name_for(start.year),
        start_date=start,
        end_date=term.start_date - datetime.timedelta(days=1),
        is_current=False,
    )


@pytest.fixture
def paired(term, cadre, office_user):
    talent = TalentFactory(name="陈丽华")
    return PairingFactory(term=term, cadre=cadre, talent=talent, created_by=office_user)


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


def _body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _field_errors(body: str, name: str) -> str:
    """The text of the form field box ``name`` when it is marked in error."""
    match = re.search(rf'<div class="field has-error">\s*<label for="id_{name}">.*?</div>', body, re.S)
    assert match, f"no error shown next to {name}"
    return match.group(0)


def _form(cadre=None, talent=None, start=None, **extra) -> dict:
    data = {
        "cadre": cadre.pk if cadre else "",
        "talent": talent.pk if talent else "",
        "start_date": (start or timezone.localdate()).isoformat(),
        "exception_reason": "",
    }
    return {**data, **extra}


# --- The board --------------------------------------------------------------------------------


def test_the_board_lists_township_cadres_first_then_village_cadres_by_village(office, term, paired):
    paired.cadre.portfolio = "农业农村、乡村振兴"
    paired.cadre.save(update_fields=["portfolio"])
    east, west = VillageFactory(name="东林村", sort_order=1), VillageFactory(name="西岭村", sort_order=2)
    CadreFactory(name="赵西岭", level=Level.VILLAGE, village=west, title="村委委员")
    east_cadre = CadreFactory(name="钱东林", level=Level.VILLAGE, village=east, title="村委主任")
    PairingFactory(term=term, cadre=east_cadre, talent=TalentFactory(name="孙种植", village=east))
    body = _body(office.get(BOARD))
    tables = body[body.index('id="township-h"') : body.index('id="unpaired-c-h"')]
    order = [tables.index(s) for s in ("王建国", "东林村", "钱东林", "孙种植", "西岭村", "赵西岭")]
    assert order == sorted(order)
    row = tables[tables.index(f'id="cadre-{paired.cadre_id}"') :].split("</tr>")[0]
    assert "副乡长" in row and "农业农村、乡村振兴" in row and "陈丽华" in row
    assert term.name in body


def test_the_board_shows_unpaired_cadres_and_unpaired_talents_in_the_database(office, term, paired):
    CadreFactory(name="周空缺")
    waiting = TalentFactory(name="吴待配")
    TalentFactory(name="郑出库").move_out(on=timezone.localdate(), reason="调离本乡")
    body = _body(office.get(BOARD))
    unpaired_cadres = body.split('id="unpaired-c-h"')[1].split("</section>")[0]
    unpaired_talents = body.split('id="unpaired-t-h"')[1].split("</section>")[0]
    assert "周空缺" in unpaired_cadres and "王建国" not in unpaired_cadres
    assert "吴待配" in unpaired_talents and "陈丽华" not in unpaired_talents and "郑出库" not in unpaired_talents
    assert reverse("pairings:supplement", args=[waiting.pk]) in body


def test_the_board_warns_about_a_cadre_without_a_talent_a_cadre_with_two_and_an_old_open_pairing(
    office, term, old_term, cadre, paired
):
    CadreFactory(name="周空缺")
    PairingFactory(term=term, cadre=cadre, talent=TalentFactory(name="林第二"), exception_reason=EXCEPTION)
    stale = PairingFactory(term=old_term, cadre=CadreFactory(name="冯旧届"), talent=TalentFactory(name="何遗留"))
    body = _body(office.get(BOARD))
    warnings = body.split('id="warn-h"')[1].split("</section>")[0]
    assert "周空缺" in warnings
    assert "王建国" in warnings and "林第二" in warnings and EXCEPTION in warnings
    assert "何遗留" in warnings and old_term.name in warnings
    assert reverse("pairings:end", args=[stale.pk]) in warnings


def test_the_board_of_a_past_term_warns_about_a_talent_paired_twice_at_one_level(office, term, old_term):
    talent = TalentFactory(name="何重复")
    for name in ("冯甲", "冯乙"):
        PairingFactory(
            term=old_term,
            cadre=CadreFactory(name=name),
            talent=talent,
            end_date=old_term.end_date,
            end_reason=Pairing.EndReason.TERM_ENDED,
        )
    body = _body(office.get(BOARD, {"term": old_term.pk}))
    warnings = body.split('id="warn-h"')[1].split("</section>")[0]
    assert "何重复" in warnings and "冯甲" in warnings and "冯乙" in warnings
    assert reverse("pairings:new") not in body  # a past term is read, not changed


def test_an_unknown_term_is_not_found(office, term):
    assert office.get(BOARD, {"term": 9999}).status_code == 404


def test_the_leader_reads_the_board_without_any_change_links(client, leader_user, paired):
    client.force_login(leader_user)
    body = _body(client.get(BOARD))
    assert "陈丽华" in body
    for url in (NEW, NEXT, reverse("pairings:adjust", args=[paired.pk]), reverse("pairings:end", args=[paired.pk])):
        assert url not in body


def _board_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(BOARD)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _populate(term, old_term, n: int) -> None:
    village = VillageFactory()
    for i in range(n):
        cadre = CadreFactory(level=Level.VILLAGE, village=village) if i % 3 == 0 else CadreFactory()
        PairingFactory(term=term, cadre=cadre, talent=TalentFactory())
        CadreFactory()  # without a talent
        TalentFactory()  # without a pairing
        PairingFactory(term=old_term, cadre=CadreFactory(), talent=TalentFactory())  # left open


def test_the_board_runs_the_same_queries_for_a_small_and_a_large_township(office, term, old_term):
    Organization.current()
    _populate(term, old_term, 2)
    small = _board_queries(office)
    _populate(term, old_term, 13)
    large = _board_queries(office)
    # session, user, roles (groups), terms, cadres (village joined), their pairings in force (talent and
    # unit joined), talents without a pairing (unit and village joined), open pairings of older terms
    # (cadre, talent and term joined), organisation for the header
    assert len(small) == len(large) == 9


# --- Propose → confirm ------------------------------------------------------------------------


def test_proposing_shows_a_confirmation_page_and_saves_nothing(office, term, cadre):
    talent = TalentFactory(name="吴待配")
    body = _body(office.post(NEW, _form(cadre, talent)))
    assert "王建国" in body and "吴待配" in body and 'name="confirm"' in body
    assert f'type="hidden" name="cadre" value="{cadre.pk}"' in body
    assert not Pairing.objects.exists()


def test_confirming_creates_exactly_one_pairing_recorded_by_the_office(office, office_user, term, cadre):
    talent = TalentFactory()
    response = office.post(NEW, _form(cadre, talent, confirm="1"))
    assert response.status_code == 302 and response["Location"] == BOARD
    pairing = Pairing.objects.get()
    assert (pairing.cadre, pairing.talent, pairing.term, pairing.created_by) == (cadre, talent, term, office_user)


def test_going_back_from_the_confirmation_keeps_what_was_typed(office, term, cadre):
    talent = TalentFactory()
    body = _body(office.post(NEW, _form(cadre, talent, exception_reason="临时", edit="1")))
    assert 'value="临时"' in body and 'name="confirm"' not in body
    assert not Pairing.objects.exists()


def test_the_form_starts_today_and_with_the_cadre_chosen_on_the_board(office, term, cadre):
    body = _body(office.get(NEW, {"cadre": cadre.pk}))
    assert f'value="{timezone.localdate().isoformat()}"' in body
    assert f'<option value="{cadre.pk}" selected>' in body


@pytest.mark.parametrize("confirm", ["", "1"])
def test_a_second_talent_for_a_cadre_without_exception_is_a_chinese_error_and_saves_nothing(
    office, term, paired, confirm
):
    response = office.post(NEW, _form(paired.cadre, TalentFactory(), confirm=confirm))
    assert CADRE_BUSY in _field_errors(_body(response), "cadre")
    assert Pairing.objects.count() == 1


@pytest.mark.parametrize("confirm", ["", "1"])
def test_pairing_the_same_talent_twice_is_a_chinese_error_and_saves_nothing(office, term, paired, other_cadre, confirm):
    response = office.post(NEW, _form(other_cadre, paired.talent, confirm=confirm))
    assert TALENT_TAKEN in _field_errors(_body(response), "talent")
    assert Pairing.objects.count() == 1


def test_supplementing_a_talent_fixes_the_talent_and_saves_on_confirmation(office, term, cadre):
    talent = TalentFactory(name="吴待配")
    url = reverse("pairings:supplement", args=[talent.pk])
    body = _body(office.get(url))
    assert "吴待配" in body and f'type="hidden" name="talent" value="{talent.pk}"' in body
    assert office.post(url, _form(cadre, talent, confirm="1")).status_code == 302
    assert Pairing.objects.get().talent == talent


# --- Adjust, end ------------------------------------------------------------------------------


def _adjust_form(**fields) -> dict:
    data = {
        "cadre": "",
        "talent": "",
        "end_date": timezone.localdate().isoformat(),
        "end_reason": Pairing.EndReason.POST_CHANGE,
        "end_note": "调任县农业农村局",
        "exception_reason": "",
    }
    return {**data, **fields}


def test_the_adjustment_confirmation_lists_the_demands_handed_over_and_saves_nothing(office, term, paired, other_cadre):
    DemandFactory(
        talent=paired.talent, coordinating_cadre=paired.cadre, raised_on=term.start_date, content="申请技术培训"
    )
    url = reverse("pairings:adjust", args=[paired.pk])
    body = _body(office.post(url, _adjust_form(cadre=other_cadre.pk)))
    assert "申请技术培训" in body and "李其他" in body and "岗位变动" in body
    assert 'name="confirm"' in body
    paired.refresh_from_db()
    assert paired.is_open and Pairing.objects.count() == 1


def test_confirming_an_adjustment_closes_the_old_opens_the_new_and_moves_the_demands(office, term, paired, other_cadre):
    demand = DemandFactory(talent=paired.talent, coordinating_cadre=paired.cadre, raised_on=term.start_date)
    url = reverse("pairings:adjust", args=[paired.pk])
    assert office.post(url, _adjust_form(cadre=other_cadre.pk, confirm="1")).status_code == 302
    paired.refresh_from_db()
    demand.refresh_from_db()
    assert paired.end_reason == Pairing.EndReason.POST_CHANGE and paired.end_note == "调任县农业农村局"
    assert Pairing.objects.open().get().cadre == other_cadre
    assert demand.coordinating_cadre == other_cadre and "李其他" in demand.progress.get().note


def test_an_adjustment_to_a_successor_who_already_has_a_talent_is_refused_and_changes_nothing(
    office, term, paired, other_cadre
):
    PairingFactory(term=term, cadre=other_cadre, talent=TalentFactory())
    demand = DemandFactory(talent=paired.talent, coordinating_cadre=paired.cadre, raised_on=term.start_date)
    url = reverse("pairings:adjust", args=[paired.pk])
    body = _body(office.post(url, _adjust_form(cadre=other_cadre.pk, confirm="1")))
    assert CADRE_BUSY in _field_errors(body, "cadre")
    assert 'value="调任县农业农村局"' in body  # what was typed is kept
    paired.refresh_from_db()
    demand.refresh_from_db()
    assert paired.is_open and Pairing.objects.count() == 2 and demand.coordinating_cadre == paired.cadre


def test_an_adjustment_dated_tomorrow_is_refused_beside_the_date(office, term, paired, other_cadre):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    url = reverse("pairings:adjust", args=[paired.pk])
    body = _body(office.post(url, _adjust_form(cadre=other_cadre.pk, end_date=tomorrow, confirm="1")))
    assert "日期不能晚于今天" in _field_errors(body, "end_date")
    assert Pairing.objects.get().is_open


def test_ending_a_pairing_from_the_board(office, term, paired):
    url = reverse("pairings:end", args=[paired.pk])
    data = {"end_date": timezone.localdate().isoformat(), "end_reason": "other", "end_note": "本人调离本乡"}
    assert office.post(url, data).status_code == 302
    paired.refresh_from_db()
    assert (paired.end_reason, paired.end_note) == ("other", "本人调离本乡")
    assert office.get(url).status_code == 404  # an ended pairing is not ended twice


# --- The next term ----------------------------------------------------------------------------


def test_starting_the_next_term_shows_the_proposal_then_makes_it_current(office, term, paired):
    start = term.end_date + datetime.timedelta(days=1)
    name = Term.name_for(start.year)
    body = _body(office.get(NEXT))
    assert name in body and "陈丽华" in body and f'value="{paired.pk}"' in body
    assert not Term.objects.filter(name=name).exists()
    assert office.post(NEXT, {"confirm": "1", "carry": [paired.pk]}).status_code == 302
    new_term = Term.objects.current()
    assert new_term.name == name and new_term.pairings.get().replaces == paired
    term.refresh_from_db()
    assert not term.is_current


def test_starting_the_next_term_again_is_refused_with_a_message(office, term, paired):
    TermFactory(
        name="2099年—2100年",
        start_date=datetime.date(2099, 1, 1),
        end_date=datetime.date(2100, 12, 31),
        is_current=False,
    )
    response = office.post(NEXT, {"confirm": "1", "carry": [paired.pk]})
    assert response.status_code == 409 and "2099年—2100年" in response.content.decode()
    assert Term.objects.current() == term and Pairing.objects.get().is_open


# --- History ----------------------------------------------------------------------------------


def test_the_history_shows_the_ended_and_the_new_pairing_with_reasons_on_both_sides(
    office, office_user, term, paired, other_cadre
):
    url = reverse("pairings:adjust", args=[paired.pk])
    office.post(url, _adjust_form(cadre=other_cadre.pk, confirm="1"))
    talent_page = _body(office.get(reverse("pairings:history"), {"talent": paired.talent_id}))
    rows = talent_page.split("<tbody>")[1].split("</tr>")[:-1]
    assert len(rows) == 3
    assert "王建国" in rows[0] and "王建国" in rows[1] and "岗位变动" in rows[1] and "调任县农业农村局" in rows[1]
    assert "李其他" in rows[2] and "王建国 — 陈丽华" in rows[2] and office_user.username in rows[2]
    old_cadre_page = _body(office.get(reverse("pairings:history"), {"cadre": paired.cadre_id}))
    assert "岗位变动" in old_cadre_page and "陈丽华" in old_cadre_page
    new_cadre_page = _body(office.get(reverse("pairings:history"), {"cadre": other_cadre.pk}))
    assert "陈丽华" in new_cadre_page and "王建国 — 陈丽华" in new_cadre_page


def test_the_history_needs_a_cadre_or_a_talent(office, term):
    assert office.get(reverse("pairings:history")).status_code == 404
    assert office.get(reverse("pairings:history"), {"cadre": 9999}).status_code == 404


def _history_queries(client, talent) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("pairings:history"), {"talent": talent.pk})
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _handovers(term, talent, by, n: int) -> None:
    """n more changes of the talent's cadre, each ending the open pairing and opening its successor."""
    for _ in range(n):
        current = Pairing.objects.open().get(talent=talent)
        current.end_date, current.end_reason = term.start_date, Pairing.EndReason.POST_CHANGE
        current.save(update_fields=["end_date", "end_reason"])
        PairingFactory(term=term, talent=talent, replaces=current, created_by=by)


def test_the_history_runs_the_same_queries_for_a_short_and_a_long_history(office, office_user, term, paired):
    Organization.current()
    _handovers(term, paired.talent, office_user, 1)
    short = _history_queries(office, paired.talent)
    _handovers(term, paired.talent, office_user, 14)
    long = _history_queries(office, paired.talent)
    # session, user, roles (groups), the talent (unit joined), its pairings (term, cadre, talent, creator and
    # the replaced pairing's cadre and talent joined), their successors (cadre, talent, creator joined),
    # organisation for the header
    assert len(short) == len(long) == 7


# --- Who may do what --------------------------------------------------------------------------


def _urls(paired) -> list[tuple[str, str]]:
    """Every page of the board with the method that changes something (GET pages are read)."""
    talent = TalentFactory()
    return [
        ("get", BOARD),
        ("get", reverse("pairings:history") + f"?talent={paired.talent_id}"),
        ("get", NEW),
        ("post", NEW),
        ("get", reverse("pairings:supplement", args=[talent.pk])),
        ("post", reverse("pairings:supplement", args=[talent.pk])),
        ("get", reverse("pairings:adjust", args=[paired.pk])),
        ("post", reverse("pairings:adjust", args=[paired.pk])),
        ("get", reverse("pairings:end", args=[paired.pk])),
        ("post", reverse("pairings:end", args=[paired.pk])),
        ("get", NEXT),
        ("post", NEXT),
    ]


@pytest.mark.parametrize("role", ["cadre_user", "secretary_user", "liaison_user"])
def test_cadres_secretaries_and_liaisons_get_403_on_every_page(client, request, role, paired):
    client.force_login(request.getfixturevalue(role))
    for method, url in _urls(paired):
        data = {"confirm": "1", "end_date": timezone.localdate().isoformat(), "end_reason": "other"}
        response = getattr(client, method)(url, data if method == "post" else None)
        assert response.status_code == 403, (method, url)
    assert Pairing.objects.count() == 1 and paired.cadre.pairings.get().is_open


def test_the_leader_reads_the_board_and_history_but_changes_nothing(client, leader_user, paired):
    client.force_login(leader_user)
    readable = (BOARD, reverse("pairings:history") + f"?talent={paired.talent_id}")
    for method, url in _urls(paired):
        response = getattr(client, method)(url, {"confirm": "1"} if method == "post" else None)
        expected = 200 if method == "get" and url in readable else 403
        assert response.status_code == expected, (method, url)
    assert Pairing.objects.count() == 1 and Pairing.objects.get().is_open


def test_anonymous_visitors_are_sent_to_the_login_page(client, paired):
    for method, url in _urls(paired):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), (method, url)


def test_a_demand_of_another_talent_is_never_handed_over(office, term, paired, other_cadre):
    other = DemandFactory(talent=TalentFactory(), coordinating_cadre=paired.cadre, raised_on=term.start_date)
    office.post(reverse("pairings:adjust", args=[paired.pk]), _adjust_form(cadre=other_cadre.pk, confirm="1"))
    other.refresh_from_db()
    assert other.coordinating_cadre == paired.cadre and other.status == Demand.Status.OPEN
