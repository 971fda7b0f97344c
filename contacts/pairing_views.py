"""The pairing board (R10, R12): the office proposes and adjusts, the leadership reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from talents import access
from talents.models import Talent
from talents.validators import parse_pk

from . import pairings as services
from .models import Cadre, Pairing, Term
from .pairing_forms import NextTermForm, PairingAdjustForm, PairingEndForm, PairingForm


def _require_view(user) -> None:
    if not access.can_view_pairings(user):
        raise PermissionDenied


def _require_manage(user) -> None:
    if not access.can_manage_pairings(user):
        raise PermissionDenied


def _get_open_pairing_for_user(user, pk: int) -> Pairing:
    _require_manage(user)
    qs = Pairing.objects.open().select_related("cadre", "cadre__village", "talent", "talent__unit", "term")
    return get_object_or_404(qs, pk=pk)


def _current_term() -> Term:
    term = Term.objects.current()
    if term is None:
        raise Http404(_("No term is current. The office sets one up in the back office."))
    return term


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's messages next to the form's fields; others go above the form."""
    errors = exc.update_error_dict({})
    for key, messages_ in errors.items():
        for message in messages_:
            form.add_error(key if key in form.fields else None, message)


def _confirming(request) -> bool:
    return request.POST.get("confirm") == "1"


def _editing(request) -> bool:
    return "edit" in request.POST


@login_required
@require_GET
def board(request):
    user = request.user
    _require_view(user)
    terms = list(Term.objects.order_by("-start_date"))
    term = next((t for t in terms if str(t.pk) == request.GET.get("term")), None)
    if request.GET.get("term") and term is None:
        raise Http404
    term = term or next((t for t in terms if t.is_current), None)
    context = {"terms": terms, "can_manage": access.can_manage_pairings(user)}
    if term is not None:
        context["board"] = services.pairing_board(term=term, terms=terms)
        context["editable"] = context["can_manage"] and term.is_current
    return render(request, "pairings/board.html", context)


@login_required
def pairing_new(request, talent_pk: int | None = None):
    """Propose a pairing, see what it means, confirm. ``talent_pk`` supplements a talent who has none."""
    _require_manage(request.user)
    term = _current_term()
    talent = get_object_or_404(Talent.objects.in_pool(), pk=talent_pk) if talent_pk else None
    if request.method != "POST":
        initial = {"cadre": request.GET.get("cadre")} if request.GET.get("cadre", "").isdigit() else {}
        form = PairingForm(initial=initial, term=term, talent=talent)
        return _pairing_form(request, form, term, talent)
    form = PairingForm(request.POST, term=term, talent=talent)
    if not form.is_valid():
        return _pairing_form(request, form, term, talent)
    data = {"term": term, **form.cleaned_data}
    try:
        if _confirming(request):
            save = services.pairing_supplement if talent else services.pairing_create
            pairing = save(by=request.user, **data)
            messages.success(request, _("Pairing saved: %(pairing)s.") % {"pairing": pairing})
            return redirect("pairings:board")
        proposal = services.pairing_propose(supplement=bool(talent), **data)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _pairing_form(request, form, term, talent)
    if _editing(request):
        return _pairing_form(request, form, term, talent)
    return render(request, "pairings/pairing_confirm.html", {"form": form, "proposal": proposal, "talent": talent})


def _pairing_form(request, form, term, talent):
    return render(request, "pairings/pairing_form.html", {"form": form, "term": term, "talent": talent})


@login_required
def pairing_adjust(request, pk: int):
    """Mid-term change on a post change (R12): form, confirmation listing the handover, then one transaction."""
    pairing = _get_open_pairing_for_user(request.user, pk)
    term = _current_term()
    if request.method != "POST":
        return _adjust_form(request, PairingAdjustForm(pairing=pairing), pairing)
    form = PairingAdjustForm(request.POST, pairing=pairing)
    if not form.is_valid():
        return _adjust_form(request, form, pairing)
    data = form.cleaned_data
    change = {
        "pairing": pairing,
        "term": term,
        "end_date": data["end_date"],
        "cadre": data["cadre"],
        "talent": data["talent"],
        "exception_reason": data["exception_reason"],
    }
    try:
        if _confirming(request):
            new = services.pairing_adjust(
                by=request.user, end_reason=data["end_reason"], end_note=data["end_note"], **change
            )
            messages.success(request, _("Pairing adjusted: %(pairing)s.") % {"pairing": new})
            return redirect("pairings:board")
        proposal = services.pairing_adjust_propose(**change)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _adjust_form(request, form, pairing)
    if _editing(request):
        return _adjust_form(request, form, pairing)
    reason = Pairing.EndReason(data["end_reason"]).label
    context = {"form": form, "pairing": pairing, "proposal": proposal, "reason": reason}
    return render(request, "pairings/adjust_confirm.html", context)


def _adjust_form(request, form, pairing):
    return render(request, "pairings/adjust_form.html", {"form": form, "pairing": pairing})


@login_required
def pairing_end(request, pk: int):
    pairing = _get_open_pairing_for_user(request.user, pk)
    form = PairingEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pairing_end(pairing=pairing, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Pairing ended: %(pairing)s.") % {"pairing": pairing})
            return redirect("pairings:board")
    return render(request, "pairings/end_form.html", {"form": form, "pairing": pairing})


@login_required
def next_term(request):
    """Start the next term from the current pairings: a proposal to review, then one transaction."""
    _require_manage(request.user)
    term = _current_term()
    try:
        proposal = services.term_next_proposal(term=term)
    except ValidationError as exc:
        return render(request, "pairings/next_term.html", {"term": term, "refused": exc.messages}, status=409)
    form = NextTermForm(request.POST or None, pairings=proposal.pairings)
    if request.method == "POST" and _confirming(request) and form.is_valid():
        try:
            new_term = services.term_start_next(term=term, by=request.user, carry=form.cleaned_data["carry"])
        except ValidationError as exc:
            return render(request, "pairings/next_term.html", {"term": term, "refused": exc.messages}, status=409)
        messages.success(request, _("Term %(name)s started.") % {"name": new_term.name})
        return redirect("pairings:board")
    if form.is_bound:  # what the office ticked, should the page come back
        chosen = set(form.cleaned_data.get("carry", [])) if form.is_valid() else set()
        for p in proposal.pairings:
            p.carry = p.pk in chosen
    return render(request, "pairings/next_term.html", {"term": term, "proposal": proposal, "form": form})


@login_required
@require_GET
def history(request):
    """Every start and end of a cadre's or a talent's pairings, with who and why (R12)."""
    _require_view(request.user)
    cadre_id, talent_id = parse_pk(request.GET.get("cadre")), parse_pk(request.GET.get("talent"))
    if cadre_id is not None:
        subject = get_object_or_404(Cadre.objects.select_related("village"), pk=cadre_id)
        entries = services.pairing_history(cadre=subject)
    elif talent_id is not None:
        subject = get_object_or_404(Talent.objects.select_related("unit"), pk=talent_id)
        entries = services.pairing_history(talent=subject)
    else:
        raise Http404
    context = {"subject": subject, "is_cadre": cadre_id is not None, "entries": entries}
    return render(request, "pairings/history.html", context)
