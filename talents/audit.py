"""The audit log (等保 2.0 安全审计, PIPL Art. 51; issue 6, item 4): what gets written, and by whom.

- ``record()`` writes one ``AuditEntry``. Views call it for what no signal sees: reveals of a
  personal value, exports, downloads.
- Receivers (connected in ``TalentsConfig.ready``) write log-ins, failed log-ins, log-outs,
  django-axes lockouts, and every create/update/delete of the tracked models (``TRACKED``) with a
  field-level diff against the database row as it was before the save (one extra query per update).
- ``AuditMiddleware`` keeps the current request in a context variable, so a save deep inside a
  service knows who acted and from which address. Without a request (a management command) the
  user is empty and ``extra["command"]`` names the command.
- Personal values never reach the log in full: ID numbers and phones are masked as on the pages,
  health, family and 思想动态 notes (and passwords) are logged as "(changed)" only.

Reveals (issue 6, item 3): a user allowed to see a talent's full ID number or phone sees it masked
until they ask; ``reveal_grant`` logs the request and lets the value show for ``REVEAL_SECONDS``.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
import ipaddress
import os
import sys
import time
import uuid

from django.apps import apps
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .models import AuditEntry
from .validators import mask_id_number, mask_phone

Action = AuditEntry.Action

# The request being served, if any: set by AuditMiddleware for the length of one request.
_request: contextvars.ContextVar = contextvars.ContextVar("meijia_audit_request", default=None)

CHANGED = "(changed)"
MASKS = {"id_number": mask_id_number, "phone": mask_phone, "liaison_phone": mask_phone}
# Health, family and 思想动态 (R2) notes, the address, and password hashes: whether, never what.
HIDDEN_FIELDS = {
    "thoughts",
    "address",
    "situation_thought",
    "situation_health",
    "situation_life",
    "password",
}
HIDDEN_BY_MODEL = {"contacts.majorevent": {"description"}}  # major family difficulty, health condition (R17)
# Bookkeeping the row carries anyway: not changes anyone made.
IGNORED_FIELDS = {"created_at", "updated_at", "created_by", "updated_by", "last_login", "date_joined"}

# The models whose creation, change and deletion is logged, with the fields that name a row.
TRACKED = {
    "talents.Talent": ("name",),
    "talents.Unit": ("name",),
    "contacts.Cadre": ("name",),
    "contacts.Pairing": ("cadre.name", "talent.name", "term.name"),
    "contacts.Contact": ("pairing.talent.name", "date"),
    "contacts.Suggestion": ("talent.name", "content"),
    "contacts.Demand": ("talent.name", "content"),
    "contacts.DemandProgress": ("demand.talent.name", "note"),
    "contacts.MajorEvent": ("talent.name", "kind"),
    "contacts.Recommendation": ("talent.name", "role", "year"),
    "contacts.Feedback": ("unit.name", "content"),
    "reports.VillageReport": ("village.name", "year"),
    "auth.User": ("username",),
}
LABEL_CHARS = 30  # of a text field inside a label

REVEAL_SESSION_KEY = "_meijia_revealed"
REVEAL_SECONDS = 5 * 60
REVEALABLE_FIELDS = ("id_number", "phone")


# --- writing entries -------------------------------------------------------------------------


def record(
    *,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: dict | None = None,
    extra: dict | None = None,
    user=None,
    request=None,
) -> AuditEntry:
    """Write one entry. The actor is ``user``, else the request's user (``request`` or the current one)."""
    request = request if request is not None else _request.get()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    extra = dict(extra or {})
    if request is None and "command" not in extra:
        extra["command"] = _command_name()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or label_of(obj)
    return AuditEntry.objects.create(
        user=user,
        username=user.get_username() if user is not None else extra.get("username", ""),
        ip=client_ip(request) if request is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label[:200],
        changes=changes or {},
        extra=extra,
    )


def client_ip(request) -> str | None:
    """The address django-axes counts lockouts by: ``talents.accounts.client_ip`` (proxy-aware), validated."""
    from .accounts import client_ip as accounts_client_ip

    value = getattr(request, "axes_ip_address", None) or accounts_client_ip(request)
    try:  # a malformed proxy header must not break a log-in (PostgreSQL's inet column would refuse it)
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def _command_name() -> str:
    """What runs outside a request: ``manage.py <command>``, else the program's name."""
    argv = sys.argv or [""]
    program = os.path.basename(argv[0])
    if program in ("manage.py", "django-admin", "django-admin.py") and len(argv) > 1:
        return argv[1]
    return program


class AuditMiddleware:
    """Makes the current request known to ``record()`` for the length of the request.

    Goes after AuthenticationMiddleware: entries name ``request.user``.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


# --- values as logged ------------------------------------------------------------------------


def _plain(value):
    """A JSON-safe form of a field value, comparable between the instance and ``values()``."""
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, (datetime.date, datetime.time)):  # datetimes too
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def _logged(label: str, name: str, value):
    """The value as the log keeps it: masked, or only "(changed)" for the notes that stay private."""
    if value in (None, ""):
        return value
    if name in HIDDEN_FIELDS or name in HIDDEN_BY_MODEL.get(label, ()):
        return CHANGED
    if name in MASKS:
        return MASKS[name](str(value))
    return value


def _tracked_fields(model, update_fields=None) -> list:
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and f.name not in IGNORED_FIELDS and f.editable
    ]
    if update_fields is not None:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
    return fields


def _snapshot(instance, fields) -> dict:
    return {f.name: _plain(getattr(instance, f.attname)) for f in fields}


def field_changes(label: str, before: dict | None, after: dict) -> dict:
    """``{field: [old, new]}`` for each field that differs, masked; a creation lists its non-empty values."""
    changes = {}
    for name, new in after.items():
        old = None if before is None else before.get(name)
        if before is None and new in (None, "", False):
            continue
        if before is not None and old == new:
            continue
        if name in HIDDEN_FIELDS or name in HIDDEN_BY_MODEL.get(label, ()):
            changes[name] = CHANGED
        else:
            changes[name] = [_logged(label, name, old), _logged(label, name, new)]
    return changes


def _cached_path(instance, path: str):
    """``talent.name`` through relations already loaded on the instance; None rather than a query."""
    obj = instance
    parts = path.split(".")
    for part in parts[:-1]:
        field = obj._meta.get_field(part)
        if not field.is_cached(obj):
            return None
        obj = field.get_cached_value(obj)
        if obj is None:
            return None
    field = obj._meta.get_field(parts[-1])
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    return getattr(obj, field.attname)


def label_of(obj) -> str:
    """A short name for the entry, read without a query (related rows only when already loaded)."""
    paths = TRACKED.get(obj._meta.label)
    if paths is None:
        return str(obj)[:200]
    parts = []
    for path in paths:
        value = _cached_path(obj, path)
        if value in (None, ""):
            continue
        text = _plain(value)
        parts.append(str(text)[:LABEL_CHARS])
    return " · ".join(parts) or f"#{obj.pk}"


# --- receivers: saves and deletions ----------------------------------------------------------


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    instance._audit_before, instance._audit_skip = None, False
    if raw or instance.pk is None or instance._state.adding:
        return
    fields = _tracked_fields(sender, update_fields)
    if not fields:  # e.g. the log-in stamping last_login: nothing the log tracks
        instance._audit_skip = True
        return
    row = sender._base_manager.filter(pk=instance.pk).values(*[f.attname for f in fields]).first()
    if row is not None:
        instance._audit_before = {f.name: _plain(row[f.attname]) for f in fields}


def _after_save(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw or getattr(instance, "_audit_skip", False):
        instance._audit_skip = False
        return
    label = sender._meta.label_lower
    before = None if created else getattr(instance, "_audit_before", None)
    after = _snapshot(instance, _tracked_fields(sender, update_fields))
    changes = field_changes(label, before, after)
    instance._audit_before = None
    if not created and not changes:
        return
    record(action=Action.CREATE if created else Action.UPDATE, obj=instance, changes=changes)


def _after_delete(sender, instance, **kwargs) -> None:
    record(action=Action.DELETE, obj=instance)


def _groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """A user's roles are groups: who gained or lost which role is an account change (等保 访问控制)."""
    from django.contrib.auth.models import Group

    if action not in ("pre_add", "pre_remove", "pre_clear", "post_add", "post_remove", "post_clear"):
        return
    if reverse:  # group.user_set.add(...): one entry on the group's side is enough
        if action.startswith("post_"):
            users = sorted(str(pk) for pk in pk_set or ())
            record(
                action=Action.UPDATE,
                obj=instance,
                object_label=instance.name,
                changes={"users": [action.removeprefix("post_"), users]},
            )
        return

    def names() -> list[str]:
        return sorted(Group.objects.filter(user=instance).values_list("name", flat=True))

    if action.startswith("pre_"):
        instance._audit_groups_before = names()
        return
    before, after = getattr(instance, "_audit_groups_before", []), names()
    if before != after:
        record(action=Action.UPDATE, obj=instance, changes={"groups": [before, after]})


def connect_receivers() -> None:
    """Called once from ``TalentsConfig.ready``."""
    from django.contrib.auth.models import User
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    for label in TRACKED:
        model = apps.get_model(label)
        uid = f"meijia_audit_{model._meta.label_lower}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}_pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}_post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}_delete")
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="meijia_audit_groups")
    user_logged_in.connect(_logged_in, dispatch_uid="meijia_audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="meijia_audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="meijia_audit_login_failed")
    try:
        from axes.signals import user_locked_out
    except ImportError:  # pragma: no cover - axes is in requirements; kept optional for reuse
        return
    user_locked_out.connect(_locked_out, dispatch_uid="meijia_audit_lockout")


# --- receivers: accounts ---------------------------------------------------------------------


def _logged_in(sender, request, user, **kwargs) -> None:
    record(action=Action.LOGIN, user=user, request=request, obj=user)


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(action=Action.LOGOUT, user=user, request=request, obj=user)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The name typed, as typed: the account may not exist. Passwords never reach ``credentials`` here
    # (Django cleans them to asterisks), and are not read anyway.
    username = str((credentials or {}).get("username", ""))[:150]
    record(action=Action.LOGIN_FAILED, request=request, extra={"username": username}, object_label=username)


def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    record(
        action=Action.LOCKOUT,
        request=request,
        object_label=str(username or "")[:150],
        extra={"username": str(username or "")[:150], "ip": ip_address},
    )


# --- reveals of a personal value -------------------------------------------------------------


def reveal_grant(*, request, talent, field: str) -> AuditEntry:
    """Log that ``request.user`` asked to see ``field`` of ``talent`` in full; it shows for REVEAL_SECONDS.

    The caller has checked access (``access.can_see_personal_data``). Expired grants are dropped here.
    """
    if field not in REVEALABLE_FIELDS:
        raise ValueError(field)
    entry = record(action=Action.REVEAL, obj=talent, request=request, extra={"field": field})
    now = time.time()
    grants = {k: v for k, v in request.session.get(REVEAL_SESSION_KEY, {}).items() if v > now}
    grants[f"{talent.pk}:{field}"] = now + REVEAL_SECONDS
    request.session[REVEAL_SESSION_KEY] = grants
    return entry


def revealed(request) -> set[tuple[int, str]]:
    """(talent pk, field) pairs this session may see in full right now. Reads the session, writes nothing."""
    now = time.time()
    grants = request.session.get(REVEAL_SESSION_KEY) or {}
    pairs = set()
    for key, until in grants.items():
        pk, _sep, field = key.partition(":")
        if until > now and pk.isdigit():
            pairs.add((int(pk), field))
    return pairs
