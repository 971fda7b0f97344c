"""Template filters for the rows of long lists.

``{{ row.pk|row_url:"contacts:demand" }}`` is ``{% url "contacts:demand" row.pk %}`` at the cost of
one ``reverse()`` per URL name instead of one per row: the office's home page reversed about 150
URLs on each view (issue 7).
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf

from talents.widgets import url_for_rows

register = template.Library()


@lru_cache(maxsize=256)
def _link(name: str, prefix: str, urlconf: str | None):
    return url_for_rows(name)


@register.filter
def row_url(pk, name: str) -> str:
    """The URL named ``name`` for the record ``pk`` (one positional argument, as ``{% url name pk %}``)."""
    return _link(name, get_script_prefix(), get_urlconf())(pk)
