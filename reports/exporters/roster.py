"""联系优秀人才情况一览表 (R20): the term's pairing table, the policy's attachment, in Excel and PDF.

Options (``RosterOptionsForm``; the web view reads them from the query string):

- ``term``: the term (default: the current one). Rows are the pairings in force at the term's end,
  or today while it runs: open pairings, and for a past term those ended by the term's end.
- ``level``: ``township`` (default, the township leadership's pairings) or ``village``.
- ``village``: only the talents of this village (community) — e.g. a village report's appendix.
- ``full_phones``: full phone numbers, for the rows whose personal data the user may see
  (``talents.access.talents_with_personal_data``); everyone else's stay masked. A system run
  (``user=None``, the management command) prints them all when asked.
- ``contacts``: add 本届联系次数 and 最近联系日期 (contacts of the talent's pairings of this level
  in this term, a predecessor cadre's included).

ID numbers are never part of the roster. Mid-term adjustments (``Pairing.replaces`` within the
term) are written in 备注, e.g. 「2024年3月因岗位变动由张三调整为李四」.

The column names, the title pattern and the seal line are the official document's Chinese
wording: like ``talents.services.TALENT_COLUMNS`` they are the file format, not UI text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import NamedTuple

from django import forms
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Contact, Level, Pairing, Term
from talents import access
from talents.models import Organization, Talent, Unit
from talents.validators import mask_phone

from . import register, render
from .base import Exporter, ExportError

HEADERS = [
    "序号",
    "联系领导姓名",
    "职务",
    "人才姓名",
    "性别",
    "出生年月",
    "民族",
    "政治面貌",
    "学历",
    "工作单位及职务",
    "职称(技能等级)",
    "专业特长",
    "人才类别",
    "所在村(社区)",
    "联系电话",
]
CONTACT_HEADERS = ["本届联系次数", "最近联系日期"]
# The columns rows() reads (a pairing row loads five objects: their other fields cost time per row).
ROW_FIELDS = (
    *("start_date", "replaces", "cadre__name", "cadre__title"),
    *("talent__name", "talent__gender", "talent__birth_month", "talent__ethnicity", "talent__political_status"),
    *("talent__education", "talent__position", "talent__title", "talent__speciality", "talent__category"),
    *("talent__phone", "talent__unit__name", "talent__village__name"),
)
# What rows() reads of each pairing, as plain values.
ROW_COLUMNS = ("start_date", "replaces", "cadre_id", "talent_id", *(f for f in ROW_FIELDS if "__" in f))
REMARK_HEADER = "备注"
# Excel widths (characters; a Chinese character counts 2). The PDF uses the same proportions of the A4
# landscape width: the 11 digits of a phone, 专业技术人才 and a six-character post (乡党委副书记) fit on one
# line, long texts wrap.
WIDTHS = [5, 7, 11, 7, 5, 8.5, 5, 8.5, 8.5, 14.5, 10.5, 10.5, 12.5, 8, 12.5]
CONTACT_WIDTHS = [6, 11]
REMARK_WIDTH = 16.5
# PDF cells kept on one line (digits would break mid-number) and centred.
NOWRAP = {"序号", "性别", "出生年月", "民族", "联系电话", "本届联系次数", "最近联系日期"}
CENTRED = {"序号", "性别", "出生年月", "民族", "本届联系次数", "最近联系日期"}


class RosterOptionsForm(forms.Form):
    term = forms.ModelChoiceField(
        label=gettext_lazy("term"), queryset=Term.objects.all(), required=False, empty_label=None
    )
    level = forms.ChoiceField(label=gettext_lazy("level"), choices=Level.choices, required=False)
    village = forms.ModelChoiceField(
        label=gettext_lazy("village (community)"), queryset=Unit.objects.villages(), required=False
    )
    full_phones = forms.BooleanField(label=gettext_lazy("full phone numbers"), required=False)
    contacts = forms.BooleanField(label=gettext_lazy("with contact counts and last contact dates"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["term"].initial = Term.objects.current()


class _Link(NamedTuple):
    """One pairing of a chain of mid-term adjustments, as the remark names it."""

    replaces_id: int | None
    cadre_id: int
    cadre_name: str
    talent_name: str


def _month(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月" if day else ""


@register
class RosterExporter(Exporter):
    identifier = "roster"
    verbose_name = gettext_lazy("Roster of contacts with excellent talents")
    formats = ("xlsx", "pdf")
    options_form = RosterOptionsForm
    pdf_template = "reports/pdf/roster.html"

    def __init__(
        self,
        *,
        user,
        term: Term | None = None,
        level: str = "",
        village: Unit | None = None,
        full_phones: bool = False,
        contacts: bool = False,
    ) -> None:
        term = term or Term.objects.current()
        if term is None:
            raise ExportError(_("There is no current term yet: start one on the pairing board first."))
        super().__init__(
            user=user,
            term=term,
            level=level or Level.TOWNSHIP,
            village=village,
            full_phones=full_phones,
            contacts=contacts,
        )
        self.term = term
        self.level = level or Level.TOWNSHIP
        self.village = village
        self.full_phones = full_phones
        self.with_contacts = contacts

    @classmethod
    def allowed(cls, user) -> bool:
        return access.can_export_roster(user)

    # --- content ------------------------------------------------------------------------------

    @cached_property
    def organization(self) -> Organization:
        return Organization.current()

    @property
    def issuer(self) -> str:
        """Whose list it is: the township Party committee, or the village's Party organisation."""
        if self.level == Level.VILLAGE and self.village is not None:
            return self.village.party_organization
        return self.organization.committee_name

    @property
    def as_of(self) -> datetime.date:
        """The day the list stands on: the term's end, or today while the term runs."""
        return min(self.term.end_date, max(self.today, self.term.start_date))

    def title(self) -> str:
        return f"{self.issuer}联系优秀人才情况一览表（{self.term.name}）"

    def filename(self, fmt: str) -> str:
        village = f"（{self.village.name}）" if self.village is not None else ""
        return f"{self.title()}{village}.{fmt}"

    def headers(self) -> list[str]:
        return HEADERS + (CONTACT_HEADERS if self.with_contacts else []) + [REMARK_HEADER]

    def column_widths(self) -> list[float]:
        return WIDTHS + (CONTACT_WIDTHS if self.with_contacts else []) + [REMARK_WIDTH]

    def seal_line(self) -> str:
        return f"{self.issuer}（盖章）"

    def xlsx_notes(self) -> list[str]:
        return [f"{self.seal_line()}　　　　　　年　　月　　日"]

    def pdf_context(self) -> dict:
        rules = []
        for i, header in enumerate(self.headers(), start=1):
            if header in NOWRAP:
                rules.append(f"td:nth-child({i}) {{ white-space: nowrap; }}")
            if header in CENTRED:
                rules.append(f"td:nth-child({i}) {{ text-align: center; }}")
        return {
            "seal_line": self.seal_line(),
            "village": self.village,
            "column_css": "\n".join(rules),
            **render.table_fonts(),
        }

    def log_options(self) -> dict:
        return {
            "term": self.term.name,
            "level": self.level,
            "village": self.village.name if self.village else None,
            "full_phones": self.full_phones,
            "contacts": self.with_contacts,
        }

    # --- rows ---------------------------------------------------------------------------------

    def pairings(self):
        """The pairings in force, with all each row shows, as one query (ordered as the list is printed)."""
        in_force = Q(end_date__isnull=True) | Q(end_reason=Pairing.EndReason.TERM_ENDED)
        qs = Pairing.objects.filter(in_force, term=self.term, level=self.level, start_date__lte=self.as_of)
        if self.village is not None:
            qs = qs.filter(talent__village=self.village)
        qs = qs.select_related("cadre", "talent", "talent__unit", "talent__village").only(*ROW_FIELDS)
        if self.full_phones and not self.is_system:
            may_see = access.talents_with_personal_data(self.user).filter(pk=OuterRef("talent"))
            qs = qs.annotate(personal=Exists(may_see))
        if self.with_contacts:
            contacts = Contact.objects.filter(
                pairing__term=self.term, pairing__level=self.level, pairing__talent=OuterRef("talent")
            )
            count = contacts.order_by().values("pairing__talent").annotate(n=Count("pk")).values("n")
            last = contacts.order_by().values("pairing__talent").annotate(d=Max("date")).values("d")
            qs = qs.annotate(contact_count=Coalesce(Subquery(count), 0), last_contact=Subquery(last))
        order = ["cadre__sort_order", "cadre__name", "start_date", "pk"]
        if self.level == Level.VILLAGE:
            order = ["talent__village__sort_order", "talent__village__name", *order]
        return qs.order_by(*order)

    def _predecessors(self) -> dict[int, Pairing]:
        """This term's pairings ended by a mid-term adjustment, by pk: the ``replaces`` chains (one query)."""
        ended = (
            Pairing.objects.filter(term=self.term, end_date__isnull=False)
            .exclude(end_reason=Pairing.EndReason.TERM_ENDED)
            .select_related("cadre", "talent")
        )
        return {p.pk: p for p in ended}

    def _remark(self, row, earlier: dict[int, Pairing]) -> str:
        """备注: the mid-term adjustments that led to this pairing (``row`` from ``rows()``), or 补充结对."""
        notes = []
        current, seen = _Link(row.replaces, row.cadre_id, row.cadre__name, row.talent__name), set()
        while current.replaces_id in earlier and current.replaces_id not in seen:
            seen.add(current.replaces_id)
            old = earlier[current.replaces_id]
            reason = old.end_note if old.end_reason == Pairing.EndReason.OTHER and old.end_note else None
            reason = reason or str(old.get_end_reason_display())
            if old.cadre_id != current.cadre_id:
                change = f"由{old.cadre.name}调整为{current.cadre_name}"
            else:
                change = f"联系人才由{old.talent.name}调整为{current.talent_name}"
            notes.append(f"{_month(old.end_date)}因{reason}{change}")
            current = _Link(old.replaces_id, old.cadre_id, old.cadre.name, old.talent.name)
        if not notes and row.replaces is None and row.start_date > self.term.start_date:
            notes.append(f"{_month(row.start_date)}补充结对")
        return "；".join(reversed(notes))

    def _phone(self, row) -> str:
        if self.full_phones and (self.is_system or row.personal):
            return row.talent__phone
        return mask_phone(row.talent__phone)

    def rows(self) -> Iterator[list]:
        earlier = self._predecessors()
        # The Chinese labels once, not a get_FOO_display() per cell (it rebuilds the choices dict each
        # call: a quarter of the export's time). No language switch per row either: only a remark
        # about an adjustment (an end reason) needs one, and the caller's code between rows keeps its own.
        with translation.override("zh-hans"):
            genders = {k: str(v) for k, v in Talent._meta.get_field("gender").flatchoices}
            categories = {k: str(v) for k, v in Talent._meta.get_field("category").flatchoices}
        # Plain tuples, not five model objects a row (their construction was a third of the export).
        pairings = self.pairings()
        columns = [
            *ROW_COLUMNS,
            *(name for name in ("personal", "contact_count", "last_contact") if name in pairings.query.annotations),
        ]
        for number, p in enumerate(pairings.values_list(*columns, named=True), start=1):
            birth = p.talent__birth_month
            row = [
                number,
                p.cadre__name,
                p.cadre__title,
                p.talent__name,
                genders.get(p.talent__gender, p.talent__gender),
                f"{birth:%Y.%m}" if birth else "",
                p.talent__ethnicity,
                p.talent__political_status,
                p.talent__education,
                f"{p.talent__unit__name or ''}{p.talent__position}",
                p.talent__title,
                p.talent__speciality,
                categories.get(p.talent__category, p.talent__category),
                p.talent__village__name or "",
                self._phone(p),
            ]
            if self.with_contacts:
                row += [p.contact_count, f"{p.last_contact:%Y-%m-%d}" if p.last_contact else ""]
            if p.replaces in earlier:
                with translation.override("zh-hans"):
                    row.append(self._remark(p, earlier))
            else:
                row.append(self._remark(p, earlier))
            yield row
