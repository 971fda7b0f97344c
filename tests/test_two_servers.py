"""Two app servers, one database (issue 7, item 6): the app keeps no state in its process.

Two real gunicorn processes serve the same database and the same upload folder, as two machines
behind nginx would. A cadre logs in on the first, is still logged in on the second (sessions live in
the database, signed with the shared secret key), records a contact with a photo on the first, and
sees the photo served by the second. The database is a SQLite file in a temporary folder, or a
throw-away PostgreSQL database when the suite runs with ``DATABASE_URL=postgres://…``.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

ROOT = Path(settings.BASE_DIR)
PASSWORD = "Two-servers-2026"  # a throw-away database
GUNICORN = Path(sys.executable).with_name("gunicorn")
CONF = ROOT / "deploy" / "gunicorn.conf.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_database_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database beside the configured one, or None on SQLite."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        yield None
        return
    import psycopg

    name = f"meijia_two_servers_{uuid.uuid4().hex[:8]}"
    params = {"host": db["HOST"] or "localhost", "port": db["PORT"] or 5432, "user": db["USER"]}
    with psycopg.connect(dbname="postgres", password=db["PASSWORD"], autocommit=True, **params) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{db['USER']}:{db['PASSWORD']}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", password=db["PASSWORD"], autocommit=True, **params) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[list[int]]:
    """Migrate and seed a shared database, then start two gunicorn processes on it."""
    var = tmp_path_factory.mktemp("two-servers")
    env = {**os.environ, "MEIJIA_VAR_DIR": str(var), "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1"}
    env.pop("DATABASE_URL", None)
    pg = _postgres_database_url()
    url = next(pg)
    if url:
        env["DATABASE_URL"] = url
    manage = [sys.executable, str(ROOT / "manage.py")]
    # Our own interpreter and manage.py with fixed arguments, no shell.
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)  # noqa: S603
    subprocess.run([*manage, "seed_demo", "--password", PASSWORD], env=env, cwd=ROOT, check=True, capture_output=True)  # noqa: S603
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(  # noqa: S603 - the venv's gunicorn, fixed arguments
            # As deployed (docs/deployment.md), with its warm-up in each worker; two workers each.
            [
                str(GUNICORN),
                "-c",
                str(CONF),
                "meijia.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        for port in ports
    ]
    try:
        for port in ports:
            _wait_for(port)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
        next(pg, None)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not start on port {port}")


class Browser:
    """Just enough of a browser: one cookie jar, requests to whichever server we name."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, body: bytes = b"", content_type: str = ""):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": f"127.0.0.1:{port}", "Referer": f"http://127.0.0.1:{port}{path}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        conn.close()
        return response, data

    def get(self, port: int, path: str):
        return self.request(port, "GET", path)

    def post_form(self, port: int, path: str, fields: dict[str, str]):
        body = urllib.parse.urlencode(fields).encode()
        return self.request(port, "POST", path, body, "application/x-www-form-urlencoded")

    def post_multipart(self, port: int, path: str, fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]):
        boundary = uuid.uuid4().hex
        out = io.BytesIO()
        for name, value in fields:
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, content in files:
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: image/jpeg\r\n\r\n".encode()
            )
            out.write(content + b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
        return self.request(port, "POST", path, out.getvalue(), f"multipart/form-data; boundary={boundary}")


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', html
    )
    assert match, f"no field {name} in the page"
    return match.group(1)


def _log_in(browser: Browser, port: int, username: str) -> None:
    _, page = browser.get(port, "/login/")
    token = _hidden(page.decode(), "csrfmiddlewaretoken")
    response, _ = browser.post_form(
        port, "/login/", {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    )
    assert response.status == 302, "the demo cadre could not log in"


def test_a_session_started_on_one_server_is_valid_on_the_other(servers):
    first, second = servers
    browser = Browser()
    _log_in(browser, first, "cadre01")
    response, page = browser.get(second, "/")
    assert response.status == 200
    assert "<h1>我的优秀人才</h1>" in page.decode(), "the cadre's home, not the login page"
    response, _ = browser.post_form(second, "/logout/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"]})
    assert response.status == 302
    response, _ = browser.get(first, "/")
    assert response.status == 302 and "/login/" in response.headers["Location"], "logged out on both servers"


def test_a_photo_uploaded_through_one_server_is_served_by_the_other(servers):
    first, second = servers
    browser = Browser()
    _log_in(browser, first, "cadre01")
    _, form = browser.get(first, "/contacts/new/")
    html = form.decode()
    pairing = re.search(r'name="pairing"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="pairing"', html
    )
    assert pairing, "the contact form offers the cadre's pairings"
    photo = io.BytesIO()
    Image.new("RGB", (80, 60), "orange").save(photo, "JPEG")
    fields = [
        ("csrfmiddlewaretoken", _hidden(html, "csrfmiddlewaretoken")),
        ("token", _hidden(html, "token")),
        ("pairing", pairing.group(1)),
        ("date", time.strftime("%Y-%m-%d")),
        ("method", "face"),
        ("is_guidance", "on"),
        ("direction", "cadre"),
        ("summary", "两台服务器的测试"),
        ("place", ""),
        ("sug-TOTAL_FORMS", "0"),
        ("sug-INITIAL_FORMS", "0"),
        ("dem-TOTAL_FORMS", "0"),
        ("dem-INITIAL_FORMS", "0"),
    ]
    response, body = browser.post_multipart(first, "/contacts/new/", fields, [("photos", "p.jpg", photo.getvalue())])
    assert response.status == 302, body.decode()[:2000]
    talent_page = response.headers["Location"]
    response, page = browser.get(second, talent_page)
    assert response.status == 200
    photo_url = re.search(r'href="(/photos/\d+/)"', page.decode())
    assert photo_url, "the contact's photo is linked from the talent page served by the other server"
    response, data = browser.get(second, photo_url.group(1))
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(data)).size == (80, 60)
