"""Downloads of the official outputs (issue 5): one page listing them, one URL per file.

``GET /exports/`` lists the exporters the user may run, each with its options and a button per format.
``GET /exports/<identifier>.<fmt>?<options>`` renders the file, logs it (``ExportLog``) and returns it with
its Chinese file name. Access is the exporter's own ``allowed(user)``, which asks ``talents.access``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import exporters
from .exporters.base import ExportError, export_log, file_response


def _get_exporter_class_for_user(user, identifier: str):
    cls = exporters.get(identifier)
    if cls is None:
        raise Http404
    if not cls.allowed(user):
        raise PermissionDenied
    return cls


def _entries_for_user(user, *, bound: tuple[str, object] | None = None) -> list[dict]:
    """Each listed exporter the user may run, with its options form (bound to the query that failed)."""
    entries = []
    for identifier, cls in sorted(exporters.all_exporters().items()):
        if not cls.listed or not cls.allowed(user):
            continue
        form = None
        if cls.options_form is not None:
            data = bound[1] if bound and bound[0] == identifier else None
            form = cls.options_form(data, auto_id=f"id_{identifier}_%s")  # several forms on one page
        entries.append({"identifier": identifier, "cls": cls, "form": form, "formats": cls.formats})
    return entries


@login_required
@require_safe
def index(request):
    entries = _entries_for_user(request.user)
    if not entries:
        raise PermissionDenied
    return render(request, "reports/exports/index.html", {"entries": entries})


@login_required
@require_safe
def download(request, identifier: str, fmt: str):
    cls = _get_exporter_class_for_user(request.user, identifier)
    if fmt not in cls.formats:
        raise Http404
    try:
        options = cls.options_from(request.GET)
        exporter = cls(user=request.user, **options)
        result = exporter.render(fmt)
    except ExportError as exc:
        # Plain words on the page with the options as the user chose them, e.g. "too large for a PDF".
        context = {
            "entries": _entries_for_user(request.user, bound=(identifier, request.GET)),
            "error": str(exc),
            "error_for": identifier,
        }
        return render(request, "reports/exports/index.html", context, status=400)
    export_log(exporter=exporter, fmt=fmt, result=result)
    return file_response(result)
