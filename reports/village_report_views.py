"""The December village report (R19): the secretary's edit page, submission, the office's board and downloads.

Who may do what is asked of talents/access.py: the village secretary writes their own village's
report; the office returns or receives it; leaders read and download; everyone else is refused.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from talents import access
from talents.models import Unit

from . import village_reports as vr
from .exporters import village_report as village_export
from .exporters.base import file_response
from .models import VillageReport
from .village_report_forms import NarrativeForm, ReturnForm, SubmitNarrativeForm, YearForm

FIRST_YEAR, LAST_YEAR = 2000, 2100
BOARD_PER_PAGE = 50
EXPORT_FORMATS = village_export.VillageReportExporter.formats


def _check_role(user) -> None:
    if not access.can_view_village_reports(user):
        raise PermissionDenied


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404


def _get_village_for_user(user, pk: int) -> Unit:
    """The village if the user may open its reports: a role check (403), then the record (404)."""
    _check_role(user)
    return get_object_or_404(access.villages_for_reports(user), pk=pk)


def _get_report_for_user(user, village: Unit, year: int) -> VillageReport | None:
    _check_year(year)
    report = access.reports_for(user).filter(village=village, year=year).select_related("submitted_by").first()
    if report is not None:
        report.village = village
    return report


def _default_year(today: datetime.date) -> int:
    """In January the office is still collecting last year's reports."""
    return today.year - 1 if today.month == 1 else today.year


def _report_url(village: Unit, year: int) -> str:
    return reverse("village_reports:report", args=[year, village.pk])


# --- The board -----------------------------------------------------------------------------------


@login_required
@require_safe
def board(request):
    """Every village's report for a year (office, leaders); a secretary sees their own village's row."""
    user, today = request.user, timezone.localdate()
    _check_role(user)
    form = YearForm(request.GET or None)
    year = form.year_or(_default_year(today))
    villages = access.villages_for_reports(user).filter(active=True)
    page = Paginator(villages.order_by("sort_order", "name", "pk"), BOARD_PER_PAGE).get_page(request.GET.get("page"))
    rows = vr.board(villages=villages.filter(pk__in=[v.pk for v in page]), year=year, today=today)
    counts, late_count = _board_counts(villages, year=year, today=today, total=page.paginator.count)
    return render(
        request,
        "village_reports/board.html",
        {
            "form": form,
            "year": year,
            "rows": rows,
            "page": page,
            "counts": counts,
            "late_count": late_count,
            "deadline": vr.report_deadline(year),
            "can_download_all": access.sees_everything(user),
            "years": [year - 1, year + 1],
        },
    )


def _board_counts(villages, *, year: int, today: datetime.date, total: int) -> tuple[list, int]:
    """The board's figures over every village, not only the page's: one grouped query.

    Late, as ``vr.report_is_late``: submitted (or received) after 31 December, or not submitted
    once it has passed."""
    deadline = vr.report_deadline(year)
    after_deadline = timezone.make_aware(
        datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time())
    )
    by_status = {
        g["status"]: g
        for g in VillageReport.objects.filter(year=year, village__in=villages)
        .values("status")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(submitted_at__gte=after_deadline)))
        .order_by()
    }
    per_status = {status: g["n"] for status, g in by_status.items()}
    per_status[vr.NO_REPORT] = total - sum(per_status.values())
    locked = sum(per_status.get(status, 0) for status in vr.LOCKED_STATUSES)
    late = sum(by_status[status]["late"] for status in vr.LOCKED_STATUSES if status in by_status)
    if today > deadline:
        late += total - locked  # not submitted (yet, or again after a return)
    return [(code, label, per_status.get(code, 0)) for code, label in _states()], late


def _states() -> list[tuple[str, str]]:
    return [(vr.NO_REPORT, _("not started")), *VillageReport.Status.choices]


# --- One report ----------------------------------------------------------------------------------


def _report_page(request, village: Unit, year: int, report: VillageReport | None, *, form=None, return_form=None):
    user = request.user
    can_write = access.can_write_village_report(user, village)
    editable = can_write and vr.is_editable(report)
    document = vr.report_document(village=village, year=year, report=report)
    if editable and form is None:
        form = NarrativeForm(initial={s.key: s.text for s in document.sections})
    can_review = access.can_review_village_reports(user) and report is not None
    if can_review and report.status == VillageReport.Status.SUBMITTED and return_form is None:
        return_form = ReturnForm()
    return render(
        request,
        "village_reports/report.html",
        {
            "village": village,
            "year": year,
            "report": report,
            "doc": document,
            "sections": [(s, form[s.key] if editable else None) for s in document.sections],
            "form": form if editable else None,
            "editable": editable,
            "can_review": can_review,
            "return_form": return_form,
            "deadline": vr.report_deadline(year),
            "formats": EXPORT_FORMATS,
        },
    )


@login_required
def report(request, year: int, village_id: int):
    """Read the report; the village's secretary edits it here, saves drafts and goes on to submit."""
    user = request.user
    village = _get_village_for_user(user, village_id)
    existing = _get_report_for_user(user, village, year)
    if request.method != "POST":
        return _report_page(request, village, year, existing)
    if not access.can_write_village_report(user, village) or not vr.is_editable(existing):
        raise PermissionDenied
    submitting = "submit" in request.POST
    form = (SubmitNarrativeForm if submitting else NarrativeForm)(request.POST)
    if not form.is_valid():
        return _report_page(request, village, year, existing, form=form)
    vr.report_save(village=village, year=year, by=user, texts=form.texts())
    if submitting:
        return redirect("village_reports:submit", year, village.pk)
    messages.success(request, _("Draft saved."))
    return redirect(_report_url(village, year))


@login_required
def submit(request, year: int, village_id: int):
    """The confirmation step: what goes to the office, and whether it is late; a POST submits."""
    user = request.user
    village = _get_village_for_user(user, village_id)
    existing = _get_report_for_user(user, village, year)
    if not access.can_write_village_report(user, village) or not vr.is_editable(existing):
        raise PermissionDenied
    check = SubmitNarrativeForm({name: getattr(existing, name, "") for name in vr.NARRATIVE_FIELDS})
    if existing is None or not check.is_valid():
        messages.error(request, _("Fill in every section before submitting."))
        return redirect(_report_url(village, year))
    if request.method == "POST":
        done = vr.report_submit(village=village, year=year, by=user)
        if vr.report_is_late(done, year=year):
            messages.warning(request, _("Report submitted after the deadline; it is marked late."))
        else:
            messages.success(request, _("Report submitted to the office."))
        return redirect(_report_url(village, year))
    today = timezone.localdate()
    return render(
        request,
        "village_reports/submit_confirm.html",
        {
            "village": village,
            "year": year,
            "report": existing,
            "headings": vr.section_headings(),
            "deadline": vr.report_deadline(year),
            "late": today > vr.report_deadline(year),
        },
    )


def _get_report_to_review(request, year: int, village_id: int) -> tuple[Unit, VillageReport]:
    village = _get_village_for_user(request.user, village_id)
    if not access.can_review_village_reports(request.user):
        raise PermissionDenied
    existing = _get_report_for_user(request.user, village, year)
    if existing is None:
        raise Http404
    return village, existing


@login_required
@require_POST
def return_report(request, year: int, village_id: int):
    village, existing = _get_report_to_review(request, year, village_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _report_page(request, village, year, existing, return_form=form)
    try:
        vr.report_return(report=existing, by=request.user, reason=form.cleaned_data["return_reason"])
    except vr.WrongReportState:
        messages.error(request, _("Only a submitted report can be returned."))
    else:
        messages.success(request, _("Report returned to %(village)s.") % {"village": village.name})
    return redirect(_report_url(village, year))


@login_required
@require_POST
def receive_report(request, year: int, village_id: int):
    village, existing = _get_report_to_review(request, year, village_id)
    try:
        vr.report_receive(report=existing, by=request.user)
    except vr.WrongReportState:
        messages.error(request, _("Only a submitted report can be marked received."))
    else:
        messages.success(request, _("Report of %(village)s marked received.") % {"village": village.name})
    return redirect(_report_url(village, year))


# --- Downloads -----------------------------------------------------------------------------------


@login_required
@require_safe
def download(request, year: int, village_id: int, fmt: str):
    """One village's report as PDF, Word or its figures as Excel; leaders and secretaries too (their scope)."""
    village = _get_village_for_user(request.user, village_id)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    existing = _get_report_for_user(request.user, village, year)
    result = village_export.render_one(user=request.user, village=village, year=year, fmt=fmt, report=existing)
    return file_response(result)


@login_required
@require_safe
def download_all(request, year: int):
    """Every active village's report as PDF and Word in one zip (office and leaders)."""
    _check_role(request.user)
    _check_year(year)
    if not access.sees_everything(request.user):
        raise PermissionDenied
    villages = access.villages_for_reports(request.user).filter(active=True)
    return file_response(village_export.render_zip(user=request.user, villages=villages, year=year))
