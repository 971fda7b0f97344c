"""The talent database's workflows and its one list export (R1, R11, R12).

The Excel layout of ``talent_rows`` is the layout the talent import (``talents.importer``)
accepts, column for column, headed by these official Chinese column names (``TALENT_HEADERS``):

    1 姓名            name
    2 性别            gender (男 / 女)
    3 民族            ethnicity (GB/T 3304 name)
    4 出生年月        date of birth as YYYY-MM
    5 身份证号        ID number (masked for roles that may not read it)
    6 政治面貌        political status (GB/T 4762 name)
    7 学历            education (GB/T 4658 name)
    8 学位            degree
    9 毕业院校及专业  school and major
   10 工作单位        work unit (the unit's name)
   11 职务            position
   12 职称/技能等级   professional title / skill level
   13 人才类别        talent category (its label)
   14 农村实用人才类型 rural talent type (its label; rural practical talents only)
   15 专业特长/从事产业 speciality / industry
   16 所在村(社区)    village or community (the unit's name)
   17 联系电话        phone (masked for roles that may not read it)
   18 住址            address (left blank for roles that may not read it)
   19 工作业绩        achievements
   20 荣誉            honours

思想动态 (R2) is never exported.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Callable, Iterator

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery, Value
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from contacts.models import Contact, Level, Pairing
from contacts.services import photo_prepare

from . import access
from .models import Organization, Talent
from .search import pinyin_key, search

# --- Add, edit, move out --------------------------------------------------------------------


@transaction.atomic
def talent_save(*, form, by) -> Talent:
    """Save a valid add/edit form, stamping who did it; a new photo is re-encoded without EXIF (GPS)."""
    talent = form.save(commit=False)
    if talent.pk is None:
        talent.created_by = by
    talent.updated_by = by
    upload = form.cleaned_data.get("photo")
    if "photo" in form.changed_data and upload:
        talent.photo = photo_prepare(upload)
    talent.save()
    form.save_m2m()
    return talent


@transaction.atomic
def talent_move_out(*, talent: Talent, on: datetime.date, reason: str, by) -> list[Pairing]:
    """调整出库: the talent leaves the database, never deleted; their open pairings end with the same reason.

    Returns the pairings ended, so the page can say which cadres lost their talent.
    """
    talent.move_out(on=on, reason=reason, by=by)
    ended = list(Pairing.objects.open().filter(talent=talent).select_related("cadre"))
    for pairing in ended:
        pairing.end_date = max(on, pairing.start_date)
        pairing.end_reason = Pairing.EndReason.TALENT_ADJUSTED
        pairing.end_note = reason[:200]
        pairing.save(update_fields=["end_date", "end_reason", "end_note"])
    return ended


# --- The list: filters and what each row shows ----------------------------------------------


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# Age bands of the filter: (youngest age, oldest age) in whole years, None for open ends.
AGE_BANDS = {"lt35": (None, 34), "35-45": (35, 45), "46-55": (46, 55), "gt55": (56, None)}


def _age_filter(talents: QuerySet, band: str, today: datetime.date) -> QuerySet:
    """Age as ``Talent.age_on`` counts it, turned into a range of birth dates the database can compare."""
    youngest, oldest = AGE_BANDS[band]
    if youngest is not None:
        talents = talents.filter(birth_month__lte=_years_before(today, youngest))
    if oldest is not None:
        talents = talents.filter(birth_month__gt=_years_before(today, oldest + 1))
    return talents


def _township_pairings():
    """The R9 duty is the township leadership's: village pairings (R18) are the village's own work."""
    return Pairing.objects.open().filter(talent=OuterRef("pk"), level=Level.TOWNSHIP)


def _contacts_in(year: int):
    return Contact.objects.filter(pairing__talent=OuterRef("pk"), pairing__level=Level.TOWNSHIP, date__year=year)


def talents_filtered(talents: QuerySet, filters: dict, *, today: datetime.date) -> QuerySet:
    """``talents`` narrowed by the list's filters (``TalentFilterForm.filters()``); status defaults to 在库."""
    status = filters.get("status", "in")
    if status != "all":
        talents = talents.filter(status=status)
    for field in ("category", "village", "unit", "political_status", "education"):
        if field in filters:
            talents = talents.filter(**{field: filters[field]})
    if "age" in filters:
        talents = _age_filter(talents, filters["age"], today)
    if "paired" in filters:
        paired = Exists(_township_pairings())
        talents = talents.filter(paired if filters["paired"] == "yes" else ~paired)
    if "contacted" in filters:
        contacted = Exists(_contacts_in(today.year))
        talents = talents.filter(contacted if filters["contacted"] == "yes" else ~contacted)
    if filters.get("q"):
        talents = search(talents, filters["q"])
    return talents


def _personal_flag(user) -> Exists:
    return Exists(access.talents_with_personal_data(user).filter(pk=OuterRef("pk")))


def talents_for_list(talents: QuerySet, *, user, year: int) -> QuerySet:
    """What each row of the list shows, in the rows' own query: the township cadre, contacted this year, masking."""
    cadre = _township_pairings().order_by("start_date", "pk").values("cadre__name")[:1]
    return talents.select_related("unit", "village").annotate(
        cadre_name=Subquery(cadre),
        contacted=Exists(_contacts_in(year)),
        personal=_personal_flag(user),
    )


# --- Rows for Excel (and any other format) --------------------------------------------------


def _birth(t: Talent) -> str:
    return f"{t.birth_month:%Y-%m}" if t.birth_month else ""


def _personal(value: str, masked: str):
    return lambda t: getattr(t, value) if t.personal else masked(t)


# (header, Talent field, cell text). The headers are the official Chinese column names of the
# office's lists: like the reference lists in choices.py they are the file format, not UI text.
TALENT_COLUMNS: list[tuple[str, str, Callable[[Talent], str]]] = [
    ("姓名", "name", lambda t: t.name),
    ("性别", "gender", lambda t: str(t.get_gender_display())),
    ("民族", "ethnicity", lambda t: t.ethnicity),
    ("出生年月", "birth_month", _birth),
    ("身份证号", "id_number", _personal("id_number", lambda t: t.masked_id_number)),
    ("政治面貌", "political_status", lambda t: t.political_status),
    ("学历", "education", lambda t: t.education),
    ("学位", "degree", lambda t: t.degree),
    ("毕业院校及专业", "school_and_major", lambda t: t.school_and_major),
    ("工作单位", "unit", lambda t: t.unit.name if t.unit else ""),
    ("职务", "position", lambda t: t.position),
    ("职称/技能等级", "title", lambda t: t.title),
    ("人才类别", "category", lambda t: str(t.get_category_display())),
    ("农村实用人才类型", "rural_type", lambda t: str(t.get_rural_type_display()) if t.rural_type else ""),
    ("专业特长/从事产业", "speciality", lambda t: t.speciality),
    ("所在村(社区)", "village", lambda t: t.village.name if t.village else ""),
    ("联系电话", "phone", _personal("phone", lambda t: t.masked_phone)),
    # Left blank, not marked hidden: re-importing a masked list must not overwrite addresses.
    ("住址", "address", _personal("address", lambda t: "")),
    ("工作业绩", "achievements", lambda t: t.achievements),
    ("荣誉", "honours", lambda t: t.honours),
]
TALENT_HEADERS = [header for header, _field, _get in TALENT_COLUMNS]
TALENT_FIELDS = [field for _header, field, _get in TALENT_COLUMNS]


def talent_rows(talents: QuerySet, user, *, full: bool = False) -> Iterator[list[str]]:
    """One row per talent in the import layout, from one query.

    ID numbers and phones are masked and addresses left blank unless ``full`` is asked for; then
    the rows whose personal data ``user`` may see (``access.talents_with_personal_data``) have full
    values, and the others stay masked (issue 6, item 3: masked by default, full values deliberately).

    Choice labels (性别, 人才类别 …) are written in Chinese whatever the user's language, so the
    file imports back (``talents.importer`` reads the zh-hans labels).
    """
    if not full:
        talents = talents.annotate(personal=Value(False))
    elif "personal" not in talents.query.annotations:
        talents = talents.annotate(personal=_personal_flag(user))
    for talent in talents.select_related("unit", "village"):
        with translation.override("zh-hans"):  # per row: the caller's code between rows keeps its language
            row = [get(talent) for _header, _field, get in TALENT_COLUMNS]
        yield row


# --- Excel ----------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@")
MAX_COLUMN_WIDTH = 50
WRAPPED_COLUMNS = {"achievements", "honours", "school_and_major", "address"}


def _text_width(value: str) -> int:
    """Characters Excel needs: CJK characters take two columns."""
    lines = value.splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in lines)


def _put(ws, row: int, column: int, value: str):
    """Write a cell as text: control characters dropped, formula-looking strings never run as formulas."""
    cell = ws.cell(row=row, column=column, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    if value.startswith(FORMULA_STARTS):
        # openpyxl turns "=…" into a formula cell; data_type "s" stores it as a string, and
        # quotePrefix keeps Excel/WPS from reading it as one when the user edits the cell.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def talent_export_xlsx(*, talents: QuerySet, user, today: datetime.date, full: bool = False) -> bytes:
    """The talent list as .xlsx (``talent_export`` without the row count)."""
    return talent_export(talents=talents, user=user, today=today, full=full)[0]


def talent_export(*, talents: QuerySet, user, today: datetime.date, full: bool = False) -> tuple[bytes, int]:
    """The talent list as .xlsx and its number of rows: a title row naming the organisation, a frozen
    header, one row per talent; masked unless ``full`` (see ``talent_rows``)."""
    org = Organization.current()
    header = TALENT_HEADERS
    wb = Workbook()
    ws = wb.active
    ws.title = gettext("Talents")
    title = _put(ws, 1, 1, f"{org.committee_name} {gettext('Talent list')}（{today:%Y-%m-%d}）")
    title.font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    widths = [_text_width(h) for h in header]
    for col, label in enumerate(header, start=1):
        _put(ws, 2, col, label).font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    row_count = 0
    for row, values in enumerate(talent_rows(talents, user, full=full), start=3):
        row_count += 1
        for col, (key, value) in enumerate(zip(TALENT_FIELDS, values, strict=True), start=1):
            cell = _put(ws, row, col, value)
            if key in WRAPPED_COLUMNS:
                cell.alignment = wrap
            widths[col - 1] = max(widths[col - 1], _text_width(value))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=2, column=col).column_letter].width = min(width + 2, MAX_COLUMN_WIDTH)
    ws.freeze_panes = "B3"  # header row and the name column stay in view
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), row_count


# --- Anonymisation (PIPL Art. 47) ------------------------------------------------------------

ANONYMOUS_NAME = "已删除人员#{id}"
# Cleared by talent_anonymise: everything that identifies or describes the person. Kept: gender,
# ethnicity, category, unit, village, position and the pairings and contacts, so that counts and
# reports of past years stay true.
ANONYMISED_FIELDS = (
    "name",
    "id_number",
    "birth_month",
    "phone",
    "address",
    "thoughts",
    "photo",
    "achievements",
    "honours",
    "school_and_major",
)
ANONYMISED_CONTACT_FIELDS = (
    "situation_thought",
    "situation_work",
    "situation_study",
    "situation_health",
    "situation_life",
)


@transaction.atomic
def talent_anonymise(*, talent: Talent, reason: str, by) -> Talent:
    """个人信息删除 (PIPL Art. 47): the talent's personal data is erased, the record stays countable.

    The name becomes 「已删除人员#<id>」; the ID number, date of birth, phone, address, 思想动态,
    photo, achievements, honours and school are cleared, as are the situation notes and photos of
    the talent's contacts. The talent is moved out with ``reason`` (their open pairings end). Pairings
    and contacts stay: no hard delete.

    The rows are written with ``QuerySet.update`` so the audit receiver never logs the old values;
    one entry records the anonymisation, each field as "(changed)". Files go after the commit.
    """
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from contacts.models import ContactPhoto

    from . import audit

    if not access.is_office(by):
        raise PermissionDenied("Only the Party building office erases a talent's personal data.")
    talent = Talent.objects.select_for_update().get(pk=talent.pk)
    files = [talent.photo.name] if talent.photo else []
    photos = ContactPhoto.objects.filter(contact__pairing__talent=talent)
    files += [name for name in photos.values_list("image", flat=True) if name]
    photos.delete()
    contacts = Contact.objects.filter(pairing__talent=talent)
    cleared_contacts = contacts.update(**dict.fromkeys(ANONYMISED_CONTACT_FIELDS, ""))
    anonymous_name = ANONYMOUS_NAME.format(id=talent.pk)
    Talent.objects.filter(pk=talent.pk).update(
        name=anonymous_name,
        name_pinyin=pinyin_key(anonymous_name),  # the old name's pinyin is personal data too
        id_number="",
        birth_month=None,
        phone="",
        address="",
        thoughts="",
        photo="",
        achievements="",
        honours="",
        school_and_major="",
        updated_by=by,
        updated_at=timezone.now(),
    )
    talent.refresh_from_db()
    if talent.status == Talent.Status.IN_POOL:
        talent_move_out(talent=talent, on=timezone.localdate(), reason=reason, by=by)
    audit.record(
        action=audit.Action.UPDATE,
        obj=talent,
        changes=dict.fromkeys(ANONYMISED_FIELDS, audit.CHANGED),
        extra={"anonymised": True, "reason": reason[:200], "contacts_cleared": cleared_contacts},
        user=by,
    )

    def delete_files() -> None:
        storage = Talent._meta.get_field("photo").storage
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return talent
