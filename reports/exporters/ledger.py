"""人才诉求台账 (demand ledger) and 联系记录登记簿 (contact register): issue 5, item 5, in Excel and PDF.

Two exporters on the same pattern, each one query of the rows the user may see:

- ``ledger``: the year's demands (``talents.access.demands_for``): the office and leaders every
  demand, a liaison their unit's, a cadre those of their talents or assigned to them, a village
  secretary their village's. Options: ``year`` (raised in; default this year), ``unit`` (the
  responsible unit or the talent's unit), ``status``.
- ``contacts``: the year's contacts (``talents.access.contacts_for``): the office and leaders every
  contact, a cadre their own, a village secretary their village's pairings'. Liaisons read no
  contact notes, so they do not get the register. Options: ``year``, ``unit`` (the talent's unit or
  village), ``method``. The register is for filing: 思想动态 and the health, life, work and study notes
  are never read from the database, let alone written.

The column names and titles are the official documents' Chinese wording (the file format, not UI
text), like ``roster.HEADERS``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django import forms
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy

from contacts.models import Contact, Demand
from talents import access
from talents.models import Organization, Unit

from . import register, render
from .base import Exporter

LEDGER_HEADERS = [
    "序号",
    "人才姓名",
    "工作单位",
    "诉求类型",
    "紧急程度",
    "诉求内容",
    "提出日期",
    "责任单位",
    "协调领导",
    "针对性措施",
    "办理时限",
    "办理状态",
    "办理结果",
    "办结日期",
    "回访满意度",
]
LEDGER_WIDTHS = [5, 8, 14, 9, 8, 24, 11, 13, 8, 20, 11, 9, 20, 11, 9]
CONTACT_HEADERS = [
    "序号",
    "联系日期",
    "联系领导",
    "人才姓名",
    "工作单位",
    "联系方式",
    "发起方",
    "联系内容",
    "地点",
    "情况摘要",
]
CONTACT_WIDTHS = [5, 11, 8, 8, 16, 12, 10, 16, 12, 36]
# Sensitive notes of a contact (思想动态, health, life, …): never loaded for the register.
SENSITIVE_CONTACT_FIELDS = (
    "situation_thought",
    "situation_work",
    "situation_study",
    "situation_health",
    "situation_life",
)
NOWRAP = {"序号", "提出日期", "办理时限", "办结日期", "联系日期"}


def _date(day: datetime.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


class _YearUnitForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=2000, max_value=2100, required=False)
    unit = forms.ModelChoiceField(label=gettext_lazy("unit"), queryset=Unit.objects.all(), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["year"].initial = timezone.localdate().year


class DemandLedgerOptionsForm(_YearUnitForm):
    status = forms.ChoiceField(
        label=gettext_lazy("status"), choices=[("", "---------"), *Demand.Status.choices], required=False
    )


class ContactRegisterOptionsForm(_YearUnitForm):
    method = forms.ChoiceField(
        label=gettext_lazy("method"), choices=[("", "---------"), *Contact.Method.choices], required=False
    )


class _YearlyExporter(Exporter):
    """What both share: the year, the unit filter, the committee in the title, the PDF template."""

    formats = ("xlsx", "pdf")
    pdf_template = "reports/pdf/ledger.html"
    title_pattern = ""
    filter_name = ""  # "status" or "method"

    def __init__(self, *, user, year: int | None = None, unit: Unit | None = None, **filters) -> None:
        super().__init__(user=user, year=year, unit=unit, **filters)
        self.year = year or self.today.year
        self.options["year"] = self.year
        self.unit = unit
        self.filter_value = filters.get(self.filter_name) or ""

    @cached_property
    def organization(self) -> Organization:
        return Organization.current()

    def title(self) -> str:
        return self.title_pattern.format(committee=self.organization.committee_name, year=self.year)

    def filename(self, fmt: str) -> str:
        unit = f"（{self.unit.name}）" if self.unit is not None else ""
        return f"{self.title()}{unit}.{fmt}"

    def log_options(self) -> dict:
        return {
            "year": self.year,
            "unit": self.unit.name if self.unit is not None else None,
            self.filter_name: self.filter_value or None,
        }

    def filter_label(self) -> str:
        return ""

    def pdf_context(self) -> dict:
        rules = [
            f"td:nth-child({i}) {{ white-space: nowrap; text-align: center; }}"
            for i, header in enumerate(self.headers(), start=1)
            if header in NOWRAP
        ]
        return {
            "unit": self.unit,
            "filter_label": self.filter_label(),
            "column_css": "\n".join(rules),
            **render.table_fonts(),
        }


@register
class DemandLedgerExporter(_YearlyExporter):
    identifier = "ledger"
    verbose_name = gettext_lazy("Talent demand ledger")
    options_form = DemandLedgerOptionsForm
    title_pattern = "{committee}人才诉求台账（{year}年）"
    filter_name = "status"

    def __init__(self, *, user, year: int | None = None, unit: Unit | None = None, status: str = "") -> None:
        super().__init__(user=user, year=year, unit=unit, status=status)

    @classmethod
    def allowed(cls, user) -> bool:
        return access.can_export_demand_ledger(user)

    def headers(self) -> list[str]:
        return list(LEDGER_HEADERS)

    def column_widths(self) -> list[float]:
        return list(LEDGER_WIDTHS)

    def filter_label(self) -> str:
        if not self.filter_value:
            return ""
        with translation.override("zh-hans"):
            return f"办理状态：{Demand.Status(self.filter_value).label}"

    def demands(self):
        """The year's demands the user may see, with everything a row shows, in one query."""
        qs = Demand.objects.all() if self.is_system else access.demands_for(self.user)
        qs = qs.filter(raised_on__year=self.year)
        if self.unit is not None:
            qs = qs.filter(Q(responsible_unit=self.unit) | Q(talent__unit=self.unit))
        if self.filter_value:
            qs = qs.filter(status=self.filter_value)
        qs = qs.select_related("talent", "talent__unit", "responsible_unit", "coordinating_cadre")
        return qs.order_by("raised_on", "pk")

    def rows(self) -> Iterator[list]:
        for number, d in enumerate(self.demands(), start=1):
            t = d.talent
            with translation.override("zh-hans"):  # per row: the caller's code between rows keeps its language
                yield [
                    number,
                    t.name,
                    t.unit.name if t.unit else "",
                    str(d.get_kind_display()),
                    str(d.get_urgency_display()),
                    d.content,
                    _date(d.raised_on),
                    d.responsible_unit.name if d.responsible_unit else "",
                    d.coordinating_cadre.name if d.coordinating_cadre else "",
                    d.measures,
                    _date(d.due_date),
                    str(d.get_status_display()),
                    d.result,
                    _date(d.closed_on),
                    str(d.get_satisfaction_display()) if d.satisfaction else "",
                ]


@register
class ContactRegisterExporter(_YearlyExporter):
    identifier = "contacts"
    verbose_name = gettext_lazy("Register of contacts with excellent talents")
    options_form = ContactRegisterOptionsForm
    title_pattern = "{committee}领导干部联系优秀人才记录登记簿（{year}年）"
    filter_name = "method"

    def __init__(self, *, user, year: int | None = None, unit: Unit | None = None, method: str = "") -> None:
        super().__init__(user=user, year=year, unit=unit, method=method)

    @classmethod
    def allowed(cls, user) -> bool:
        return access.can_export_contact_register(user)

    def headers(self) -> list[str]:
        return list(CONTACT_HEADERS)

    def column_widths(self) -> list[float]:
        return list(CONTACT_WIDTHS)

    def filter_label(self) -> str:
        if not self.filter_value:
            return ""
        with translation.override("zh-hans"):
            return f"联系方式：{Contact.Method(self.filter_value).label}"

    def contacts(self):
        """The year's contacts the user may see, in one query, without the sensitive notes."""
        qs = Contact.objects.all() if self.is_system else access.contacts_for(self.user)
        qs = qs.filter(date__year=self.year)
        if self.unit is not None:
            qs = qs.filter(Q(pairing__talent__unit=self.unit) | Q(pairing__talent__village=self.unit))
        if self.filter_value:
            qs = qs.filter(method=self.filter_value)
        qs = qs.select_related("pairing__cadre", "pairing__talent", "pairing__talent__unit")
        return qs.defer(*SENSITIVE_CONTACT_FIELDS).order_by("date", "pk")

    def rows(self) -> Iterator[list]:
        for number, c in enumerate(self.contacts(), start=1):
            t = c.pairing.talent
            with translation.override("zh-hans"):
                yield [
                    number,
                    _date(c.date),
                    c.pairing.cadre.name,
                    t.name,
                    t.unit.name if t.unit else "",
                    str(c.get_method_display()),
                    str(c.get_direction_display()),
                    c.content_types_display,
                    c.place,
                    c.summary,
                ]
