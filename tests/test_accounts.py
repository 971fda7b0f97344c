"""Accounts to 等保 2.0 level 2, 身份鉴别 (issue 6, item 1): password rules, lockout, session
timeouts, deactivation, temporary passwords. docs/security.md points at these tests.

Messages of our own are compared with their msgid translated under zh-hans, so a test passes
before and after the translator fills the catalogue; Django's own messages are checked in Chinese.
"""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from talents import accounts
from talents.models import AccountState
from tests.factories import UserFactory

User = get_user_model()
PASSWORD = "test-pass-123"  # UserFactory's
GOOD_PASSWORD = "Meijia#2024road"
HOME = "/"


def _log_in(client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1", url: str | None = None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def _text(response) -> str:
    return response.content.decode()


# --- password rules ----------------------------------------------------------------------------


@pytest.fixture
def wang(db):
    return UserFactory(username="wangjianguo", first_name="王建国", roles=["cadre"])


def _change_password(client, new: str, old: str = PASSWORD):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


@pytest.mark.parametrize(
    ("password", "message"),
    [
        pytest.param("Wangjianguo1", "密码跟 用户名 太相似了。", id="like-the-username"),
        pytest.param("Password123", "这个密码太常见了。", id="common"),
    ],
)
def test_it_refuses_a_password_breaking_a_rule_with_a_chinese_message(client, wang, password, message):
    client.force_login(wang)
    response = _change_password(client, password)
    assert response.status_code == 200
    assert message in _text(response)
    wang.refresh_from_db()
    assert wang.check_password(PASSWORD)


def test_it_refuses_a_password_shorter_than_ten_characters(client, wang):
    client.force_login(wang)
    response = _change_password(client, "Ab1!xyz")
    expected = ngettext(
        "This password is too short: it must have at least %(min_length)d character.",
        "This password is too short: it must have at least %(min_length)d characters.",
        10,
    ) % {"min_length": 10}
    assert expected in _text(response)
    wang.refresh_from_db()
    assert wang.check_password(PASSWORD)


def test_it_refuses_a_password_with_fewer_than_three_kinds_of_characters(client, wang):
    client.force_login(wang)
    response = _change_password(client, "abcdefgh1234xyz")  # lower-case and digits only
    expected = ngettext(
        "Your password must mix at least %(count)d kind of characters: upper-case letters, "
        "lower-case letters, digits, symbols.",
        "Your password must mix at least %(count)d kinds of characters: upper-case letters, "
        "lower-case letters, digits, symbols.",
        3,
    ) % {"count": 3}
    assert expected in _text(response)
    wang.refresh_from_db()
    assert wang.check_password(PASSWORD)


@pytest.mark.parametrize("password", ["Meijia#2024road", "meijia2024ROAD", "梅家乡人才2024road"])
def test_it_accepts_a_long_mixed_password_and_keeps_the_user_logged_in(client, wang, password):
    client.force_login(wang)
    response = _change_password(client, password)
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.check_password(password)
    assert client.get(HOME).status_code == 200


def test_the_change_page_lists_the_rules_and_keeps_nothing_the_user_typed_when_the_old_password_is_wrong(client, wang):
    client.force_login(wang)
    page = _text(client.get(reverse("password_change")))
    assert "你的密码必须包含至少 10 个字符。" in page
    response = _change_password(client, GOOD_PASSWORD, old="not-my-password")
    assert "你的旧密码不正确。请重新输入。" in _text(response)
    assert GOOD_PASSWORD not in _text(response), "passwords are never echoed back into the page"


def test_the_change_page_is_for_logged_in_users_only(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["office", "leader", "cadre", "village_secretary", "liaison"])
def test_every_role_can_change_their_own_password(client, db, role):
    user = UserFactory(roles=[role])
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    assert _change_password(client, GOOD_PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def _python(code: str, var_dir: Path, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    environ.update(MEIJIA_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="meijia.settings", **env)
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", "from django.conf import settings; " + code],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return (result.stdout + result.stderr).strip()


def test_the_rules_and_limits_are_configured_from_the_environment(tmp_path):
    code = (
        "v = {x['NAME'].rsplit('.', 1)[1]: x.get('OPTIONS', {}) for x in settings.AUTH_PASSWORD_VALIDATORS}; "
        "print(v['MinimumLengthValidator']['min_length'], v['CharacterClassesValidator']['min_classes'], "
        "settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.seconds // 60, "
        "settings.SESSION_IDLE_MINUTES, settings.SESSION_MAX_HOURS)"
    )
    assert _python(code, tmp_path) == "10 3 5 15 30 12"
    changed = {
        "PASSWORD_MIN_LENGTH": "12",
        "PASSWORD_MIN_CHARACTER_CLASSES": "4",
        "LOGIN_FAILURE_LIMIT": "3",
        "LOGIN_LOCKOUT_MINUTES": "30",
        "SESSION_IDLE_MINUTES": "10",
        "SESSION_MAX_HOURS": "8",
    }
    assert _python(code, tmp_path, **changed) == "12 4 3 30 10 8"


def test_a_bad_timeout_fails_loudly_at_start_up(tmp_path):
    assert "ImproperlyConfigured" in _python("print(settings.SESSION_IDLE_MINUTES)", tmp_path, SESSION_IDLE_MINUTES="0")


# --- lockout -------------------------------------------------------------------------------------


@pytest.fixture
def cadre_a(db):
    return UserFactory(username="cadre_a", roles=["cadre"])


@pytest.fixture
def cadre_b(db):
    return UserFactory(username="cadre_b", roles=["cadre"])


def test_five_failed_log_ins_lock_the_account_even_for_the_right_password(client, cadre_a):
    for _attempt in range(4):
        assert _log_in(client, "cadre_a", "wrong-password").status_code == 200
    fifth = _log_in(client, "cadre_a", "wrong-password")
    assert fifth.status_code == 429
    assert accounts.lockout_message() in _text(fifth)
    sixth = _log_in(client, "cadre_a")  # the right password
    assert sixth.status_code == 429
    assert accounts.lockout_message() in _text(sixth)
    assert 'value="cadre_a"' in _text(sixth), "the username stays in the form"
    assert not _is_logged_in(client)


def test_the_lockout_message_names_the_minutes():
    assert "15" in accounts.lockout_message()


def test_the_account_stays_locked_from_another_computer(client, cadre_a):
    for _attempt in range(5):
        _log_in(client, "cadre_a", "wrong-password", ip="10.0.0.1")
    response = _log_in(client, "cadre_a", ip="10.0.0.2")
    assert response.status_code == 429
    assert not _is_logged_in(client)


def test_five_failures_from_one_computer_lock_other_accounts_there_too(client, cadre_a, cadre_b):
    for name in ("cadre_a", "nobody", "cadre_a", "someone", "admin"):
        _log_in(client, name, "wrong-password", ip="10.0.0.1")
    refused = _log_in(client, "cadre_b", ip="10.0.0.1")
    assert refused.status_code == 429
    assert accounts.lockout_message() in _text(refused)
    assert not _is_logged_in(client)
    assert _log_in(Client(), "cadre_b", ip="10.0.0.9").status_code == 302, "other computers are not locked"


def test_the_lock_lifts_after_fifteen_minutes(client, cadre_a):
    for _attempt in range(5):
        _log_in(client, "cadre_a", "wrong-password")
    assert _log_in(client, "cadre_a").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=15, seconds=1))
    response = _log_in(client, "cadre_a")
    assert response.status_code == 302
    assert _is_logged_in(client)


def test_the_lock_has_not_lifted_after_fourteen_minutes(client, cadre_a):
    for _attempt in range(5):
        _log_in(client, "cadre_a", "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=14))
    assert _log_in(client, "cadre_a").status_code == 429


def test_failures_lockouts_and_log_ins_are_recorded(client, cadre_a, cadre_b):
    for _attempt in range(5):
        _log_in(client, "cadre_a", "wrong-password", ip="10.0.0.1")
    _log_in(Client(), "cadre_b", ip="10.0.0.7")
    failures = AccessFailureLog.objects.filter(username="cadre_a", ip_address="10.0.0.1").order_by("attempt_time")
    assert [f.locked_out for f in failures] == [False, False, False, False, True]
    assert AccessLog.objects.filter(username="cadre_b", ip_address="10.0.0.7").count() == 1


def test_the_admin_log_in_is_locked_the_same_way(client, office_user):
    for _attempt in range(5):
        _log_in(client, "office_t", "wrong-password", url=reverse("admin:login"))
    response = _log_in(client, "office_t", url=reverse("admin:login"))
    assert response.status_code == 429
    assert accounts.lockout_message() in _text(response)
    assert _log_in(Client(), "office_t", ip="10.0.0.2").status_code == 429, "and the site's log-in with it"


def test_a_log_in_clears_the_accounts_own_failures_but_not_the_computers(client, cadre_a, cadre_b):
    for _attempt in range(4):
        _log_in(client, "cadre_b", "wrong-password", ip="10.0.0.1")
    assert _log_in(Client(), "cadre_a", ip="10.0.0.1").status_code == 302
    assert _log_in(Client(), "cadre_b", "wrong-password", ip="10.0.0.1").status_code == 429, (
        "another account's log-in from the same computer must not reset the count against cadre_b"
    )


def test_a_successful_log_in_forgets_earlier_typos(client, cadre_a):
    for _attempt in range(4):
        _log_in(client, "cadre_a", "wrong-password")
    assert _log_in(client, "cadre_a").status_code == 302
    client.post(reverse("logout"))
    for _attempt in range(4):
        assert _log_in(client, "cadre_a", "wrong-password").status_code == 200
    assert _log_in(client, "cadre_a").status_code == 302


# --- session timeouts ----------------------------------------------------------------------------


def _shift_session(client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"auth": accounts.AUTH_AT, "seen": accounts.SEEN_AT}[key]] = now - ago
    session.save()


def test_a_session_idle_for_thirty_minutes_is_logged_out_with_a_message(client, cadre_a):
    assert _log_in(client, "cadre_a").status_code == 302
    _shift_session(client, auth=31 * 60, seen=30 * 60)
    response = client.get(reverse("talents:list") + "?q=x")
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=/db/%3Fq%3Dx"
    assert not _is_logged_in(client)
    page = _text(client.get(response.url))
    idle = ngettext(
        "You were logged out after %(count)d minute without activity. Please log in again.",
        "You were logged out after %(count)d minutes without activity. Please log in again.",
        30,
    ) % {"count": 30}
    assert idle in page


def test_a_session_used_within_thirty_minutes_stays_and_its_clock_restarts(client, cadre_a):
    client.force_login(cadre_a)
    _shift_session(client, auth=3 * 3600, seen=29 * 60)
    assert client.get(HOME).status_code == 200
    assert time.time() - client.session[accounts.SEEN_AT] < 5


def test_a_session_ends_twelve_hours_after_log_in_however_active(client, cadre_a):
    client.force_login(cadre_a)
    _shift_session(client, auth=12 * 3600, seen=60)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    absolute = ngettext(
        "You were logged out: a session lasts at most %(count)d hour. Please log in again.",
        "You were logged out: a session lasts at most %(count)d hours. Please log in again.",
        12,
    ) % {"count": 12}
    assert absolute in _text(client.get(response.url))
    assert client.get(HOME).status_code == 302


def test_a_form_posted_after_the_timeout_is_not_saved(client, cadre_a):
    client.force_login(cadre_a)
    _shift_session(client, seen=31 * 60)
    response = _change_password(client, GOOD_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("login")
    cadre_a.refresh_from_db()
    assert cadre_a.check_password(PASSWORD)


def test_the_idle_limit_follows_the_setting(client, cadre_a, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client.force_login(cadre_a)
    _shift_session(client, seen=6 * 60)
    assert client.get(HOME).status_code == 302


def test_an_ordinary_page_neither_writes_the_session_nor_queries_more_for_the_checks(client, cadre_a):
    client.force_login(cadre_a)
    client.get(HOME)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("password_change")).status_code == 200
    # 1 the session, 2 the user joined with its account state (AccountBackend), 3 the user's roles
    # (the menu), 4 the organisation (the page title): no session write, no query of its own.
    sql = [q["sql"] for q in queries]
    assert len(sql) == 4, sql
    assert "talents_accountstate" in sql[1]
    assert not [q for q in sql if q.startswith(("UPDATE", "INSERT"))]


# --- deactivation --------------------------------------------------------------------------------


@pytest.fixture
def office_client(office_user):
    client = Client()
    client.force_login(office_user)
    return client


def _sessions_of(user) -> int:
    return sum(s.get_decoded().get(SESSION_KEY) == str(user.pk) for s in Session.objects.all())


def test_deactivating_an_account_in_the_admin_ends_its_sessions(client, office_client, cadre_a):
    client.force_login(cadre_a)
    phone = Client()
    phone.force_login(cadre_a)
    assert _sessions_of(cadre_a) == 2
    office_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [cadre_a.pk]},
    )
    cadre_a.refresh_from_db()
    assert not cadre_a.is_active
    assert _sessions_of(cadre_a) == 0
    for device in (client, phone):
        response = device.get(HOME)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_unticking_active_on_the_account_page_ends_its_sessions(client, office_client, cadre_a):
    client.force_login(cadre_a)
    page = office_client.get(reverse("admin:auth_user_change", args=[cadre_a.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(groups=[g.pk for g in cadre_a.groups.all()], is_active="")
    data = {k: v for k, v in data.items() if v not in ("", False)}
    response = office_client.post(reverse("admin:auth_user_change", args=[cadre_a.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    cadre_a.refresh_from_db()
    assert not cadre_a.is_active
    assert _sessions_of(cadre_a) == 0
    assert client.get(HOME).status_code == 302


def test_the_office_cannot_make_anyone_a_superuser(office_client, cadre_a):
    page = office_client.get(reverse("admin:auth_user_change", args=[cadre_a.pk]))
    assert "is_superuser" not in page.context["adminform"].form.fields
    assert "user_permissions" not in page.context["adminform"].form.fields


def test_the_office_cannot_deactivate_itself_by_the_action(office_client, office_user):
    office_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [office_user.pk]},
    )
    office_user.refresh_from_db()
    assert office_user.is_active


def test_the_service_ends_sessions_but_not_other_users_sessions(client, cadre_a, cadre_b, office_user):
    client.force_login(cadre_b)
    other = Client()
    other.force_login(cadre_a)
    assert accounts.account_deactivate(user=cadre_a, by=office_user) == 1
    assert _sessions_of(cadre_a) == 0
    assert client.get(HOME).status_code == 200


# --- temporary passwords -------------------------------------------------------------------------


def _add_in_admin(office_client, username: str, password: str = GOOD_PASSWORD):
    return office_client.post(
        reverse("admin:auth_user_add"),
        {"username": username, "usable_password": "true", "password1": password, "password2": password},
    )


def test_an_account_the_office_creates_must_change_its_password_at_first_log_in(office_client, client):
    assert _add_in_admin(office_client, "new_cadre").status_code == 302
    user = User.objects.get(username="new_cadre")
    assert user.account_state.must_change_password

    assert _log_in(client, "new_cadre", GOOD_PASSWORD).status_code == 302
    for path in (HOME, reverse("talents:list"), reverse("admin:index")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == reverse("password_change"), path
    page = _text(client.get(reverse("password_change")))
    assert (
        gettext("Your password was set by the Party building office. Choose your own password before you continue.")
        in page
    )

    new = "Own#Password2024"
    response = _change_password(client, new, old=GOOD_PASSWORD)
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    state = AccountState.objects.get(user=user)
    assert not state.must_change_password
    assert state.password_changed_at is not None


def test_the_office_cannot_create_an_account_with_a_weak_password(office_client):
    response = _add_in_admin(office_client, "weak_one", "abcdefgh1234xyz")
    assert response.status_code == 200
    assert not User.objects.filter(username="weak_one").exists()


def test_a_password_the_office_resets_must_be_changed_at_the_next_log_in(office_client, client, cadre_a):
    url = reverse("admin:auth_user_password_change", args=[cadre_a.pk])
    response = office_client.post(
        url, {"usable_password": "true", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    assert AccountState.objects.get(user=cadre_a).must_change_password
    _log_in(client, "cadre_a", GOOD_PASSWORD)
    assert client.get(HOME).url == reverse("password_change")


def test_a_user_with_a_temporary_password_can_still_log_out(client, cadre_a):
    AccountState.objects.create(user=cadre_a, must_change_password=True)
    client.force_login(cadre_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert not _is_logged_in(client)


def test_static_files_are_not_redirected_for_a_temporary_password(client, cadre_a):
    AccountState.objects.create(user=cadre_a, must_change_password=True)
    client.force_login(cadre_a)
    response = client.get(settings.STATIC_URL + "css/meijia.css")
    assert response.status_code != 302


def test_the_office_can_require_a_new_password_by_an_action(office_client, cadre_a):
    office_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "require_password_change", "_selected_action": [cadre_a.pk]},
    )
    assert AccountState.objects.get(user=cadre_a).must_change_password


def test_demo_accounts_are_exempt_from_the_first_log_in_change(client, db):
    call_command("seed_demo", "--password", "demo-pass-1", stdout=io.StringIO())
    assert _log_in(client, "cadre01", "demo-pass-1").status_code == 302
    assert client.get(HOME).status_code == 200
    assert not AccountState.objects.exists()
