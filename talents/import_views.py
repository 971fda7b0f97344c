"""Excel import of talents (issue 4, item 3): template, upload → preview, confirm. Office only.

The uploaded bytes wait under MEDIA_ROOT/imports/ between preview and confirm (no URL serves
that folder); the session keeps only their random name and sha256, and confirm reads and checks
the file again instead of trusting anything the browser sends back.
"""

from __future__ import annotations

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from . import access, importer

SESSION_KEY = "talent_import"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS_SHOWN = 500  # the counts and the error list always cover every row


def _office_only(view):
    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not access.can_import_talents(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class _SizeLimit(FileUploadHandler):
    """Stops taking an upload once it passes the limit, so a huge file is never written to disk."""

    def __init__(self, request=None):
        super().__init__(request)
        self.too_big = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.too_big = content_length > importer.MAX_UPLOAD_BYTES + 64 * 1024  # room for the form around it

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.too_big:
            raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > importer.MAX_UPLOAD_BYTES:
            self.too_big = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_TYPE}"}),
    )

    def __init__(self, *args, too_big: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_big = too_big

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.too_big or (upload and upload.size > importer.MAX_UPLOAD_BYTES):
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": importer.MAX_UPLOAD_BYTES // (1024 * 1024)},
                code="too_big",
            )
        if not upload:
            raise forms.ValidationError(_("Choose the Excel file to import."), code="required")
        return upload


def _render_preview(request, preview, *, sha256: str = "", filename: str = "", status: int = 200):
    return render(
        request,
        "talents/import_preview.html",
        {
            "preview": preview,
            "counts": preview.counts,
            "rows": preview.rows[:PREVIEW_ROWS_SHOWN],
            "more_rows": max(len(preview.rows) - PREVIEW_ROWS_SHOWN, 0),
            "sha256": sha256,
            "filename": filename,
        },
        status=status,
    )


def _forget_upload(request) -> None:
    stash = request.session.pop(SESSION_KEY, None)
    if stash:
        importer.import_file_discard(name=stash["name"])


@csrf_exempt  # checked by csrf_protect below, once the size limit is in place (Django's documented pattern)
@_office_only
def upload(request):
    """GET: the upload page. POST: read and check the file, keep it, show the preview."""
    limit = _SizeLimit(request)
    if request.method == "POST":
        request.upload_handlers.insert(0, limit)
    return _upload(request, limit)


@csrf_protect
def _upload(request, limit: _SizeLimit):
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, too_big=limit.too_big)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                preview = importer.talent_import_preview(data=data)
            except importer.ImportFileError as e:
                form.add_error("file", e.message)
            else:
                _forget_upload(request)
                name, sha256 = importer.import_file_store(data=data)
                request.session[SESSION_KEY] = {"name": name, "sha256": sha256, "filename": upload.name[:200]}
                return _render_preview(request, preview, sha256=sha256, filename=upload.name)
    return render(
        request,
        "talents/import_upload.html",
        {
            "form": form,
            "headers": importer.IMPORT_HEADERS,
            "max_mb": importer.MAX_UPLOAD_BYTES // (1024 * 1024),
            "max_rows": importer.MAX_DATA_ROWS,
        },
    )


@_office_only
@require_POST
def confirm(request):
    """Import the previewed file, all rows or none. The form names the file it confirms (its sha256)."""
    stash = request.session.get(SESSION_KEY)
    if not stash or request.POST.get("sha256") != stash["sha256"]:
        messages.error(request, _("There is no checked file waiting to be imported; please upload it again."))
        return redirect("talent_import:upload")
    try:
        data = importer.import_file_load(name=stash["name"], sha256=stash["sha256"])
        preview = importer.talent_import_commit(data=data, by=request.user, filename=stash["filename"])
    except importer.ImportFileError as e:
        _forget_upload(request)
        messages.error(request, e.message)
        return redirect("talent_import:upload")
    if preview.errors:
        return _render_preview(request, preview, sha256=stash["sha256"], filename=stash["filename"], status=400)
    _forget_upload(request)
    counts = preview.counts
    messages.success(
        request,
        _("Import finished: %(new)d talents added, %(update)d updated, %(unchanged)d unchanged.") % counts,
    )
    return redirect("talent_import:upload")


@_office_only
@require_GET
def template(request):
    response = HttpResponse(importer.talent_import_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, _("talent-import-template") + ".xlsx")
    response["Cache-Control"] = "no-store"
    return response
