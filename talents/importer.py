"""Excel import of talents (issue 4, item 3): read, check, preview, then import all or nothing.

The layout
    One header row, then one talent per row, in the order of ``IMPORT_HEADERS`` — the layout of
    the talent list export (``talents.services.TALENT_COLUMNS``): 姓名, 性别, 民族, 出生年月, 身份证号, 政治面貌, 学历, 学位, 毕业院校及专业,
    工作单位, 职务, 职称/技能等级, 人才类别, 农村实用人才类型, 专业特长/从事产业, 所在村(社区), 联系电话,
    住址, 工作业绩, 荣誉. The headers are the official Chinese column names of the office's lists,
    so, like the reference lists in ``choices.py``, they are the file format and are not translated.
    Columns are found by header (full-width brackets and a trailing * are accepted; 序号 is ignored).
    Rows above the header (a title, the template's note row), empty rows and the template's
    example row are skipped. Required: 姓名, 性别, 人才类别.

Values
    Choices by their Chinese label (男, 专业技术人才, 生产型, 中共党员 …); 出生年月 as 1985-06, 1985.06,
    1985年6月 or a date cell; 身份证号 and 联系电话 best as text cells. 工作单位 and 所在村(社区) by the
    exact name of a unit or village in the database, spaces ignored.

Matching
    A row is the talent with the same ID number; without an ID number, the talent with the same
    name, birth month and unit. A row with an ID number also finds a talent recorded without one,
    so adding ID numbers to an old list creates no duplicates. A matched talent is updated; a blank
    cell keeps its value, so a partial list never erases information. Importing the same file
    twice changes nothing the second time.

Hostile files
    Refused with a message, in bounded time and memory: uploads over ``MAX_UPLOAD_BYTES`` before
    anything is read; anything that is not a zip with an Excel workbook inside; archives that
    unpack to more than ``MAX_UNPACKED_BYTES`` (zip bombs: ``zipfile`` never inflates past the
    declared size, so checking the declared sizes is enough); a row with more cells than Excel
    allows, or a sheet of millions of cells (openpyxl holds a whole row in memory and reads a cell
    in microseconds: a 30 KB file with one row of a million cells took 440 MB and minutes);
    more than ``MAX_DATA_ROWS`` rows.
    Workbooks are opened read-only with cached values only: a formula is never evaluated, and a
    text starting with "=" is kept as text.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import os
import re
import secrets
import time
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .choices import DEGREES, EDUCATIONS, ETHNICITIES, POLITICAL_STATUSES
from .models import Talent, Unit
from .search import pinyin_key
from .services import TALENT_COLUMNS
from .validators import id_birth_date, id_check_char, validate_id_number, validate_phone

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 2000
MAX_DATA_ROWS = 10_000
MAX_SCANNED_ROWS = 50_000  # data rows plus empty rows between them
MAX_BLANK_RUN = 1_000  # this many empty rows in a row end the data (sheets often claim a million rows)
MAX_COLUMNS = 60
# XML elements (cells, values, inline texts …) in one row and in a sheet: Excel's 16,384 columns
# need ~50,000 in a row; 10,000 talents × 60 columns about 1.8 million in a sheet.
MAX_ROW_ELEMENTS = 100_000
MAX_SHEET_ELEMENTS = 2_000_000
HEADER_SEARCH_ROWS = 5
STALE_UPLOAD_SECONDS = 24 * 3600

# (header, Talent field): exactly the layout of the talent list export, read from it so the two never disagree.
IMPORT_COLUMNS: tuple[tuple[str, str], ...] = tuple((header, name) for header, name, _get in TALENT_COLUMNS)
IMPORT_HEADERS: tuple[str, ...] = tuple(header for header, _field in IMPORT_COLUMNS)
HEADER_OF: dict[str, str] = {name: header for header, name in IMPORT_COLUMNS}
REQUIRED_FIELDS = ("name", "gender", "category")
IGNORED_HEADERS = frozenset({"序号"})  # official lists number their rows
# The template's example row is recognised by its name and ID number, and skipped.
EXAMPLE_NAME = "张三"
EXAMPLE_ID_NUMBER = "11010119850615002" + id_check_char("11010119850615002")

TEXT_FIELDS = ("school_and_major", "position", "title", "speciality", "address", "achievements", "honours")
LIST_FIELDS = {
    "ethnicity": ETHNICITIES,
    "political_status": POLITICAL_STATUSES,
    "education": EDUCATIONS,
    "degree": DEGREES,
}
LABELLED_FIELDS = {"gender": Talent.Gender, "category": Talent.Category, "rural_type": Talent.RuralType}
# [0-9], not \d: \d also matches other scripts' digits, which int() accepts.
BIRTH_RE = re.compile(r"^([0-9]{4})\s*[-./年]\s*([0-9]{1,2})\s*月?(?:\s*[-./]?\s*([0-9]{1,2})\s*日?)?\Z")
COMPACT_BIRTH_RE = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})?\Z")
INVISIBLE = "\u200b\u200c\u200d\ufeff"


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportRow:
    number: int  # as Excel shows it
    name: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # cleaned, non-blank cells only
    errors: list[RowError] = field(default_factory=list)
    talent: Talent | None = None  # the existing talent this row updates
    changes: list[str] = field(default_factory=list)  # fields that differ from the existing talent

    def error(self, field_name: str, message: str) -> None:
        self.errors.append(RowError(self.number, HEADER_OF[field_name], message))

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.talent is None:
            return "new"
        return "update" if self.changes else "unchanged"

    @property
    def changed_headers(self) -> list[str]:
        return [HEADER_OF[name] for name in self.changes]


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    skipped_example: bool = False

    @property
    def errors(self) -> list[RowError]:
        return [e for row in self.rows for e in row.errors]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("new", "update", "unchanged", "error"), 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def can_import(self) -> bool:
        counts = self.counts
        return not counts["error"] and bool(counts["new"] or counts["update"])


# --- Reading the file ------------------------------------------------------------------------


def _not_excel() -> ImportFileError:
    return ImportFileError(
        _("This is not an Excel .xlsx file. Save it in Excel or WPS as “Excel workbook (*.xlsx)” and upload it again.")
    )


def _check_archive(data: bytes) -> None:
    """An .xlsx is a zip: refuse anything else, and archives that would unpack to too much data."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _not_excel() from None
    if not any(m.filename == "[Content_Types].xml" for m in members):
        raise _not_excel()
    if len(members) > MAX_ARCHIVE_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise _too_much()
    _check_cells(data, members)


def _too_much() -> ImportFileError:
    return ImportFileError(_("This file unpacks to far more data than a list of talents can hold; it is refused."))


SHEET_NAME_RE = re.compile(r"^xl/worksheets/[^/]+\.xml\Z")
ROOT_RE = re.compile(rb"<([A-Za-z_][\w.-]{0,40}:)?worksheet[\s>]")  # its prefix, if any, is the rows' prefix
SCAN_CHUNK = 1024 * 1024


def _check_cells(data: bytes, members) -> None:
    """Count the XML elements of every sheet, streaming it in chunks, before openpyxl reads anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in members:
                if SHEET_NAME_RE.match(member.filename):
                    with archive.open(member) as xml:
                        _count_elements(xml)
    except ImportFileError:
        raise
    except Exception:  # a damaged archive fails while inflating: zlib.error, BadZipFile (CRC), EOFError …
        log.info("Upload refused: cannot unpack a sheet", exc_info=True)
        raise _not_excel() from None


def _elements(xml: bytes) -> int:
    return xml.count(b"<") - xml.count(b"</")


def _count_elements(xml) -> None:
    """Refuse a row of more than MAX_ROW_ELEMENTS elements or a sheet of more than MAX_SHEET_ELEMENTS.

    Byte counts and one literal search per chunk, no Python loop per cell: a sheet may hold millions.
    A row tag in another prefix than the root's is not seen as a row start: its elements then count
    towards the row before, which can only refuse more, never let a wide row through (text cannot
    contain "<", so nothing in a cell can pass for a row start).
    """
    head = xml.read(SCAN_CHUNK)
    root = ROOT_RE.search(head)
    row_start = re.compile(re.escape(b"<" + ((root and root[1]) or b"") + b"row") + rb"[\s/>]")
    total, open_row, buffer = 0, 0, head
    while buffer:
        chunk = xml.read(SCAN_CHUNK)
        # Up to the last "<": a tag cut by the chunk's end is completed by the next chunk.
        cut = buffer.rfind(b"<") if chunk else -1
        part, tail = (buffer[:cut], buffer[cut:]) if cut > 0 else (buffer, b"")
        total += _elements(part)
        rows = row_start.split(part)
        open_row += _elements(rows[0])
        widest = open_row
        if len(rows) > 1:  # rows no longer than the limit in bytes cannot hold more elements: not counted
            widest = max([open_row, *(_elements(r) for r in rows[1:-1] if len(r) > MAX_ROW_ELEMENTS)])
            open_row = _elements(rows[-1])
        if total > MAX_SHEET_ELEMENTS or max(widest, open_row) > MAX_ROW_ELEMENTS:
            raise _too_much()
        buffer = tail + chunk


def _normal_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(text.split()).rstrip("*")


def _is_blank(values: tuple) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip(" \t\r\n\u3000" + INVISIBLE)) for v in values)


def _find_header(rows) -> tuple[int, list[str]]:
    """The header is the first of the top rows with a 姓名 cell; else the first non-empty row (to say what is wrong)."""
    first: tuple[int, list[str]] | None = None
    for number, values in rows:
        headers = [_normal_header(v) for v in values]
        if "姓名" in headers:
            return number, headers
        if first is None and not _is_blank(values):
            first = (number, headers)
        if number >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise ImportFileError(_("The first sheet is empty."))
    return first


def _column_positions(headers: list[str]) -> dict[str, int]:
    """Which column holds which field; a wrong header is refused naming the missing and unknown columns."""
    positions = {header: i for i, header in reversed(list(enumerate(headers))) if header}
    missing = [h for h in IMPORT_HEADERS if h not in positions]
    unknown = [h for h in positions if h not in IMPORT_HEADERS and h not in IGNORED_HEADERS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(names)s") % {"names": "、".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(names)s") % {"names": "、".join(unknown)})
        raise ImportFileError(
            _(
                "The header row does not match the import template (%(details)s). Download the template and use its columns."
            )
            % {"details": "; ".join(parts)}
        )
    return {name: positions[header] for header, name in IMPORT_COLUMNS}


def read_rows(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The data rows of the first sheet as (Excel row number, {field: raw cell value})."""
    _check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a hostile or broken file can fail anywhere inside openpyxl
        log.info("Upload refused: openpyxl cannot open it", exc_info=True)
        raise _not_excel() from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The first sheet is empty."))
        sheet = workbook.worksheets[0]
        rows = enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1)
        header_row, headers = _find_header(rows)
        positions = _column_positions(headers)
        result = _data_rows(rows, positions)
    except ImportFileError:
        raise
    except Exception:
        log.info("Upload refused: cannot read its first sheet", exc_info=True)
        raise _not_excel() from None
    finally:
        workbook.close()
    if not result:
        raise ImportFileError(_("There are no talents under the header row (row %(row)d).") % {"row": header_row})
    return result


def _data_rows(rows, positions: dict[str, int]) -> list[tuple[int, dict[str, Any]]]:
    result, blank_run, scanned = [], 0, 0
    for number, values in rows:
        scanned += 1
        if _is_blank(values):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        if len(result) >= MAX_DATA_ROWS or scanned > MAX_SCANNED_ROWS:
            raise ImportFileError(
                _(
                    "The file has more than %(n)d rows of talents. Split it into several files and import them one by one."
                )
                % {"n": MAX_DATA_ROWS}
            )
        result.append((number, {name: values[i] for name, i in positions.items()}))
    return result


# --- Checking one row --------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    return str(value).strip(" \t\r\n\u3000\xa0" + INVISIBLE)


def _compact(value: Any) -> str:
    """ID and phone numbers: full-width digits made ASCII, spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", _text(value)).split())


def _name_key(name: str) -> str:
    return "".join(name.split())


def _labels(choices) -> dict[str, str]:
    """Chinese label (and stored value) → stored value, for the choices of a model field."""
    with translation.override("zh-hans"):
        mapping = {str(label): value for value, label in choices.choices}
    mapping.update({value: value for value in choices.values})
    return mapping


def _birth_month(value: Any) -> datetime.date | None:
    """A date cell or 1985-06 / 1985.06 / 1985年6月 / 198506 text; raises ValueError when it is none of these."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and re.fullmatch(r"\d{4}\.1", repr(value)):
        raise ValueError("ambiguous")  # 1985.10 typed into a number cell becomes 1985.1: October or January?
    text = _compact(value)
    match = BIRTH_RE.match(text) or COMPACT_BIRTH_RE.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    born = datetime.date(year, month, day)
    if year < 1900 or born > timezone.localdate():
        raise ValueError(text)
    return born


def _clean_id_number(row: ImportRow, value: Any) -> None:
    if isinstance(value, float):
        row.error(
            "id_number",
            _(
                "Excel stored this ID number as a number and lost its last digits; format the column as text and type it again."
            ),
        )
        return
    id_number = _compact(value).upper()
    if not id_number or "*" in id_number:
        return  # empty, or masked as our own exports print it: the stored number stays as it is
    try:
        validate_id_number(id_number)
    except ValidationError as e:
        row.error("id_number", e.messages[0])
        return
    row.values["id_number"] = id_number


def _clean_choice(row: ImportRow, name: str, text: str, lookup: dict[str, str]) -> None:
    if text in lookup:
        row.values[name] = lookup[text]
    else:
        allowed = "、".join(k for k in lookup if not k.isascii())
        row.error(
            name, _("“%(value)s” is not an allowed value. Allowed: %(allowed)s.") % {"value": text, "allowed": allowed}
        )


class _Context:
    """What every row is checked against, read from the database once per file."""

    def __init__(self):
        units = list(Unit.objects.all())
        self.units = {_name_key(u.name): u for u in units}
        self.villages = {_name_key(u.name): u for u in units if u.is_village}
        self.talents = list(Talent.objects.defer("thoughts"))
        self.by_id_number = {t.id_number: t for t in self.talents if t.id_number}
        self.by_key: dict[tuple, list[Talent]] = defaultdict(list)
        for talent in self.talents:
            self.by_key[_key(talent.name, talent.birth_month, talent.unit_id)].append(talent)
        self.lookups = {name: _labels(choices) for name, choices in LABELLED_FIELDS.items()}
        self.lookups.update({name: {v: v for v in values} for name, values in LIST_FIELDS.items()})


def _key(name: str, born: datetime.date | None, unit_id: int | None) -> tuple:
    return (name, (born.year, born.month) if born else None, unit_id)


def _clean_row(number: int, raw: dict[str, Any], ctx: _Context) -> ImportRow:
    row = ImportRow(number=number, name=_text(raw["name"]))
    for name in ("name", *TEXT_FIELDS):
        text = _text(raw[name])
        limit = Talent._meta.get_field(name).max_length
        if limit and len(text) > limit:
            row.error(name, _("At most %(limit)d characters; this has %(n)d.") % {"limit": limit, "n": len(text)})
        elif text:
            row.values[name] = text
    for name, lookup in ctx.lookups.items():
        if text := _text(raw[name]):
            _clean_choice(row, name, text, lookup)
    for name in REQUIRED_FIELDS:
        if _text(raw[name]) == "":
            row.error(name, _("This value is required."))
    _clean_id_number(row, raw["id_number"])
    _clean_birth_month(row, raw["birth_month"])
    _clean_units(row, raw, ctx)
    _clean_phone(row, raw["phone"])
    return row


def _clean_birth_month(row: ImportRow, value: Any) -> None:
    if _text(value) == "":
        return
    try:
        row.values["birth_month"] = _birth_month(value)
    except ValueError:
        row.error("birth_month", _("Write the year and month as 1985-06, or use a date cell."))


def _clean_units(row: ImportRow, raw: dict[str, Any], ctx: _Context) -> None:
    if name := _text(raw["unit"]):
        if unit := ctx.units.get(_name_key(name)):
            row.values["unit"] = unit
        else:
            row.error("unit", _("There is no unit named “%(name)s” in the database.") % {"name": name})
    if name := _text(raw["village"]):
        if village := ctx.villages.get(_name_key(name)):
            row.values["village"] = village
        else:
            row.error("village", _("There is no village or community named “%(name)s”.") % {"name": name})


def _clean_phone(row: ImportRow, value: Any) -> None:
    phone = _compact(value)
    if not phone or "*" in phone:
        return  # empty, or masked as our own exports print it: the stored phone stays as it is
    try:
        validate_phone(phone)
    except ValidationError as e:
        row.error("phone", e.messages[0])
        return
    row.values["phone"] = phone


# --- Rules across fields, matching, duplicates ------------------------------------------------


def _merged(row: ImportRow, talent: Talent | None, name: str) -> Any:
    if name in row.values:
        return row.values[name]
    if talent is None:
        return None
    return getattr(talent, name)


def _check_rules(row: ImportRow) -> None:
    """Rules between fields, on the values the talent will have once the row is imported."""
    talent = row.talent
    category, rural_type = _merged(row, talent, "category"), _merged(row, talent, "rural_type")
    if rural_type and category != Talent.Category.RURAL:
        if "rural_type" in row.values:
            row.error("rural_type", _("Only rural practical talents have a rural talent type."))
        else:
            row.values["rural_type"] = ""  # the category changed away from rural: the old type no longer applies
    id_number, born = _merged(row, talent, "id_number"), _merged(row, talent, "birth_month")
    id_born = id_birth_date(id_number) if id_number else None
    if id_born and born and (id_born.year, id_born.month) != (born.year, born.month):
        row.error("birth_month", _("The date of birth does not agree with the ID number."))
    elif id_born and "id_number" in row.values:
        row.values["birth_month"] = id_born


def _match(row: ImportRow, ctx: _Context) -> None:
    """The existing talent: by ID number, else by name + birth month + unit (see the module docstring)."""
    values = row.values
    id_number = values.get("id_number")
    born = values.get("birth_month") or (id_birth_date(id_number) if id_number else None)
    unit = values.get("unit")
    key = _key(values.get("name", ""), born, unit.pk if unit else None)
    if id_number and id_number in ctx.by_id_number:
        row.talent = ctx.by_id_number[id_number]
        return
    candidates = [t for t in ctx.by_key.get(key, []) if not (id_number and t.id_number)]
    if len(candidates) > 1:
        row.error("name", _("Several talents in the database have this name, birth month and unit; add the ID number."))
    elif candidates:
        row.talent = candidates[0]


def _check_duplicates(rows: list[ImportRow]) -> None:
    """Two rows for the same person: the later one is the error."""
    seen_ids: dict[str, int] = {}
    seen_keys: dict[tuple, tuple[int, bool]] = {}
    seen_talents: dict[int, int] = {}
    for row in rows:
        if row.errors:
            continue
        values = row.values
        id_number, unit = values.get("id_number"), values.get("unit")
        key = _key(values.get("name", ""), values.get("birth_month"), unit.pk if unit else None)
        earlier = None
        if id_number and id_number in seen_ids:
            earlier, column = seen_ids[id_number], "id_number"
        elif key in seen_keys and not (id_number and seen_keys[key][1]):
            earlier, column = seen_keys[key][0], "name"
        elif row.talent is not None and row.talent.pk in seen_talents:
            earlier, column = seen_talents[row.talent.pk], "name"
        if earlier:
            row.error(column, _("The same person as row %(row)d.") % {"row": earlier})
            continue
        if id_number:
            seen_ids[id_number] = row.number
        seen_keys.setdefault(key, (row.number, bool(id_number)))
        if row.talent is not None:
            seen_talents[row.talent.pk] = row.number


def _differs(talent: Talent, name: str, new: Any) -> bool:
    if isinstance(new, Unit):
        return getattr(talent, f"{name}_id") != new.pk  # the id: reading the relation would query per row
    old = getattr(talent, name)
    if name == "birth_month":
        return old is None or (old.year, old.month) != (new.year, new.month)
    return old != new


def _find_changes(row: ImportRow) -> None:
    if row.talent is None or row.errors:
        return
    row.changes = [name for name, new in row.values.items() if _differs(row.talent, name, new)]


def _preview(data: bytes) -> ImportPreview:
    raw_rows = read_rows(data)
    ctx = _Context()
    preview = ImportPreview(rows=[])
    for number, raw in raw_rows:
        if _text(raw["name"]) == EXAMPLE_NAME and _compact(raw["id_number"]).upper() == EXAMPLE_ID_NUMBER:
            preview.skipped_example = True
            continue
        row = _clean_row(number, raw, ctx)
        if not row.errors:
            _match(row, ctx)
        if not row.errors:
            _check_rules(row)
        preview.rows.append(row)
    if not preview.rows:
        raise ImportFileError(_("There are no talents in the file besides the template's example row."))
    _check_duplicates(preview.rows)
    for row in preview.rows:
        _find_changes(row)
    return preview


# --- Services -------------------------------------------------------------------------------------


def talent_import_preview(*, data: bytes) -> ImportPreview:
    """Every row of the file checked against the database, nothing written. Raises ImportFileError."""
    return _preview(data)


# The audit entry of an import names each talent it wrote, up to this many; beyond, the counts only.
AUDIT_MAX_IDS = 2000


def _import_audit(*, by, filename: str, new: list[Talent], updated: list[Talent], counts: dict) -> None:
    """One IMPORT entry for the whole file: bulk writes send no save signals, so no per-row entries."""
    from . import audit

    created_ids = sorted(t.pk for t in new if t.pk is not None)
    updated_ids = sorted(t.pk for t in updated)
    extra = {
        "file": filename[:200],
        "created": len(new),
        "updated": len(updated),
        "unchanged": counts.get("unchanged", 0),
    }
    if len(created_ids) + len(updated_ids) <= AUDIT_MAX_IDS:
        extra["created_ids"], extra["updated_ids"] = created_ids, updated_ids
    else:
        extra["ids_omitted"] = True
    audit.record(
        action=audit.Action.IMPORT,
        user=by,
        object_type=Talent._meta.label_lower,
        object_label=filename[:200],
        extra=extra,
    )


def talent_import_commit(*, data: bytes, by, filename: str = "") -> ImportPreview:
    """Check the file again and, only when no row has an error, import every row in one transaction.

    Returns the preview it acted on: when ``preview.errors`` is not empty, nothing was written. The
    audit log gets one IMPORT entry (file name, counts, talent ids) inside the same transaction.
    """
    preview = _preview(data)
    if preview.errors:
        return preview
    now = timezone.now()
    new, updated, fields = [], [], {"updated_by", "updated_at"}
    for row in preview.rows:
        if row.status == "new":
            # Blank cells are absent from row.values: the model's defaults (汉族, 群众) apply.
            talent = Talent(created_by=by, updated_by=by, **row.values)
            talent.name_pinyin = pinyin_key(talent.name)  # bulk_create does not call save()
            new.append(talent)
        elif row.status == "update":
            for name in row.changes:
                setattr(row.talent, name, row.values[name])
            row.talent.updated_by, row.talent.updated_at = by, now
            fields.update(row.changes)
            if "name" in row.changes:
                row.talent.name_pinyin = pinyin_key(row.talent.name)
                fields.add("name_pinyin")
            updated.append(row.talent)
    try:
        with transaction.atomic():
            Talent.objects.bulk_create(new, batch_size=500)
            if updated:
                Talent.objects.bulk_update(updated, sorted(fields), batch_size=200)
            _import_audit(by=by, filename=filename, new=new, updated=updated, counts=preview.counts)
    except IntegrityError:
        # Someone saved a talent with one of these ID numbers between the check and the import.
        log.warning("Talent import rolled back", exc_info=True)
        raise ImportFileError(
            _("The database changed while importing; nothing was imported. Please upload the file again.")
        ) from None
    return preview


# --- The uploaded file between preview and confirm -------------------------------------------------

UPLOAD_NAME_RE = re.compile(r"^[0-9a-f]{32}\Z")


def _imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def import_file_store(*, data: bytes) -> tuple[str, str]:
    """Keep an upload until it is confirmed: (random name, sha256). The folder is not served by any URL."""
    folder = _imports_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _remove_stale(folder)
    name = secrets.token_hex(16)
    fd = os.open(folder / f"{name}.xlsx", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return name, hashlib.sha256(data).hexdigest()


def import_file_load(*, name: str, sha256: str) -> bytes:
    """The stored upload, only when it is exactly the file that was previewed."""
    path = _imports_dir() / f"{name}.xlsx"
    if not UPLOAD_NAME_RE.match(name) or not path.is_file():
        raise ImportFileError(_("The uploaded file is no longer available; please upload it again."))
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ImportFileError(_("The uploaded file is no longer available; please upload it again."))
    return data


def import_file_discard(*, name: str) -> None:
    if UPLOAD_NAME_RE.match(name):
        (_imports_dir() / f"{name}.xlsx").unlink(missing_ok=True)


def _remove_stale(folder: Path) -> None:
    """Uploads previewed and never confirmed hold personal data: gone after a day."""
    cutoff = time.time() - STALE_UPLOAD_SECONDS
    for path in folder.glob("*.xlsx"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


# --- The template ----------------------------------------------------------------------------------

COLUMN_WIDTHS = {"姓名": 12, "民族": 10, "出生年月": 11, "身份证号": 21, "政治面貌": 13, "学历": 11, "学位": 8,
                 "毕业院校及专业": 26, "工作单位": 24, "职称/技能等级": 16, "人才类别": 16, "农村实用人才类型": 16,
                 "专业特长/从事产业": 22, "所在村(社区)": 16, "联系电话": 15, "住址": 28, "工作业绩": 40, "荣誉": 30}  # fmt: skip
TEXT_COLUMNS = ("出生年月", "身份证号", "联系电话")
TEMPLATE_ROWS = MAX_DATA_ROWS


def _template_lists() -> dict[str, list[str]]:
    """The allowed values of each list column, Chinese labels as the import reads them."""
    with translation.override("zh-hans"):
        lists = {HEADER_OF[n]: [str(label) for label in c.labels] for n, c in LABELLED_FIELDS.items()}
    lists.update({HEADER_OF[n]: list(values) for n, values in LIST_FIELDS.items()})
    units = list(Unit.objects.filter(active=True).order_by("sort_order", "name"))
    lists["所在村(社区)"] = [u.name for u in units if u.is_village]
    lists["工作单位"] = [u.name for u in units]
    return {header: values for header, values in lists.items() if values}


def _example_row(lists: dict[str, list[str]]) -> list[str]:
    with translation.override("zh-hans"):
        example = {
            "姓名": EXAMPLE_NAME, "性别": str(Talent.Gender.MALE.label), "民族": "汉族", "出生年月": "1985-06",
            "身份证号": EXAMPLE_ID_NUMBER, "政治面貌": "中共党员", "学历": "大学本科", "学位": "学士",
            "毕业院校及专业": "四川农业大学 农学", "职务": "技术员", "职称/技能等级": "农艺师",
            "人才类别": str(Talent.Category.PROFESSIONAL.label), "专业特长/从事产业": "水稻种植技术",
            "联系电话": "13812345678", "住址": "梅家乡某某村3组", "工作业绩": "推广优质水稻品种500亩。",
            "荣誉": "2023年县级优秀农技员",
        }  # fmt: skip
    for header in ("工作单位", "所在村(社区)"):
        example[header] = lists.get(header, [""])[0]
    return [example.get(header, "") for header in IMPORT_HEADERS]


def talent_import_template() -> bytes:
    """The downloadable .xlsx: a note row, the header, one example row, drop-down lists, widths."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Talents")[:31]
    lists = _template_lists()
    _write_note_and_header(sheet)
    sheet.append(_example_row(lists))
    _add_validations(workbook, sheet, lists)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_note_and_header(sheet) -> None:
    last = get_column_letter(len(IMPORT_HEADERS))
    sheet.append([_template_note()])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 96
    sheet.append(list(IMPORT_HEADERS))
    fill = PatternFill("solid", fgColor="F3D9DA")
    for i, header in enumerate(IMPORT_HEADERS, start=1):
        cell = sheet.cell(row=2, column=i)
        cell.font = Font(bold=True, color="B42318" if HEADER_OF.get(header) in REQUIRED_FIELDS else None)
        cell.fill = fill
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = COLUMN_WIDTHS.get(header, 10)
        if header in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "B3"


def _template_note() -> str:
    return _(
        "How to fill in: one talent per row from row 3; keep the header row (row 2) as it is. "
        "Required: 姓名, 性别, 人才类别 (red headers). "
        "出生年月: year and month as 1985-06, or a date cell. "
        "身份证号 and 联系电话: enter them as text (this template formats those columns as text), otherwise Excel drops digits. "
        "Choose 性别, 民族, 政治面貌, 学历, 学位, 人才类别, 农村实用人才类型, 工作单位 and 所在村(社区) from the drop-down lists. "
        "农村实用人才类型 only for 农村实用人才. "
        "Row 3 is an example and is skipped on import. "
        "A talent already in the database (same ID number, or same name, birth month and unit) is updated; an empty cell keeps its current value."
    )


def _add_validations(workbook, sheet, lists: dict[str, list[str]]) -> None:
    """Drop-down lists read from a hidden sheet: an inline list is limited to 255 characters."""
    hidden = workbook.create_sheet("lists")
    hidden.sheet_state = "hidden"
    last_row = 2 + TEMPLATE_ROWS
    for i, (header, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(i)
        hidden.cell(row=1, column=i, value=header)
        for r, value in enumerate(values, start=2):
            hidden.cell(row=r, column=i, value=value)
        validation = DataValidation(
            type="list",
            formula1=f"lists!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Not in the list"),
            error=_("Choose a value from the drop-down list."),
        )
        column = get_column_letter(IMPORT_HEADERS.index(header) + 1)
        validation.add(f"{column}3:{column}{last_row}")
        sheet.add_data_validation(validation)
