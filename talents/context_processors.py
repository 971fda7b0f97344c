from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .models import Organization


def organization(request) -> dict:
    """The township's names for page headers, queried only when a template uses them."""
    return {"organization": SimpleLazyObject(Organization.current)}


def navigation(request) -> dict:
    """The top menu: only the places the user's roles may open (talents/access.py decides)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from talents import access

    items = [("home", _("Home"))]
    if access.sees_everything(user):
        items += [
            ("reports:dashboard", _("Overview")),
            ("talents:list", _("Talent database")),
            ("pairings:board", _("Pairings")),
            ("reports:compliance", _("Yearly duty")),
        ]
    labels = {
        "demands": _("Demand ledger"),
        "suggestions": _("Suggestions"),
        "events": _("Major events"),
        "recommendations": _("Recommendations"),
        "feedback": _("Work feedback"),
    }
    items += [(f"ledger:{section}", labels[section]) for section in access.ledger_sections(user)]
    if access.can_export_contact_register(user):
        items += [("ledger:contacts", _("Contact register"))]
    if access.can_view_village_reports(user):
        items += [("village_reports:board", _("Village reports"))]
    if access.sees_everything(user):
        items += [("exports:index", _("Exports"))]
    if access.is_office(user):
        items += [("audit:list", _("Audit log")), ("admin:index", _("Back office"))]
    path = request.path
    nav = []
    for name, label in items:
        url = reverse(name)
        nav.append({"url": url, "label": label, "current": path == url or (url != "/" and path.startswith(url))})
    return {"nav": nav}
