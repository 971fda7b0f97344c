"""Issue 6, items 1, 3, 4: the password expires after PASSWORD_MAX_AGE_DAYS, the client's address is
the one our TLS proxy saw, and the office can erase a talent's personal data (PIPL Art. 47)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, ContactPhoto, Pairing
from talents import accounts
from talents.models import AccountState, AuditEntry, Talent
from talents.services import talent_anonymise
from tests.factories import ContactFactory, ContactPhotoFactory, TalentFactory, UserFactory, valid_id_number

PASSWORD = "test-pass-123"  # UserFactory's
NEW_PASSWORD = "Own#Password2024"
HOME = "/"


def _log_in(client, username: str, password: str = PASSWORD, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


# --- periodic password change (定期更换) -------------------------------------------------------


@pytest.fixture
def cadre_a(db):
    return UserFactory(username="cadre_a", roles=["cadre"])


def _password_age(user, days: int) -> None:
    changed = timezone.now() - datetime.timedelta(days=days)
    AccountState.objects.update_or_create(user=user, defaults={"password_changed_at": changed})


def test_a_password_older_than_ninety_days_sends_the_user_to_the_change_page_with_a_message(client, cadre_a):
    _password_age(cadre_a, 91)
    client.force_login(cadre_a)
    response = client.get(reverse("talents:list"))
    assert response.status_code == 302
    assert response.url == reverse("password_change")
    page = client.get(response.url).content.decode()
    assert "您的密码已使用超过 90 天" in page


def test_after_changing_the_old_password_the_user_goes_on(client, cadre_a):
    _password_age(cadre_a, 200)
    client.force_login(cadre_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


def test_a_password_younger_than_the_limit_is_not_asked_for(client, cadre_a):
    _password_age(cadre_a, 89)
    client.force_login(cadre_a)
    assert client.get(HOME).status_code == 200


def test_a_max_age_of_zero_never_expires_a_password(client, cadre_a, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    _password_age(cadre_a, 3000)
    client.force_login(cadre_a)
    assert client.get(HOME).status_code == 200


def test_an_expired_user_can_still_log_out(client, cadre_a):
    _password_age(cadre_a, 91)
    client.force_login(cadre_a)
    assert client.post(reverse("logout")).url == reverse("login")
    assert SESSION_KEY not in client.session


def test_accounts_with_no_recorded_change_like_the_demo_ones_are_not_forced(client, cadre_a):
    client.force_login(cadre_a)  # seed_demo and createsuperuser accounts have no AccountState
    assert client.get(HOME).status_code == 200
    AccountState.objects.create(user=cadre_a)  # a row, but the user never chose a password
    assert client.get(HOME).status_code == 200


# --- the client's address behind the proxy -------------------------------------------------------


@pytest.fixture
def behind_proxy(settings):
    settings.MEIJIA_BEHIND_PROXY = True
    settings.MEIJIA_PROXY_COUNT = 1


def _fail_five_times(username: str, forwarded: str, remote: str = "127.0.0.1"):
    client = Client()
    for _attempt in range(5):
        response = _log_in(client, username, "wrong-password", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    return response


def test_behind_the_proxy_one_clients_failures_do_not_lock_out_another_client(db, behind_proxy):
    UserFactory(username="cadre_a", roles=["cadre"])
    UserFactory(username="cadre_b", roles=["cadre"])
    UserFactory(username="cadre_c", roles=["cadre"])
    assert _fail_five_times("cadre_a", "10.1.1.1").status_code == 429
    # Another office computer, through the same proxy (REMOTE_ADDR 127.0.0.1 for everyone).
    response = _log_in(Client(), "cadre_b", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.2.2.2")
    assert response.status_code == 302
    # The locked computer stays locked for other accounts, whatever it puts in front of the header.
    response = _log_in(Client(), "cadre_c", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 10.1.1.1")
    assert response.status_code == 429


def test_behind_the_proxy_the_address_the_proxy_appended_is_the_client(rf, behind_proxy):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.1.1")
    assert accounts.client_ip(request) == "10.1.1.1"


def test_two_proxies_are_counted_from_the_right(rf, behind_proxy, settings):
    settings.MEIJIA_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.1.1, 192.168.0.2")
    assert accounts.client_ip(request) == "10.1.1.1"


def test_without_the_proxy_setting_a_forged_forwarded_header_is_ignored(db):
    UserFactory(username="cadre_a", roles=["cadre"])
    UserFactory(username="cadre_b", roles=["cadre"])
    assert _fail_five_times("cadre_a", "10.1.1.1", remote="10.0.0.5").status_code == 429
    # The same computer, claiming another address: still locked.
    response = _log_in(Client(), "cadre_b", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="10.2.2.2")
    assert response.status_code == 429


def test_audit_entries_carry_the_real_client_address_behind_the_proxy(client, cadre_a, behind_proxy):
    _log_in(client, "cadre_a", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.3.3.3")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN)
    assert entry.ip == "10.3.3.3"


def test_audit_entries_ignore_a_forged_header_without_the_proxy(client, cadre_a):
    _log_in(client, "cadre_a", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="10.3.3.3")
    assert AuditEntry.objects.get(action=AuditEntry.Action.LOGIN).ip == "10.0.0.5"


# --- erasing a talent's personal data (PIPL Art. 47) -------------------------------------------------


@pytest.fixture
def talent_with_history(pairing):
    talent = pairing.talent
    talent.photo = ContactPhotoFactory.build().image
    talent.birth_month = datetime.date(1985, 6, 1)
    talent.address = "梅家乡双河村三组 12 号"
    talent.achievements = "建成柑橘合作社"
    talent.honours = "县级劳动模范"
    talent.school_and_major = "西南大学 农学"
    talent.save()
    contact = ContactFactory(pairing=pairing, situation_health="腰椎间盘突出，需要休养。")
    ContactFactory(pairing=pairing)
    ContactPhotoFactory(contact=contact)
    return talent


def _files(settings) -> list:
    return [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def _erase_in_admin(client, talent, reason: str = "本人申请删除个人信息"):
    return client.post(
        reverse("admin:talents_talent_changelist"),
        {"action": "anonymise", "_selected_action": [talent.pk], "confirm": "yes", "reason": reason},
    )


def test_the_admin_action_asks_for_confirmation_before_erasing(
    talent_with_history, office_user, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(office_user)
    page = client.post(
        reverse("admin:talents_talent_changelist"),
        {"action": "anonymise", "_selected_action": [talent_with_history.pk]},
    )
    assert page.status_code == 200
    assert "陈丽华" in page.content.decode()
    assert Talent.objects.get(pk=talent_with_history.pk).name == "陈丽华", "nothing erased before the confirmation"


def test_the_office_erases_personal_data_files_and_notes_but_keeps_the_counts(
    talent_with_history, office_user, settings, django_capture_on_commit_callbacks
):
    talent = talent_with_history
    pairings, contacts = Pairing.objects.filter(talent=talent).count(), Contact.objects.filter(pairing__talent=talent)
    contact_count = contacts.count()
    assert len(_files(settings)) == 2
    client = Client()
    client.force_login(office_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _erase_in_admin(client, talent)
    assert response.status_code == 302

    talent.refresh_from_db()
    assert talent.name == f"已删除人员#{talent.pk}"
    for field in ("id_number", "phone", "address", "thoughts", "achievements", "honours", "school_and_major"):
        assert getattr(talent, field) == "", field
    assert talent.birth_month is None
    assert not talent.photo
    assert talent.status == Talent.Status.OUT
    assert talent.out_reason == "本人申请删除个人信息"
    assert _files(settings) == [], "the photo files are deleted"
    assert not ContactPhoto.objects.filter(contact__pairing__talent=talent).exists()
    assert not contacts.exclude(situation_health="", situation_thought="").exists()
    assert Pairing.objects.filter(talent=talent).count() == pairings
    assert contacts.count() == contact_count


def test_the_erasure_is_in_the_audit_log_without_the_erased_values(talent_with_history, office_user):
    talent_anonymise(talent=talent_with_history, reason="离开本乡多年", by=office_user)
    entry = AuditEntry.objects.get(extra__anonymised=True)
    assert entry.user == office_user
    assert entry.object_id == str(talent_with_history.pk)
    assert entry.extra["reason"] == "离开本乡多年"
    logged = str(list(AuditEntry.objects.filter(when__gte=entry.when).values("changes", "extra", "object_label")))
    for value in ("陈丽华", valid_id_number(1), "13812345678", "双河村", "腰椎", "劳动模范", "西南大学"):
        assert value not in logged, value


def test_only_the_office_can_erase_a_talent(talent_with_history, leader_user):
    leader_user.is_staff = True
    leader_user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(leader_user)
    response = _erase_in_admin(client, talent_with_history)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert Talent.objects.get(pk=talent_with_history.pk).name == "陈丽华"
    with pytest.raises(PermissionDenied):
        talent_anonymise(talent=talent_with_history, reason="x", by=leader_user)
    assert Talent.objects.get(pk=talent_with_history.pk).name == "陈丽华"


def test_the_erase_action_needs_a_reason(talent_with_history, office_user):
    client = Client()
    client.force_login(office_user)
    response = _erase_in_admin(client, talent_with_history, reason="  ")
    assert response.status_code == 200
    assert "请说明理由" in response.content.decode()
    assert Talent.objects.get(pk=talent_with_history.pk).name == "陈丽华"


def test_an_unpaired_talent_can_be_erased_too(office_user, django_capture_on_commit_callbacks):
    talent = TalentFactory(name="赵小明", phone="13900001111")
    with django_capture_on_commit_callbacks(execute=True):
        talent_anonymise(talent=talent, reason="本人申请", by=office_user)
    talent.refresh_from_db()
    assert talent.name == f"已删除人员#{talent.pk}"
    assert talent.phone == ""
