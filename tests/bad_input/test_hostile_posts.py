"""Every form a user posts, fed empty, huge, emoji, control-character, SQL- and HTML-looking values (issue 6, item 8).

Each case is posted by a user allowed to post it, with one to three fields replaced by hostile values
(``support.draw_post``); ``support.post_hostile`` states what must hold for every example.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from contacts.models import (
    Contact,
    ContactPhoto,
    Demand,
    DemandProgress,
    Feedback,
    MajorEvent,
    Pairing,
    Recommendation,
    Suggestion,
    Term,
)
from reports.models import VillageReport
from talents.models import Talent
from tests.factories import contact_form_data

from .support import HOSTILE_SETTINGS, Case, draw_post, post_hostile

TEXT, DATE, CHOICE, MODEL, INT, BOOL, UUID = "text", "date", "choice", "model", "int", "bool", "uuid"

TALENT_TEXTS = ("name", "id_number", "school_and_major", "position", "title", "speciality", "phone", "address")
TALENT_KINDS = {
    **dict.fromkeys((*TALENT_TEXTS, "achievements", "honours"), TEXT),
    **dict.fromkeys(
        ("gender", "ethnicity", "political_status", "education", "degree", "category", "rural_type"), CHOICE
    ),
    "birth_month": DATE,
    "notice_date": DATE,
    "unit": MODEL,
    "village": MODEL,
}


def _talent_post(w, **fields) -> dict:
    return {
        "name": "周建华",
        "gender": "M",
        "ethnicity": "汉族",
        "birth_month": "1985-06",
        "id_number": "",
        "political_status": "中共党员",
        "education": "大学本科",
        "degree": "学士",
        "school_and_major": "四川农业大学 农学",
        "unit": str(w.unit.pk),
        "position": "技术员",
        "title": "农艺师",
        "category": Talent.Category.PROFESSIONAL,
        "rural_type": "",
        "speciality": "水稻种植",
        "village": str(w.village.pk),
        "phone": "13812340000",
        "address": "梅家乡梅家村3组",
        "achievements": "推广优质稻500亩。",
        "honours": "",
        "notice_date": "",
        **fields,
    }


def talent_new(w):
    return w.office, Case(
        url=reverse("talents:new"),
        valid=_talent_post(w),
        kinds=TALENT_KINDS,
        tables=(Talent,),
        echoed=(*TALENT_TEXTS, "achievements", "honours"),
    )


def talent_edit(w):
    return w.office, Case(
        url=reverse("talents:edit", args=[w.talent.pk]),
        valid=_talent_post(w, name=w.talent.name),
        kinds=TALENT_KINDS,
        tables=(Talent,),
        records=[w.talent],
        echoed=(*TALENT_TEXTS, "achievements", "honours"),
    )


def talent_edit_by_liaison(w):
    post = _talent_post(w, name=w.talent.name)
    del post["unit"]
    kinds = {k: v for k, v in TALENT_KINDS.items() if k != "unit"}
    return w.liaison, Case(
        url=reverse("talents:edit", args=[w.talent.pk]),
        valid=post,
        kinds=kinds,
        tables=(Talent,),
        records=[w.talent],
        echoed=TALENT_TEXTS,
    )


def talent_move_out(w):
    return w.office, Case(
        url=reverse("talents:move_out", args=[w.talent.pk]),
        valid={"on": w.today.isoformat(), "reason": "调离本乡"},
        kinds={"on": DATE, "reason": TEXT},
        tables=(Talent, Pairing),
        records=[w.talent, w.pairing],
        echoed=("reason",),
    )


def contact_new(w):
    valid = contact_form_data(
        w.pairing,
        suggestions=[{"content": "建议加强农技培训。", "category": Suggestion.Category.ECONOMY}],
        demands=[{"content": "希望解决子女入学。", "kind": Demand.Kind.CHILDREN}],
        place="梅家村",
        summary="了解近期工作情况。",
        situation_health="身体健康。",
    )
    texts = (
        "summary",
        "place",
        "situation_thought",
        "situation_work",
        "situation_health",
        "sug-0-content",
        "dem-0-content",
    )
    kinds = {
        **dict.fromkeys(texts, TEXT),
        **dict.fromkeys(("method", "direction", "sug-0-category", "dem-0-kind", "dem-0-urgency"), CHOICE),
        **dict.fromkeys(("is_guidance", "urgent"), BOOL),
        "token": UUID,
        "pairing": MODEL,
        "date": DATE,
        "sug-TOTAL_FORMS": INT,
        "dem-INITIAL_FORMS": INT,
    }
    return w.cadre_user, Case(
        url=reverse("contacts:contact_new"),
        valid=valid,
        kinds=kinds,
        tables=(Contact, Suggestion, Demand, ContactPhoto),
        form_keys=("form", "suggestions", "demands"),
        echoed=texts,
        # Hidden inputs: the token, the formsets' counts, and the pairing when the cadre has one talent.
        hidden=("pairing", "token", "sug-TOTAL_FORMS", "dem-INITIAL_FORMS"),
    )


def demand_progress(w):
    return w.cadre_user, Case(
        url=reverse("contacts:demand_progress", args=[w.open_demand.pk]),
        valid={"date": w.today.isoformat(), "note": "已与县人社局联系。"},
        kinds={"date": DATE, "note": TEXT},
        tables=(Demand, DemandProgress),
        records=[w.open_demand],
        form_keys=("progress_form",),
        echoed=("note",),
    )


def demand_close(w):
    return w.cadre_user, Case(
        url=reverse("contacts:demand_close", args=[w.open_demand.pk]),
        valid={"status": Demand.Status.RESOLVED, "result": "已安排参加培训。", "closed_on": w.today.isoformat()},
        kinds={"status": CHOICE, "result": TEXT, "closed_on": DATE},
        tables=(Demand, DemandProgress),
        records=[w.open_demand],
        form_keys=("close_form",),
        echoed=("result",),
    )


def demand_follow_up(w):
    return w.cadre_user, Case(
        url=reverse("contacts:demand_follow_up", args=[w.closed_demand.pk]),
        valid={"satisfaction": Demand.Satisfaction.SATISFIED, "follow_up": "电话回访。", "on": w.today.isoformat()},
        kinds={"satisfaction": CHOICE, "follow_up": TEXT, "on": DATE},
        tables=(Demand, DemandProgress),
        records=[w.closed_demand],
        form_keys=("follow_up_form",),
        echoed=("follow_up",),
    )


def ledger_demand_new(w):
    return w.office, Case(
        url=reverse("ledger:demand_new"),
        valid={
            "talent": str(w.talent.pk),
            "source": Demand.Source.UNIT,
            "raised_on": w.today.isoformat(),
            "kind": Demand.Kind.TRAINING,
            "urgency": Demand.Urgency.NORMAL,
            "content": "希望参加县里的技术培训。",
            "measures": "联系县人社局。",
            "responsible_unit": "",
            "coordinating_cadre": "",
            "due_date": "",
        },
        kinds={
            **dict.fromkeys(("content", "measures"), TEXT),
            **dict.fromkeys(("source", "kind", "urgency"), CHOICE),
            **dict.fromkeys(("talent", "responsible_unit", "coordinating_cadre"), MODEL),
            **dict.fromkeys(("raised_on", "due_date"), DATE),
        },
        tables=(Demand, DemandProgress),
        echoed=("content", "measures"),
    )


def ledger_demand_edit(w):
    return w.office, Case(
        url=reverse("ledger:demand_edit", args=[w.open_demand.pk]),
        valid={
            "measures": "联系县人社局。",
            "responsible_unit": str(w.unit.pk),
            "coordinating_cadre": "",
            "due_date": "",
        },
        kinds={"measures": TEXT, "responsible_unit": MODEL, "coordinating_cadre": MODEL, "due_date": DATE},
        tables=(Demand, DemandProgress),
        records=[w.open_demand],
        echoed=("measures",),
    )


def suggestion_forward(w):
    return w.office, Case(
        url=reverse("ledger:suggestion_forward", args=[w.suggestion.pk]),
        valid={"forwarded_to": "县农业农村局"},
        kinds={"forwarded_to": TEXT},
        tables=(Suggestion,),
        records=[w.suggestion],
        form_keys=("forward_form",),
        echoed=("forwarded_to",),
    )


def suggestion_answer(w):
    return w.office, Case(
        url=reverse("ledger:suggestion_answer", args=[w.suggestion.pk]),
        valid={"status": Suggestion.Status.ADOPTED, "answer": "已纳入明年培训计划。"},
        kinds={"status": CHOICE, "answer": TEXT},
        tables=(Suggestion,),
        records=[w.suggestion],
        form_keys=("answer_form",),
        echoed=("answer",),
    )


def event_new(w):
    return w.office, Case(
        url=reverse("ledger:event_new"),
        valid={
            "talent": str(w.talent.pk),
            "kind": MajorEvent.Kind.ACHIEVEMENT,
            "date": w.today.isoformat(),
            "description": "获得县级科技进步奖。",
            "reporter_name": "张联络",
            "reporting_unit": "",
        },
        kinds={
            "talent": MODEL,
            "kind": CHOICE,
            "date": DATE,
            "description": TEXT,
            "reporter_name": TEXT,
            "reporting_unit": MODEL,
        },
        tables=(MajorEvent,),
        echoed=("description", "reporter_name"),
    )


def recommendation_new(w):
    return w.office, Case(
        url=reverse("ledger:recommendation_new"),
        valid={
            "talent": str(w.talent.pk),
            "role": Recommendation.Role.PARTY_CONGRESS,
            "level": Recommendation.Level.COUNTY,
            "year": str(w.today.year),
            "outcome": Recommendation.Outcome.PENDING,
            "note": "村党支部推荐。",
        },
        kinds={"talent": MODEL, "role": CHOICE, "level": CHOICE, "year": INT, "outcome": CHOICE, "note": TEXT},
        tables=(Recommendation,),
        echoed=("note",),
    )


def recommendation_edit(w):
    return w.office, Case(
        url=reverse("ledger:recommendation_edit", args=[w.recommendation.pk]),
        valid={"outcome": Recommendation.Outcome.ELECTED, "note": "当选县人大代表。"},
        kinds={"outcome": CHOICE, "note": TEXT},
        tables=(Recommendation,),
        records=[w.recommendation],
        echoed=("note",),
    )


def feedback_new(w):
    return w.liaison, Case(
        url=reverse("ledger:feedback_new"),
        valid={"unit": str(w.unit.pk), "talent": str(w.talent.pk), "cadre": "", "content": "联系领导今年尚未走访。"},
        kinds={"unit": MODEL, "talent": MODEL, "cadre": MODEL, "content": TEXT},
        tables=(Feedback,),
        echoed=("content",),
    )


def feedback_answer(w):
    return w.office, Case(
        url=reverse("ledger:feedback_answer", args=[w.feedback.pk]),
        valid={"handling": "已转告联系领导。", "close": "on"},
        kinds={"handling": TEXT, "close": BOOL},
        tables=(Feedback,),
        records=[w.feedback],
        form_keys=("answer_form",),
        echoed=("handling",),
    )


def pairing_new(w):
    return w.office, Case(
        url=reverse("pairings:new"),
        valid={
            "cadre": str(w.free_cadre.pk),
            "talent": str(w.free_talent.pk),
            "start_date": w.today.isoformat(),
            "exception_reason": "",
            "confirm": "1",
        },
        kinds={"cadre": MODEL, "talent": MODEL, "start_date": DATE, "exception_reason": TEXT, "confirm": BOOL},
        tables=(Pairing,),
        accepted_pages=("pairings/pairing_confirm.html",),
        echoed=("exception_reason",),
    )


def pairing_adjust(w):
    return w.office, Case(
        url=reverse("pairings:adjust", args=[w.pairing.pk]),
        valid={
            "cadre": str(w.free_cadre.pk),
            "talent": "",
            "end_date": w.today.isoformat(),
            "end_reason": Pairing.EndReason.POST_CHANGE,
            "end_note": "调任县农业局",
            "exception_reason": "",
            "confirm": "1",
        },
        kinds={
            "cadre": MODEL,
            "talent": MODEL,
            "end_date": DATE,
            "end_reason": CHOICE,
            "end_note": TEXT,
            "exception_reason": TEXT,
            "confirm": BOOL,
        },
        tables=(Pairing,),
        records=[w.pairing],
        accepted_pages=("pairings/adjust_confirm.html",),
        echoed=("end_note", "exception_reason"),
    )


def pairing_end(w):
    return w.office, Case(
        url=reverse("pairings:end", args=[w.pairing.pk]),
        valid={"end_date": w.today.isoformat(), "end_reason": Pairing.EndReason.OTHER, "end_note": "本人申请"},
        kinds={"end_date": DATE, "end_reason": CHOICE, "end_note": TEXT},
        tables=(Pairing,),
        records=[w.pairing],
        echoed=("end_note",),
    )


def next_term(w):
    return w.office, Case(
        url=reverse("pairings:next_term"),
        valid={"confirm": "1", "carry": [str(w.pairing.pk)]},
        kinds={"confirm": BOOL, "carry": MODEL},
        tables=(Term, Pairing),
        records=[w.term, w.pairing],
        form_keys=(),
        ok_statuses=(200, 302, 409),  # 409: too early in the term to start the next one
    )


SECTIONS = ("basic_situation", "main_practices", "results", "problems", "next_steps")


def village_report_draft(w):
    return w.secretary, Case(
        url=reverse("village_reports:report", args=[w.today.year, w.village.pk]),
        valid={name: f"{name}：本村情况。" for name in SECTIONS},
        kinds=dict.fromkeys(SECTIONS, TEXT) | {"submit": BOOL},
        tables=(VillageReport,),
        echoed=SECTIONS,
    )


def village_report_return(w):
    return w.office, Case(
        url=reverse("village_reports:return", args=[w.today.year, w.other_village.pk]),
        valid={"return_reason": "请补充诉求办理数据。"},
        kinds={"return_reason": TEXT},
        tables=(VillageReport,),
        records=[w.submitted_report],
        form_keys=("return_form",),
        echoed=("return_reason",),
    )


def password_change(w):
    return w.cadre_user, Case(
        url=reverse("password_change"),
        valid={"old_password": "test-pass-123", "new_password1": "Mj#2026xq-Lh", "new_password2": "Mj#2026xq-Lh"},
        kinds=dict.fromkeys(("old_password", "new_password1", "new_password2"), TEXT),
        tables=(User,),
        records=[w.cadre_user],
        fresh_login=True,
    )


def log_in(w):
    # Failed log-ins are recorded (django-axes' AccessAttempt): that is wanted, so only users are watched.
    return None, Case(
        url=reverse("login"),
        valid={"username": "office_t", "password": "test-pass-123"},
        kinds={"username": TEXT, "password": TEXT},
        tables=(User,),
        records=[w.office],
        echoed=("username",),
        fresh_login=True,
        logs=(AccessAttempt, AccessFailureLog),
    )


POSTED_FORMS = {
    f.__name__: f
    for f in (
        talent_new,
        talent_edit,
        talent_edit_by_liaison,
        talent_move_out,
        contact_new,
        demand_progress,
        demand_close,
        demand_follow_up,
        ledger_demand_new,
        ledger_demand_edit,
        suggestion_forward,
        suggestion_answer,
        event_new,
        recommendation_new,
        recommendation_edit,
        feedback_new,
        feedback_answer,
        pairing_new,
        pairing_adjust,
        pairing_end,
        next_term,
        village_report_draft,
        village_report_return,
        password_change,
        log_in,
    )
}


@pytest.mark.parametrize("form", sorted(POSTED_FORMS))
@HOSTILE_SETTINGS
@given(data=st.data())
def test_a_hostile_post_is_saved_cleanly_or_refused_in_chinese_keeping_what_was_typed(world, clients, form, data):
    user, case = POSTED_FORMS[form](world)
    post_hostile(user, case, draw_post(data, case.valid, case.kinds), client=clients(user))


@pytest.mark.parametrize("form", sorted(POSTED_FORMS))
def test_the_untouched_form_is_accepted(world, form):
    """The baseline every hostile example departs from is itself a valid post."""
    user, case = POSTED_FORMS[form](world)
    response = post_hostile(user, case, case.valid)
    assert response.status_code in (302, 409) or {t.name for t in response.templates} & set(case.accepted_pages)


def test_a_username_longer_than_any_account_is_refused_before_the_lockout_table_records_it(world):
    case = log_in(world)[1]
    response = post_hostile(None, case, {"username": "管" * 300, "password": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors["username"]
