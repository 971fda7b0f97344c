"""Real-browser fixtures: Debian's Chromium driven by Playwright on a 360-px phone (issue 3, item 8).

No browser is downloaded: Playwright starts /usr/bin/chromium (scripts/system-packages.sh installs
it). Each test gets a fresh phone-sized browser context that records console errors, page errors
and every request, and fails the test if any error occurred or any request left the live server.
Screenshots go to artifacts/screenshots/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.factories import PairingFactory

CHROMIUM = os.environ.get("MEIJIA_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium phones home (updates, sync, field trials):
# refused on a closed network, and a request to another host the tests would rightly flag.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
PASSWORD = "test-pass-123"  # UserFactory's
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser(django_db_setup) -> Iterator[Browser]:
    """One Chromium for the whole run; each test opens its own context (cookies, storage)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/system-packages.sh as root (make test does).")
    # Playwright's sync API keeps an asyncio loop running in this thread, which makes Django refuse
    # ORM calls from the test body. The tests are synchronous; the check does not apply to them.
    # Depending on django_db_setup keeps the test database alive until the loop has stopped.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # With a loop running, Django keeps its connections per async context instead of per thread
    # and would open fresh ones, lacking what django_db_setup stored on these (serialized_rollback).
    # Keep using the same connection objects, as Django's own live server thread does.
    before = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, connection in before.items():
        connections[alias] = connection
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Phone:
    """A page on a phone-sized browser, with what the test needs to drive and check it."""

    page: Page
    base_url: str
    name: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        self.go("/login/")
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(password)
        self.page.locator("main form button[type=submit]").tap()
        expect(self.page.locator("header form.logout")).to_be_visible()

    def log_out(self) -> None:
        self.page.locator("header form.logout button[type=submit]").tap()
        expect(self.page.locator("#id_username")).to_be_visible()

    def width(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth")

    def shot(self, what: str, *, full_page: bool = True) -> None:
        """Screenshot for a person to look at; also checks the page needs no sideways scrolling."""
        assert self.width() <= PHONE["viewport"]["width"], f"{what}: wider than the phone, scrolls sideways"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{self.name}-{what}.png", full_page=full_page)

    def check(self) -> None:
        assert self.errors == [], "errors in the browser console"
        foreign = [url for url in self.requests if not url.startswith(self.base_url + "/")]
        assert foreign == [], "requests to another host than the server (the network is closed)"


@pytest.fixture
def phone(browser, live_server, request):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    phone = Phone(page=page, base_url=live_server.url, name=request.node.name)
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: msg.type == "error" and phone.errors.append(f"{msg.location['url']}: {msg.text}"))
    page.on("pageerror", lambda exc: phone.errors.append(f"page error: {exc}"))
    context.on("request", lambda req: phone.requests.append(req.url))
    yield phone
    context.close()
    phone.check()


@pytest.fixture
def talent(cadre):
    """The cadre's one talent (the root conftest's cadre is cadre_t, 王建国)."""
    return PairingFactory(cadre=cadre, talent__name="陈春华", talent__position="农技站站长").talent


@pytest.fixture
def compiled_catalogue():
    """For the few checks of Chinese text: `make test` compiles the catalogue before pytest runs."""
    po, mo = LC_MESSAGES / "django.po", LC_MESSAGES / "django.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        pytest.fail(f"{mo} is missing or older than the .po: run `make messages` (make test does).")


# --- The office at a desk (issue 4, item 12) ---------------------------------------------------------

DESKTOP = {
    "viewport": {"width": 1366, "height": 900},
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


class Desktop(Phone):
    """A page in a desktop-sized browser with a mouse: the office's screen. Same checks as the phone."""

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        self.go("/login/")
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(password)
        self.page.locator("main form button[type=submit]").click()
        expect(self.page.locator("header form.logout")).to_be_visible()

    def log_out(self) -> None:
        self.page.locator("header form.logout button[type=submit]").click()
        expect(self.page.locator("#id_username")).to_be_visible()

    def shot(self, what: str, *, full_page: bool = True) -> None:
        """Screenshot for a person to look at; also checks the page needs no sideways scrolling."""
        assert self.width() <= DESKTOP["viewport"]["width"], f"{what}: wider than the screen, scrolls sideways"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{self.name}-{what}.png", full_page=full_page)


@pytest.fixture
def desk(browser, live_server, request):
    """Like ``phone``, on a 1366×900 office screen: fails the test on console errors or foreign requests."""
    context = browser.new_context(accept_downloads=True, **DESKTOP)
    page = context.new_page()
    desk = Desktop(page=page, base_url=live_server.url, name=request.node.name)
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: msg.type == "error" and desk.errors.append(f"{msg.location['url']}: {msg.text}"))
    page.on("pageerror", lambda exc: desk.errors.append(f"page error: {exc}"))
    context.on("request", lambda req: desk.requests.append(req.url))
    yield desk
    context.close()
    desk.check()
