"""The talent database pages (R1, R11): the list with search and filters, its Excel export,
add/edit forms and 调整出库. The talent's own page is ``contacts:talent``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Pairing
from reports.exporters.base import Exporter, ExportResult, export_log, file_response

from . import access, audit, search, services
from .forms import LiaisonTalentForm, MoveOutForm, TalentFilterForm, TalentForm
from .models import Talent
from .widgets import BoundedPaginator, url_for_rows

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get_filtered_talents_for_user(request, today):
    """The list's talents for a reader of the database, narrowed by the query string's filters."""
    if not access.can_read_talent_database(request.user):
        raise PermissionDenied
    form = TalentFilterForm(request.GET)
    filters = form.filters()
    # The unit and village typed as names: matched by a join in the list's own query.
    talents = access.talents_for(request.user).filter(
        *(filters.pop(name).q(name) for name in ("village", "unit") if name in filters)
    )
    talents = services.talents_filtered(talents, filters, today=today)
    return form, search.search_order(talents) if filters.get("q") else talents


def _get_talent_to_edit(user, pk: int) -> Talent:
    """Outside the user's scope: 404; in scope but not theirs to edit (a cadre, a leader): 403."""
    talent = get_object_or_404(access.talents_for(user).select_related("unit", "village"), pk=pk)
    if not access.can_edit_talent(user, talent):
        raise PermissionDenied
    return talent


def _get_talent_to_move_out(user, pk: int) -> Talent:
    if not access.can_change_talent_database(user):
        raise PermissionDenied
    return get_object_or_404(access.talents_for(user).select_related("unit", "village"), pk=pk)


# Each row's links, reversed once per page rather than 4 × 50 times.
ROW_LINKS = {
    "url": "contacts:talent",
    "edit_url": "talents:edit",
    "move_out_url": "talents:move_out",
    "reveal_url": "contacts:talent_reveal",
}


def _logged_filters(query) -> dict:
    return {key: ("…" if key == "q" else value) for key, value in query.items() if value}


@login_required
def talent_list(request):
    today = timezone.localdate()
    form, talents = _get_filtered_talents_for_user(request, today)
    talents = services.talents_for_list(talents, user=request.user, year=today.year)
    page = BoundedPaginator(talents, PAGE_SIZE).get_page(request.GET.get("page"))
    revealed = audit.revealed(request)  # full phones only after a logged 显示 (issue 6, item 3)
    links = {attr: url_for_rows(name) for attr, name in ROW_LINKS.items()}
    # Labels per page, not per row: get_FOO_display hashes every lazy label of the field on each call.
    genders, categories = dict(Talent.Gender.choices), dict(Talent.Category.choices)
    for talent in page:
        talent.gender_label, talent.category_label = genders.get(talent.gender), categories.get(talent.category)
        talent.age = talent.age_on(today)
        talent.phone_revealed = talent.personal and (talent.pk, "phone") in revealed
        for attr, link in links.items():
            setattr(talent, attr, link(talent.pk))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "talents/talent_list.html",
        {
            "form": form,
            "page": page,
            "year": today.year,
            "can_change": access.can_change_talent_database(request.user),
            "export_query": query.urlencode(),
            # The full-values export is a form repeating the filters as hidden fields, with a checkbox to tick.
            "export_fields": [(key, value) for key, values in query.lists() if key != "full" for value in values],
            "can_export_full": access.may_export_full_personal_data(request.user),
            "here": request.get_full_path(),
        },
    )


class TalentListExport(Exporter):
    """The talent list page's own export, so it is logged like the official outputs (not on /exports/)."""

    identifier = "talent_list"
    verbose_name = gettext_lazy("Talent list")
    formats = ("xlsx",)
    listed = False


@login_required
def talent_export(request):
    """The list as filtered on screen, as .xlsx: ID numbers and phones masked, addresses blank, unless
    the user ticks 「包含完整身份证号和手机号」 (``full=1``); then the rows whose personal data they may see
    have full values. Every export goes to the export log and the audit log with the option and the rows."""
    today = timezone.localdate()
    _form, talents = _get_filtered_talents_for_user(request, today)
    full = request.GET.get("full") == "1" and access.may_export_full_personal_data(request.user)
    content, row_count = services.talent_export(talents=talents, user=request.user, today=today, full=full)
    # The filters, not the search text: it may be a phone number.
    exporter = TalentListExport(user=request.user, full=full, filters=_logged_filters(request.GET))
    result = ExportResult(
        filename=f"{_('Talent list')}-{today:%Y%m%d}.xlsx", content_type=XLSX, content=content, row_count=row_count
    )
    export_log(exporter=exporter, fmt="xlsx", result=result)
    return file_response(result)  # private, no-store: personal data, no copies in caches


@login_required
def talent_new(request):
    if not access.can_change_talent_database(request.user):
        raise PermissionDenied
    form = TalentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        talent = services.talent_save(form=form, by=request.user)
        messages.success(request, _("%(name)s added to the talent database.") % {"name": talent.name})
        return redirect("contacts:talent", talent.pk)
    return render(request, "talents/talent_form.html", {"form": form, "talent": None})


@login_required
def talent_edit(request, pk: int):
    talent = _get_talent_to_edit(request.user, pk)
    form_class = TalentForm if access.can_edit_talent_fully(request.user) else LiaisonTalentForm
    form = form_class(request.POST or None, request.FILES or None, instance=talent)
    if request.method == "POST" and form.is_valid():
        talent = services.talent_save(form=form, by=request.user)
        messages.success(request, _("Changes to %(name)s saved.") % {"name": talent.name})
        return redirect("contacts:talent", talent.pk)
    return render(request, "talents/talent_form.html", {"form": form, "talent": talent})


@login_required
def talent_move_out(request, pk: int):
    """调整出库: a confirmation page; only its POST changes anything. The talent is never deleted."""
    talent = _get_talent_to_move_out(request.user, pk)
    if talent.status == Talent.Status.OUT:
        return render(request, "talents/talent_move_out.html", {"talent": talent, "already_out": True})
    form = MoveOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ended = services.talent_move_out(talent=talent, by=request.user, **form.cleaned_data)
        text = _("%(name)s moved out of the talent database.") % {"name": talent.name}
        if ended:
            cadres = "、".join(p.cadre.name for p in ended)
            text += " " + _("Pairings ended: %(cadres)s.") % {"cadres": cadres}
        messages.success(request, text)
        return redirect(f"{reverse('talents:list')}?status=out")
    pairings = Pairing.objects.open().filter(talent=talent).select_related("cadre", "term")
    return render(request, "talents/talent_move_out.html", {"talent": talent, "form": form, "pairings": pairings})
