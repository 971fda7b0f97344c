"""A fresh app-server worker is warmed up before its first request (meijia/warmup.py, deploy/gunicorn.conf.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import gc, django
    django.setup()
    from django.db import connections
    from django.template import engines
    from meijia.warmup import warm_up

    warm_up()
    loader = engines["django"].engine.template_loaders[0]
    print(gc.get_freeze_count() > 100_000, "contacts/home.html" in str(list(loader.get_template_cache)),
          connections["default"].connection is None)
    """
)


def test_the_warm_up_compiles_the_pages_templates_freezes_the_heap_and_opens_no_database(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "meijia.settings", "MEIJIA_VAR_DIR": str(tmp_path), "DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 -- our own interpreter and a fixed script
        [sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True", "True"]
