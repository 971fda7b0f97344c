"""The office's search of the audit log (等保 安全审计; issue 6, item 4): read-only, newest first.

Pages go by keyset (``?before=<entry id>``) rather than by page number: no COUNT over the whole
log, and the same one query for the entries whatever the log's size.
"""

from __future__ import annotations

import datetime

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q, Subquery
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, audit
from .models import AuditEntry
from .validators import CleanInputMixin, parse_pk

PAGE_SIZE = 50
# Object types beyond the tracked models: exports, photos.
EXTRA_OBJECT_TYPES = ("reports.exportlog", "contacts.contactphoto", "talents.auditentry")


def _object_type_choices() -> list[tuple[str, str]]:
    labels = [label.lower() for label in audit.TRACKED] + list(EXTRA_OBJECT_TYPES)
    choices = [(label, _model_name(label)) for label in labels]
    return [("", gettext_lazy("all")), *sorted(choices, key=lambda c: str(c[1]))]


def _model_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


class AuditFilterForm(CleanInputMixin, forms.Form):
    user = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("all")), *AuditEntry.Action.choices],
    )
    object_type = forms.ChoiceField(label=gettext_lazy("Object type"), required=False)
    q = forms.CharField(
        label=gettext_lazy("Object"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("Name or ID")}),
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = _object_type_choices()

    def filters(self) -> dict:
        """The valid filters; one bad value (a mistyped date) leaves the others working."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_entries(*, filters: dict, before: int | None = None):
    """The entries matching ``filters``, newest first, older than entry ``before`` when given."""
    qs = AuditEntry.objects.order_by("-when", "-id")
    if "user" in filters:
        qs = qs.filter(username__icontains=filters["user"].strip())
    if "action" in filters:
        qs = qs.filter(action=filters["action"])
    if "object_type" in filters:
        qs = qs.filter(object_type=filters["object_type"])
    if "q" in filters:
        text = filters["q"].strip()
        match = Q(object_label__icontains=text)
        if text.isdigit():
            match |= Q(object_id=text)
        qs = qs.filter(match)
    if "date_from" in filters:
        qs = qs.filter(when__gte=_day_start(filters["date_from"]))
    if "date_to" in filters:
        qs = qs.filter(when__lt=_day_start(filters["date_to"] + datetime.timedelta(days=1)))
    if before is not None:
        anchor = Subquery(AuditEntry.objects.filter(pk=before).values("when")[:1])
        qs = qs.filter(Q(when__lt=anchor) | Q(when=anchor, id__lt=before))
    return qs


def _field_label(object_type: str, name: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def _shown(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


def _change_rows(entry: AuditEntry) -> list[dict]:
    """The entry's changes as rows for the page: field label, old, new; hidden notes say only that they changed."""
    rows = []
    for name, value in (entry.changes or {}).items():
        row = {"field": _field_label(entry.object_type, name)}
        if value == audit.CHANGED:
            row["hidden"] = True
        elif isinstance(value, list) and len(value) == 2:
            row["old"], row["new"] = _shown(value[0]), _shown(value[1])
        else:
            row["new"] = _shown(value)
        rows.append(row)
    return rows


def _extra_text(entry: AuditEntry) -> str:
    """The entry's details in one line; a revealed field by its label."""
    parts = []
    for key, value in (entry.extra or {}).items():
        if key == "field":
            value = _field_label(entry.object_type, value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


@login_required
def audit_list(request):
    """Search the audit log: the office only (403 for every other role)."""
    if not access.is_office(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET)
    before = parse_pk(request.GET.get("before"))
    entries = list(audit_entries(filters=form.filters(), before=before)[: PAGE_SIZE + 1])
    older = entries[PAGE_SIZE - 1].pk if len(entries) > PAGE_SIZE else None
    entries = entries[:PAGE_SIZE]
    for entry in entries:
        entry.change_rows = _change_rows(entry)
        entry.extra_text = _extra_text(entry)
        entry.type_name = _model_name(entry.object_type) if entry.object_type else ""
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "talents/audit_list.html",
        {"form": form, "entries": entries, "older": older, "paged": before is not None, "query": query.urlencode()},
    )
