"""``python -m benchmarks.load``: the load benchmark of issue 7 — real journeys against gunicorn.

Bounded and loopback only. In a temporary ``MEIJIA_VAR_DIR`` (or a throw-away database on the
PostgreSQL server ``DATABASE_URL`` names) it migrates, seeds ``--scale county``, collects the static
files and starts ``gunicorn meijia.wsgi`` as deployed (``deploy/gunicorn.conf.py``: sync workers, two
per core; DEBUG off, static files through WhiteNoise) on a free port of 127.0.0.1. Simulated users — threads with ``http.client`` and their own cookie
jar — log in through the login form (CSRF included) and then walk the real journeys:

- *mixed* phase: cadres open their home page and record a contact with a suggestion (the form is
  fetched, then posted); the office searches the talent database, opens the dashboard, the office
  home page, the ledgers with filters and the contact register, and downloads the 一览表 Excel;
- *writers* phase: every user is a cadre recording contacts, all at once.

Each request is timed from the first byte sent to the last byte read. The machine's CPU is split
between gunicorn, the simulated users (this process), PostgreSQL and everything else, so the report
shows whether the load generator kept up and whether the machine was quiet. Afterwards the database is
asked which of the acknowledged contacts (a post answered with the redirect to the talent's page)
exist: the difference is the lost writes. Then, in this process with the Django test client and
without the server, the contact register page is timed against the admin changelist of the same
contacts with its date hierarchy; ``--stress`` also seeds ``--scale stress`` and times the read
pages on both sizes.

``run() -> str`` returns the Markdown section (for ``make bench`` and docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import html.parser
import http.client
import io
import math
import os
import random
import resource
import runpy
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-pass-123"  # noqa: S105 -- the demo accounts of a throw-away database
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"  # the production settings, served as deployed
TIMEOUT = 30.0  # seconds a request may take before it counts as an error

# Issue 7, item 3 (2-core machine, SQLite, county data, 20 concurrent users).
PAGE_P95_MS = 150.0
DASHBOARD_P95_MS = 100.0
WRITE_P95_MS = 200.0
REGISTER_VS_ADMIN = 5.0
STRESS_SLOWDOWN = 2.0
# A quiet machine: other processes took at most this share of all cores during the load.
QUIET_OTHERS_PERCENT = 10.0

SURNAMES = "王李张刘陈杨黄赵吴周"
PINYIN = ("wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou")


# --- HTTP with a cookie jar --------------------------------------------------------------------


@dataclass
class Sample:
    page: str
    phase: str
    ms: float
    status: int
    error: str = ""


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.acknowledged: list[str] = []  # client tokens of contacts the server confirmed
        self.lock = threading.Lock()

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def ack(self, token: str) -> None:
        with self.lock:
            self.acknowledged.append(token)


class FormParser(html.parser.HTMLParser):
    """The fields of each POST form with their default values, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, dict]] = []
        self.fields: dict[str, list[tuple[str, str]]] = defaultdict(list)  # name -> [(type, value)]
        self.radios: dict[str, list[str]] = defaultdict(list)
        self.in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.in_form = True
            self.fields, self.radios = defaultdict(list), defaultdict(list)
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "radio":
                self.radios[name].append(a.get("value", ""))
                if "checked" in a:
                    self.fields[name] = [("radio", a.get("value", ""))]
            elif kind == "checkbox":
                if "checked" in a:
                    self.fields[name].append(("checkbox", a.get("value", "on")))
            elif kind not in ("file", "submit", "button"):
                self.fields[name] = [(kind, a.get("value", ""))]
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.fields):
            self.fields[self._select] = [("select", a.get("value", ""))]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            text = self._text[1:] if self._text.startswith("\n") else self._text  # as browsers read it
            self.fields[self._textarea] = [("textarea", text)]
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.in_form:
            self.in_form = False
            self.forms.append((self.fields, self.radios))


def parse_form(page: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The page's main POST form (the one with most fields: not the log-out button's)."""
    parser = FormParser()
    parser.feed(page)
    if not parser.forms:
        return {}, {}
    fields, radios = max(parser.forms, key=lambda form: len(form[0]) + len(form[1]))
    # Fields of a <template> (a formset's empty form, named __prefix__) are never sent by a browser.
    sent = {k: [v for _t, v in vs] for k, vs in fields.items() if "__prefix__" not in k}
    return sent, dict(radios)


class Browser:
    """One simulated user: a cookie jar and one connection per request (gunicorn's sync workers close it)."""

    def __init__(self, port: int, recorder: Recorder) -> None:
        self.port, self.recorder = port, recorder
        self.cookies: dict[str, str] = {}
        self.phase = "login"

    def request(
        self, page: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        status, got, data, error = 0, {}, b"", ""
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            got = {k.lower(): v for k, v in response.getheaders() if k.lower() != "set-cookie"}
            for raw in response.headers.get_all("Set-Cookie") or []:
                name, _sep, rest = raw.partition("=")
                value = rest.split(";", 1)[0]
                if value in ('""', "") or "max-age=0" in raw.lower():
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            conn.close()
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
        ms = (time.perf_counter() - started) * 1000
        if not error and not 200 <= status < 400:
            error = f"HTTP {status}"
        self.recorder.add(Sample(page, self.phase, ms, status, error))
        return status, got, data

    def get(self, page: str, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request(page, "GET", path)

    def post(self, page: str, path: str, fields: dict[str, list[str]] | dict[str, str]):
        pairs = [(k, v) for k, vs in fields.items() for v in ([vs] if isinstance(vs, str) else vs)]
        body = urllib.parse.urlencode(pairs).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
        }
        return self.request(page, "POST", path, body, headers)

    def log_in(self, username: str) -> bool:
        _status, _h, body = self.get("log in (form)", "/login/")
        fields, _radios = parse_form(body.decode("utf-8", "replace"))
        fields.update(username=[username], password=[PASSWORD])
        status, headers, _body = self.post("log in", "/login/", fields)
        return status == 302 and "/login/" not in headers.get("location", "")


# --- journeys ----------------------------------------------------------------------------------


def record_contact(browser: Browser, rng: random.Random) -> None:
    """记录一次联系 with one suggestion: fetch the form (a fresh token), fill it in, post it."""
    status, _h, body = browser.get("contact form (GET)", "/contacts/new/")
    if status != 200:
        return
    fields, radios = parse_form(body.decode("utf-8", "replace"))
    if "pairing" not in fields and radios.get("pairing"):
        fields["pairing"] = [radios["pairing"][0]]
    token = (fields.get("token") or [""])[0]
    fields.update(
        method=["face"],
        direction=["cadre"],
        is_guidance=["on"],
        is_consultation=["on"],
        summary=[f"基准测试：面对面交流，了解近期工作和生活情况。{uuid.uuid4().hex[:6]}"],
        place=["乡党委会议室"],
    )
    fields["sug-0-content"] = ["建议定期组织人才交流座谈，分享种养技术经验。"]
    fields["sug-0-category"] = ["talent"]
    status, headers, _body = browser.post("contact save (POST)", "/contacts/new/", fields)
    if status == 302 and "/talents/" in headers.get("location", ""):
        browser.recorder.ack(token)
    elif status == 200:
        browser.recorder.samples[-1].error = "form refused"


def cadre_step(browser: Browser, rng: random.Random) -> None:
    if rng.random() < 0.5:
        browser.get("cadre home", "/")
    else:
        record_contact(browser, rng)


def office_step(browser: Browser, rng: random.Random, year: int) -> None:
    roll = rng.random()
    if roll < 0.25:
        i = rng.randrange(len(SURNAMES))
        q = SURNAMES[i] if rng.random() < 0.6 else PINYIN[i]
        browser.get("talent search", "/db/?" + urllib.parse.urlencode({"q": q}))
    elif roll < 0.45:
        browser.get("office dashboard", "/office/")
    elif roll < 0.55:
        browser.get("office home", "/")
    elif roll < 0.80:
        query = rng.choice(
            (
                "status=unclosed",
                f"year={year}&kind=work",
                "overdue=on",
                f"year={year - 1}&status=resolved",
            )
        )
        browser.get("demand ledger (filtered)", "/ledger/demands/?" + query)
    elif roll < 0.90:
        browser.get("contact register", f"/ledger/contacts/?year={year}")
    else:
        browser.get("一览表 Excel export", "/exports/roster.xlsx")


@dataclass
class Plan:
    seconds: float
    think: tuple[float, float]
    max_steps: int = 10_000


def user_loop(browser: Browser, step: Callable[[], None], plan: Plan, stop_at: float, rng: random.Random) -> None:
    """Think, act, think, act … until the phase ends.

    The first step too comes after a think time: people do not all click at the same instant when a
    phase starts. Started together, the 20 users' first requests queued behind one another on the
    four workers (up to 650 ms) and made up about 4 % of a page's samples, the p95 of a steady load
    measured a start-up burst instead.
    """
    for _n in range(plan.max_steps):
        time.sleep(rng.uniform(*plan.think))
        if time.monotonic() >= stop_at:
            return
        step()


def run_phase(name: str, browsers: list[tuple[Browser, Callable[[], None]]], plan: Plan) -> float:
    stop_at = time.monotonic() + plan.seconds
    threads = []
    started = time.monotonic()
    for i, (browser, step) in enumerate(browsers):
        browser.phase = name
        rng = random.Random(hash((name, i)))  # noqa: S311 -- think times, not secrets
        t = threading.Thread(target=user_loop, args=(browser, step, plan, stop_at, rng), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(plan.seconds + TIMEOUT * 2)
    return time.monotonic() - started


# --- the server and the database ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def database(var_dir: str) -> Iterator[str]:
    """The URL of a throw-away database: SQLite in var_dir, or a new database on DATABASE_URL's PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield ""
        return
    import psycopg

    name = f"meijia_load_{os.getpid()}"
    parts = urllib.parse.urlsplit(url)
    server = urllib.parse.urlunsplit(parts._replace(path="/postgres", scheme="postgresql", query=""))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    # As deployed (docs/deployment.md): each worker keeps its connection instead of opening one per
    # request (measured: 20 ms of wall time, 5 ms of the worker's CPU, for a new connection here).
    query = parts.query or "conn_max_age=60&conn_health_checks=True"
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}", query=query))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(var_dir: str, db_url: str) -> None:
    os.environ["MEIJIA_VAR_DIR"] = var_dir
    os.environ.pop("MEDIA_ROOT", None)
    os.environ["DEBUG"] = "False"
    if db_url:
        os.environ["DATABASE_URL"] = db_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meijia.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    name = str(settings.DATABASES["default"]["NAME"])
    assert db_url or Path(name).is_relative_to(var_dir), "not the temporary database"


def seed(scale: str) -> float:
    from django.core.management import call_command
    from django.db import connections

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", scale=scale, password=PASSWORD, stdout=io.StringIO())
    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()
    return time.monotonic() - started


def gunicorn_settings() -> dict:
    """workers, worker_class and threads as deploy/gunicorn.conf.py sets them in this environment."""
    conf = runpy.run_path(str(GUNICORN_CONF))
    return {"workers": conf["workers"], "worker_class": conf["worker_class"], "threads": conf.get("threads", 1)}


@dataclass
class Server:
    port: int
    pid: int
    cpu_seconds: float = 0.0  # master, workers and their children, from start to stop (set on exit)


@contextlib.contextmanager
def gunicorn(var_dir: str) -> Iterator[Server]:
    """gunicorn as deployed (deploy/gunicorn.conf.py) on a free port of 127.0.0.1."""
    port = free_port()
    binary = Path(sys.executable).with_name("gunicorn")
    log = open(Path(var_dir) / "gunicorn.log", "w")  # noqa: SIM115 -- closed below
    command = [str(binary), "-c", str(GUNICORN_CONF), "meijia.wsgi", "-b", f"127.0.0.1:{port}"]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=log)  # noqa: S603
    handle = Server(port, server.pid)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/login/")
                if conn.getresponse().status == 200:
                    break
            time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not start; see gunicorn.log")
        yield handle
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        # The master waits for its workers, so the children's usage includes them once it has exited.
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        handle.cpu_seconds = (after.ru_utime + after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)


# --- who used the CPU ----------------------------------------------------------------------------


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (Linux /proc/stat)."""
    with contextlib.suppress(OSError, ValueError):
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        total = sum(fields[:8])  # guest time is already counted in user
        return (total - idle) / TICKS, total / TICKS
    return 0.0, 0.0


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by the live process ``root`` and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            rest = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
            parents[int(entry.name)] = int(rest[1])
            # utime + stime, and cutime + cstime: its children that have exited (a PDF worker)
            used[int(entry.name)] = sum(int(x) for x in rest[11:15]) / TICKS
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(used.get(pid, 0.0) for pid in tree)


@dataclass
class CpuShare:
    """Where the machine's CPU went during a phase, in seconds (all cores together)."""

    seconds: float  # wall time of the phase
    cores: int
    machine: float  # every process on the machine
    server: float  # gunicorn and its workers (with SQLite: the database work too)
    generator: float  # this process: the simulated users' threads
    database: float = 0.0  # PostgreSQL's processes on this machine (0 with SQLite: it is in the server)

    @property
    def other(self) -> float:
        """Everything else: other users of the machine."""
        return max(0.0, self.machine - self.server - self.generator - self.database)

    def percent(self, part: float) -> float:
        """``part`` as a share of the machine's capacity over the phase (100 % = every core busy)."""
        return 100 * part / (self.seconds * self.cores) if self.seconds else 0.0


class CpuMeter:
    """Samples machine, server and generator CPU at the start of a phase; ``stop()`` gives the shares."""

    def __init__(self, server_pid: int, database_pid: int = 0) -> None:
        self.server_pid, self.database_pid = server_pid, database_pid
        self.wall = time.monotonic()
        self.machine = machine_cpu()[0]
        self.server = tree_cpu(server_pid)
        self.database = tree_cpu(database_pid) if database_pid else 0.0
        self.generator = time.process_time()

    def stop(self) -> CpuShare:
        return CpuShare(
            seconds=time.monotonic() - self.wall,
            cores=os.cpu_count() or 1,
            machine=machine_cpu()[0] - self.machine,
            server=tree_cpu(self.server_pid) - self.server,
            generator=time.process_time() - self.generator,
            database=(tree_cpu(self.database_pid) - self.database) if self.database_pid else 0.0,
        )


def postgres_server_pid() -> int:
    """The pid of the local PostgreSQL server (the parent of this connection's backend), or 0."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        stat = Path(f"/proc/{backend}/stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        return 0  # PostgreSQL on another machine: its CPU is not ours to see


# --- figures -----------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


@dataclass
class PageRow:
    phase: str
    page: str
    n: int
    p50: float
    p95: float
    p99: float
    errors: int
    target: float | None

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.p95 <= self.target and not self.errors


def target_for(phase: str, page: str) -> float | None:
    if page.startswith("log in"):
        return None
    if page == "office dashboard":
        return DASHBOARD_P95_MS
    if page == "contact save (POST)" and phase == "writers":
        return WRITE_P95_MS
    return PAGE_P95_MS


def page_rows(samples: list[Sample]) -> list[PageRow]:
    groups: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for s in samples:
        groups[(s.phase, s.page)].append(s)
    rows = []
    for (phase, page), group in groups.items():
        ms = [s.ms for s in group]
        errors = sum(1 for s in group if s.error)
        rows.append(
            PageRow(
                phase,
                page,
                len(group),
                percentile(ms, 50),
                percentile(ms, 95),
                percentile(ms, 99),
                errors,
                target_for(phase, page),
            )
        )
    order = {"login": 0, "mixed": 1, "writers": 2}
    return sorted(rows, key=lambda r: (order.get(r.phase, 9), r.page))


def verdict(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "—"}[met]


# --- in-process comparisons ----------------------------------------------------------------------


class Timing(NamedTuple):
    """One page timed in-process: medians over the repetitions, and what the last response held."""

    wall: float  # ms a user waits (on this machine, at this moment)
    cpu: float  # ms of CPU: this process, plus its PostgreSQL backend's when the database is PostgreSQL
    status: int
    queries: int
    rows: int | None = None  # rows in an Excel file's sheets (exports); None for HTML pages


def sheet_rows(content: bytes) -> int | None:
    """The number of rows in the worksheets of an .xlsx file, or None when it is not one."""
    if not content.startswith(b"PK"):
        return None
    with zipfile.ZipFile(io.BytesIO(content)) as xlsx:
        sheets = [n for n in xlsx.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        return sum(xlsx.read(n).count(b"<row ") for n in sheets)


def backend_cpu_reader() -> Callable[[], float]:
    """A function giving the CPU seconds the database's server process has used for this connection.

    SQLite works inside this process (its time is in ``process_time``): always 0. PostgreSQL runs the
    queries in a backend process of its own; on the same machine its run time is in
    /proc/<pid>/schedstat (nanoseconds). Without it (another machine) the result counts this process only."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    path = Path(f"/proc/{pid}/schedstat")

    def read() -> float:
        try:
            return int(path.read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    return read


def time_pages(pages: list[tuple[str, str, str]], repeat: int = 7) -> dict[str, Timing]:
    """Median wall ms, median CPU ms, status, query count (and sheet rows) per page, with the test client.

    The pages take turns (one request of each, then again), so a burst of load from elsewhere on the
    machine falls on all of them alike instead of on whichever page was being timed. The CPU time —
    this process's, SQLite included, plus the PostgreSQL backend's — is what the page costs whatever
    else the machine is doing; the wall time is what a user waits on this machine at this moment.
    The test client keeps its database connection between requests (no connection set-up timed)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    clients: dict[str, Client] = {}
    for _label, username, url in pages:
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(get_user_model().objects.get(username=username))
        clients[username].get(url)  # warm up
    backend = backend_cpu_reader()
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    last: dict[str, tuple[int, int, int | None]] = {}
    for _round in range(repeat):
        for label, username, url in pages:
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started, backend_started = time.perf_counter(), time.process_time(), backend()
                response = clients[username].get(url)
                content = b"".join(response.streaming_content) if response.streaming else response.content
                wall[label].append((time.perf_counter() - started) * 1000)
                cpu[label].append((time.process_time() - cpu_started + backend() - backend_started) * 1000)
            last[label] = (response.status_code, len(queries), sheet_rows(content))
    return {
        label: Timing(statistics.median(wall[label]), statistics.median(cpu[label]), *last[label])
        for label, _u, _p in pages
    }


def read_pages(year: int) -> list[tuple[str, str, str]]:
    return [
        ("cadre home", "cadre01", "/"),
        ("contact form (GET)", "cadre01", "/contacts/new/"),
        ("talent search", "office", "/db/?q=%E5%BC%A0"),
        ("office dashboard", "office", "/office/"),
        ("office home", "office", "/"),
        ("demand ledger (filtered)", "office", "/ledger/demands/?status=unclosed"),
        ("contact register", "office", f"/ledger/contacts/?year={year}"),
        ("一览表 Excel export", "office", "/exports/roster.xlsx"),
        # Entry forms naming a talent, unit or cadre: a typed name, never a select of all of them.
        ("new demand form", "office", "/ledger/demands/new/"),
        ("new pairing form", "office", "/pairings/new/"),
        ("new talent form", "office", "/db/new/"),
    ]


def register_vs_admin(year: int, repeat: int = 7) -> list[tuple[str, float, float, int, int]]:
    pages = [
        ("contact register (ours), latest 50", "office", "/ledger/contacts/"),
        ("contact register (ours), one year", "office", f"/ledger/contacts/?year={year}"),
        ("admin changelist with date hierarchy", "office", "/admin/contacts/contact/"),
        ("admin changelist, one year drilled down", "office", f"/admin/contacts/contact/?date__year={year}"),
    ]
    timed = time_pages(pages, repeat=repeat)
    return [(label, *timed[label][:4]) for label, _u, _p in pages]


def register_ratios(comparison: list[tuple[str, float, float, int, int]]) -> tuple[float, float]:
    """How many times slower the admin is than the register, (wall, CPU): the smaller ratio of the two
    pairs (the default views, then the one-year views)."""
    (_l1, ours_all, cpu_ours_all, *_a), (_l2, ours_year, cpu_ours_year, *_b) = comparison[:2]
    (_l3, admin_all, cpu_admin_all, *_c), (_l4, admin_year, cpu_admin_year, *_d) = comparison[2:4]
    wall = min(admin_all / ours_all, admin_year / ours_year)
    cpu = min(cpu_admin_all / cpu_ours_all, cpu_admin_year / cpu_ours_year)
    return wall, cpu


@dataclass
class StressRow:
    """One read page on county and stress data; an export is compared per 1,000 rows it wrote."""

    page: str
    county: Timing
    stress: Timing

    @property
    def per_rows(self) -> bool:
        """An export whose file grows with the data: its cost is compared per row, not per request."""
        return bool(self.county.rows and self.stress.rows)

    def cpu_per_unit(self, timing: Timing) -> float:
        return timing.cpu / timing.rows * 1000 if self.per_rows else timing.cpu

    @property
    def ratio(self) -> float:
        county = self.cpu_per_unit(self.county)
        return self.cpu_per_unit(self.stress) / county if county else 0.0


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Result:
    database: str
    seed_seconds: float
    rows: list[PageRow]
    phases: dict[str, Phase]
    acknowledged: int
    written: int
    suggestions: int
    comparison: list[tuple[str, float, float, int, int]] = field(default_factory=list)
    stress: list[StressRow] = field(default_factory=list)
    stress_seed_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    server: dict = field(default_factory=dict)  # gunicorn_settings(), and the server's CPU seconds
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)  # load average when the run started


@dataclass
class Phase:
    seconds: float
    requests: int
    cpu: CpuShare


def load_test(server: Server, *, users: int, mixed: Plan, writers: Plan) -> tuple[Recorder, dict[str, Phase]]:
    from django.contrib.auth import get_user_model

    port = server.port
    recorder = Recorder()
    year = datetime.date.today().year
    cadres = list(get_user_model().objects.filter(username__regex=r"^cadre[0-9]+$").order_by("username")[:users])
    n_office = users * 2 // 5
    people: list[tuple[Browser, str]] = []
    for i in range(users):
        username = "office" if i < n_office else cadres[i - n_office].username
        people.append((Browser(port, recorder), username))
    writer_browsers = [Browser(port, recorder) for _ in range(users)]
    for browser, username in people:
        if not browser.log_in(username):
            raise RuntimeError(f"could not log in as {username}")
    for writer, cadre in zip(writer_browsers, cadres, strict=False):
        if not writer.log_in(cadre.username):
            raise RuntimeError(f"could not log in as {cadre.username}")
    people[0][0].get("static file (WhiteNoise)", "/static/css/meijia.css")
    phases = {}
    steps = []
    for i, (browser, username) in enumerate(people):
        rng = random.Random(i)  # noqa: S311
        if username == "office":
            steps.append((browser, lambda b=browser, r=rng: office_step(b, r, year)))
        else:
            steps.append((browser, lambda b=browser, r=rng: cadre_step(b, r)))
    database_pid = postgres_server_pid()
    before, meter = len(recorder.samples), CpuMeter(server.pid, database_pid)
    seconds = run_phase("mixed", steps, mixed)
    phases["mixed"] = Phase(seconds, len(recorder.samples) - before, meter.stop())
    steps = []
    for i, browser in enumerate(writer_browsers[: len(cadres)]):
        rng = random.Random(1000 + i)  # noqa: S311
        steps.append((browser, lambda b=browser, r=rng: record_contact(b, r)))
    before, meter = len(recorder.samples), CpuMeter(server.pid, database_pid)
    seconds = run_phase("writers", steps, writers)
    phases["writers"] = Phase(seconds, len(recorder.samples) - before, meter.stop())
    return recorder, phases


def run(
    *,
    users: int = 20,
    mixed_seconds: float = 40,
    writers_seconds: float = 20,
    think: tuple[float, float] = (0.5, 1.5),
    stress: bool = False,
) -> str:
    """Seed, serve, load, count, compare; the Markdown section describing it all."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="meijia-load-") as var_dir, database(var_dir) as db_url:
        setup_django(var_dir, db_url)
        from django.db import connection

        from contacts.models import Contact, Suggestion
        from talents.models import Talent

        seed_seconds = seed("county")
        vendor = connection.vendor
        # The users are threads: one waiting for its response gets the GIL back within 1 ms (not 5)
        # of another thread's parsing, so the generator adds less to the times it measures.
        sys.setswitchinterval(0.001)
        with gunicorn(var_dir) as server:
            recorder, phases = load_test(
                server, users=users, mixed=Plan(mixed_seconds, think), writers=Plan(writers_seconds, think)
            )
        tokens = recorder.acknowledged
        written = Contact.objects.filter(client_token__in=tokens).count()
        suggestions = Suggestion.objects.filter(contact__client_token__in=tokens).count()
        year = datetime.date.today().year
        result = Result(
            database=f"{vendor} ({connection.settings_dict['NAME']})" if vendor != "sqlite" else "SQLite (WAL)",
            seed_seconds=seed_seconds,
            rows=page_rows(recorder.samples),
            phases=phases,
            acknowledged=len(tokens),
            written=written,
            suggestions=suggestions,
            comparison=register_vs_admin(year),
            counts={"talents": Talent.objects.count(), "contacts": Contact.objects.count()},
            server={**gunicorn_settings(), "cpu_seconds": server.cpu_seconds},
            load_before=load_before,
        )
        if stress and vendor == "sqlite":
            result.stress, result.stress_seed_seconds = stress_comparison(var_dir, year)
    return document(result, users=users, think=think)


def stress_comparison(var_dir: str, year: int) -> tuple[list[StressRow], float]:
    """The read pages in-process on the county data, then on a fresh stress-scale database."""
    from django.conf import settings
    from django.db import connections

    county = time_pages(read_pages(year), repeat=5)
    connections.close_all()
    stress_db = Path(var_dir) / "stress.sqlite3"
    settings.DATABASES["default"]["NAME"] = str(stress_db)
    connections["default"].settings_dict["NAME"] = str(stress_db)
    seconds = seed("stress")
    big = time_pages(read_pages(year), repeat=5)
    connections.close_all()
    return [StressRow(label, county[label], big[label]) for label in county], seconds


def load_line(label: str, load: tuple[float, float, float]) -> str:
    return f"{label} {', '.join(f'{x:.2f}' for x in load)}"


def quiet(r: Result) -> bool:
    """Nothing but the benchmark ran: other processes took less than a tenth of the machine during the load.

    Measured over the phases themselves (/proc/stat against the server's, the generator's and the
    database's own CPU). The load average at the start is shown but does not decide: it trails the last
    minutes, which in ``make bench`` are the benchmark's own export timings and seeding."""
    others = max((p.cpu.percent(p.cpu.other) for p in r.phases.values()), default=0.0)
    return others <= QUIET_OTHERS_PERCENT


def document(r: Result, *, users: int, think: tuple[float, float]) -> str:
    server = r.server or gunicorn_settings()
    kind = f"{server['workers']} {server['worker_class']} workers" + (
        f" × {server['threads']} threads" if server.get("threads", 1) > 1 else ""
    )
    cores = os.cpu_count() or 1
    lines = [
        "## Load: real journeys under gunicorn (issue 7)",
        "",
        f"`python -m benchmarks.load`, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {r.database}, "
        f"county data ({r.counts.get('talents', 0):,} talents, {r.counts.get('contacts', 0):,} contacts after the run; "
        f"migrate + seed + collectstatic {r.seed_seconds:.0f} s). gunicorn with `deploy/gunicorn.conf.py` "
        f"({kind}) on 127.0.0.1, {users} simulated users (threads of the benchmark's own process), each with "
        f"its own session (logged in through the form), {think[0]:g}–{think[1]:g} s of thinking before each step "
        "(the first one too: the users do not all start at the same instant). "
        f"{cores} CPUs; {load_line('load average (1, 5, 15 min) at the start:', r.load_before)}; "
        f"{load_line('at the end:', os.getloadavg())}.",
        "",
        "**These figures are valid only on a quiet machine**: the server, the simulated users and anything "
        "else running share the same CPUs, so every other busy process lengthens the times. "
        + (
            "This run was quiet."
            if quiet(r)
            else "**This run was not on a quiet machine** (see the load average and the CPU of other "
            "processes below): repeat it when nothing else runs before comparing it with the targets."
        ),
        "",
    ]
    for phase, p in r.phases.items():
        c = p.cpu
        lines.append(
            f"- {phase}: {p.requests} requests in {p.seconds:.0f} s = {p.requests / p.seconds:.1f} requests/s; "
            f"CPU of the machine ({cores} cores = 100 %): gunicorn {c.percent(c.server):.0f} % "
            f"({1000 * c.server / max(p.requests, 1):.0f} ms per request), load generator "
            f"{c.percent(c.generator):.0f} %"
            + (f", PostgreSQL {c.percent(c.database):.0f} %" if r.database != "SQLite (WAL)" else "")
            + f", other processes {c.percent(c.other):.0f} %"
        )
    if r.server.get("cpu_seconds"):
        lines.append(
            f"- gunicorn from start to stop (log-ins and idle time included): {r.server['cpu_seconds']:.1f} s of CPU"
        )
    lines += [
        "",
        "The load generator is one Python process; it is not the bottleneck while its share stays well "
        "below one core (100 / cores %) and gunicorn's share is what grows with the load.",
        "",
        "| phase | page | requests | p50 ms | p95 ms | p99 ms | errors | target (p95) | met? |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in r.rows:
        target = f"≤ {row.target:.0f} ms, no errors" if row.target else "—"
        lines.append(
            f"| {row.phase} | {row.page} | {row.n} | {row.p50:.0f} | {row.p95:.0f} | {row.p99:.0f} | {row.errors} "
            f"| {target} | {verdict(row.met)} |"
        )
    errors = sum(row.errors for row in r.rows)
    lost = r.acknowledged - r.written
    postgres = r.database != "SQLite (WAL)"
    lines += [
        "",
        f"Errors (non-2xx/3xx, refused forms, time-outs over {TIMEOUT:.0f} s): **{errors}** — {verdict(errors == 0)}.",
        f"Writes: {r.acknowledged} contacts acknowledged (answered with the redirect to the talent's page), "
        f"{r.written} found in the database, {r.suggestions} of their suggestions found; lost writes: **{lost}** — "
        f"{verdict(lost == 0 and r.suggestions == r.acknowledged)}.",
        "",
        "### Contact register vs the admin changelist with a date hierarchy",
        "",
        "In-process (Django test client, no server), median of 7 after a warm-up, the pages taking turns, "
        "office account, same data; wall time and CPU time per request — "
        + (
            "this process's plus its PostgreSQL backend's (read from /proc), since PostgreSQL does the "
            "date hierarchy's work in its own process."
            if postgres
            else "this process's, SQLite's work included."
        ),
        "",
        "| page | wall ms | CPU ms | status | queries |",
        "|---|---|---|---|---|",
    ]
    for label, ms, cpu, status, queries in r.comparison:
        lines.append(f"| {label} | {ms:.1f} | {cpu:.1f} | {status} | {queries} |")
    if len(r.comparison) == 4:
        ratio, cpu_ratio = register_ratios(r.comparison)
        lines += [
            "",
            f"The admin changelist is at least {ratio:.1f}× slower than the register (wall; {cpu_ratio:.1f}× in CPU), "
            f"comparing the default views and the one-year views (target ≥ {REGISTER_VS_ADMIN:g}×): "
            f"{verdict(min(ratio, cpu_ratio) >= REGISTER_VS_ADMIN)}.",
        ]
    if r.stress:
        lines += [
            "",
            "### Stress scale vs county scale (read pages, in-process)",
            "",
            f"`seed_demo --scale stress` took {r.stress_seed_seconds:.0f} s (with migrate and collectstatic). "
            "Median of 5, the pages taking turns; the CPU time decides (the wall time is shown for reference). "
            "A page's work must not grow with the data: its CPU per request may be at most "
            f"{STRESS_SLOWDOWN:g}× the county figure. An export is the exception: its file grows with the data "
            "(the 一览表 lists every pairing in force: many times more rows at stress scale), so it is compared "
            f"per 1,000 rows written — the cost of a row must stay within {STRESS_SLOWDOWN:g}×, i.e. no query or "
            "step whose cost per row grows with the size of the tables.",
            "",
            "| page | basis | county wall ms | stress wall ms | county CPU ms | stress CPU ms | CPU ratio | target | met? |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in r.stress:
            c, s = row.county, row.stress
            if row.per_rows:
                basis = f"per 1,000 rows (county {c.rows:,}, stress {s.rows:,} rows)"
                values = [1000 * c.wall / c.rows, 1000 * s.wall / s.rows, 1000 * c.cpu / c.rows, 1000 * s.cpu / s.rows]
            else:
                basis = "per request"
                values = [c.wall, s.wall, c.cpu, s.cpu]
            lines.append(
                f"| {row.page} | {basis} | " + " | ".join(f"{v:.1f}" for v in values) + f" | {row.ratio:.2f}× "
                f"| ≤ {STRESS_SLOWDOWN:g}× | {verdict(row.ratio <= STRESS_SLOWDOWN)} |"
            )
        exports = [row for row in r.stress if row.per_rows]
        for row in exports:
            c, s = row.county, row.stress
            lines += [
                "",
                f"{row.page} per request: {c.cpu:.0f} ms CPU for {c.rows:,} rows at county scale, {s.cpu:.0f} ms for "
                f"{s.rows:,} rows at stress scale ({s.cpu / c.cpu:.1f}× the time for {s.rows / c.rows:.1f}× the rows).",
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load benchmark of issue 7 (gunicorn, county data, loopback).")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--mixed-seconds", type=float, default=40)
    parser.add_argument("--writers-seconds", type=float, default=20)
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"))
    parser.add_argument("--stress", action="store_true", help="also seed --scale stress and compare read pages")
    args = parser.parse_args(argv)
    text = run(
        users=args.users,
        mixed_seconds=args.mixed_seconds,
        writers_seconds=args.writers_seconds,
        think=tuple(args.think),
        stress=args.stress,
    )
    print(text)
    return 0 if "**not met**" not in text else 1


if __name__ == "__main__":
    sys.exit(main())
