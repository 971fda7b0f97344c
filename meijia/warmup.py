"""Make a freshly started app-server worker as fast on its first requests as on its thousandth (issue 7).

gunicorn calls ``warm_up()`` in each worker before it accepts requests (deploy/gunicorn.conf.py).
Measured on the 2-core reference machine with the county data: a new worker spent 100–250 ms more
on the first request of each page (importing the views, compiling templates, reading the
translations), so every worker start put a slow request in the benchmark's p95; and the garbage
collector spent about 5 ms of each ~50 ms page walking the ~300,000 long-lived objects Django,
the apps and their templates consist of, plus a 60–100 ms full collection every few dozen
requests.

``gc.freeze()`` moves everything alive after the warm-up into a generation the collector never
walks (what it is for, per the Python documentation: pre-fork servers); the objects a request
creates are collected as before. The warm-up touches no database.
"""

from __future__ import annotations

import gc
from pathlib import Path

from django.conf import settings


def _template_names() -> list[str]:
    names = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        root = Path(folder)
        names += [str(path.relative_to(root)) for path in sorted(root.rglob("*.html"))]
    return names


def warm_up() -> None:
    """Import every view, compile every project template, load the translations; then freeze."""
    from django.template import engines
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 -- imports every urls.py and view module
    get_resolver()._populate()
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Home")
        engine = engines["django"]
        for name in _template_names():
            engine.get_template(name)
    import openpyxl  # noqa: F401 -- the Excel exports' library, imported on their first use otherwise

    gc.collect()
    gc.freeze()
