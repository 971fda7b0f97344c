"""Entry forms' choice of one talent, unit, village or cadre, at a cost that does not grow with the data.

A county has 20,000 talents and thousands of units and cadres: a ``<select>`` of all of them takes
seconds to render and is useless to scroll on a phone. ``RecordPickerField`` is a ``ModelChoiceField``
whose ``queryset`` (set per request by the form) is what the form may name for this user:

- up to ``SELECT_LIMIT`` records: a plain select of them (a secretary's 30 talents keep a dropdown);
- more: the picker, a text box (``<name>_text``) and a hidden input holding the chosen pk.
  static/js/picker.js offers matches as the user types (``/pick/<kind>/?q=``); without JavaScript the
  typed name is resolved on the server: one match is taken, several are offered as radio buttons.

Rendering costs one bounded query (``SELECT_LIMIT + 1`` rows), cleaning one or two.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.forms.utils import flatatt
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from . import access
from .validators import parse_pk

SELECT_LIMIT = 50  # up to this many records, a plain select
CANDIDATES = 20  # matches offered at most, by the endpoint and as radio buttons
MAX_TEXT = 50  # characters of a typed name looked at


def talent_label(talent) -> str:
    return f"{talent.name}（{talent.unit.name}）" if talent.unit_id else talent.name


def cadre_label(cadre) -> str:
    where = f" · {cadre.village.name}" if cadre.village_id else ""
    return f"{cadre.name}（{cadre.title}{where}）"


def name_label(record) -> str:
    return record.name


LABELS = {"talent": talent_label, "unit": name_label, "village": name_label, "cadre": cadre_label}
RELATED = {"talent": ("unit",), "unit": (), "village": (), "cadre": ("village",)}

NO_MATCH = {
    "talent": _("No talent you can choose here has a name containing “%(text)s”."),
    "unit": _("No unit you can choose here has a name containing “%(text)s”."),
    "village": _("No village (community) you can choose here has a name containing “%(text)s”."),
    "cadre": _("No cadre you can choose here has a name containing “%(text)s”."),
}
SEVERAL = {
    "talent": _("%(n)d talents have a name containing “%(text)s”: choose one below."),
    "unit": _("%(n)d units have a name containing “%(text)s”: choose one below."),
    "village": _("%(n)d villages (communities) have a name containing “%(text)s”: choose one below."),
    "cadre": _("%(n)d cadres have a name containing “%(text)s”: choose one below."),
}
TOO_MANY = _("More than %(n)d names contain “%(text)s”: type more of the name, or choose one below.")


def _squash(text: str) -> str:
    return " ".join(str(text).split()).casefold()


class Picked(NamedTuple):
    """What the picker posts: the hidden pk (may be empty) and the text in the box."""

    pk: str
    text: str


class RecordPicker(forms.Widget):
    """The widget of ``RecordPickerField``: a select of a small scope, else the text box and hidden pk.

    It asks its field (set by the field) for the rows, the chosen record and the candidates."""

    field = None

    def value_from_datadict(self, data, files, name):
        if f"{name}_text" in data:
            return Picked(data.get(name, ""), data.get(f"{name}_text", ""))
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_text" not in data

    def id_for_label(self, id_):
        return f"{id_}_text" if id_ and self.field.shows_picker() else id_

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        if self.field.shows_picker():
            return self._picker(name, value, attrs)
        return self._select(name, value, attrs)

    def _select(self, name, value, attrs):
        field = self.field
        chosen = str(value.pk if isinstance(value, Picked) else "" if value is None else value)
        choices = [("", field.empty_label)] if field.empty_label is not None else []
        choices += [(str(obj.pk), field.label_from_instance(obj)) for obj in field.first_rows()]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, mark_safe(" selected") if key == chosen else "", label) for key, label in choices),
        )
        return format_html("<select{}>{}</select>", flatatt({"name": name, **attrs}), options)

    def _picker(self, name, value, attrs):
        field = self.field
        if isinstance(value, Picked):
            pk, text = value.pk, value.text
        else:
            obj = field.record(value)
            pk, text = (obj.pk, field.label_from_instance(obj)) if obj is not None else ("", "")
        id_ = attrs.pop("id", None)
        box = {
            "type": "text",
            "name": f"{name}_text",
            "value": text,
            "autocomplete": "off",
            "placeholder": _("Part of the name"),
            "data-picker-url": reverse("picker:pick", args=[field.kind]),
            "data-picker-name": name,
            "data-picker-empty": _("No name matches."),
            "data-picker-more": _("More names match: type more of the name."),
            **attrs,
        }
        if id_:
            box["id"] = f"{id_}_text"
        if field.candidates is None:
            hidden = {"type": "hidden", "name": name, "value": pk, **({"id": id_} if id_ else {})}
            below = format_html("<input{}>", flatatt(hidden))
        else:
            below = self._candidates(name, id_)
        return format_html('<div class="picker"><input{}>{}</div>', flatatt(box), below)

    def _candidates(self, name, id_):
        field = self.field
        radios = format_html_join(
            "",
            '<li><label><input type="radio" name="{}" value="{}"{}> {}</label></li>',
            (
                (name, obj.pk, format_html(' id="{}_{}"', id_, i) if id_ else "", field.label_from_instance(obj))
                for i, obj in enumerate(field.candidates)
            ),
        )
        return format_html(
            '<fieldset class="picker-candidates"><legend>{}</legend><ul>{}</ul></fieldset>',
            _("Choose one:"),
            radios,
        )


class RecordPickerField(forms.ModelChoiceField):
    """One talent, unit, village or cadre of ``queryset``, chosen from a select or by a typed name.

    ``kind`` picks the label (talent: 「name（unit）」, cadre: 「name（title · village）」, else the name;
    a form may set ``label_from_instance`` as with any ``ModelChoiceField``) and the JSON endpoint.
    A plain pk (a select's post) must be in ``queryset``; a typed name is matched inside it.
    """

    widget = RecordPicker

    def __init__(self, *, kind: str, queryset=None, **kwargs):
        if kind not in LABELS:
            raise ValueError(f"unknown picker kind {kind!r}")
        self.kind = kind
        self._reset()
        super().__init__(queryset=queryset, **kwargs)
        self.widget.field = self

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.field = result
        result._reset()
        return result

    def _reset(self) -> None:
        self._rows = None
        self._chosen = None  # the record cleaning found, reused to render
        self._resolved = False
        self.candidates = None

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self._rows = None

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj) -> str:
        return LABELS[self.kind](obj)

    # --- reading -------------------------------------------------------------------------------

    def scoped(self):
        related = RELATED[self.kind]
        return self.queryset.select_related(*related) if related else self.queryset

    def first_rows(self) -> list:
        """The first ``SELECT_LIMIT + 1`` records in the form's order: the select's options, if few."""
        if self._rows is None:
            self._rows = list(self.scoped()[: SELECT_LIMIT + 1])
        return self._rows

    def shows_picker(self) -> bool:
        return self.candidates is not None or len(self.first_rows()) > SELECT_LIMIT

    def record(self, value):
        """The record a pk (or a record) names, for the box's text: without a query when already read."""
        if value in self.empty_values:
            return None
        if hasattr(value, "_meta"):
            return value
        pk = parse_pk(str(value))
        if pk is None:
            return None
        if self._chosen is not None and self._chosen.pk == pk:
            return self._chosen
        for obj in self._rows or ():
            if obj.pk == pk:
                return obj
        return self.scoped().filter(pk=pk).first()

    # --- cleaning ------------------------------------------------------------------------------

    def clean(self, value):
        self._chosen, self._resolved, self.candidates = None, False, None
        obj = super().clean(value)
        self._chosen, self._resolved = obj, True
        return obj

    def bound_data(self, data, initial):
        """Once cleaned, the chosen record's pk: the box then shows its label, a confirm page's hidden input its pk."""
        if self._resolved and not self.disabled:
            return str(self._chosen.pk) if self._chosen is not None else ""  # as a select posts it
        return super().bound_data(data, initial)

    def has_changed(self, initial, data):
        if isinstance(data, Picked):
            data = self._chosen.pk if self._resolved and self._chosen is not None else data.pk
        return super().has_changed(initial, data)

    def to_python(self, value):
        if isinstance(value, Picked):
            return self._from_text(value)
        if value in self.empty_values:
            return None
        pk = parse_pk(str(value.pk if hasattr(value, "_meta") else value))
        obj = self.scoped().filter(pk=pk).first() if pk is not None else None
        if obj is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return obj

    def _from_text(self, picked: Picked):
        text = " ".join(picked.text.split())[:MAX_TEXT]
        if not text:
            return None
        pk = parse_pk(str(picked.pk))
        if pk is not None:
            obj = self.scoped().filter(pk=pk).first()
            if obj is not None and _squash(text) in _squash(self.label_from_instance(obj)):
                return obj
        return self._resolve(text)

    def _resolve(self, text: str):
        """The one record of the scope whose name contains ``text``; else an error and the candidates.

        A whole label typed back (「张三（梅家小学）」) is matched by its name, then by the label."""
        name = text.split("（")[0].strip() or text
        exact_first = Case(When(name=name, then=Value(0)), default=Value(1), output_field=IntegerField())
        rows = list(
            self.scoped()
            .filter(name__icontains=name)
            .annotate(picker_exact=exact_first)
            .order_by("picker_exact", "name", "pk")[: CANDIDATES + 1]
        )
        params = {"text": text, "n": len(rows)}
        if not rows:
            raise forms.ValidationError(NO_MATCH[self.kind], code="no_match", params=params)
        same_label = [obj for obj in rows if _squash(self.label_from_instance(obj)) == _squash(text)]
        exact = [obj for obj in rows if obj.picker_exact == 0]
        for found in (same_label, exact, rows):
            if len(found) == 1:
                return found[0]
        self.candidates = rows[:CANDIDATES]
        if len(rows) > CANDIDATES:
            raise forms.ValidationError(TOO_MANY, code="too_many", params={"text": text, "n": CANDIDATES})
        raise forms.ValidationError(SEVERAL[self.kind], code="several", params=params)


def picker(kind: str):
    """For a ModelForm's ``Meta.field_classes``: the model field's label, required and help text, as a picker."""
    return partial(RecordPickerField, kind=kind)


# --- The endpoint the picker's script asks -------------------------------------------------------


def _endpoint_scope(kind: str, user):
    """What the endpoint may name: the user's talents (in the database), the active units, villages, cadres."""
    from contacts.models import Cadre

    from .models import Unit

    if kind == "talent":
        return access.talents_for(user).in_pool()
    if kind == "unit":
        return Unit.objects.filter(active=True)
    if kind == "village":
        return Unit.objects.villages().filter(active=True)
    return Cadre.objects.filter(active=True)


@require_GET
@login_required
def pick(request, kind: str):
    """``{"results": [{"id", "label"}], "more"}``: at most ``CANDIDATES`` names containing ``q``; names only."""
    if kind not in LABELS:
        raise Http404
    if not access.roles_of(request.user):
        raise PermissionDenied
    # A label chosen before (「张三（梅家小学）」) is searched by its name.
    text = " ".join(request.GET.get("q", "").split("（")[0].split())[:MAX_TEXT]
    rows = []
    if text:
        qs = _endpoint_scope(kind, request.user).filter(name__icontains=text)
        related = RELATED[kind]
        qs = qs.select_related(*related) if related else qs
        rows = list(qs.order_by("name", "pk")[: CANDIDATES + 1])
    label = LABELS[kind]
    response = JsonResponse(
        {"results": [{"id": obj.pk, "label": label(obj)} for obj in rows[:CANDIDATES]], "more": len(rows) > CANDIDATES}
    )
    patch_cache_control(response, private=True, no_cache=True)
    return response
