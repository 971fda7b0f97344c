"""The pages cadres, secretaries and liaisons work in (the office's back room is the admin)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Value
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports.views import dashboard_context
from talents import access, audit
from talents.models import Talent

from . import ledger, services
from .forms import (
    ContactForm,
    DemandCloseForm,
    DemandFollowUpForm,
    DemandFormSet,
    DemandProgressForm,
    SuggestionFormSet,
    ThoughtsForm,
)
from .models import ContactPhoto, Demand, Pairing, Suggestion
from .reminders import reminders_for


def _get_talent_for_user(user, pk: int) -> Talent:
    return get_object_or_404(access.talents_for(user).select_related("unit", "village"), pk=pk)


def _get_demand_for_user(user, pk: int) -> Demand:
    qs = access.demands_for(user).select_related(
        "talent", "talent__unit", "responsible_unit", "coordinating_cadre", "contact"
    )
    return get_object_or_404(qs, pk=pk)


# Urgent items of each kind on the home page: the office's list must not grow with the county (issue 7).
# Ten, the newest first: what fits a glance above the to-dos; older ones move up as these are marked
# handled. Each row with its button cost the office's home page ~0.4 ms to render (25 + 25 was 13 ms).
URGENT_ROWS = 10


def _urgent_items(user) -> tuple[list, list, bool]:
    """The newest urgent items the user sees, each with ``can_handle`` (leaders and secretaries read them,
    not close them), and whether there are more than ``URGENT_ROWS`` of a kind (one row more is read to know).
    """
    contacts = list(
        access.contacts_for(user).urgent_open().select_related("pairing__talent", "pairing__cadre")[: URGENT_ROWS + 1]
    )
    for contact in contacts:
        contact.can_handle = access.can_handle_urgent_contact(user, contact)
    demands = access.demands_for(user).urgent_open().select_related("talent")
    if access.handles_every_demand_seen(user):
        demands = demands.annotate(can_handle=Value(True))
    else:
        handled_by_user = access.demands_handled_by(user).filter(pk=OuterRef("pk"))
        demands = demands.annotate(can_handle=Exists(handled_by_user))
    demands = list(demands[: URGENT_ROWS + 1])
    more = len(contacts) > URGENT_ROWS or len(demands) > URGENT_ROWS
    return contacts[:URGENT_ROWS], demands[:URGENT_ROWS], more


@login_required
def home(request):
    """Where everyone lands: cadres see their talents, the office its urgent items, others their scope."""
    user, today = request.user, timezone.localdate()
    roles = access.roles_of(user)
    urgent_contacts, urgent_demands, urgent_more = _urgent_items(user) if roles else ([], [], False)
    context = {
        "has_role": bool(roles),
        "is_office": access.OFFICE in roles,
        "is_cadre": access.CADRE in roles,
        "today": today,
        "days_left": (today.replace(month=12, day=31) - today).days,
        "reminder_due": services.reminder_due(today),
        "urgent_contacts": urgent_contacts,
        "urgent_demands": urgent_demands,
        "urgent_more": urgent_more,
        "urgent_rows": URGENT_ROWS,
        "pairings": list(services.cadre_pairings(user, today=today)) if access.CADRE in roles else [],
    }
    events = None
    if access.can_view_work_overview(user):
        context.update(dashboard_context(today=today))
        events = (context["dash"].events_count, context["dash"].events)  # the to-dos list them too
    if roles:
        context["reminders"] = reminders_for(user, today)
        context["todos"] = ledger.todos_for(user, today, events=events)
    if roles & {access.VILLAGE_SECRETARY, access.LIAISON}:
        talents = access.talents_for(user).in_pool().select_related("unit", "village").order_by("name")
        context.update(show_scope=True, talents=list(talents))
    return render(request, "contacts/home.html", context)


@login_required
def contact_new(request):
    """记录一次联系: one screen, plain form posts, JavaScript only as a help."""
    pairings = (
        Pairing.objects.open()
        .filter(cadre__user=request.user)
        .select_related("talent", "cadre")
        .order_by("talent__name")
    )
    if access.CADRE not in access.roles_of(request.user) or not pairings:
        raise PermissionDenied
    if request.method == "POST":
        form = ContactForm(request.POST, request.FILES, pairings=pairings)
        suggestions = SuggestionFormSet(request.POST, prefix="sug", queryset=Suggestion.objects.none())
        demands = DemandFormSet(request.POST, prefix="dem", queryset=Demand.objects.none())
        if form.is_valid() and suggestions.is_valid() and demands.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("pairing", "token", "photos")}
            contact, created = services.contact_record(
                pairing=form.cleaned_data["pairing"],
                by=request.user,
                token=form.cleaned_data["token"],
                data=data,
                suggestions=[f.cleaned_data for f in suggestions.forms if f.has_changed()],
                demands=[f.cleaned_data for f in demands.forms if f.has_changed()],
                photos=form.cleaned_data["photos"],
            )
            if created:
                messages.success(request, _("Contact with %(name)s saved.") % {"name": contact.pairing.talent.name})
            return redirect("contacts:talent", contact.pairing.talent_id)
    else:
        initial = {"token": uuid.uuid4()}
        talent_id = request.GET.get("talent")
        chosen = next((p for p in pairings if str(p.talent_id) == talent_id), None)
        if chosen or len(pairings) == 1:
            initial["pairing"] = chosen or pairings[0]
        form = ContactForm(initial=initial, pairings=pairings)
        suggestions = SuggestionFormSet(prefix="sug", queryset=Suggestion.objects.none())
        demands = DemandFormSet(prefix="dem", queryset=Demand.objects.none())
    return render(
        request,
        "contacts/contact_form.html",
        # The only pairing from the list already read, not from the form field's queryset (a second query).
        {
            "form": form,
            "suggestions": suggestions,
            "demands": demands,
            "single": pairings[0] if len(pairings) == 1 else None,
        },
    )


@login_required
def talent_detail(request, pk: int):
    return _talent_page(request, _get_talent_for_user(request.user, pk))


def _talent_page(request, talent, *, thoughts_form: ThoughtsForm | None = None):
    """The talent page; ``thoughts_form`` is a 思想动态 post that did not validate, shown with its errors."""
    user = request.user
    contacts = (
        access.contacts_for(user)
        .filter(pairing__talent=talent)
        .select_related("pairing__cadre")
        .prefetch_related(Prefetch("photos", queryset=ContactPhoto.objects.order_by("pk")))
    )
    show_thoughts = access.can_see_thoughts(user, talent)
    personal = access.can_see_personal_data(user, talent)
    return render(
        request,
        "contacts/talent_detail.html",
        {
            "talent": talent,
            "personal": personal,
            # Full ID number and phone only after a deliberate, logged 显示 (issue 6, item 3).
            "revealed": {f for pk, f in audit.revealed(request) if pk == talent.pk} if personal else set(),
            "show_notice_date": access.is_office(user),
            "show_thoughts": show_thoughts,
            "thoughts_form": (thoughts_form or ThoughtsForm(initial={"thoughts": talent.thoughts}))
            if show_thoughts
            else None,
            "can_record": access.CADRE in access.roles_of(user) and access.is_paired_cadre(user, talent),
            "can_edit": access.can_edit_talent(user, talent),
            "can_view_pairings": access.can_view_pairings(user),
            "pairings": talent.pairings.select_related("cadre", "term").order_by("-start_date"),
            "contacts": contacts,
            "suggestions": access.suggestions_for(user).filter(talent=talent),
            "demands": access.demands_for(user).filter(talent=talent),
        },
    )


@login_required
@require_POST
def talent_thoughts(request, pk: int):
    """思想动态 is written by the paired cadre and the office only (R2)."""
    talent = _get_talent_for_user(request.user, pk)
    if not access.can_see_thoughts(request.user, talent):
        raise PermissionDenied
    form = ThoughtsForm(request.POST)
    if form.is_valid():
        talent.thoughts, talent.updated_by = form.cleaned_data["thoughts"], request.user
        talent.save(update_fields=["thoughts", "updated_by", "updated_at"])
        messages.success(request, _("Thoughts and views saved."))
        return redirect("contacts:talent", talent.pk)
    return _talent_page(request, talent, thoughts_form=form)


@login_required
@require_POST
def talent_reveal(request, pk: int):
    """显示: show one personal value in full for a few minutes, and log who asked (PIPL; issue 6, item 3).

    Not the talent's to see: 404; a talent seen without personal data (leader, secretary): 403.
    """
    talent = _get_talent_for_user(request.user, pk)
    if not access.can_see_personal_data(request.user, talent):
        raise PermissionDenied
    field = request.POST.get("field", "")
    if field not in audit.REVEALABLE_FIELDS:
        return HttpResponseBadRequest()
    audit.reveal_grant(request=request, talent=talent, field=field)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("contacts:talent", args=[talent.pk])
    return redirect(target)


def _demand_page(request, demand, **forms):
    forms.setdefault("progress_form", DemandProgressForm())
    forms.setdefault("close_form", DemandCloseForm(demand=demand))
    forms.setdefault("follow_up_form", DemandFollowUpForm())
    return render(
        request,
        "contacts/demand_detail.html",
        {
            "demand": demand,
            "progress": demand.progress.select_related("created_by"),
            "can_handle": access.can_handle_demand(request.user, demand),
            **forms,
        },
    )


@login_required
def demand_detail(request, pk: int):
    return _demand_page(request, _get_demand_for_user(request.user, pk))


def _get_demand_to_handle(request, pk: int) -> Demand:
    demand = _get_demand_for_user(request.user, pk)
    if not access.can_handle_demand(request.user, demand):
        raise PermissionDenied
    return demand


@login_required
@require_POST
def demand_progress(request, pk: int):
    demand = _get_demand_to_handle(request, pk)
    form = DemandProgressForm(request.POST)
    if not form.is_valid():
        return _demand_page(request, demand, progress_form=form)
    services.demand_add_progress(demand=demand, by=request.user, **form.cleaned_data)
    messages.success(request, _("Progress recorded."))
    return redirect("contacts:demand", demand.pk)


@login_required
@require_POST
def demand_close(request, pk: int):
    demand = _get_demand_to_handle(request, pk)
    form = DemandCloseForm(request.POST, demand=demand)
    if demand.is_closed or not form.is_valid():
        return _demand_page(request, demand, close_form=form)
    services.demand_close(demand=demand, by=request.user, **form.cleaned_data)
    messages.success(request, _("Demand closed. Remember the follow-up visit."))
    return redirect("contacts:demand", demand.pk)


@login_required
@require_POST
def demand_follow_up(request, pk: int):
    demand = _get_demand_to_handle(request, pk)
    form = DemandFollowUpForm(request.POST)
    if not demand.is_closed or not form.is_valid():
        return _demand_page(request, demand, follow_up_form=form)
    services.demand_follow_up(demand=demand, by=request.user, **form.cleaned_data)
    messages.success(request, _("Follow-up recorded."))
    return redirect("contacts:demand", demand.pk)


@login_required
@require_POST
def urgent_handled(request, kind: str, pk: int):
    """Mark an urgent contact or demand handled; it then leaves the highlighted list (R7)."""
    user = request.user
    if kind == "contact":
        item = get_object_or_404(access.contacts_for(user).select_related("pairing__cadre"), pk=pk)
        allowed = access.can_handle_urgent_contact(user, item)
    else:
        item = _get_demand_for_user(user, pk)
        allowed = access.can_handle_demand(user, item)
    if not allowed:
        raise PermissionDenied
    services.urgent_mark_handled(item=item, by=user)
    messages.success(request, _("Marked as handled."))
    return redirect("home")


@login_required
def photo(request, pk: int):
    """Contact photos are served only to those who may read the contact, never from a public URL."""
    item = get_object_or_404(ContactPhoto.objects.select_related("contact"), pk=pk)
    if not access.can_view_photo(request.user, item):
        raise Http404
    audit.record(action=audit.Action.DOWNLOAD, obj=item, object_label=item.image.name, request=request)
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def talent_photo(request, pk: int):
    talent = _get_talent_for_user(request.user, pk)
    if not talent.photo:
        raise Http404
    audit.record(action=audit.Action.DOWNLOAD, obj=talent, extra={"file": "photo"}, request=request)
    response = FileResponse(talent.photo.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response
