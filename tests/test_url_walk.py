"""Every URL of the project, requested by every role: the answer must be the one the access table decides.

The table (``TABLE`` below) is the project's access policy written out per URL name: for each role
(tests/urlwalk_world.py builds one account per role, plus "other" accounts owning none of the
records) the status a GET must return, and for a POST, who is refused. It is written from the
policy (docs/security.md, talents/access.py's docstring, DOMAIN.md "People and roles"), not from
what the views happen to do. A URL pattern without an entry fails
``test_every_url_pattern_has_an_entry_in_the_access_table``: a new page cannot ship without a
decision on who may open it.

Expected values: an HTTP status, or ``LOGIN`` / ``ADMIN_LOGIN`` (a 302 to that login page), or,
for a POST by an allowed role, ``ACCEPTED`` (handled: 200, 302, 400 or 409 — never refused, never
an error). Every GET refused to a role is also POSTed by that role (back-office pages without a
form aside): it must be refused the same way, or with 405 where the view takes no POST, and write
nothing but its session and the audit log.

Speed: the world and the sessions are built once for the module; one test per URL walks every
role, each request in a savepoint of its own, and a failure lists every role that differs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reports import exporters
from tests.urlwalk_world import DRAFT_YEAR, ROLES, SUBMITTED_YEAR, World, world_build

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
ACCEPTED = "accepted"
REFUSED = (403, 404, LOGIN, ADMIN_LOGIN)


def expect(*, anonymous=LOGIN, others=403, **given) -> dict[str, object]:
    """The status per role: ``given`` roles as stated, every other signed-in role ``others``."""
    unknown = set(given) - set(ROLES)
    assert not unknown, f"no such role: {unknown}"
    return {role: others for role in ROLES} | {"anonymous": anonymous} | given


def everyone(status, *, anonymous=LOGIN) -> dict[str, object]:
    return expect(anonymous=anonymous, others=status)


def post_only(*, allowed: tuple[str, ...], refused: dict[str, int], others: int) -> dict[str, dict]:
    """A POST-only endpoint: GET is 405 for every signed-in role; POST as ``allowed`` / ``refused`` say."""
    post = expect(others=others, **refused) | {role: ACCEPTED for role in allowed}
    return {"get": everyone(405), "post": post}


def pk(name: str) -> Callable[[World], int]:
    return lambda w: w.pk(name)


@dataclass(frozen=True)
class Entry:
    key: str  # the URL name ("app:name"), or the route of a nameless pattern
    get: dict[str, object]
    args: tuple = ()
    query: str = ""
    variant: str = ""
    post: dict[str, object] = field(default_factory=dict)  # explicit POST expectations, by role
    # A back-office page that takes no form (history, index, redirects): its refusals are not POSTed
    # again, the admin's gate being the same for both methods. Every page that writes is.
    read_only_admin: bool = False

    def path(self, w: World) -> str:
        args = [a(w) if callable(a) else a for a in self.args]
        if self.key.startswith("admin/"):
            return "/" + _fmt_key(self.key).format(*args)
        return reverse(self.key, args=args) + (f"?{self.query.format(w=w)}" if self.query else "")

    @property
    def label(self) -> str:
        return f"{self.key}[{self.variant}]" if self.variant else self.key

    def post_expectations(self) -> dict[str, object]:
        """Explicit ones, plus: whoever is refused a GET is refused a POST alike."""
        if self.read_only_admin:
            return self.post
        refused = {role: status for role, status in self.get.items() if status in REFUSED}
        return refused | self.post


def url(key: str, *args, get: dict, post: dict | None = None, query: str = "", variant: str = "", **kw) -> Entry:
    return Entry(key=key, get=get, args=args, query=query, variant=variant, post=post or {}, **kw)


# --- The table -----------------------------------------------------------------------------------
# Roles: anonymous, office, leader, cadre (paired with the world's talent), other_cadre (paired with
# another talent), village_cadre (a village committee member paired with another talent of the same
# village), secretary (of the talent's village), other_secretary (of another village), liaison (of
# the talent's unit), other_liaison (of another unit), no_role (signed in, no group yet).

_TALENT_SCOPE = {"office": 200, "leader": 200, "cadre": 200, "secretary": 200, "liaison": 200}
_ALL_ROLES_OK = {role: 200 for role in ROLES if role not in ("anonymous", "no_role")}
_OFFICE_LEADER = {"office": 200, "leader": 200}
_CONTACT_READERS = {
    role: 200 for role in ("office", "leader", "cadre", "other_cadre", "village_cadre", "secretary", "other_secretary")
}
_UNIT_REPORTERS = {"office": 200, "secretary": 200, "other_secretary": 200, "liaison": 200, "other_liaison": 200}

TABLE: list[Entry] = [
    # Accounts
    url("login", get=expect(anonymous=200, others=302)),
    url("logout", get=everyone(405, anonymous=405)),
    url("password_change", get=expect(others=200)),
    url("home", get=expect(others=200)),
    # Cadres record their contacts (R9); nobody else does.
    url(
        "contacts:contact_new",
        get=expect(cadre=200, other_cadre=200, village_cadre=200),
    ),
    # A talent's page: whoever works with the talent (talents_for); others never learn it exists.
    url("contacts:talent", pk("talent"), get=expect(others=404, **_TALENT_SCOPE)),
    url("contacts:talent_photo", pk("talent"), get=expect(others=404, **_TALENT_SCOPE)),
    # The cadre's talent of an ended pairing is no longer theirs to open (the other village's and
    # unit's secretary and liaison still work with them).
    url(
        "contacts:talent",
        pk("former_talent"),
        variant="ended pairing",
        get=expect(others=404, office=200, leader=200, other_secretary=200, other_liaison=200),
    ),
    # Showing a masked ID number or phone in full (PIPL, issue 6, item 3): whoever may see personal data.
    url(
        "contacts:talent_reveal",
        pk("talent"),
        **post_only(allowed=("office", "cadre", "liaison"), refused={"leader": 403, "secretary": 403}, others=404),
    ),
    # 思想动态 (R2): written by the office and the paired cadre only.
    url(
        "contacts:talent_thoughts",
        pk("talent"),
        **post_only(
            allowed=("office", "cadre"),
            refused={"leader": 403, "secretary": 403, "liaison": 403},
            others=404,
        ),
    ),
    # Demands (R14): seen in the talent scope, handled by office, paired/coordinating cadre, liaison.
    url(
        "contacts:demand",
        pk("demand"),
        get=expect(others=404, **_TALENT_SCOPE),
    ),
    *(
        url(
            name,
            pk("demand"),
            **post_only(allowed=("office", "cadre", "liaison"), refused={"leader": 403, "secretary": 403}, others=404),
        )
        for name in ("contacts:demand_progress", "contacts:demand_close", "contacts:demand_follow_up")
    ),
    url(
        "contacts:demand_handled",
        pk("demand"),
        **post_only(allowed=("office", "cadre", "liaison"), refused={"leader": 403, "secretary": 403}, others=404),
    ),
    # An urgent contact (R7) is closed by the office or its cadre; contacts are not the liaison's.
    url(
        "contacts:contact_handled",
        pk("contact"),
        variant="township contact",
        **post_only(allowed=("office", "cadre"), refused={"leader": 403}, others=404),
    ),
    url(
        "contacts:contact_handled",
        pk("village_contact"),
        variant="village contact",
        **post_only(allowed=("office", "village_cadre"), refused={"leader": 403, "secretary": 403}, others=404),
    ),
    # Contact photos: whoever reads the contact (contacts_for).
    url(
        "contacts:photo",
        pk("photo"),
        variant="township contact",
        get=expect(others=404, office=200, leader=200, cadre=200),
    ),
    url(
        "contacts:photo",
        pk("village_photo"),
        variant="village contact",
        get=expect(others=404, office=200, leader=200, village_cadre=200, secretary=200),
    ),
    # A contact of the cadre's ended pairing stays theirs: they wrote it (talents/access.py).
    url(
        "contacts:photo",
        pk("ended_photo"),
        variant="ended pairing",
        get=expect(others=404, office=200, leader=200, cadre=200),
    ),
    # Talent database (R1, R11): the office keeps it, leaders read it; a liaison edits their unit's.
    url("talents:list", get=expect(**_OFFICE_LEADER)),
    url("talents:export", get=expect(**_OFFICE_LEADER)),
    url("talents:new", get=expect(office=200)),
    url(
        "talents:edit",
        pk("talent"),
        get=expect(others=404, office=200, liaison=200, leader=403, cadre=403, secretary=403),
    ),
    url("talents:move_out", pk("talent"), get=expect(office=200)),
    url("talent_import:upload", get=expect(office=200)),
    url("talent_import:confirm", get=expect(office=405), post={"office": ACCEPTED}),
    url("talent_import:template", get=expect(office=200)),
    # Pairings (R10, R12): the office manages, leaders read.
    url("pairings:board", get=expect(**_OFFICE_LEADER)),
    url("pairings:history", query="talent={w.obj[talent].pk}", get=expect(**_OFFICE_LEADER)),
    url("pairings:new", get=expect(office=200)),
    url("pairings:supplement", pk("unpaired_talent"), get=expect(office=200)),
    url("pairings:adjust", pk("pairing"), get=expect(office=200)),
    url("pairings:end", pk("pairing"), get=expect(office=200)),
    url("pairings:next_term", get=expect(office=200)),
    # Ledgers (issue 4, items 6–11).
    # The contact register on screen: the readers of contacts (contacts_for); liaisons read no contact notes.
    url("ledger:contacts", get=expect(**_CONTACT_READERS)),
    url("ledger:demands", get=expect(**_ALL_ROLES_OK)),
    url("ledger:demand_new", get=expect(office=200, liaison=200, other_liaison=200)),
    url(
        "ledger:demand_edit",
        pk("demand"),
        get=expect(others=404, office=200, liaison=200, leader=403, cadre=403, secretary=403),
    ),
    url(
        "ledger:suggestions",
        get=expect(
            office=200, leader=200, cadre=200, other_cadre=200, village_cadre=200, secretary=200, other_secretary=200
        ),
    ),
    url(
        "ledger:suggestion",
        pk("suggestion"),
        variant="heard at a contact",
        get=expect(others=404, office=200, leader=200, cadre=200),
    ),
    url(
        "ledger:suggestion",
        pk("loose_suggestion"),
        variant="without a contact",
        get=expect(others=404, office=200, leader=200, cadre=200),
    ),
    *(
        url(
            name,
            pk("suggestion"),
            **post_only(allowed=("office", "cadre"), refused={"leader": 403}, others=404),
        )
        for name in ("ledger:suggestion_forward", "ledger:suggestion_answer")
    ),
    url("ledger:events", get=expect(**_ALL_ROLES_OK)),
    url("ledger:event_new", get=expect(**_UNIT_REPORTERS)),
    url("ledger:event", pk("event"), get=expect(others=404, **_TALENT_SCOPE)),
    url(
        "ledger:event_acknowledge",
        pk("event"),
        **post_only(allowed=("office", "cadre"), refused={"leader": 403, "secretary": 403, "liaison": 403}, others=404),
    ),
    url("ledger:recommendations", get=expect(office=200, leader=200, secretary=200, other_secretary=200)),
    url("ledger:recommendation_new", get=expect(office=200, secretary=200, other_secretary=200)),
    url(
        "ledger:recommendation_edit",
        pk("recommendation"),
        get=expect(others=404, office=200, secretary=200, leader=403),
    ),
    url("ledger:feedback", get=expect(**_ALL_ROLES_OK)),
    url("ledger:feedback_new", get=expect(**_UNIT_REPORTERS)),
    url(
        "ledger:feedback_detail",
        pk("feedback"),
        get=expect(others=404, office=200, leader=200, cadre=200, liaison=200),
    ),
    url(
        "ledger:feedback_answer",
        pk("feedback"),
        **post_only(allowed=("office",), refused={"leader": 403, "cadre": 403, "liaison": 403}, others=404),
    ),
    # The audit log (issue 6, item 4): the office searches it; nobody else reads it.
    url("audit:list", get=expect(office=200)),
    url("picker:pick", "talent", query="q=a", get=expect(others=200, no_role=403)),
    # Overview (R16, R9): office and leaders.
    url("reports:dashboard", get=expect(**_OFFICE_LEADER)),
    url("reports:compliance", get=expect(**_OFFICE_LEADER)),
    # December village reports (R19): the office and leaders every village, a secretary their own.
    url("village_reports:board", get=expect(office=200, leader=200, secretary=200, other_secretary=200)),
    url("village_reports:download_all", SUBMITTED_YEAR, get=expect(**_OFFICE_LEADER)),
    url(
        "village_reports:report",
        DRAFT_YEAR,
        pk("village"),
        get=expect(office=200, leader=200, secretary=200, other_secretary=404),
        post={"office": 403, "leader": 403},
    ),
    url(
        "village_reports:submit",
        DRAFT_YEAR,
        pk("village"),
        get=expect(secretary=200, other_secretary=404),
    ),
    *(
        url(
            name,
            SUBMITTED_YEAR,
            pk("village"),
            **post_only(allowed=("office",), refused={"other_secretary": 404}, others=403),
        )
        for name in ("village_reports:return", "village_reports:receive")
    ),
    *(
        url(
            "village_reports:download",
            DRAFT_YEAR,
            pk("village"),
            fmt,
            variant=fmt,
            get=expect(office=200, leader=200, secretary=200, other_secretary=404),
        )
        for fmt in ("pdf", "docx", "xlsx")
    ),
    # Official outputs (issue 5): the page lists what the user may run; each file asks its exporter.
    url("exports:index", get=expect(**_ALL_ROLES_OK)),
    # Every exporter in every format. A PDF takes seconds to draw, so beyond the Excel file the formats
    # are asked for with an invalid option (year 1, level "x"): a role allowed the export gets the 400
    # page that follows the access check, a refused role its 403 before any option is read.
    *(
        url(
            "exports:download",
            identifier,
            fmt,
            variant=f"{identifier}.{fmt}",
            query="" if fmt == "xlsx" else bad,
            get=expect(**{role: 200 if fmt == "xlsx" else 400 for role in allowed}),
        )
        for identifier, allowed, formats, bad in (
            ("roster", _OFFICE_LEADER, ("xlsx", "pdf"), "level=x"),
            ("township_summary", _OFFICE_LEADER, ("xlsx", "pdf", "docx"), "year=1"),
            ("ledger", _ALL_ROLES_OK, ("xlsx", "pdf"), "year=1"),
            ("contacts", _CONTACT_READERS, ("xlsx", "pdf"), "year=1"),
        )
        for fmt in formats
    ),
    *(
        url(
            "exports:download",
            "village_report",
            fmt,
            variant=f"village_report.{fmt}",
            query=f"year={DRAFT_YEAR}&village={{w.obj[village].pk}}",
            get=expect(office=200, leader=200, secretary=200, other_secretary=404),
        )
        for fmt in ("docx", "xlsx")
    ),
    # The options are read before the village is checked: with year 1 every role allowed the
    # exporter gets the 400 page, the other village's secretary included (refused on docx and xlsx).
    url(
        "exports:download",
        "village_report",
        "pdf",
        variant="village_report.pdf",
        query="year=1&village={w.obj[village].pk}",
        get=expect(office=400, leader=400, secretary=400, other_secretary=400),
    ),
]

# --- The back office: the office only (meijia/admin.py); everyone else is sent to its log-in page. ---


def admin_expect(office, *, anonymous=ADMIN_LOGIN, others=ADMIN_LOGIN) -> dict[str, object]:
    return expect(anonymous=anonymous, others=others, office=office)


TABLE += [
    url("admin:index", get=admin_expect(200), read_only_admin=True),
    url("admin:login", get=expect(anonymous=200, others=200, office=302)),
    # Django's admin sends a non-office user's log-out to the admin index (its log-in page, in turn).
    url("admin:logout", get=admin_expect(405, anonymous=302, others=302)),
    url("admin:password_change", get=admin_expect(200)),
    url("admin:password_change_done", get=admin_expect(200), read_only_admin=True),
    url("admin:jsi18n", get=admin_expect(200), read_only_admin=True),
    url(
        "admin:autocomplete",
        query="app_label=contacts&model_name=pairing&field_name=talent&term=陈",
        get=admin_expect(200),
        read_only_admin=True,
    ),
    # No model has a public page (get_absolute_url): nothing to send the office to.
    url(
        "admin:view_on_site",
        lambda w: ContentType.objects.get_for_model(w.obj["talent"]).pk,
        pk("talent"),
        get=admin_expect(404),
        read_only_admin=True,
    ),
    *(
        url("admin:app_list", label, variant=label, get=admin_expect(status), read_only_admin=True)
        # The office's groups hold no permission on django-axes' tables: that app is not theirs.
        for label, status in (("auth", 200), ("axes", 404), ("talents", 200), ("contacts", 200), ("reports", 200))
    ),
    url("admin/(?P<url>.*)$", "no-such-page/", get=admin_expect(404), read_only_admin=True),
]

# Per registered model: the world's object, and the office's answer for its changelist, add, change,
# delete and history pages. A 403 is a decision: the office may not do that there (e.g. delete a
# talent: they are moved out, never deleted; edit the export log: it is append-only).
ADMIN_MODELS: dict[str, tuple[str, dict[str, int]]] = {
    # Roles are groups made by a migration; the office reads them, accounts get them.
    "auth.group": ("group", {"changelist": 200, "add": 403, "change": 200, "delete": 403, "history": 200}),
    "auth.user": ("user", {"changelist": 200, "add": 200, "change": 200, "delete": 403, "history": 200}),
    # django-axes' lockout tables: not granted to the office's group (see the report on issue 6).
    "axes.accessattempt": (
        "access_attempt",
        {"changelist": 403, "add": 403, "change": 403, "delete": 403, "history": 403},
    ),
    "axes.accesslog": ("access_log", {"changelist": 403, "add": 403, "change": 403, "delete": 403, "history": 403}),
    "axes.accessfailurelog": (
        "access_failure",
        {"changelist": 403, "add": 403, "change": 403, "delete": 403, "history": 403},
    ),
    # The audit log is append-only (issue 6, item 4): read, never added, edited or deleted.
    "talents.auditentry": (
        "audit_entry",
        {"changelist": 200, "add": 403, "change": 200, "delete": 403, "history": 200},
    ),
    # One row, made by a migration: edited, never added or deleted.
    "talents.organization": (
        "organization",
        {"changelist": 200, "add": 403, "change": 200, "delete": 403, "history": 200},
    ),
    "talents.unit": ("unit", {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200}),
    "talents.talent": ("talent", {"changelist": 200, "add": 200, "change": 200, "delete": 403, "history": 200}),
    "contacts.cadre": ("cadre", {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200}),
    "contacts.term": ("term", {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200}),
    "contacts.pairing": ("pairing", {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200}),
    "contacts.contact": ("contact", {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200}),
    "contacts.suggestion": (
        "suggestion",
        {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200},
    ),
    "contacts.demand": ("demand", {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200}),
    "contacts.majorevent": ("event", {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200}),
    "contacts.recommendation": (
        "recommendation",
        {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200},
    ),
    "contacts.feedback": ("feedback", {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200}),
    "reports.villagereport": (
        "submitted_report",
        {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200},
    ),
    # The export log is append-only (issue 6, item 4): read, never added, edited or deleted.
    "reports.exportlog": ("export_log", {"changelist": 200, "add": 403, "change": 200, "delete": 403, "history": 200}),
}


def _admin_model_entries() -> Iterator[Entry]:
    for label, (obj, office) in ADMIN_MODELS.items():
        app_label, model = label.split(".")
        prefix = f"admin:{app_label}_{model}"
        yield url(f"{prefix}_changelist", get=admin_expect(office["changelist"]))
        yield url(f"{prefix}_add", get=admin_expect(office["add"]))
        for view in ("change", "delete"):
            yield url(f"{prefix}_{view}", pk(obj), get=admin_expect(office[view]))
        yield url(f"{prefix}_history", pk(obj), get=admin_expect(office["history"]), read_only_admin=True)
        # The bare object URL only redirects to the change page.
        bare = f"admin/{app_label}/{model}/<path:object_id>/"
        yield url(bare, pk(obj), get=admin_expect(302), read_only_admin=True)
    yield url("admin:auth_user_password_change", pk("user"), get=admin_expect(200))


TABLE += list(_admin_model_entries())


# --- The walk ------------------------------------------------------------------------------------


def _patterns(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(key, route) of every URL pattern, includes and the admin's own followed."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            key = (f"{namespace}:{p.name}" if namespace else p.name) if p.name else route
            yield key, route


def _project_keys() -> dict[str, str]:
    return dict(_patterns(get_resolver().url_patterns))


def _fmt_key(key: str) -> str:
    return key.replace("<path:object_id>", "{}").replace("(?P<url>.*)$", "{}")


def test_every_url_pattern_has_an_entry_in_the_access_table():
    missing = sorted(set(_project_keys()) - {e.key for e in TABLE})
    assert not missing, (
        "These URL patterns have no entry in tests/test_url_walk.py's access table; decide who may open "
        "them and add them: " + ", ".join(missing)
    )


def test_the_access_table_names_only_urls_the_project_has():
    stale = sorted({e.key for e in TABLE} - set(_project_keys()))
    assert not stale, "The access table names URLs the project no longer has: " + ", ".join(stale)


def test_every_exporter_is_walked_in_every_format():
    walked = {e.variant for e in TABLE if e.key == "exports:download"}
    registered = {f"{ident}.{fmt}" for ident, cls in exporters.all_exporters().items() for fmt in cls.formats}
    assert not registered - walked, f"Exports missing from the access table: {sorted(registered - walked)}"


def test_every_registered_admin_model_is_in_the_table():
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS), f"differs: {sorted(registered ^ set(ADMIN_MODELS))}"


# --- The world, built once for the module ----------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """Built once in a transaction rolled back after the module; each test runs in a savepoint inside it.

    Each role's session is made here too, so a request only sends its cookie (no log-in per request).
    """
    media = tmp_path_factory.mktemp("urlwalk_media")
    fast = override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        w = world_build()
        w.media = media
        w.sessions = {}
        for role, user in w.users.items():
            if user is not None:
                login = Client()
                login.force_login(user)
                w.sessions[role] = login.cookies[settings.SESSION_COOKIE_NAME].value
        yield w
        transaction.set_rollback(True)


@pytest.fixture
def walk(_chinese_and_temp_media, settings, db, world):
    """Requests as each role, each in a savepoint of its own so no role sees another's changes."""
    settings.MEDIA_ROOT = world.media  # uploads are read from where the world wrote them

    def request(method: str, entry: Entry, role: str):
        client = Client()
        if role in world.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
        posting = method == "POST"
        with transaction.atomic(), CaptureQueriesContext(connection) if posting else nullcontext() as queries:
            response = client.post(entry.path(world), {}) if posting else client.get(entry.path(world))
            transaction.set_rollback(True)
        return response, _writes(queries) if posting else []

    return request


@functools.cache
def _login_urls() -> dict[str, str]:
    return {LOGIN: reverse("login") + "?next=", ADMIN_LOGIN: reverse("admin:login") + "?next="}


def _mismatch(response, expected, role: str, *, refused_get: bool = False) -> str | None:
    """Why the response is not what the table expects, or None.

    ``refused_get``: a POST mirroring a refused GET may also meet 405, where the view takes no POST.
    """
    status, location = response.status_code, response.get("Location", "")
    if refused_get and status == 405:
        return None
    got = f"{status} {location}".strip()
    if expected in (LOGIN, ADMIN_LOGIN):
        ok = status == 302 and location.startswith(_login_urls()[expected])
    elif expected == ACCEPTED:
        ok = status in (200, 302, 400, 409)
    else:
        ok = status == expected
    return None if ok else f"{role}: got {got}, expected {expected}"


# Tables a refused request may still write: its session, the audit log (which may note the refusal)
# and django-axes' log-in records.
_BOOKKEEPING = ("django_session", "talents_auditentry", "axes_")
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


def _writes(queries) -> list[str]:
    """The tables the request wrote to, bookkeeping aside (every write goes through SQL, ORM or not)."""
    tables = (m.group(1) for q in queries.captured_queries if (m := _WRITE.match(q["sql"])))
    return sorted({t for t in tables if not t.startswith(_BOOKKEEPING)})


def _ids(entries) -> list:
    return [pytest.param(entry, id=entry.label) for entry in entries]


@pytest.mark.parametrize("entry", _ids(TABLE))
def test_a_get_answers_every_role_as_the_access_table_says(walk, entry):
    problems = []
    for role in ROLES:
        response, _written = walk("GET", entry, role)
        problems.append(_mismatch(response, entry.get[role], role))
    problems = [p for p in problems if p]
    assert not problems, f"GET {entry.label}:\n" + "\n".join(problems)


@pytest.mark.parametrize("entry", _ids(e for e in TABLE if e.post_expectations()))
def test_a_post_is_refused_or_handled_as_the_access_table_says(walk, entry):
    problems = []
    for role, expected in entry.post_expectations().items():
        response, written = walk("POST", entry, role)
        problems.append(_mismatch(response, expected, role, refused_get=entry.get[role] in REFUSED))
        if written and expected in REFUSED:
            problems.append(f"{role}: refused, but the POST wrote to {', '.join(written)}")
    problems = [p for p in problems if p]
    assert not problems, f"POST {entry.label}:\n" + "\n".join(problems)
