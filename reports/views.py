"""The office's overview pages: the dashboard (R16) and the yearly compliance table (R9). Read-only."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import MONTHS_AP
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from contacts.models import Level, Term
from talents import access

from . import stats, svg


def _check_overview(user) -> None:
    if not access.can_view_work_overview(user):
        raise PermissionDenied


def dashboard_charts(data: stats.Dashboard) -> dict:
    """The dashboard's SVG charts, built from figures already counted (no query)."""
    year = data.year
    return {
        "contacted": svg.share_bar(
            value=data.contacted_count,
            total=data.pairings_total,
            label=_("contacted"),
            rest_label=_("not yet contacted"),
            title=_("Talents contacted in %(year)s") % {"year": year},
            ident="contacted",
            empty_label=_("no pairings in force"),
        ),
        "face": svg.share_bar(
            value=data.face_total,
            total=data.contacts_total,
            label=_("face-to-face talk"),
            rest_label=_("other methods"),
            title=_("Share of face-to-face contacts in %(year)s") % {"year": year},
            ident="face",
            empty_label=_("no contacts yet"),
        ),
        "months": svg.bar_chart(
            [(str(MONTHS_AP[m.month]), m.total) for m in data.months],
            title=_("Contacts per month in %(year)s") % {"year": year},
            ident="months",
        ),
        "demands": svg.stacked_bar(
            [(label, n) for _code, label, n in data.demands.by_status],
            title=_("Demands raised in %(year)s by status") % {"year": year},
            ident="demands",
            empty_label=_("no demands yet"),
        ),
        "reports": svg.stacked_bar(
            [(label, n) for _code, label, n in data.report_counts],
            title=_("Village reports for %(year)s") % {"year": year},
            ident="reports",
            empty_label=_("no villages"),
        ),
    }


def dashboard_context(*, today: datetime.date) -> dict:
    """What ``templates/reports/_dashboard.html`` needs; the home page includes the same partial."""
    data = stats.dashboard(today=today)
    # Drawn only when the template's cached yearly sections are made again (at most once a minute).
    return {"dash": data, "dash_charts": SimpleLazyObject(lambda: dashboard_charts(data))}


@login_required
@require_safe
def dashboard(request):
    _check_overview(request.user)
    return render(request, "reports/dashboard.html", dashboard_context(today=timezone.localdate()))


class ComplianceFilter(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    term = forms.ModelChoiceField(
        label=gettext_lazy("Term"),
        queryset=Term.objects.order_by("-start_date"),
        required=False,
        empty_label=gettext_lazy("All terms"),
    )

    def clean(self):
        data = super().clean()
        year, term = data.get("year"), data.get("term")
        if year and term and not (term.start_date.year <= year <= term.end_date.year):
            self.add_error("year", _("%(year)s is outside the term %(term)s.") % {"year": year, "term": term})
        return data

    def years(self, today: datetime.date) -> list[int]:
        """The years to show: the one asked for, else all years of the chosen term, else this year."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("year"):
            return [data["year"]]
        term = data.get("term")
        if term:
            return list(range(term.start_date.year, term.end_date.year + 1))
        return [today.year]


@login_required
@require_safe
def compliance(request):
    """Per year (and term), each pairing and whether the at-least-once-a-year rule was met (R9), not met first."""
    _check_overview(request.user)
    today = timezone.localdate()
    form = ComplianceFilter(request.GET or None)
    years = form.years(today)
    term = form.cleaned_data.get("term") if form.is_bound and form.is_valid() else None
    # Each level's list has its own page number: ?page_township=2 (kept by the other level's links).
    pages = {level: _page_number(request.GET.get(f"page_{level}")) for level in Level.values}
    report = stats.compliance(years=years, term=term, today=today, pages=pages)
    for section in report.sections:
        param = f"page_{section.level}"
        section.previous_url = _with_param(request, param, section.page - 1)
        section.next_url = _with_param(request, param, section.page + 1)
    return render(request, "reports/compliance.html", {"form": form, "today": today, "report": report})


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and 0 < len(value) < 7 else 1


def _with_param(request, name: str, value: int) -> str:
    query = request.GET.copy()
    query[name] = str(value)
    return "?" + query.urlencode()
