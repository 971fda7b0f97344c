"""Hostile values, and the checks every form post must pass whatever it receives (issue 6, item 8).

``post_hostile`` sends a form the way a browser (or an attacker's script) would, as a raw
urlencoded body, so lone surrogates and repeated keys can be sent too, then checks:

- no exception escapes the view and the status is a redirect (accepted) or 200 (form shown again);
- shown again: every error is in Chinese and on the page, and every text typed is back, escaped;
- rejected: no table row was added, removed or changed;
- accepted: every stored text fits its column and holds no control character, and the page the
  redirect leads to opens;
- never a live ``<script>`` or ``onerror=`` from the input on any page.

Each example runs inside a savepoint that is rolled back, so examples never see each other's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.forms import BaseForm, BaseFormSet
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HOSTILE_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run and in CI
    database=None,  # no .hypothesis folder in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uff0c\u3002]")
# What an injected script would look like on the page if anything printed input unescaped.
LIVE_MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>")
# Control characters nothing may store (tab, line feed and carriage return are ordinary text).
STORED_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()  # the key is left out of the post altogether

HUGE = 10_001
HOSTILE_TEXTS = (
    "",
    " ",
    "\u3000",
    "'; DROP TABLE talents_talent; --",
    "1' OR '1'='1",
    '" OR ""="',
    "%_\\",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "{{ request }}{% debug %}",
    "javascript:alert(1)",
    "🀄",
    "👨\u200d👩\u200d👧\u200d👦",
    "🏳️\u200d🌈",
    "𠀀𪚥䶮𰻞",
    "\u202egnp.exe",
    "张\x00三",
    "\x00",
    "\x1f",
    "\x7f\x85",
    "\ufeff\u200b",
    "\ufffe",
    "\ud800",
    "半个\udfff字",
    "\r\n\t",
    "ｆｕｌｌ　ｗｉｄｔｈ",
    "٣٤٥",
    "字" * HUGE,
    "🀄" * HUGE,
    "<b>" * 3400,
    "\x01" * HUGE,
)
BAD_DATES = (
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2026-01-01",
    "2026/1/1",
    "１９８５-０６-０１",
    "1985-06",
    "tomorrow",
    "1e9",
    "2026-01-01T00:00:00",
    "2026-01-01'--",
)
BAD_NUMBERS = (
    "-1",
    "²",
    "0",
    "1.5",
    "1e3",
    "NaN",
    "Infinity",
    "0x10",
    "٣",
    "9" * 30,
    "-" + "9" * 30,
    str(2**63),
    "9" * 5000,
)
BAD_CHOICES = ("x", "OTHER", "其他", "-1", "0", "None", "true")


def _text_strategy() -> st.SearchStrategy:
    anything = st.characters(codec=None, exclude_categories=())  # every code point, surrogates included
    return st.one_of(
        st.sampled_from(HOSTILE_TEXTS),
        st.text(anything, max_size=40),
        st.builds(lambda s, n: s * n, st.sampled_from(["字", "🀄", "a", "<i>", "\x00"]), st.integers(HUGE, HUGE + 200)),
    )


def hostile(kind: str) -> st.SearchStrategy:
    """Wrong values for a field of ``kind``: text, date, choice, model (a primary key), int, bool, uuid."""
    specific = {
        "date": st.sampled_from(BAD_DATES),
        "int": st.sampled_from(BAD_NUMBERS),
        "model": st.sampled_from((*BAD_NUMBERS, "abc")),
        "choice": st.sampled_from(BAD_CHOICES),
        "bool": st.sampled_from(("off", "false", "0", "2", "on")),
        "uuid": st.sampled_from(("not-a-uuid", "00000000-0000-0000-0000-00000000000g", "{}")),
        "cursor": st.sampled_from(("2026-01-01." + "9" * 30, "9999-12-31.1", "0001-01-01.-1", "x.y", ".")),
    }
    options = [_text_strategy(), st.just(MISSING), st.lists(st.sampled_from(("a", "1", "<b>")), min_size=2, max_size=3)]
    if kind in specific:
        options.insert(0, specific[kind])
    return st.one_of(*options)


def draw_post(data: st.DataObject, valid: dict, kinds: dict[str, str], *, most: int = 3) -> dict:
    """``valid`` with one to ``most`` of its fields (named in ``kinds``) replaced by hostile values."""
    names = data.draw(st.lists(st.sampled_from(sorted(kinds)), min_size=0, max_size=most, unique=True), label="fields")
    post = dict(valid)
    for name in names:
        post[name] = data.draw(hostile(kinds[name]), label=name)
    return post


# --- Sending ----------------------------------------------------------------------------------------


def _values(value) -> list:
    if value is MISSING:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def encode(post: dict) -> bytes:
    """An application/x-www-form-urlencoded body; a lone surrogate goes out as the bytes a broken client sends."""
    pairs = []
    for key, value in post.items():
        for item in _values(value):
            raw = str(item).encode("utf-8", "surrogatepass")
            pairs.append(f"{quote(key)}={quote(raw, safe='')}")
    return "&".join(pairs).encode("ascii")


def received(value) -> str | None:
    """What the view reads for a posted value: the last of repeated keys, bad UTF-8 replaced."""
    values = _values(value)
    if not values:
        return None
    return str(values[-1]).encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def logged_in_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


# --- Checking --------------------------------------------------------------------------------------


@dataclass
class Case:
    """A form as a user who may post it sends it."""

    url: str
    valid: dict
    kinds: dict[str, str]  # field → kind of hostile value
    tables: tuple[type[models.Model], ...]  # what an accepted post may change
    form_keys: tuple[str, ...] = ("form",)  # context names of the forms and formsets shown again
    echoed: tuple[str, ...] = ()  # text fields whose typed value must come back on the page
    hidden: tuple[str, ...] = ()  # hidden inputs: only a tampered post gets them wrong; errors may stay unseen
    fresh_login: bool = False  # the post may end the session (log-in, password change): log in per example
    logs: tuple[type[models.Model], ...] = ()  # written even by a refused post: their texts must fit their columns
    records: Iterable[models.Model] = ()  # rows a rejected post must leave exactly as they were
    accepted_pages: tuple[str, ...] = ()  # templates of a 200 that is not a rejection (a confirmation step)
    after: Callable[[], None] | None = None  # more checks after an accepted post
    ok_statuses: tuple[int, ...] = (200, 302)
    extra: dict = field(default_factory=dict)


def snapshot(tables, records) -> tuple:
    counts = tuple(model.objects.count() for model in tables)
    rows = tuple(tuple(type(r).objects.filter(pk=r.pk).values().first().items()) for r in records)
    return counts, rows


def assert_no_live_markup(html: str) -> None:
    for markup in LIVE_MARKUP:
        assert markup not in html, f"unescaped input on the page: {markup}"


def _errors_of(context, keys, hidden) -> tuple[list[str], bool]:
    """The error messages to look for on the page, and whether there was any error at all."""
    messages, any_error = [], False
    for key in keys:
        if key not in context:
            continue
        item = context[key]
        forms = [item] if isinstance(item, BaseForm) else list(item.forms) if isinstance(item, BaseFormSet) else []
        if isinstance(item, BaseFormSet):
            messages += list(item.non_form_errors())
        for form in forms:
            for name, errors in form.errors.items():
                any_error = True
                if name not in hidden:
                    messages += errors
    return messages, any_error or bool(messages)


def assert_stored_text_is_clean(tables, *, controls: bool = True) -> None:
    """Every text column fits its max_length (PostgreSQL refuses longer) and holds no control character."""
    for model in tables:
        texts = [f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        limited = [f for f in texts if isinstance(f, models.CharField) and f.max_length]
        if limited:
            qs = model.objects.annotate(**{f"len_{f.name}": Length(f.name) for f in limited})
            too_long = Q()
            for f in limited:
                too_long |= Q(**{f"len_{f.name}__gt": f.max_length})
            offenders = list(qs.filter(too_long).values_list("pk", flat=True))
            assert not offenders, f"{model.__name__} rows {offenders} hold text longer than its column"
        if not controls:
            continue
        for row in model.objects.values_list(*(f.attname for f in texts)):
            for value in row:
                assert not (value and STORED_CONTROL_RE.search(value)), f"{model.__name__} stored {value[:40]!r}"


def post_hostile(user, case: Case, post: dict, *, method: str = "post", client: Client | None = None):
    """Send ``post`` as ``user`` and check what a user would see and what was stored; rolls everything back.

    ``client``, already logged in as ``user``, saves a log-in per example where the post cannot end the session.
    """
    with transaction.atomic():
        try:
            if client is None or case.fresh_login:
                client = logged_in_client(user)
            before = snapshot(case.tables, case.records)
            if method == "post":
                response = client.post(case.url, encode(post), content_type="application/x-www-form-urlencoded")
            else:
                response = client.get(f"{case.url}?{encode(post).decode()}")
            _check_response(client, case, post, response, before)
            return response
        finally:
            transaction.set_rollback(True)


def _check_response(client, case: Case, post: dict, response, before) -> None:
    assert response.status_code in case.ok_statuses, response.status_code
    assert_stored_text_is_clean(case.logs, controls=False)
    html = response.content.decode("utf-8", "replace") if not response.streaming else ""
    assert_no_live_markup(html)
    if response.status_code in (301, 302, 303):
        assert_stored_text_is_clean(case.tables)
        page = client.get(response["Location"])
        assert page.status_code == 200, (response["Location"], page.status_code)
        assert_no_live_markup(page.content.decode())
        if case.after:
            case.after()
        return
    assert snapshot(case.tables, case.records) == before, "a post that was not accepted changed the database"
    if response.status_code != 200 or response.get("Content-Type", "").split(";")[0] != "text/html":
        return
    templates = {t.name for t in response.templates}
    errors, any_error = _errors_of(response.context, case.form_keys, case.hidden) if response.context else ([], False)
    if not any_error and (templates & set(case.accepted_pages) or not encode(post)):
        return  # a confirmation step, or an empty body: Django's ``request.POST or None`` shows the form anew
    if case.form_keys:
        assert any_error, f"form shown again without saying why (templates {sorted(templates)})"
    for message in errors:
        assert CJK_RE.search(str(message)), f"error not in Chinese: {message}"
        assert escape(message) in html, f"error not shown on the page: {message}"
    if any(post.get(name, MISSING) != case.valid.get(name, MISSING) for name in case.hidden):
        return  # a tampered hidden field (a formset's count): no typing to keep, the page may start afresh
    for name in case.echoed:
        value = received(post.get(name, MISSING))
        if value and value.strip():
            assert escape(value) in html, f"what was typed in {name} is lost"
