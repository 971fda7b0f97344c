"""Transport and headers (issue 6, item 5): HTTPS in production, a nonce-based CSP, no inline code.

The production posture comes from the environment (MEIJIA_HTTPS, MEIJIA_BEHIND_PROXY), so it is
checked in a fresh interpreter with that environment; `make run`'s plain-HTTP demo keeps it off.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from reports import svg
from tests.factories import PairingFactory

BASE_DIR = Path(settings.BASE_DIR)
TEMPLATES = BASE_DIR / "templates"
# Rendered into PDF by WeasyPrint, never sent to a browser.
NOT_FOR_BROWSERS = (TEMPLATES / "reports" / "pdf",)
PRODUCTION = {"MEIJIA_HTTPS": "true", "ALLOWED_HOSTS": "rc.example.gov.cn"}
# Variables of the developer's shell that would change what an install gets.
OVERRIDES = (
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "MEIJIA_HTTPS",
    "MEIJIA_BEHIND_PROXY",
    "MEIJIA_HSTS_SECONDS",
    "MEIJIA_HSTS_PRELOAD",
    "SECURE_COOKIES",
    # Set for the browser tests' own process (tests/browser/conftest.py); a real deployment never has it,
    # and `check --deploy` rightly refuses it (async.E001).
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _run(args: list[str], var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
    environ.update(MEIJIA_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="meijia.settings", **env)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *args], cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=120
    )


def _request(path: str, var_dir: Path, *, https: bool = False, headers: dict | None = None, **env: str) -> dict:
    """GET ``path`` in a fresh interpreter with ``env``; the status and headers it answered with.

    The paths asked for need no database (the redirect happens first, or the page does not exist).
    """
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        f"r = Client(HTTP_HOST='rc.example.gov.cn').get({path!r}, secure={https!r}, headers={headers or {}!r}); "
        "print(json.dumps({'status': r.status_code, **dict(r.headers)}))"
    )
    result = _run(["-c", code], var_dir, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def _nonce(response) -> str:
    found = {v for v in _policy(response)["script-src"] if v.startswith("'nonce-")}
    assert len(found) == 1, response.headers["Content-Security-Policy"]
    return found.pop()[len("'nonce-") : -1]


# --- Production: `check --deploy`, HTTPS, HSTS, secure cookies --------------------------------------


def test_check_deploy_finds_nothing_to_warn_about_with_the_production_environment(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert not [line for line in output.splitlines() if line.startswith("?:")], output


def test_check_deploy_also_passes_behind_a_tls_terminating_proxy_with_preloading(tmp_path):
    env = {**PRODUCTION, "MEIJIA_BEHIND_PROXY": "true", "MEIJIA_HSTS_PRELOAD": "true"}
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "(0 silenced)" in result.stdout, "with preloading on, no check needs silencing"


def test_the_demo_mode_is_not_mistaken_for_production(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path)

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout, "no HTTPS redirect in plain-HTTP demo mode"


def test_in_production_plain_http_is_sent_to_https(tmp_path):
    response = _request("/login/", tmp_path, **PRODUCTION)

    assert response["status"] == 301
    assert response["Location"] == "https://rc.example.gov.cn/login/"


def test_in_production_https_answers_carry_hsts_for_a_year_with_subdomains_but_no_preload(tmp_path):
    response = _request("/no-such-page/", tmp_path, https=True, **PRODUCTION)

    assert response["status"] == 404
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "upgrade-insecure-requests" in response["Content-Security-Policy"]


def test_in_production_the_session_and_csrf_cookies_are_sent_over_https_only(tmp_path):
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    assert _run(["-c", code], tmp_path, **PRODUCTION).stdout.split() == ["True", "True", "True"]
    assert _run(["-c", code], tmp_path).stdout.split() == ["False", "False", "True"], "the HTTP demo must log in"


def test_behind_a_proxy_its_forwarded_https_is_trusted_and_not_redirected(tmp_path):
    forwarded = {"X-Forwarded-Proto": "https"}
    behind = _request("/no-such-page/", tmp_path, headers=forwarded, MEIJIA_BEHIND_PROXY="true", **PRODUCTION)
    direct = _request("/no-such-page/", tmp_path, headers=forwarded, **PRODUCTION)

    assert behind["status"] == 404
    assert "Strict-Transport-Security" in behind
    assert direct["status"] == 301, "without a proxy, a client's own X-Forwarded-Proto is not believed"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEIJIA_BEHIND_PROXY": "true"}, "MEIJIA_HTTPS"),
        ({"SECURE_COOKIES": "true"}, "replaced by MEIJIA_HTTPS"),
    ],
    ids=["proxy-without-https", "the-old-variable"],
)
def test_a_contradictory_or_outdated_setting_fails_loudly_at_start_up(tmp_path, env, message):
    result = _run(["-c", "import django; django.setup()"], tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


# --- Headers on the pages -------------------------------------------------------------------------


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def cadre_client(client, cadre):
    """A cadre with one talent, so the contact form opens."""
    PairingFactory(cadre=cadre)
    client.force_login(cadre.user)
    return client


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("client", "/login/"),
        ("cadre_client", "/"),
        ("cadre_client", "/contacts/new/"),
        ("office_client", "/office/"),
        ("office_client", "/admin/talents/talent/"),
        ("office_client", "/admin/contacts/contact/add/"),
    ],
)
def test_every_page_has_a_policy_without_inline_code_and_the_protective_headers(db, request, who, path):
    response = request.getfixturevalue(who).get(path)
    assert response.status_code == 200
    policy = _policy(response)

    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    for directive in ("script-src", "style-src", "img-src", "font-src", "connect-src"):
        assert all(v == "'self'" or v.startswith("'nonce-") for v in policy[directive]), "nothing from elsewhere"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(("who", "path"), [("client", "/login/"), ("cadre_client", "/")])
def test_each_answer_gets_a_fresh_nonce(db, request, who, path):
    client = request.getfixturevalue(who)

    first, second = _nonce(client.get(path)), _nonce(client.get(path))

    assert first != second
    assert len(first) >= 22, "at least 128 random bits"


def test_the_pages_own_script_and_stylesheet_carry_the_nonce_of_the_header(cadre_client):
    response = cadre_client.get(reverse("contacts:contact_new"))
    nonce = _nonce(response)
    html = response.content.decode()

    assert re.search(rf'<script src="[^"]*contact_form[^"]*\.js" nonce="{re.escape(nonce)}"', html)
    assert re.search(rf'<link rel="stylesheet" href="[^"]*meijia[^"]*\.css" nonce="{re.escape(nonce)}"', html)


def test_admin_pages_need_no_nonce_their_scripts_are_files(office_client):
    policy = _policy(office_client.get("/admin/talents/talent/"))

    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]


# --- No inline code in what browsers get ---------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _browser_templates() -> list[Path]:
    return [p for p in sorted(TEMPLATES.rglob("*.html")) if not any(d in p.parents for d in NOT_FOR_BROWSERS)]


def test_the_templates_walked_are_the_ones_browsers_get():
    names = {str(p.relative_to(TEMPLATES)) for p in _browser_templates()}

    assert {"base.html", "contacts/contact_form.html", "registration/login.html"} <= names
    assert not [n for n in names if n.startswith("reports/pdf/")]


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, INLINE_STYLE, STYLE_ATTRIBUTE, EVENT_ATTRIBUTE, JAVASCRIPT_URL],
    ids=["script-without-nonce", "style-without-nonce", "style-attribute", "onevent-attribute", "javascript-url"],
)
def test_no_template_served_to_browsers_holds_code_the_policy_would_block(pattern):
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in _browser_templates()
        for match in pattern.finditer(path.read_text())
    ]

    assert found == []


def test_the_patterns_catch_what_the_browser_would_block():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/a.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script nonce="{{ request.csp_nonce }}">x()</script>')
    assert INLINE_STYLE.search("<style>p{}</style>")
    assert STYLE_ATTRIBUTE.search('<div class="a" style="color: red">')
    assert not STYLE_ATTRIBUTE.search('<svg font-family="sans-serif" fill="#000">')
    assert EVENT_ATTRIBUTE.search('<button onclick="go()">')
    assert JAVASCRIPT_URL.search('<a href="javascript:go()">')


@pytest.mark.parametrize(
    "chart",
    [
        svg.bar_chart([("1月", 3), ("2月", 0), ("<b>", 5)], title="每月联系", ident="m"),
        svg.stacked_bar([("面对面", 4), ("电话", 1)], title="联系方式", ident="s"),
        svg.stacked_bar([], title="联系方式", ident="e"),
        svg.share_bar(value=3, total=5, label="已联系", rest_label="未联系", title="联系率", ident="r"),
    ],
    ids=["bars", "stacked", "empty", "share"],
)
def test_server_drawn_charts_use_presentation_attributes_not_style(chart):
    assert chart.startswith("<svg")
    assert not STYLE_ATTRIBUTE.search(chart)
    assert "<style" not in chart
    assert "<script" not in chart
