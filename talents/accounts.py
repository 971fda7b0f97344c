"""Accounts to 等保 2.0 level 2, 身份鉴别 (GB/T 22239-2019, 8.1.4.1): password rules, temporary
passwords changed at first log-in, lockout after repeated failures, session timeouts, and
deactivated accounts losing their sessions. ``docs/security.md`` maps each rule to its test.

- Password rules: ``CharacterClassesValidator`` here, beside Django's length, similarity and
  common-password validators (``AUTH_PASSWORD_VALIDATORS``).
- Lockout: django-axes counts failures per account and per IP; ``LockoutBackend`` guards
  ``authenticate()``, ``lockout_response`` renders the log-in page with the reason in Chinese.
- Timeouts: ``SessionTimeoutMiddleware`` keeps the log-in time and the last activity in the session.
- Temporary passwords: ``AccountState.must_change_password``, read with the user in the same query
  (``AccountBackend``) and enforced by ``PasswordChangeRequiredMiddleware``.
- Periodic change (定期更换): a password the user chose more than PASSWORD_MAX_AGE_DAYS ago sends them
  to the same page (``password_expired``); accounts with no recorded change (``seed_demo``,
  ``createsuperuser``) are left alone, as the first-log-in rule leaves them.
- Client address: ``client_ip`` is the one place that decides it, for django-axes
  (``AXES_CLIENT_IP_CALLABLE``) and the audit log alike.
"""

from __future__ import annotations

import datetime
import ipaddress
import time

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user_model, logout, password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import AccountState
from .validators import CleanInputMixin

# Session keys: when this session logged in, and when it was last used (seconds since the epoch).
AUTH_AT = "_meijia_auth_at"
SEEN_AT = "_meijia_seen_at"

# --- password rules --------------------------------------------------------------------------


def _character_class(c: str) -> str:
    if c.isupper():
        return "upper"
    if c.islower():
        return "lower"
    if c.isdigit():
        return "digit"
    return "symbol"  # punctuation, spaces, and letters without case such as Chinese characters


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with an error message of our own: Django 5.2's has no Chinese translation."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: it must have at least %(min_length)d character.",
            "This password is too short: it must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class CharacterClassesValidator:
    """At least ``min_classes`` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        if not 1 <= min_classes <= 4:
            raise ImproperlyConfigured("PASSWORD_MIN_CHARACTER_CLASSES must be between 1 and 4.")
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if len({_character_class(c) for c in password}) < self.min_classes:
            raise ValidationError(self._message(), code="password_too_few_character_classes")

    def get_help_text(self) -> str:
        return self._message()

    def _message(self) -> str:
        return ngettext(
            "Your password must mix at least %(count)d kind of characters: upper-case letters, "
            "lower-case letters, digits, symbols.",
            "Your password must mix at least %(count)d kinds of characters: upper-case letters, "
            "lower-case letters, digits, symbols.",
            self.min_classes,
        ) % {"count": self.min_classes}


# --- log-in form -------------------------------------------------------------------------------


class LoginForm(CleanInputMixin, AuthenticationForm):
    """Django's log-in form, refusing a username no account can have before it reaches authenticate().

    Django shortens nothing: a 10,000-character username went on to django-axes, which records failed
    usernames in a 255-character column (an error page on PostgreSQL). Control characters likewise.
    """

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


# --- authentication backends -----------------------------------------------------------------


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for log-ins that come with a request (every web log-in does).

    ``authenticate()`` without a request is code, not a person at a log-in form (the test client,
    a shell): there is no client to count failures for, so axes' check is skipped instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AccountBackend(ModelBackend):
    """Django's ModelBackend, loading the account's state in the same query as the user."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("account_state").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def must_change_password(user) -> bool:
    try:
        return user.account_state.must_change_password
    except AccountState.DoesNotExist:
        return False


def password_expired(user) -> bool:
    """The password the user chose is older than PASSWORD_MAX_AGE_DAYS (0: never expires).

    Accounts without a recorded change (``seed_demo``, ``createsuperuser``) are not forced, like the
    first-log-in rule: ``make run`` demo accounts keep working.
    """
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    try:
        changed_at = user.account_state.password_changed_at
    except AccountState.DoesNotExist:
        return False
    return changed_at is not None and timezone.now() - changed_at > datetime.timedelta(days=days)


# --- client address --------------------------------------------------------------------------


def _valid_ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address: for django-axes' lockouts (AXES_CLIENT_IP_CALLABLE) and the audit log.

    Behind our TLS proxy (MEIJIA_BEHIND_PROXY) REMOTE_ADDR is the proxy; the client is the address
    the outermost of our MEIJIA_PROXY_COUNT trusted proxies appended to X-Forwarded-For, counted from
    the right. Addresses further left were sent by the client and are not believed. Without the
    proxy setting the header is ignored altogether: anyone can send it.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    if not settings.MEIJIA_BEHIND_PROXY:
        return remote
    forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    count = max(settings.MEIJIA_PROXY_COUNT, 1)
    if len(forwarded) < count:  # not through all our proxies: the connection's own address
        return remote
    return _valid_ip(forwarded[-count]) or remote


# --- lockout page ----------------------------------------------------------------------------


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Too many failed log-ins: this account or this computer is locked for %(minutes)d minute. "
        "Try again later, or ask the Party building office to unlock it.",
        "Too many failed log-ins: this account or this computer is locked for %(minutes)d minutes. "
        "Try again later, or ask the Party building office to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' AXES_LOCKOUT_CALLABLE: the log-in page again, saying why it refuses."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "lockout": lockout_message(),
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


# --- sessions --------------------------------------------------------------------------------


def _session_expiry(session, now: float) -> str | None:
    """Why this logged-in session is over ("idle", "absolute"), or None while it is valid."""
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    if auth_at is None or seen_at is None:
        return None
    if now - auth_at >= settings.SESSION_MAX_HOURS * 3600:
        return "absolute"
    if now - seen_at >= settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


def _stamp_login(session, now: float) -> None:
    session[AUTH_AT] = session[SEEN_AT] = int(now)


def _on_login(sender, request, user, **kwargs) -> None:
    """At every log-in: the session's clock starts, and the account's own failed attempts are cleared.

    Only the account's own attempts: axes' AXES_RESET_ON_SUCCESS would also clear every failure
    from the same IP, so one colleague's log-in would reset an attacker's count against another account.
    """
    if getattr(request, "session", None) is not None:
        _stamp_login(request.session, time.time())
    AccessAttempt.objects.filter(username=user.get_username()).delete()


user_logged_in.connect(_on_login, dispatch_uid="meijia_accounts_on_login")


class SessionTimeoutMiddleware:
    """Logs out a session idle for SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS.

    The last activity is written at most once a minute: a session save on every request would
    cost a write on every page, and the timeout needs no finer grain.
    """

    TOUCH_EVERY = 60  # seconds

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = time.time()
            expired = _session_expiry(session, now)
            if expired:
                return self._logged_out(request, expired)
            if session.get(AUTH_AT) is None:  # logged in before this middleware was installed
                _stamp_login(session, now)
            elif now - session[SEEN_AT] >= min(self.TOUCH_EVERY, settings.SESSION_IDLE_MINUTES * 6):
                session[SEEN_AT] = int(now)
        return self.get_response(request)

    def _logged_out(self, request, why: str):
        logout(request)
        if why == "idle":
            text = ngettext(
                "You were logged out after %(count)d minute without activity. Please log in again.",
                "You were logged out after %(count)d minutes without activity. Please log in again.",
                settings.SESSION_IDLE_MINUTES,
            ) % {"count": settings.SESSION_IDLE_MINUTES}
        else:
            text = ngettext(
                "You were logged out: a session lasts at most %(count)d hour. Please log in again.",
                "You were logged out: a session lasts at most %(count)d hours. Please log in again.",
                settings.SESSION_MAX_HOURS,
            ) % {"count": settings.SESSION_MAX_HOURS}
        messages.warning(request, text)
        if request.method == "GET":
            return redirect_to_login(request.get_full_path())
        return redirect(settings.LOGIN_URL)  # what a form posted after the timeout is not replayed


def sessions_end(*, user) -> int:
    """Delete every stored session of ``user``; returns how many there were.

    Sessions live in the database (Django's default engine); a township office has a few dozen
    live sessions, so decoding each one is cheap and needs no index of our own.
    """
    pk = str(user.pk)
    mine = [
        s.pk for s in Session.objects.filter(expire_date__gt=timezone.now()) if s.get_decoded().get(SESSION_KEY) == pk
    ]
    Session.objects.filter(pk__in=mine).delete()
    return len(mine)


# --- services --------------------------------------------------------------------------------


@transaction.atomic
def account_deactivate(*, user, by) -> int:
    """Deactivate ``user`` (``by`` did it) and end their sessions at once; returns the sessions ended.

    Django already refuses an inactive user's session on the next request; deleting the sessions
    makes the log-out immediate and visible in the session table too.
    """
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return sessions_end(user=user)


@transaction.atomic
def account_require_password_change(*, user, by) -> None:
    """The password was set by someone else (``by``, the office): the user must replace it at log-in."""
    AccountState.objects.update_or_create(user=user, defaults={"must_change_password": True})


@transaction.atomic
def account_password_changed(*, user) -> None:
    """The user chose their own password: no longer temporary."""
    AccountState.objects.update_or_create(
        user=user, defaults={"must_change_password": False, "password_changed_at": timezone.now()}
    )


# --- password change -------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change page, in our template; clears the temporary-password flag."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["must_change"] = must_change_password(self.request.user)
        return context

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        account_password_changed(user=form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


def expired_message() -> str:
    return _("Your password was set more than %(days)d days ago. Please choose a new one to go on.") % {
        "days": settings.PASSWORD_MAX_AGE_DAYS
    }


class PasswordChangeRequiredMiddleware:
    """Sends a user whose password is temporary, or too old, to the password change page, whatever they ask for."""

    ALLOWED_URL_NAMES = ("password_change", "logout", "admin:logout")

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if SESSION_KEY in request.session:
            user = request.user
            if user.is_authenticated and not self._allowed(request.path_info):
                if must_change_password(user):
                    return redirect("password_change")
                if password_expired(user):
                    messages.warning(request, expired_message())
                    return redirect("password_change")
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        return path in {reverse(name) for name in self.ALLOWED_URL_NAMES}
