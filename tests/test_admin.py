"""The back office (Django admin): office staff only, every list at a fixed number of queries."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Level, MajorEvent, Pairing, Term
from talents.models import Organization, Talent
from tests.factories import (
    CadreFactory,
    ContactFactory,
    DemandFactory,
    FeedbackFactory,
    MajorEventFactory,
    PairingFactory,
    RecommendationFactory,
    SuggestionFactory,
    TalentFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    VillageFactory,
    VillageReportFactory,
    valid_id_number,
)

NAMED = "张三丰"


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


def _talent(i: int) -> Talent:
    return TalentFactory(name=NAMED) if i == 0 else TalentFactory()


# One builder per admin changelist: row ``i`` of the data, every row with its own related rows so
# that a column reading a foreign key without select_related would cost one query per row.
def _unit(i: int) -> None:
    UnitFactory(name="梅家乡中心学校" if i == 0 else f"梅家乡第{i}单位", secretary=UserFactory(), liaison=UserFactory())


def _cadre(i: int) -> None:
    CadreFactory(name="王建国" if i == 0 else f"干部{i}", level=Level.VILLAGE, village=VillageFactory())


def _term(i: int) -> None:
    year = 2001 + 2 * i
    term = TermFactory(
        name=Term.name_for(year),
        start_date=datetime.date(year, 1, 1),
        end_date=datetime.date(year + 1, 12, 31),
        is_current=False,
    )
    PairingFactory(term=term, start_date=term.start_date)  # counted in the "open pairings" column


def _pairing(i: int) -> None:
    PairingFactory(talent=_talent(i))


def _contact(i: int) -> None:
    ContactFactory(pairing__talent=_talent(i), urgent=True, date=datetime.date(2026, 1 + i % 12, 1))


def _suggestion(i: int) -> None:
    SuggestionFactory(talent=_talent(i))


def _demand(i: int) -> None:
    DemandFactory(talent=_talent(i), responsible_unit=UnitFactory(), coordinating_cadre=CadreFactory())


def _event(i: int) -> None:
    MajorEventFactory(talent=_talent(i), cadre=CadreFactory())


def _recommendation(i: int) -> None:
    RecommendationFactory(talent=_talent(i), year=2020 + i)


def _feedback(i: int) -> None:
    unit = UnitFactory(name="梅家乡中心学校") if i == 0 else UnitFactory()
    FeedbackFactory(unit=unit, talent=TalentFactory(), cadre=CadreFactory())


def _village_report(i: int) -> None:
    VillageReportFactory(
        village=VillageFactory(name="梅家村" if i == 0 else f"第{i}村"),
        status="submitted",
        submitted_at=timezone.now(),
        submitted_by=UserFactory(),
    )


# Every changelist runs the same 9 queries, whatever the number of rows:
#   1 session, 2 user, 3 the user's role groups (talents.access), 4 user permissions,
#   5 group permissions, 6 row count, 7 full row count (the "N total" link),
#   8 does an organisation row exist (the sidebar's "add" link for the singleton), 9 the rows,
#   each with its foreign keys joined (list_select_related).
# Each case adds what its filters and date drill-down need, listed beside it.
BASE_QUERIES = 9
CHANGELISTS = [
    pytest.param("talents_unit", _unit, BASE_QUERIES, "梅家乡中心学校", id="unit"),
    # + the villages of the village filter, + the units that have talents (unit filter)
    pytest.param("talents_talent", _talent, BASE_QUERIES + 2, NAMED, id="talent"),
    # + the villages of the village filter
    pytest.param("contacts_cadre", _cadre, BASE_QUERIES + 1, "王建国", id="cadre"),
    # rows and both counts group by term to count the open pairings: no extra query
    pytest.param("contacts_term", _term, BASE_QUERIES, "2001年—2002年", id="term"),
    # + the terms of the term filter
    pytest.param("contacts_pairing", _pairing, BASE_QUERIES + 1, NAMED, id="pairing"),
    # + the terms of the term filter, + first and last date, + the dates of the date drill-down
    pytest.param("contacts_contact", _contact, BASE_QUERIES + 3, NAMED, id="contact"),
    # + first and last date, + the dates of the date drill-down
    pytest.param("contacts_suggestion", _suggestion, BASE_QUERIES + 2, NAMED, id="suggestion"),
    # + the responsible units of the unit filter, + first and last date, + the dates of the drill-down
    pytest.param("contacts_demand", _demand, BASE_QUERIES + 3, NAMED, id="demand"),
    # + the reporting units of the unit filter, + first and last date, + the dates of the drill-down
    pytest.param("contacts_majorevent", _event, BASE_QUERIES + 3, NAMED, id="major-event"),
    # + the recommending organisations of their filter, + the years of the year filter
    pytest.param("contacts_recommendation", _recommendation, BASE_QUERIES + 2, NAMED, id="recommendation"),
    # + the units of the unit filter, + first and last date, + the dates of the drill-down
    pytest.param("contacts_feedback", _feedback, BASE_QUERIES + 3, "梅家乡中心学校", id="feedback"),
    # + the villages of the village filter, + the years of the year filter
    pytest.param("reports_villagereport", _village_report, BASE_QUERIES + 2, "梅家村", id="village-report"),
]


def _get_counting_queries(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize(("changelist", "build", "expected_queries", "text"), CHANGELISTS)
def test_it_lists_every_model_with_a_fixed_number_of_queries(
    office_client, changelist: str, build: Callable[[int], None], expected_queries: int, text: str
):
    url = reverse(f"admin:{changelist}_changelist")
    queries_at: dict[int, list[str]] = {}
    built = 0
    for size in (2, 12):
        for i in range(built, size):
            build(i)
        built = size
        response, queries = _get_counting_queries(office_client, url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == size
        assert text in response.content.decode()
        queries_at[size] = queries
    assert len(queries_at[2]) == len(queries_at[12]), "\n".join(queries_at[12])
    assert len(queries_at[12]) == expected_queries, "\n".join(queries_at[12])


def test_it_lists_the_organisation_with_a_fixed_number_of_queries(office_client):
    Organization.objects.all().delete()
    url = reverse("admin:talents_organization_changelist")
    empty, queries_empty = _get_counting_queries(office_client, url)
    Organization.current()
    response, queries = _get_counting_queries(office_client, url)
    assert empty.status_code == response.status_code == 200
    assert "中共开江县梅家乡委员会" in response.content.decode()
    # The 9 queries of every changelist, + "does a row exist" again for the page's own add button.
    assert len(queries_empty) == len(queries) == BASE_QUERIES + 1, "\n".join(queries)


def test_it_offers_to_add_the_organisation_only_while_there_is_none(office_client):
    Organization.objects.all().delete()
    add_url = reverse("admin:talents_organization_add")
    assert office_client.get(add_url).status_code == 200

    office_client.post(
        add_url,
        {
            "county": "开江县",
            "township": "梅家乡",
            "committee_name": "中共开江县梅家乡委员会",
            "office_name": "梅家乡党建办",
        },
    )

    assert Organization.objects.get().pk == 1
    assert office_client.get(add_url).status_code == 403
    response = office_client.get(reverse("admin:talents_organization_changelist"))
    assert add_url not in response.content.decode()


def test_it_finds_talents_by_name_and_by_phone(office_client):
    TalentFactory(name=NAMED, phone="13900001111")
    TalentFactory(name="李四", phone="13700002222")
    url = reverse("admin:talents_talent_changelist")

    by_name = office_client.get(url, {"q": "三丰"})
    by_phone = office_client.get(url, {"q": "13700002222"})

    assert [t.name for t in by_name.context["cl"].result_list] == [NAMED]
    assert [t.name for t in by_phone.context["cl"].result_list] == ["李四"]


def test_it_finds_talents_by_unit_name(office_client):
    TalentFactory(name=NAMED, unit=UnitFactory(name="梅家乡中心学校"))
    TalentFactory(name="李四")

    response = office_client.get(reverse("admin:talents_talent_changelist"), {"q": "中心学校"})

    assert [t.name for t in response.context["cl"].result_list] == [NAMED]


def test_it_filters_talents_by_category(office_client):
    TalentFactory(name=NAMED, category=Talent.Category.RURAL, rural_type=Talent.RuralType.PRODUCTION)
    TalentFactory(name="李四", category=Talent.Category.PROFESSIONAL)

    response = office_client.get(reverse("admin:talents_talent_changelist"), {"category": "rural"})

    assert [t.name for t in response.context["cl"].result_list] == [NAMED]


def test_it_shows_a_talents_pairing_history_on_the_talent_page(office_client):
    talent = TalentFactory(name=NAMED)
    ended = PairingFactory(
        talent=talent,
        cadre=CadreFactory(name="赵前任"),
        end_date=datetime.date(2025, 6, 30),
        end_reason=Pairing.EndReason.POST_CHANGE,
    )
    PairingFactory(
        talent=talent, cadre=CadreFactory(name="钱现任"), start_date=datetime.date(2025, 7, 1), replaces=ended
    )

    response = office_client.get(reverse("admin:talents_talent_change", args=[talent.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "赵前任" in page
    assert "钱现任" in page
    assert str(Pairing.EndReason.POST_CHANGE.label) in page


def test_it_shows_a_talents_contacts_and_demands_on_the_talent_page(office_client):
    talent = TalentFactory(name=NAMED)
    ContactFactory(pairing__talent=talent, pairing__cadre__name="孙联系", summary="了解育苗基地扩建进展。")
    DemandFactory(talent=talent, content="希望解决冷库用电问题。")

    page = office_client.get(reverse("admin:talents_talent_change", args=[talent.pk])).content.decode()

    assert "了解育苗基地扩建进展。" in page
    assert "孙联系" in page
    assert "希望解决冷库用电问题。" in page


@pytest.mark.parametrize("user_fixture", ["cadre_user", "leader_user"])
def test_it_keeps_staff_who_are_not_office_out_of_the_admin(client, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)

    for url in (reverse("admin:index"), reverse("admin:talents_talent_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_it_lets_office_staff_into_the_admin(office_client):
    response = office_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "talents/talent/" in response.content.decode()


def _talent_form(**overrides) -> dict:
    data = {
        "name": NAMED,
        "gender": Talent.Gender.MALE,
        "ethnicity": "汉族",
        "id_number": valid_id_number(7),
        "political_status": "中共党员",
        "category": Talent.Category.PROFESSIONAL,
        "phone": "13812345678",
        "status": Talent.Status.IN_POOL,
    }
    return data | overrides


def test_it_lets_office_add_a_talent_and_records_who_added_it(office_client, office_user):
    response = office_client.post(reverse("admin:talents_talent_add"), _talent_form())

    assert response.status_code == 302
    talent = Talent.objects.get()
    assert talent.name == NAMED
    assert talent.created_by == office_user
    assert talent.updated_by == office_user
    assert talent.birth_month == datetime.date(1985, 6, 15)  # read from the ID number


def test_it_rejects_a_wrong_id_number_and_saves_nothing(office_client):
    valid = valid_id_number(7)
    wrong = valid[:-1] + ("1" if valid[-1] == "0" else "0")  # a wrong check digit

    response = office_client.post(reverse("admin:talents_talent_add"), _talent_form(id_number=wrong))

    assert response.status_code == 200
    assert "id_number" in response.context["adminform"].form.errors
    assert not Talent.objects.exists()


def _inline_management_data(response) -> dict:
    """The hidden counters of the page's inlines, as the browser would send them back."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {f"{management.prefix}-{name}": value for name, value in management.initial.items()}
    return data


def test_it_moves_a_talent_out_only_with_a_date_and_a_reason(office_client, office_user):
    talent = TalentFactory(name=NAMED)
    url = reverse("admin:talents_talent_change", args=[talent.pk])
    form = _talent_form(id_number="", birth_month="1985-06-01", status=Talent.Status.OUT)
    form |= _inline_management_data(office_client.get(url))

    refused = office_client.post(url, form)
    moved = office_client.post(url, form | {"out_date": "2026-05-01", "out_reason": "调离本乡"})

    assert refused.status_code == 200
    assert moved.status_code == 302
    talent.refresh_from_db()
    assert (talent.status, talent.out_reason, talent.updated_by) == (Talent.Status.OUT, "调离本乡", office_user)


def test_it_never_deletes_a_talent(office_client):
    talent = TalentFactory(name=NAMED)

    delete_page = office_client.get(reverse("admin:talents_talent_delete", args=[talent.pk]))
    changelist = office_client.get(reverse("admin:talents_talent_changelist"))

    assert delete_page.status_code == 403
    assert "delete_selected" not in changelist.content.decode()
    assert Talent.objects.filter(pk=talent.pk).exists()


def test_it_shows_a_second_open_pairing_for_a_talent_as_a_form_error(office_client, office_user):
    first = PairingFactory(talent=TalentFactory(name=NAMED))
    other_cadre = CadreFactory(name="周重复")
    data = {
        "term": first.term.pk,
        "cadre": other_cadre.pk,
        "talent": first.talent.pk,
        "start_date": "2025-03-01",
    }

    response = office_client.post(reverse("admin:contacts_pairing_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert Pairing.objects.count() == 1

    first.end_date, first.end_reason = datetime.date(2025, 2, 28), Pairing.EndReason.POST_CHANGE
    first.save()
    response = office_client.post(reverse("admin:contacts_pairing_add"), data | {"replaces": first.pk})

    assert response.status_code == 302
    added = Pairing.objects.get(cadre=other_cadre)
    assert (added.level, added.replaces, added.created_by) == (Level.TOWNSHIP, first, office_user)


def test_it_filters_pairings_by_open_and_ended(office_client):
    PairingFactory(talent=TalentFactory(name=NAMED))
    PairingFactory(
        talent=TalentFactory(name="李四"), end_date=datetime.date(2025, 6, 30), end_reason=Pairing.EndReason.OTHER
    )
    url = reverse("admin:contacts_pairing_changelist")

    open_ones = office_client.get(url, {"state": "open"}).context["cl"].result_list
    ended = office_client.get(url, {"state": "ended"}).context["cl"].result_list

    assert [p.talent.name for p in open_ones] == [NAMED]
    assert [p.talent.name for p in ended] == ["李四"]


def test_it_acknowledges_major_events_with_an_action(office_client, office_user):
    event = MajorEventFactory(talent=TalentFactory(name=NAMED))

    response = office_client.post(
        reverse("admin:contacts_majorevent_changelist"),
        {"action": "acknowledge", "_selected_action": [event.pk]},
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.acknowledged_at is not None
    assert event.acknowledged_by == office_user
    assert MajorEvent.objects.filter(acknowledged_at__isnull=True).count() == 0


def _add_history(talent: Talent, i: int) -> None:
    """One more round of the talent's story: the open pairing ends, a new cadre takes over and acts."""
    previous = Pairing.objects.filter(talent=talent, end_date__isnull=True).first()
    if previous:
        previous.end_date, previous.end_reason = datetime.date(2025, 1, 1 + i), Pairing.EndReason.POST_CHANGE
        previous.save()
    pairing = PairingFactory(
        talent=talent, cadre__name=f"干部{i}", start_date=datetime.date(2025, 1, 1 + i), replaces=previous
    )
    ContactFactory(pairing=pairing)
    DemandFactory(talent=talent, responsible_unit=UnitFactory())
    MajorEventFactory(talent=talent, reporting_unit=UnitFactory())


def test_it_shows_a_talents_page_with_a_fixed_number_of_queries(office_client):
    talent = TalentFactory(name=NAMED)
    url = reverse("admin:talents_talent_change", args=[talent.pk])
    counts = []
    for rounds in ((0,), (1, 2, 3)):
        for i in rounds:
            _add_history(talent, i)
        response, queries = _get_counting_queries(office_client, url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert "干部3" in response.content.decode()
    # session, user, role groups, the talent, user and group permissions, the pairing history (with
    # term, cadre and replaced pairing joined), the demands, the major events (with unit joined), does
    # an organisation exist (sidebar), the talent's unit and village (their autocomplete boxes), the
    # latest contacts (with cadre joined)
    assert counts == [13, 13], "\n".join(queries)


def test_it_adds_a_demand_from_the_talent_page_and_records_who_added_it(office_client, office_user):
    talent = TalentFactory(name=NAMED)
    DemandFactory(talent=talent, content="希望参加县里的技术培训。")
    url = reverse("admin:talents_talent_change", args=[talent.pk])
    page = office_client.get(url)
    form = _talent_form(id_number="", birth_month="1985-06-01") | _inline_management_data(page)
    existing = talent.demands.get()
    form |= {
        "demands-TOTAL_FORMS": "2",
        "demands-0-id": existing.pk,
        "demands-0-talent": talent.pk,
        "demands-0-content": "改掉旧的内容",  # existing entries are read-only here: ignored
        "demands-1-talent": talent.pk,
        "demands-1-raised_on": "2026-05-01",
        "demands-1-source": "unit",
        "demands-1-kind": "housing",
        "demands-1-urgency": "normal",
        "demands-1-content": "住房漏雨，希望协调维修。",
    }

    response = office_client.post(url, form)

    assert response.status_code == 302
    added = talent.demands.get(kind="housing")
    assert (added.content, added.created_by, added.status) == ("住房漏雨，希望协调维修。", office_user, "open")
    existing.refresh_from_db()
    assert existing.content == "希望参加县里的技术培训。"


def test_it_opens_the_add_and_change_pages_of_every_model(office_client):
    objects = [
        UnitFactory(),
        TalentFactory(),
        CadreFactory(),
        TermFactory(),
        PairingFactory(),
        ContactFactory(),
        SuggestionFactory(),
        DemandFactory(),
        MajorEventFactory(),
        RecommendationFactory(),
        FeedbackFactory(),
        VillageReportFactory(),
    ]
    for obj in objects:
        prefix = f"admin:{obj._meta.app_label}_{obj._meta.model_name}"
        assert office_client.get(reverse(f"{prefix}_add")).status_code == 200, prefix
        assert office_client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200, prefix


def test_the_export_log_is_listed_for_the_office_and_can_be_neither_changed_nor_deleted(client, office_user):
    from reports.models import ExportLog

    entry = ExportLog.objects.create(user=office_user, exporter="roster", format="xlsx", row_count=15)
    client.force_login(office_user)
    listing = client.get(reverse("admin:reports_exportlog_changelist"))
    assert listing.status_code == 200
    assert "roster" in listing.content.decode()
    assert client.get(reverse("admin:reports_exportlog_add")).status_code == 403
    assert client.post(reverse("admin:reports_exportlog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert ExportLog.objects.filter(pk=entry.pk).exists()
