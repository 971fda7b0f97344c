"""Renderers shared by every exporter: an Excel table and HTML → PDF.

``xlsx_table(...)`` writes a streaming (write-only) workbook, so memory does not grow with rows:
A4, title merged across the top, header row frozen and repeated on every printed page, fit to page
width, and every value written as text unless it is an int/float — strings starting with
``= + - @`` can never become formulas.

``pdf_from_html(html, timeout=None, memory_mb=None)`` hands an HTML string to WeasyPrint with no
network access (only ``data:`` URLs resolve): fonts come from the installed system fonts named in
``CJK_FONT_STACK``. Glyphs no font could draw are logged on the ``meijia.exports`` logger (WeasyPrint
would draw empty boxes). With a bound it renders in a forked child killed past the time or memory cap.

``PDF_FONT_CSS`` / ``CJK_FONT_STACK`` are what the PDF templates put first in every font-family.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from copy import copy
from itertools import chain, islice

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

log = logging.getLogger("meijia.exports")

# Noto Sans CJK SC (Debian fonts-noto-cjk) covers GB 18030-2022 implementation level 2, including
# the CJK Extension A and B characters of rare names; it is the only CJK font we name, so there is
# no lighter font whose missing glyphs could fall through. See docs/benchmarks.md for its speed.
CJK_FONT_STACK = '"Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans CJK", sans-serif'

FORMULA_STARTS = ("=", "+", "-", "@")
MAX_COLUMN_WIDTH = 40
# Widths are measured on the first rows only: the rest stream straight to the file.
WIDTH_SAMPLE_ROWS = 500


# --- Excel ----------------------------------------------------------------------------------


def text_width(value) -> int:
    """Characters Excel needs for ``value``: CJK (wide) characters take two."""
    lines = str(value if value is not None else "").splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in lines)


def safe_cell(ws, value, *, font: Font | None = None, alignment: Alignment | None = None, border=None, style=None):
    """A write-only cell holding ``value`` as text (or as a number for int/float), never as a formula.

    ``style`` is a ready style array (``cell_style``): styling each cell by its objects hashes them
    every time, which costs more than writing the cell.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        value = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(ws, value=value)
    if style is not None:
        cell._style = copy(style)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # openpyxl would store "=…" as a formula: data_type "s" keeps it a string, and quotePrefix
        # keeps Excel/WPS from turning it into one when somebody edits the cell.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def cell_style(ws, **styles):
    """The style array of a cell styled with ``styles`` (font=…, alignment=…, border=…), to reuse."""
    cell = WriteOnlyCell(ws)
    for name, value in styles.items():
        setattr(cell, name, value)
    return cell._style


def _measure(headers: list[str], sample: list[list]) -> list[float]:
    widths = [text_width(h) for h in headers]
    for row in sample:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], text_width(value))
    return [min(w + 2, MAX_COLUMN_WIDTH) for w in widths]


def xlsx_table(
    *,
    title: str,
    headers: list[str],
    rows: Iterable[list],
    widths: list[float] | None = None,
    notes: Iterable[str] = (),
    landscape: bool = True,
    sheet_name: str | None = None,
) -> tuple[bytes, int]:
    """One sheet: the title in row 1 (merged), the header in row 2, then the rows; returns (bytes, row count)."""
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    widths = widths or _measure(headers, sample)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(sheet_name or title)[:31].translate(str.maketrans("[]:*?/\\", "（）：＊？／＼")))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ncols = len(headers)
    last = get_column_letter(ncols)
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"  # the header row on every printed page
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"  # the printed footer, as on the PDF
    ws.merged_cells.add(f"A1:{last}1")

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 30
    ws.append(
        [
            safe_cell(
                ws, title, font=Font(bold=True, size=16), alignment=Alignment(horizontal="center", vertical="center")
            )
        ]
    )
    bold = Font(bold=True)
    ws.append([safe_cell(ws, h, font=bold, alignment=centred, border=box) for h in headers])
    body = cell_style(ws, alignment=wrap, border=box)
    count = 0
    for row in chain(sample, rows):
        ws.append([safe_cell(ws, v, style=body) for v in row])
        count += 1
    for line in notes:
        ws.append([])
        ws.append([safe_cell(ws, line)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), count


# --- PDF ------------------------------------------------------------------------------------


@contextmanager
def missing_glyphs() -> Iterator[list[str]]:
    """Collect the characters WeasyPrint had no glyph for (it logs each one as a warning)."""
    found: list[str] = []

    class _Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if ".notdef glyph" in str(record.msg) and record.args:
                found.append(str(record.args[0]))

    handler = _Catch(level=logging.WARNING)
    weasy = logging.getLogger("weasyprint")
    weasy.addHandler(handler)
    try:
        yield found
    finally:
        weasy.removeHandler(handler)


class PdfLimitExceeded(Exception):
    """The bounded render ran out of time or memory (``pdf_from_html(..., timeout=…, memory_mb=…)``)."""


def _write_pdf(html: str) -> tuple[bytes, list[str]]:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    with missing_glyphs() as missing:
        pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf, missing


def _bounded_child(html: str, memory_mb: int | None, conn) -> None:
    """Runs in a process forked from the forkserver: cap its address space, render, send the result."""
    import resource

    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(("ok", *_write_pdf(html)))
    except MemoryError:
        conn.send(("memory", b"", []))
    finally:
        conn.close()


def _forkserver():
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    # Forked from a server that has WeasyPrint loaded: a bounded render costs a fork, not an import.
    ctx.set_forkserver_preload(["weasyprint", __name__])
    return ctx


def _write_pdf_bounded(html: str, *, timeout: float | None, memory_mb: int | None) -> tuple[bytes, list[str]]:
    ctx = _forkserver()
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_bounded_child, args=(html, memory_mb, child), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise PdfLimitExceeded(f"no PDF after {timeout} s")
        status, pdf, missing = parent.recv()
    except EOFError:  # the child died: killed by the memory cap inside C code
        raise PdfLimitExceeded(f"the renderer stopped (memory cap {memory_mb} MB)") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        parent.close()
    if status != "ok":
        raise PdfLimitExceeded(f"out of memory (cap {memory_mb} MB)")
    return pdf, missing


def pdf_from_html(html: str, *, timeout: float | None = None, memory_mb: int | None = None) -> bytes:
    """The PDF of an HTML string; nothing is fetched (fonts come from the system's fontconfig).

    With ``timeout`` (seconds) or ``memory_mb``, WeasyPrint runs in a child process that is killed past
    either bound (``PdfLimitExceeded``), so one huge PDF cannot take the server down.
    """
    if timeout is None and memory_mb is None:
        pdf, missing = _write_pdf(html)
    else:
        pdf, missing = _write_pdf_bounded(html, timeout=timeout, memory_mb=memory_mb)
    if missing:
        log.warning("PDF drawn with empty boxes for characters no installed font has: %s", "".join(missing))
    return pdf
