from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .models import Organization


def organization(request) -> dict:
    """The township's names for page headers, queried only when a template uses them."""
    return {"organization": SimpleLazyObject(Organization.current)}
