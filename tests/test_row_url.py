"""``row_url``: list rows link where ``{% url %}`` would, with one reverse() per URL name (talents/templatetags/rows.py)."""

from __future__ import annotations

from django.template import Context, Template
from django.urls import reverse, set_script_prefix


def _render(pk, name: str) -> str:
    return Template("{% load rows %}{{ pk|row_url:name }}").render(Context({"pk": pk, "name": name}))


def test_a_row_links_to_the_same_address_as_the_url_tag():
    for name, pk in (("contacts:talent", 7), ("contacts:demand", 12345), ("ledger:event", 1)):
        assert _render(pk, name) == reverse(name, args=[pk])


def test_a_site_served_under_a_path_prefix_keeps_the_prefix_in_row_links():
    set_script_prefix("/meijia/")
    try:
        assert _render(3, "contacts:talent") == "/meijia/talents/3/"
    finally:
        set_script_prefix("/")
    assert _render(3, "contacts:talent") == "/talents/3/"
