"""Renderers shared by every exporter: an Excel table and HTML → PDF.

``xlsx_table(...)`` writes a streaming workbook, so memory does not grow with rows: A4, title
merged across the top, header row frozen and repeated on every printed page, fit to page width,
and every value written as text unless it is an int/float — strings starting with ``= + - @`` can
never become formulas. openpyxl (write-only mode) writes the workbook around the table: styles,
page setup, print titles, the title and the header; the data rows are XML we write ourselves into
the sheet openpyxl made (``_SheetRows``): styling each cell through openpyxl's objects took 4 s for
10,000 rows, the same cells as plain XML take a tenth of that (docs/benchmarks.md).

``pdf_from_html(html, timeout=None, memory_mb=None)`` hands an HTML string to WeasyPrint with no
network access (only ``data:`` URLs resolve): fonts come from the installed system fonts named in
``CJK_FONT_STACK`` or ``TABLE_FONT_STACK``. Glyphs no font could draw are logged on the
``meijia.exports`` logger (WeasyPrint would draw empty boxes). With a bound it renders in a forked
child killed past the time or memory cap.

``CJK_FONT_STACK`` / ``TABLE_FONT_STACK`` are what the PDF templates put first in every font-family.
"""

from __future__ import annotations

import datetime
import functools
import gc
import io
import logging
import math
import re
import threading
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from typing import NamedTuple
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

log = logging.getLogger("meijia.exports")

# Noto Sans CJK SC (Debian fonts-noto-cjk) covers GB 18030-2022 implementation level 2, including
# the CJK Extension A and B characters of rare names, and has a real bold. Reports use it alone; it
# stands right behind the lighter font of long tables, so their rare characters fall through to it.
CJK_FONT_STACK = '"Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans CJK", sans-serif'
# Long tables (一览表, ledgers) name WenQuanYi Micro Hei (Debian fonts-wqy-microhei, 5 MB, complete
# GB2312) first: its glyphs cost WeasyPrint far less to load, shape and embed than the 19 MB Noto
# collection (docs/benchmarks.md). It lacks the rare characters of some names (CJK Extension A, B,
# C…): Pango draws each of those from the next family that has it, Noto Sans CJK SC, so nothing
# prints as an empty box (tests/reports/test_export_speedups.py).
TABLE_FONT_STACK = f'"WenQuanYi Micro Hei", {CJK_FONT_STACK}'


def table_fonts() -> dict[str, str]:
    """The font stacks of a long table's PDF template (``reports/pdf/base.html``): the light font for the
    rows, Noto for the bold title and header (WenQuanYi has no bold, and WeasyPrint does not embolden)."""
    return {"font_stack": TABLE_FONT_STACK, "bold_font_stack": CJK_FONT_STACK}


FORMULA_STARTS = ("=", "+", "-", "@")
MAX_COLUMN_WIDTH = 40
# Widths are measured on the first rows only: the rest stream straight to the file.
WIDTH_SAMPLE_ROWS = 500
# Characters XML 1.0 cannot hold (Excel would refuse the file): control characters, lone surrogates,
# U+FFFE and U+FFFF. A superset of openpyxl's ILLEGAL_CHARACTERS_RE.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CHUNK_ROWS = 256  # data rows per write to the zip stream


# --- Excel ----------------------------------------------------------------------------------


def text_width(value) -> int:
    """Characters Excel needs for ``value``: CJK (wide) characters take two."""
    lines = str(value if value is not None else "").splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in lines)


def safe_cell(ws, value, *, font: Font | None = None, alignment: Alignment | None = None, border=None):
    """A write-only cell holding ``value`` as text (or as a number for int/float), never as a formula.

    For the title and the header; the data rows are streamed by ``_SheetRows`` with the same rules.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        value = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(ws, value=value)
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
    headers = tuple(str(h) for h in headers)
    widths = tuple(widths or _measure(list(headers), sample))
    scaffold = _scaffold(str(title), headers, widths, landscape, str(sheet_name or title))
    writer = _SheetRows(columns=len(headers), style=scaffold.plain, quoted_style=scaffold.quoted)
    out = io.BytesIO()
    count = writer.splice(
        io.BytesIO(scaffold.data), out, part=scaffold.part, rows=chain(sample, rows), first=3, notes=notes, now=_now()
    )
    return out.getvalue(), count


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


class _Scaffold(NamedTuple):
    data: bytes  # the finished workbook without data rows
    part: str  # the sheet's part name in the zip, where the rows go
    plain: int  # style numbers of the data cells
    quoted: int


@functools.lru_cache(maxsize=64)
def _scaffold(
    title: str, headers: tuple[str, ...], widths: tuple[float, ...], landscape: bool, sheet: str
) -> _Scaffold:
    """The workbook around the rows, made by openpyxl: the same for every export of one title and header.

    Made once per process and kept (a pure function of its arguments; the file's dates are set when
    the rows are spliced in): openpyxl's styles, theme and page setup cost about 8 ms per export, a
    fifth of the 一览表's Excel at county scale (issue 7).
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31].translate(str.maketrans("[]:*?/\\", "（）：＊？／＼")))
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
    # Registering the body styles in the workbook gives their numbers, which the streamed cells refer to.
    plain = safe_cell(ws, "", alignment=wrap, border=box).style_id
    quoted = safe_cell(ws, "=", alignment=wrap, border=box).style_id
    data = io.BytesIO()
    wb.save(data)
    return _Scaffold(data.getvalue(), ws.path.lstrip("/"), plain, quoted)


# The file's creation and change time in docProps/core.xml, as openpyxl writes them.
CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


class _SheetRows:
    """The data rows of a sheet as SpreadsheetML, written into the sheet part of a finished workbook.

    Cells are what openpyxl's write-only mode writes: numbers (int/float) as ``t="n"``, everything
    else as an inline string (``t="inlineStr"``, never a formula), empty values as styled empty
    cells so the borders print; strings starting with ``= + - @`` get ``quoted_style`` (quotePrefix)
    so Excel/WPS keep them text when somebody edits the cell.
    """

    def __init__(self, *, columns: int, style: int, quoted_style: int) -> None:
        self.letters = [get_column_letter(i) for i in range(1, max(columns, 1) + 1)]
        self.style, self.quoted_style = style, quoted_style
        self.count = 0  # data rows written

    def cell(self, ref: str, value, style: int | None) -> str:
        s = f' s="{style}"' if style else ""
        if value is None:
            return f'<c r="{ref}"{s}/>'
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            number = repr(int(value)) if isinstance(value, int) else repr(float(value))
            return f'<c r="{ref}"{s} t="n"><v>{number}</v></c>'
        text = NOT_XML.sub("", str(value))
        if not text:
            return f'<c r="{ref}"{s}/>'
        if style and text.startswith(FORMULA_STARTS):
            s = f' s="{self.quoted_style}"'
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'

    def row(self, number: int, values: list, style: int | None) -> str:
        letters = self.letters
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        cells = "".join(self.cell(f"{letter}{number}", v, style) for letter, v in zip(letters, values, strict=False))
        return f'<row r="{number}">{cells}</row>'

    def xml(self, rows: Iterable[list], first: int, notes: Iterable[str]) -> Iterator[bytes]:
        """The rows from row number ``first`` on, then each note under an empty row, in chunks of bytes."""
        chunk, number = [], first
        for values in rows:
            chunk.append(self.row(number, values, self.style))
            number += 1
            self.count += 1
            if len(chunk) >= CHUNK_ROWS:
                yield "".join(chunk).encode()
                chunk.clear()
        for line in notes:
            chunk.append(f'<row r="{number}"/>{self.row(number + 1, [line], None)}')
            number += 2
        yield "".join(chunk).encode()

    def splice(
        self, scaffold: io.BytesIO, out: io.BytesIO, *, part: str, rows, first: int, notes, now: datetime.datetime
    ) -> int:
        """Copy the workbook ``scaffold`` to ``out`` with the rows added to the end of ``part``'s sheetData,
        dated ``now`` (the file's properties and its zip entries)."""
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        date_time = now.timetuple()[:6]
        with zipfile.ZipFile(scaffold) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename != part:
                    if info.filename == "docProps/core.xml":
                        data = CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
                    entry = zipfile.ZipInfo(info.filename, date_time=date_time)
                    entry.compress_type = info.compress_type
                    dst.writestr(entry, data)
                    continue
                head, end, tail = data.partition(b"</sheetData>")
                if not end:
                    raise ValueError(f"no sheetData to add rows to in {part}")
                target = zipfile.ZipInfo(part, date_time=date_time)
                target.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(target, "w") as sheet:
                    sheet.write(head)
                    for chunk in self.xml(rows, first, notes):
                        sheet.write(chunk)
                    sheet.write(end + tail)
        return self.count


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


_fonts = threading.local()


def _font_config():
    """This thread's WeasyPrint font configuration, made once: a new one per PDF reloads fontconfig and
    every font, and forgets what Pango had cached. Per thread because Pango's objects are not thread-safe.
    Our templates declare no @font-face, so nothing of one document stays behind for the next."""
    from weasyprint.text.fonts import FontConfiguration

    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while WeasyPrint runs.

    WeasyPrint allocates hundreds of thousands of short-lived objects (boxes, styles), which set off
    collections that walk the whole heap, Django's included: a fifth of a 60-row roster's time. Nearly
    all of them die by reference counting (the heap peak does not move; docs/benchmarks.md). Turned back
    on only if it was on, so concurrent renders cannot leave it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _write_pdf(html: str) -> tuple[bytes, list[str]]:
    from PIL import ImageFile
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    try:
        with missing_glyphs() as missing, _no_cyclic_gc():
            pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(font_config=_font_config())
    finally:
        # Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process: a worker that
        # had made one PDF then took a damaged photo for a whole one (padded with grey). Our PDFs embed
        # no pictures of their own; Pillow's default comes back for the contact photos' checks.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
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
