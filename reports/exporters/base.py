"""The exporter contract (STYLE.md "Exports", pretix's exporter simplified).

One exporter = one official output. It yields a header row and rows from **one** query; the Excel,
PDF (and, for reports, Word) renderers consume those same rows, so the formats never disagree. The
web view (``reports/export_views.py``), the management commands and any admin action all do::

    cls = reports.exporters.get("roster")          # or import the class
    if not cls.allowed(user): raise PermissionDenied
    options = cls.options_from(request.GET)         # ExportError with a translated message if bad
    exporter = cls(user=user, **options)
    result = exporter.render("xlsx")                # ExportResult(filename, content_type, content, row_count)
    export_log(exporter=exporter, fmt="xlsx", result=result)
    return file_response(result)                    # or write result.content to a file

Writing an exporter (subclass ``Exporter``, decorate with ``reports.exporters.register``):

- ``identifier`` (URL-safe, e.g. ``"roster"``), ``verbose_name`` (gettext_lazy), ``formats``.
- ``allowed(cls, user)``: ask ``talents.access``; never decide access here. ``user=None`` is a system
  run (management command) and is never passed to ``allowed``.
- ``options_form``: a ``django.forms.Form`` whose cleaned_data become the keyword options
  (``__init__(self, *, user, **options)`` stores them in ``self.options``). Options must be
  JSON-serialisable after ``log_options()`` (dates, model instances are turned into strings).
- ``title()``, ``headers()`` -> list[str], ``rows()`` -> iterator of lists (str | int | None;
  format dates and phones as strings yourself: they are written as text). Masking is decided in
  ``rows()`` through ``talents.access`` for ``self.user``.
- Optional: ``filename(fmt)``, ``column_widths()`` (Excel widths in characters, else measured),
  ``pdf_template`` (extend ``reports/pdf/base.html``: blocks ``style``, ``before_table``, ``table``,
  ``after_table``; context title, headers, rows, printed_on, landscape, font_stack, exporter) and
  ``pdf_context()`` (extra template variables, e.g. the seal line),
  ``xlsx_notes()`` (lines written under the table), ``landscape``.
- Other formats: define ``render_<fmt>(self) -> tuple[bytes, int]`` (content, row count) and list
  the format in ``formats``; ``render(fmt)`` dispatches to it (e.g. ``render_docx``).

PDF bounds: ``pdf_max_rows`` (class attribute, checked before rendering) and optionally
``pdf_timeout`` / ``pdf_memory_mb`` (or settings ``EXPORT_PDF_TIMEOUT`` / ``EXPORT_PDF_MEMORY_MB``: WeasyPrint
then runs in a child process killed past the bound). Past any of them ``render("pdf")`` raises
``ExportTooLarge`` whose message tells the user to take the Excel file instead; the web view shows it.
A custom ``render_<fmt>`` producing a PDF calls ``self.pdf_bytes(html)`` to get the same bounds.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.db import models, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from . import render

log = logging.getLogger("meijia.exports")

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
}


class ExportError(Exception):
    """A problem the user can act on; ``str(exc)`` is a translated sentence for the page or the console."""


class ExportTooLarge(ExportError):
    """The PDF would be too large to render safely; the Excel file has the same rows."""


@dataclass(frozen=True)
class ExportResult:
    filename: str
    content_type: str
    content: bytes
    row_count: int


class Exporter:
    identifier: ClassVar[str] = ""
    verbose_name: ClassVar[Any] = ""
    formats: ClassVar[tuple[str, ...]] = ("xlsx", "pdf")
    options_form: ClassVar[type[forms.Form] | None] = None
    # Shown on the /exports/ page (with its options form and a button per format). An exporter that needs
    # a record to start from (one village's report) sets False and links to its download from its own page.
    listed: ClassVar[bool] = True
    pdf_template: ClassVar[str] = "reports/pdf/base.html"
    landscape: ClassVar[bool] = True
    # About 10 s and 350 MB of WeasyPrint at 1,000 rows (issue 5, item 7): beyond that, Excel.
    pdf_max_rows: ClassVar[int] = 1000
    # Optional hard bounds (None: unbounded, in-process). Default from settings EXPORT_PDF_TIMEOUT (seconds)
    # and EXPORT_PDF_MEMORY_MB; with either set, WeasyPrint runs in a child process killed past the bound.
    pdf_timeout: ClassVar[float | None] = None
    pdf_memory_mb: ClassVar[int | None] = None

    def __init__(self, *, user, **options) -> None:
        self.user = user
        self.options = options
        self.today = timezone.localdate()

    # --- access and options -----------------------------------------------------------------

    @classmethod
    def allowed(cls, user) -> bool:
        """Whether ``user`` may run this export at all (ask ``talents.access``). Deny by default."""
        return False

    @property
    def is_system(self) -> bool:
        """A run from the command line: no user, logged with user=None."""
        return self.user is None

    @classmethod
    def options_from(cls, data) -> dict:
        """Validate request.GET (or a dict) with ``options_form``; ExportError lists what is wrong."""
        if cls.options_form is None:
            return {}
        form = cls.options_form(data)
        if not form.is_valid():
            problems = [
                f"{form.fields[name].label or name}: {' '.join(errs)}" if name in form.fields else " ".join(errs)
                for name, errs in form.errors.items()
            ]
            raise ExportError(_("The export options are not valid. %(problems)s") % {"problems": "；".join(problems)})
        return form.cleaned_data

    def log_options(self) -> dict:
        """The options as stored in ExportLog (JSON): model instances by their str, dates in ISO form."""
        return {key: _jsonable(value) for key, value in self.options.items()}

    # --- content ----------------------------------------------------------------------------

    def title(self) -> str:
        raise NotImplementedError

    def headers(self) -> list[str]:
        raise NotImplementedError

    def rows(self) -> Iterator[list]:
        raise NotImplementedError

    def column_widths(self) -> list[float] | None:
        """Excel column widths in characters (a CJK character counts 2); None measures the content."""
        return None

    def xlsx_notes(self) -> list[str]:
        """Lines written under the Excel table (e.g. the seal line)."""
        return []

    def pdf_context(self) -> dict:
        """Extra variables for ``pdf_template``."""
        return {}

    def filename(self, fmt: str) -> str:
        return f"{self.title()}.{fmt}"

    # --- rendering --------------------------------------------------------------------------

    def render(self, fmt: str) -> ExportResult:
        if fmt not in self.formats:
            raise ExportError(_("This export is not available as %(format)s.") % {"format": fmt})
        content, row_count = getattr(self, f"render_{fmt}")()
        return ExportResult(
            filename=self.filename(fmt), content_type=CONTENT_TYPES[fmt], content=content, row_count=row_count
        )

    def render_xlsx(self) -> tuple[bytes, int]:
        return render.xlsx_table(
            title=self.title(),
            headers=self.headers(),
            rows=self.rows(),
            widths=self.column_widths(),
            notes=self.xlsx_notes(),
            landscape=self.landscape,
        )

    def render_pdf(self) -> tuple[bytes, int]:
        rows = []
        for row in self.rows():
            rows.append(row)
            if len(rows) > self.pdf_max_rows:
                raise ExportTooLarge(
                    _(
                        "This table has more than %(limit)s rows, too many for a PDF. "
                        "Download it as Excel instead, or narrow the selection."
                    )
                    % {"limit": self.pdf_max_rows}
                )
        widths = self.column_widths()
        context = {
            # Fixed column widths spare WeasyPrint the automatic table layout (measuring every cell twice).
            "column_percents": [round(100 * w / sum(widths), 2) for w in widths] if widths else None,
            "title": self.title(),
            "headers": self.headers(),
            "rows": rows,
            "printed_on": self.today,
            "landscape": self.landscape,
            "font_stack": render.CJK_FONT_STACK,
            "exporter": self,
            **self.pdf_context(),
        }
        html = render_to_string(self.pdf_template, context)
        return self.pdf_bytes(html), len(rows)

    def pdf_bytes(self, html: str) -> bytes:
        """WeasyPrint within the bounds; ExportTooLarge (offer Excel) when a bound is hit. For ``render_<fmt>`` too."""
        timeout = self.pdf_timeout or getattr(settings, "EXPORT_PDF_TIMEOUT", None)
        memory_mb = self.pdf_memory_mb or getattr(settings, "EXPORT_PDF_MEMORY_MB", None)
        try:
            return render.pdf_from_html(html, timeout=timeout, memory_mb=memory_mb)
        except render.PdfLimitExceeded as exc:
            log.warning("PDF export %s stopped: %s", self.identifier, exc)
            raise ExportTooLarge(
                _("This PDF is too large to make now. Download it as Excel instead, or narrow the selection.")
            ) from exc


def _jsonable(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "model"):  # querysets too
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


@transaction.atomic
def export_log(*, exporter: Exporter, fmt: str, result: ExportResult):
    """Record who exported what, when and how many rows (issue 5, item 6), in the export log and
    the audit log (issue 6, item 4). Both append-only."""
    from reports.models import ExportLog
    from talents import audit

    entry = ExportLog.objects.create(
        user=exporter.user,
        exporter=exporter.identifier,
        format=fmt,
        options=exporter.log_options(),
        filename=result.filename,
        row_count=result.row_count,
    )
    audit.record(
        action=audit.Action.EXPORT,
        user=exporter.user,
        object_type="reports.exportlog",
        object_id=str(entry.pk),
        object_label=result.filename,
        extra={"exporter": exporter.identifier, "format": fmt, "rows": result.row_count, "options": entry.options},
    )
    return entry


def attachment(filename: str) -> str:
    """A Content-Disposition value that keeps a Chinese file name (RFC 5987 ``filename*``)."""
    return content_disposition_header(True, filename)


def file_response(result: ExportResult) -> HttpResponse:
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = attachment(result.filename)
    response["Cache-Control"] = "private, no-store"
    return response
