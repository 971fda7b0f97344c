"""The ledger pages: demands (R14), suggestions (R3), major events (R17), recommendations (R15), feedback (R13).

Each list shows exactly the user's scope (talents/access.py); readers such as leaders get the
same lists without the forms, and a post from them is refused.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from talents import access
from talents.models import Unit
from talents.validators import parse_pk
from talents.widgets import BoundedPaginator

from . import ledger
from .ledger_forms import (
    ALL,
    DemandEditForm,
    DemandEntryForm,
    DemandFilterForm,
    EventFilterForm,
    EventForm,
    FeedbackAnswerForm,
    FeedbackFilterForm,
    FeedbackForm,
    FilterForm,
    RecommendationFilterForm,
    RecommendationForm,
    RecommendationOutcomeForm,
    SuggestionAnswerForm,
    SuggestionFilterForm,
    SuggestionForwardForm,
)
from .models import Cadre, Contact, Demand, Feedback, MajorEvent, Recommendation, Suggestion, Term

PER_PAGE = 50


def _require_section(user, section: str) -> None:
    if section not in access.ledger_sections(user):
        raise PermissionDenied


def _page(request, qs):
    """A page of the list; the count stops at ``COUNT_CAP`` rows, so no page view counts a whole table."""
    return BoundedPaginator(qs, PER_PAGE).get_page(request.GET.get("page"))


def _years(qs, field: str) -> list[int]:
    """The years from the newest row back to the oldest, for the year filter (one query).

    The first and last dates through the field's index, not DISTINCT over a year function: that
    would call a date function on every row of the table (SQLite) on every page view. One query
    when there are no rows, two otherwise."""
    # Two queries of one row each: SQLite answers MIN or MAX alone from the index, both at once by a scan.
    dates = qs.order_by().values_list(field, flat=True)
    first = dates.order_by(field).first()
    if first is None:
        return []
    last = dates.order_by(f"-{field}").first()
    if isinstance(first, datetime.datetime):
        first, last = timezone.localtime(first), timezone.localtime(last)
    return list(range(last.year, first.year - 1, -1))


def _list_page(request, template: str, page, filter_form, **context):
    return render(request, template, {"page": page, "filters": filter_form} | context)


def _get_demand_for_user(user, pk: int) -> Demand:
    qs = access.demands_for(user).select_related("talent__unit", "responsible_unit", "coordinating_cadre")
    return get_object_or_404(qs, pk=pk)


def _get_suggestion_for_user(user, pk: int) -> Suggestion:
    qs = access.suggestions_for(user).select_related("talent", "contact__pairing__cadre", "created_by")
    return get_object_or_404(qs, pk=pk)


def _get_event_for_user(user, pk: int) -> MajorEvent:
    qs = access.events_for(user).select_related("talent", "reporting_unit", "cadre", "acknowledged_by")
    return get_object_or_404(qs, pk=pk)


def _get_recommendation_for_user(user, pk: int) -> Recommendation:
    qs = access.recommendations_for(user).select_related("talent", "organization")
    return get_object_or_404(qs, pk=pk)


def _get_feedback_for_user(user, pk: int) -> Feedback:
    qs = access.feedback_for(user).select_related("unit", "talent", "cadre", "handled_by", "created_by")
    return get_object_or_404(qs, pk=pk)


# --- Contact register (联系记录登记簿) --------------------------------------------------------------


class ContactFilterForm(FilterForm):
    method = forms.ChoiceField(label=gettext_lazy("Method"), required=False, choices=[ALL, *Contact.Method.choices])
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), required=False, coerce=int, empty_value=None)
    urgent = forms.BooleanField(label=gettext_lazy("Urgent only"), required=False)


def _term_years(today) -> list[int]:
    """Contacts happen within terms: the years of the terms up to this one (the Term table is tiny)."""
    row = Term.objects.aggregate(first=Min("start_date"), last=Max("end_date"))
    if row["first"] is None:
        return []
    return list(range(min(row["last"].year, today.year), row["first"].year - 1, -1))


@login_required
def contact_list(request):
    """The contact register on screen: who met whom, when and how; the same readers as its export."""
    user = request.user
    if not access.can_export_contact_register(user):
        raise PermissionDenied
    form = ContactFilterForm(request.GET, years=_term_years(timezone.localdate()))
    filters = {k: v for k, v in form.filters().items() if k in ("year", "method", "urgent")}
    register = ledger.contact_register(user, before=request.GET.get("before", ""), **filters)
    older = ""
    if register.older:
        query = request.GET.copy()
        query["before"] = register.older
        older = "?" + query.urlencode()
    newest = ""
    if request.GET.get("before"):
        query = request.GET.copy()
        query.pop("before")
        newest = "?" + query.urlencode()
    return render(
        request,
        "ledger/contact_list.html",
        {"filters": form, "contacts": register.rows, "older": older, "newest": newest},
    )


# --- Demand ledger (R14) -------------------------------------------------------------------------


def _demand_filter_names(user, demands) -> dict:
    """The units and cadres a typed name is matched against: those of the user's own demands (all for
    the office and leaders), so a name outside the user's scope matches nothing. Queried only when typed."""
    if access.sees_everything(user):
        return {"units": Unit.objects.all(), "cadres": Cadre.objects.all()}
    units = Q(pk__in=demands.values("responsible_unit")) | Q(pk__in=demands.values("talent__unit"))
    return {
        "units": Unit.objects.filter(units),
        "cadres": Cadre.objects.filter(pk__in=demands.values("coordinating_cadre")),
    }


@login_required
def demand_list(request):
    user, today = request.user, timezone.localdate()
    _require_section(user, "demands")
    demands = access.demands_for(user)
    form = DemandFilterForm(request.GET, years=_years(demands, "raised_on"), **_demand_filter_names(user, demands))
    page = _page(request, ledger.demand_ledger(user, today=today, **form.filters()))
    page.object_list = ledger.demand_rows(user, page.object_list)
    return _list_page(
        request,
        "ledger/demand_list.html",
        page,
        form,
        can_add=access.talents_for_demand_entry(user).exists(),
    )


@login_required
def demand_new(request):
    user = request.user
    talents = access.talents_for_demand_entry(user)
    if not talents.exists():
        raise PermissionDenied
    if request.method == "POST":
        form = DemandEntryForm(request.POST, talents=talents)
        if form.is_valid():
            demand = ledger.demand_create(by=user, **form.cleaned_data)
            messages.success(request, _("Demand entered in the ledger."))
            return redirect("contacts:demand", demand.pk)
    else:
        initial = {"raised_on": timezone.localdate(), "source": Demand.Source.UNIT}
        talent_pk = parse_pk(request.GET.get("talent"))
        if talent_pk and talents.filter(pk=talent_pk).exists():
            initial["talent"] = request.GET["talent"]
        form = DemandEntryForm(initial=initial, talents=talents)
    return render(request, "ledger/demand_form.html", {"form": form})


@login_required
def demand_edit(request, pk: int):
    user = request.user
    demand = _get_demand_for_user(user, pk)
    if not access.can_edit_demand(user, demand):
        raise PermissionDenied
    form = DemandEditForm(request.POST or None, demand=demand)
    if request.method == "POST" and form.is_valid():
        changed = ledger.demand_update(demand=demand, by=user, **form.cleaned_data)
        messages.success(request, _("Ledger entry saved.") if changed else _("Nothing was changed."))
        return redirect("contacts:demand", demand.pk)
    return render(
        request,
        "ledger/demand_edit.html",
        {"form": form, "demand": demand},
    )


# --- Suggestions (R3) ----------------------------------------------------------------------------


@login_required
def suggestion_list(request):
    user = request.user
    _require_section(user, "suggestions")
    form = SuggestionFilterForm(request.GET, years=_years(access.suggestions_for(user), "created_at"))
    page = _page(request, ledger.suggestion_list(user, **form.filters()))
    return _list_page(request, "ledger/suggestion_list.html", page, form)


def _suggestion_page(request, suggestion, **forms):
    can_answer = access.can_answer_suggestion(request.user, suggestion)
    undecided = suggestion.status in (Suggestion.Status.COLLECTED, Suggestion.Status.FORWARDED)
    forms.setdefault("forward_form", SuggestionForwardForm(initial={"forwarded_to": suggestion.forwarded_to}))
    forms.setdefault("answer_form", SuggestionAnswerForm())
    return render(
        request,
        "ledger/suggestion_detail.html",
        {
            "suggestion": suggestion,
            "can_answer": can_answer and undecided,
            **forms,
        },
    )


@login_required
def suggestion_detail(request, pk: int):
    return _suggestion_page(request, _get_suggestion_for_user(request.user, pk))


def _get_suggestion_to_answer(request, pk: int) -> Suggestion:
    suggestion = _get_suggestion_for_user(request.user, pk)
    if not access.can_answer_suggestion(request.user, suggestion):
        raise PermissionDenied
    return suggestion


def _already_decided(request, suggestion) -> bool:
    if suggestion.status in (Suggestion.Status.ADOPTED, Suggestion.Status.NOT_ADOPTED):
        messages.error(request, _("This suggestion has already been answered."))
        return True
    return False


@login_required
@require_POST
def suggestion_forward(request, pk: int):
    suggestion = _get_suggestion_to_answer(request, pk)
    if _already_decided(request, suggestion):
        return redirect("ledger:suggestion", suggestion.pk)
    form = SuggestionForwardForm(request.POST)
    if not form.is_valid():
        return _suggestion_page(request, suggestion, forward_form=form)
    ledger.suggestion_forward(suggestion=suggestion, **form.cleaned_data)
    messages.success(request, _("Suggestion forwarded."))
    return redirect("ledger:suggestion", suggestion.pk)


@login_required
@require_POST
def suggestion_answer(request, pk: int):
    suggestion = _get_suggestion_to_answer(request, pk)
    if _already_decided(request, suggestion):
        return redirect("ledger:suggestion", suggestion.pk)
    form = SuggestionAnswerForm(request.POST)
    if not form.is_valid():
        return _suggestion_page(request, suggestion, answer_form=form)
    ledger.suggestion_answer(suggestion=suggestion, **form.cleaned_data)
    messages.success(request, _("Answer recorded."))
    return redirect("ledger:suggestion", suggestion.pk)


# --- Major-event reports (R17) -------------------------------------------------------------------


@login_required
def event_list(request):
    user = request.user
    _require_section(user, "events")
    form = EventFilterForm(request.GET, years=_years(access.events_for(user), "date"))
    events = ledger.event_list(user, **form.filters())
    # Family and health reports: the description only for those who may read it (privacygaps, PIPL Art. 28).
    readable = access.events_with_readable_description(user).filter(pk=OuterRef("pk"))
    page = _page(request, events.annotate(description_readable=Exists(readable)))
    for event in page:
        event.can_acknowledge = access.can_acknowledge_event(user, event)
    return _list_page(
        request,
        "ledger/event_list.html",
        page,
        form,
        can_add=access.talents_of_own_units(user).exists(),
    )


@login_required
def event_new(request):
    user = request.user
    talents = access.talents_of_own_units(user)
    if not talents.exists():
        raise PermissionDenied
    office = access.is_office(user)
    if request.method == "POST":
        form = EventForm(request.POST, talents=talents, user=user, office=office)
        if form.is_valid():
            event = ledger.event_file(by=user, **form.cleaned_data)
            messages.success(request, _("Report sent to the cadre in charge and the office."))
            return redirect("ledger:event", event.pk)
    else:
        initial = {"date": timezone.localdate(), "reporter_name": user.get_full_name() or user.username}
        talent_pk = parse_pk(request.GET.get("talent"))
        if talent_pk and talents.filter(pk=talent_pk).exists():
            initial["talent"] = request.GET["talent"]
        form = EventForm(initial=initial, talents=talents, user=user, office=office)
    return render(request, "ledger/event_form.html", {"form": form})


@login_required
def event_detail(request, pk: int):
    event = _get_event_for_user(request.user, pk)
    return render(
        request,
        "ledger/event_detail.html",
        {
            "event": event,
            "can_acknowledge": access.can_acknowledge_event(request.user, event),
            "description_readable": access.can_read_sensitive_event(request.user, event),
        },
    )


@login_required
@require_POST
def event_acknowledge(request, pk: int):
    event = _get_event_for_user(request.user, pk)
    if not access.can_acknowledge_event(request.user, event):
        raise PermissionDenied
    if ledger.event_acknowledge(event=event, by=request.user):
        messages.success(request, _("Report acknowledged."))
    else:
        messages.info(request, _("This report was already acknowledged."))
    back = request.POST.get("back")  # acknowledged from the home page or the list: go back there
    if back == "home":
        return redirect("home")
    if back == "list":
        return redirect("ledger:events")
    return redirect("ledger:event", event.pk)


# --- Recommendations (R15) -----------------------------------------------------------------------


@login_required
def recommendation_list(request):
    user = request.user
    _require_section(user, "recommendations")
    scope = access.recommendations_for(user)
    everything = access.sees_everything(user)
    form = RecommendationFilterForm(
        request.GET,
        # Every village for the office and leaders, typed; the secretary's own, offered as a select.
        villages=Unit.objects.villages() if everything else Unit.objects.filter(secretary=user),
        own_villages=not everything,
        years=scope.values_list("year", flat=True).distinct().order_by("-year"),
    )
    page = _page(request, ledger.recommendation_list(user, **form.filters()))
    for item in page:
        item.can_edit = access.can_edit_recommendation(user, item)
    return _list_page(
        request,
        "ledger/recommendation_list.html",
        page,
        form,
        can_add=access.talents_for_recommendation(user).exists(),
    )


@login_required
def recommendation_new(request):
    user = request.user
    talents = access.talents_for_recommendation(user)
    if not talents.exists():
        raise PermissionDenied
    form = RecommendationForm(request.POST or None, talents=talents)
    if request.method == "POST" and form.is_valid():
        try:
            ledger.recommendation_create(by=user, **form.cleaned_data)
        except IntegrityError:  # the same recommendation saved a moment ago by someone else
            form.add_error(None, _("This recommendation is already recorded."))
        else:
            messages.success(request, _("Recommendation recorded."))
            return redirect("ledger:recommendations")
    return render(request, "ledger/recommendation_form.html", {"form": form})


@login_required
def recommendation_edit(request, pk: int):
    user = request.user
    item = _get_recommendation_for_user(user, pk)
    if not access.can_edit_recommendation(user, item):
        raise PermissionDenied
    form = RecommendationOutcomeForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        ledger.recommendation_update(recommendation=item, **form.cleaned_data)
        messages.success(request, _("Outcome saved."))
        return redirect("ledger:recommendations")
    return render(
        request,
        "ledger/recommendation_edit.html",
        {"form": form, "item": item},
    )


# --- Unit feedback (R13) -------------------------------------------------------------------------


@login_required
def feedback_list(request):
    user = request.user
    _require_section(user, "feedback")
    form = FeedbackFilterForm(request.GET, years=_years(access.feedback_for(user), "created_at"))
    page = _page(request, ledger.feedback_list(user, **form.filters()))
    return _list_page(
        request,
        "ledger/feedback_list.html",
        page,
        form,
        can_add=access.units_for_feedback(user).exists(),
    )


@login_required
def feedback_new(request):
    user = request.user
    units = access.units_for_feedback(user)
    if not units.exists():
        raise PermissionDenied
    form = FeedbackForm(request.POST or None, units=units, talents=access.talents_of_own_units(user))
    if request.method == "POST" and form.is_valid():
        ledger.feedback_file(by=user, **form.cleaned_data)
        messages.success(request, _("Feedback sent to the office."))
        return redirect("ledger:feedback")
    return render(request, "ledger/feedback_form.html", {"form": form})


def _feedback_page(request, item, answer_form=None):
    can_answer = access.can_answer_feedback(request.user) and item.status != Feedback.Status.HANDLED
    return render(
        request,
        "ledger/feedback_detail.html",
        {
            "item": item,
            "can_answer": can_answer,
            "answer_form": answer_form or FeedbackAnswerForm(initial={"handling": item.handling}),
        },
    )


@login_required
def feedback_detail(request, pk: int):
    return _feedback_page(request, _get_feedback_for_user(request.user, pk))


@login_required
@require_POST
def feedback_answer(request, pk: int):
    item = _get_feedback_for_user(request.user, pk)
    if not access.can_answer_feedback(request.user):
        raise PermissionDenied
    if item.status == Feedback.Status.HANDLED:
        messages.error(request, _("This feedback is already closed."))
        return redirect("ledger:feedback_detail", item.pk)
    form = FeedbackAnswerForm(request.POST)
    if not form.is_valid():
        return _feedback_page(request, item, answer_form=form)
    ledger.feedback_answer(feedback=item, by=request.user, **form.cleaned_data)
    messages.success(request, _("Feedback closed.") if form.cleaned_data["close"] else _("Handling recorded."))
    return redirect("ledger:feedback_detail", item.pk)
