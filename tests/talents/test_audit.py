"""The audit log (等保 2.0 安全审计; issue 6, item 4): what is recorded, masked, and that nothing can change it."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from talents import audit
from talents.models import AuditEntry
from tests.factories import (
    ContactPhotoFactory,
    DemandProgressFactory,
    TermFactory,
    UserFactory,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

PASSWORD = "test-pass-123"  # UserFactory's
Action = AuditEntry.Action


def _log_in(client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _entries(action: str, **filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


def _dump(entries) -> str:
    return json.dumps([[e.changes, e.extra, e.object_label] for e in entries], ensure_ascii=False)


def _talent_form(talent, **fields) -> dict:
    """What the edit form posts for ``talent`` unchanged, plus ``fields``."""
    data = {
        "name": talent.name,
        "gender": talent.gender,
        "ethnicity": talent.ethnicity,
        "birth_month": f"{talent.birth_month:%Y-%m}",
        "id_number": talent.id_number,
        "political_status": talent.political_status,
        "education": talent.education,
        "degree": talent.degree,
        "school_and_major": talent.school_and_major,
        "unit": talent.unit_id,
        "position": talent.position,
        "title": talent.title,
        "category": talent.category,
        "rural_type": talent.rural_type,
        "speciality": talent.speciality,
        "village": talent.village_id,
        "phone": talent.phone,
        "address": talent.address,
        "achievements": talent.achievements,
        "honours": talent.honours,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# --- Accounts: log-ins, failures, log-outs, lockouts ----------------------------------------------


def test_a_log_in_is_recorded_with_the_account_and_the_address(client, cadre_user):
    assert _log_in(client, "cadre_t", ip="10.1.2.3").status_code == 302
    [entry] = _entries(Action.LOGIN)
    assert (entry.user, entry.username, entry.ip) == (cadre_user, "cadre_t", "10.1.2.3")


def test_a_failed_log_in_is_recorded_with_the_name_typed_and_never_the_password(client, cadre_user):
    _log_in(client, "cadre_t", "Wrong-Secret-77", ip="10.1.2.4")
    _log_in(client, "nobody_here", "Wrong-Secret-77", ip="10.1.2.4")
    entries = _entries(Action.LOGIN_FAILED)
    assert [(e.username, e.ip, e.user) for e in entries] == [
        ("cadre_t", "10.1.2.4", None),
        ("nobody_here", "10.1.2.4", None),
    ]
    assert "Wrong-Secret-77" not in _dump(entries)


def test_a_log_out_is_recorded(client, cadre_user):
    _log_in(client, "cadre_t")
    client.post(reverse("logout"))
    [entry] = _entries(Action.LOGOUT)
    assert entry.user == cadre_user


def test_a_lockout_is_recorded_with_the_account_and_the_address(client, cadre_user):
    for _attempt in range(5):
        _log_in(client, "cadre_t", "wrong-password", ip="10.9.9.9")
    entries = _entries(Action.LOCKOUT)
    assert entries, "the fifth failure locks the account"
    assert (entries[0].username, entries[0].ip) == ("cadre_t", "10.9.9.9")
    assert len(_entries(Action.LOGIN_FAILED)) == 5


# --- Changes to records --------------------------------------------------------------------------


def test_editing_a_talent_records_each_changed_field_with_the_phone_masked(client, office_user, pairing):
    talent = pairing.talent
    client.force_login(office_user)
    response = client.post(
        reverse("talents:edit", args=[talent.pk]),
        _talent_form(talent, phone="13900002222", position="站长"),
        REMOTE_ADDR="192.168.1.20",
    )
    assert response.status_code == 302
    [entry] = _entries(Action.UPDATE, object_type="talents.talent")
    assert (entry.user, entry.username, entry.ip) == (office_user, "office_t", "192.168.1.20")
    assert (entry.object_id, entry.object_label) == (str(talent.pk), "陈丽华")
    assert entry.changes == {"phone": ["138****5678", "139****2222"], "position": ["技术员", "站长"]}
    assert "13812345678" not in _dump([entry]) and "13900002222" not in _dump([entry])


def test_a_changed_id_number_is_logged_masked(client, office_user, pairing):
    talent = pairing.talent
    new_id = valid_id_number(2)
    client.force_login(office_user)
    client.post(reverse("talents:edit", args=[talent.pk]), _talent_form(talent, id_number=new_id))
    [entry] = _entries(Action.UPDATE, object_type="talents.talent")
    old = talent.id_number
    assert entry.changes == {"id_number": [old[:3] + "*" * 11 + old[-4:], new_id[:3] + "*" * 11 + new_id[-4:]]}


def test_a_thoughts_note_is_logged_as_changed_without_its_content(client, cadre_user, pairing):
    client.force_login(cadre_user)
    client.post(reverse("contacts:talent_thoughts", args=[pairing.talent_id]), {"thoughts": "最近有离职打算。"})
    [entry] = _entries(Action.UPDATE, object_type="talents.talent")
    assert entry.user == cadre_user
    assert entry.changes == {"thoughts": audit.CHANGED}
    assert "离职" not in _dump([entry])


def test_a_contact_is_logged_with_its_health_and_life_notes_hidden(client, cadre_user, pairing):
    from tests.factories import contact_form_data

    client.force_login(cadre_user)
    data = contact_form_data(
        pairing, summary="谈了产业规划。", situation_health="腰椎病复发。", situation_life="父亲住院。"
    )
    assert client.post(reverse("contacts:contact_new"), data).status_code == 302
    [entry] = _entries(Action.CREATE, object_type="contacts.contact")
    assert entry.user == cadre_user
    assert entry.changes["summary"] == [None, "谈了产业规划。"]
    assert entry.changes["situation_health"] == entry.changes["situation_life"] == audit.CHANGED
    assert "腰椎" not in _dump([entry]) and "住院" not in _dump([entry])
    assert "陈丽华" in entry.object_label


def test_a_change_outside_a_request_has_no_user_and_names_what_ran(pairing):
    talent = pairing.talent
    talent.position = "主任"
    talent.save()
    [entry] = _entries(Action.UPDATE, object_type="talents.talent")
    assert entry.user is None and entry.ip is None
    assert entry.extra["command"]
    assert entry.changes == {"position": ["技术员", "主任"]}


def test_a_save_that_changes_nothing_is_not_logged(pairing):
    pairing.talent.save()
    assert not _entries(Action.UPDATE, object_type="talents.talent")


def test_a_deleted_record_is_logged_with_its_name(db):
    progress = DemandProgressFactory(note="已与县人社局联系。")
    pk = progress.pk
    progress.delete()
    [entry] = _entries(Action.DELETE)
    assert (entry.object_type, entry.object_id) == ("contacts.demandprogress", str(pk))
    assert "已与县人社局联系" in entry.object_label


def test_a_role_given_to_an_account_is_logged(db):
    user = UserFactory(username="new_liaison")
    user.groups.add(*UserFactory(username="model_user", roles=["liaison"]).groups.all())
    entries = _entries(Action.UPDATE, object_type="auth.user", object_id=str(user.pk))
    assert entries[-1].changes == {"groups": [[], ["liaison"]]}


def test_a_deactivated_account_is_logged_and_its_password_hash_never_is(db):
    user = UserFactory(username="leaving")
    user.is_active = False
    user.set_password("Another#Pass99")
    user.save()
    [entry] = _entries(Action.UPDATE, object_type="auth.user")
    assert entry.changes == {"is_active": [True, False], "password": audit.CHANGED}


# --- Exports and downloads ------------------------------------------------------------------------


def test_an_export_is_recorded_with_the_user(client, office_user, pairing):
    TermFactory()
    client.force_login(office_user)
    response = client.get(reverse("exports:download", args=["roster", "xlsx"]), {"full_phones": "1"})
    assert response.status_code == 200
    [entry] = _entries(Action.EXPORT)
    assert entry.user == office_user
    assert entry.extra["exporter"] == "roster" and entry.extra["format"] == "xlsx"
    assert entry.extra["options"]["full_phones"] is True


def test_the_talent_list_export_is_recorded(client, office_user, pairing):
    client.force_login(office_user)
    assert client.get(reverse("talents:export"), {"q": "13812345678"}).status_code == 200
    [entry] = _entries(Action.EXPORT)
    assert entry.user == office_user and entry.extra["exporter"] == "talent_list"
    assert "13812345678" not in _dump([entry]), "the search text may be a phone number"


def test_a_command_line_export_is_recorded_without_a_user(pairing, tmp_path):
    TermFactory()
    call_command("export_roster", "--format", "xlsx", "--output", str(tmp_path / "r.xlsx"), stdout=io.StringIO())
    [entry] = _entries(Action.EXPORT)
    assert entry.user is None and entry.extra["command"]


def test_a_contact_photo_download_is_recorded(client, cadre_user, pairing):
    photo = ContactPhotoFactory(contact__pairing=pairing)
    client.force_login(cadre_user)
    assert client.get(reverse("contacts:photo", args=[photo.pk])).status_code == 200
    [entry] = _entries(Action.DOWNLOAD)
    assert (entry.user, entry.object_type, entry.object_id) == (cadre_user, "contacts.contactphoto", str(photo.pk))


def test_a_refused_photo_download_records_nothing(client, other_cadre_user, pairing):
    photo = ContactPhotoFactory(contact__pairing=pairing)
    client.force_login(other_cadre_user)
    assert client.get(reverse("contacts:photo", args=[photo.pk])).status_code == 404
    assert not _entries(Action.DOWNLOAD)


# --- Append-only ---------------------------------------------------------------------------------


@pytest.fixture
def entry(db):
    return audit.record(action=Action.LOGIN, object_label="x", extra={"command": "test"})


def test_an_entry_cannot_be_changed(entry):
    entry.object_label = "forged"
    with pytest.raises(ValueError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).object_label == "x"


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(ValueError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_entries_cannot_be_updated_or_deleted_in_bulk(entry):
    with pytest.raises(ValueError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_label="forged")
    with pytest.raises(ValueError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).object_label == "x"


def test_deleting_an_account_keeps_its_entries_with_the_name(db):
    user = UserFactory(username="gone_user")
    audit.record(action=Action.LOGIN, user=user)
    user.delete()
    [entry] = _entries(Action.LOGIN)
    assert entry.user is None and entry.username == "gone_user"


@pytest.mark.parametrize("superuser", [False, True])
def test_the_admin_shows_entries_but_offers_no_add_change_or_delete(client, entry, office_user, superuser):
    if superuser:
        office_user.is_superuser = True
        office_user.save()
    model_admin = admin_site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = office_user
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    client.force_login(office_user)
    assert client.get(reverse("admin:talents_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:talents_auditentry_change", args=[entry.pk])).status_code == 200
    assert client.get(reverse("admin:talents_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:talents_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert (
        client.post(reverse("admin:talents_auditentry_change", args=[entry.pk]), {"object_label": "y"}).status_code
        == 403
    )
    assert AuditEntry.objects.get(pk=entry.pk).object_label == "x"


# --- Pruning -------------------------------------------------------------------------------------


def _entry_days_ago(days: int) -> AuditEntry:
    return AuditEntry.objects.create(
        action=Action.LOGIN, when=timezone.now() - datetime.timedelta(days=days), object_label=f"{days}d"
    )


def test_prune_deletes_only_entries_older_than_the_days_given(db):
    for days in (10, 179, 181, 400):
        _entry_days_ago(days)
    out = io.StringIO()
    call_command("prune_audit", "--older-than", "180", stdout=out)
    kept = set(AuditEntry.objects.exclude(action=Action.PRUNE).values_list("object_label", flat=True))
    assert kept == {"10d", "179d"}
    [pruned] = _entries(Action.PRUNE)
    assert pruned.extra["deleted"] == 2 and pruned.extra["command"] == "prune_audit"
    assert "2" in out.getvalue()


def test_prune_refuses_to_go_below_six_months(db):
    _entry_days_ago(40)
    with pytest.raises(CommandError) as exc:
        call_command("prune_audit", "--older-than", "30")
    assert "180" in str(exc.value)
    assert AuditEntry.objects.count() == 1


# --- The office's search page --------------------------------------------------------------------

AUDIT = reverse("audit:list")


@pytest.mark.parametrize("who", ["leader_user", "cadre_user", "secretary_user", "liaison_user"])
def test_only_the_office_may_search_the_log(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(AUDIT).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(AUDIT)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_office_has_the_audit_log_in_its_menu_and_others_do_not(client, office_user, leader_user):
    client.force_login(office_user)
    assert f'href="{AUDIT}"' in client.get(reverse("home")).content.decode()
    client.force_login(leader_user)
    assert f'href="{AUDIT}"' not in client.get(reverse("home")).content.decode()


@pytest.fixture
def log(office_user, cadre_user):
    """Entries of several kinds, users and days; the page's other entries (the accounts' own) are left aside."""
    now = timezone.now()
    rows = [
        (office_user, Action.UPDATE, "talents.talent", "7", "陈丽华", 3),
        (cadre_user, Action.LOGIN, "auth.user", str(cadre_user.pk), "王建国的账号", 2),
        (office_user, Action.EXPORT, "reports.exportlog", "1", "一览表.xlsx", 1),
        (cadre_user, Action.REVEAL, "talents.talent", "8", "王浩然", 0),
    ]
    for user, action, object_type, object_id, label, days in rows:
        AuditEntry.objects.create(
            user=user,
            username=user.username,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_label=label,
            when=now - datetime.timedelta(days=days),
        )
    return [row[4] for row in rows]


def _labels(client, log, **params) -> list[str]:
    response = client.get(AUDIT, params)
    assert response.status_code == 200
    return [e.object_label for e in response.context["entries"] if e.object_label in log]


def test_the_log_lists_the_newest_first(client, office_user, log):
    client.force_login(office_user)
    assert _labels(client, log) == ["王浩然", "一览表.xlsx", "王建国的账号", "陈丽华"]


def test_the_log_filters_by_user_action_object_and_dates(client, office_user, log):
    client.force_login(office_user)
    today = timezone.localdate()
    assert _labels(client, log, user="cadre_t") == ["王浩然", "王建国的账号"]
    assert _labels(client, log, action="export") == ["一览表.xlsx"]
    assert _labels(client, log, object_type="talents.talent") == ["王浩然", "陈丽华"]
    assert _labels(client, log, q="丽华") == ["陈丽华"]
    assert _labels(client, log, q="8") == ["王浩然"]
    day = (today - datetime.timedelta(days=2)).isoformat()
    assert _labels(client, log, date_from=day, date_to=day) == ["王建国的账号"]


def test_a_bad_date_is_shown_next_to_its_field_and_the_other_filters_still_work(client, office_user, log):
    client.force_login(office_user)
    response = client.get(AUDIT, {"date_from": "2026-13-45", "action": "export"})
    assert response.context["form"].errors["date_from"]
    assert [e.object_label for e in response.context["entries"]] == ["一览表.xlsx"]


def test_the_page_shows_changes_with_field_labels_and_hidden_notes(client, office_user, pairing):
    talent = pairing.talent
    talent.position, talent.thoughts = "主任", "新的想法"
    talent.save()
    client.force_login(office_user)
    body = client.get(AUDIT, {"object_type": "talents.talent"}).content.decode()
    assert "技术员 → 主任" in body
    assert "新的想法" not in body


def test_older_entries_are_reached_page_by_page(client, office_user):
    now = timezone.now()
    for i in range(60):
        AuditEntry.objects.create(
            action=Action.DOWNLOAD, object_label=f"e{i:02d}", when=now - datetime.timedelta(minutes=i)
        )
    client.force_login(office_user)
    first = client.get(AUDIT, {"action": "download"}).context
    assert [e.object_label for e in first["entries"]][:2] == ["e00", "e01"] and len(first["entries"]) == 50
    second = client.get(AUDIT, {"action": "download", "before": first["older"]}).context
    assert [e.object_label for e in second["entries"]] == [f"e{i:02d}" for i in range(50, 60)]
    assert second["older"] is None


def _page_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(AUDIT, {"user": "o"})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_page_runs_the_same_queries_for_a_short_and_a_long_log(client, office_user):
    for _i in range(5):
        audit.record(action=Action.LOGIN, user=office_user)
    client.force_login(office_user)
    small = _page_queries(client)
    for _i in range(200):
        audit.record(action=Action.LOGIN, user=office_user)
    large = _page_queries(client)
    # session, user, the user's roles, the page of entries (one keyset query, no COUNT),
    # the organisation (page header)
    assert small == large == 5
