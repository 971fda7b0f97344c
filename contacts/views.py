from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from talents import access


@login_required
def home(request):
    """Where everyone lands after logging in: the office goes to its back office, others to their talents."""
    if access.is_office(request.user):
        return redirect("admin:index")
    talents = access.talents_for(request.user).in_pool().select_related("unit", "village").order_by("name")
    return render(
        request,
        "contacts/home.html",
        {"talents": talents, "has_role": bool(access.roles_of(request.user))},
    )
