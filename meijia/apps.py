from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class MeijiaAdminConfig(AdminConfig):
    """The Django admin, restricted to the Party building office."""

    default_site = "meijia.admin.OfficeAdminSite"
