from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class OfficeAdminSite(admin.AdminSite):
    """Only office staff (and superusers) may enter the admin, whatever is_staff says."""

    site_header = _("Talent contact system — back office")
    site_title = _("Talent contact system")
    index_title = _("Data management")

    def has_permission(self, request) -> bool:
        from talents.access import is_office

        user = request.user
        return user.is_active and user.is_staff and is_office(user)
