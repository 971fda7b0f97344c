"""gunicorn settings for meijia in production and in the load benchmark (docs/deployment.md).

    gunicorn -c deploy/gunicorn.conf.py meijia.wsgi

Sync workers, two per CPU core (4 on the 2-core reference machine). A page is CPU-bound Python —
templates and the ORM, and with SQLite the database work too, all under one GIL per process — so
only processes run pages in parallel: threads (``gthread``) in one worker would take turns on the
GIL and add nothing but a slow request blocking its neighbours. More workers than cores lets a
short page share the CPU with a long one (an export) instead of queueing behind it, and covers the
moments a worker waits on the disk or on PostgreSQL; many more only add memory and switching.
A sync worker serves one connection at a time, so nginx in front buffers slow clients.

Environment (each optional): ``MEIJIA_BIND`` (default 127.0.0.1:8000), ``MEIJIA_WORKERS``
(default 2 × cores), ``MEIJIA_TIMEOUT`` (seconds, default 120: the largest Excel export at county
scale takes a few seconds; PDFs are bounded by their own limits in reports/exporters/render.py).
Options on the command line override this file (the benchmark passes its own ``-b``).
"""

import os

bind = os.environ.get("MEIJIA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("MEIJIA_WORKERS", "0")) or 2 * (os.cpu_count() or 1)
worker_class = "sync"
threads = 1
timeout = int(os.environ.get("MEIJIA_TIMEOUT", "120"))
graceful_timeout = 10
# A fresh process now and then: memory a long-running worker may have fragmented is given back.
max_requests = 2000
max_requests_jitter = 200


def post_worker_init(worker):
    """Before a worker takes its first request: load what pages need, then freeze (meijia/warmup.py)."""
    from meijia.warmup import warm_up

    warm_up()
