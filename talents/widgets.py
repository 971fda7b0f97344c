"""Pieces of the list pages' filter forms and pagers whose cost does not grow with the data.

A county has thousands of units and cadres: a ``<select>`` listing all of them costs seconds to
render (Django renders every ``<option>`` through a template) and is useless to scroll through.

- ``NameFilterField``: a text box matched server-side against a unit's, village's or cadre's name
  (contains). An old link's ``?unit=<pk>`` still names one record exactly. The number of matches
  (capped) and, when few, their names are shown beside the box; no match is a message there.
- ``FastSelect``: a ``<select>`` that builds its options in one ``format_html_join`` instead of one
  template per option, for the selects that stay (small enums, the user's own village).
- ``BoundedPaginator``: page numbers whose count stops at ``COUNT_CAP`` rows, so no page view counts
  a whole table; past the cap the pages go on ("Page 23", without a total).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil

from django import forms
from django.db.models import Model, Q, QuerySet
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .validators import parse_pk

# --- A cheap <select> ------------------------------------------------------------------------------


class FastSelect(forms.Select):
    """``forms.Select`` rendered in Python: the same HTML, one ``format_html_join`` for all options.

    Choices must be flat (no option groups); the renderer's templates are not used.
    """

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(key), mark_safe(" selected") if str(key) in selected else "", label) for key, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt({"name": name, **attrs}), options)


def use_fast_selects(form: forms.Form) -> None:
    """Give every plain ``<select>`` of ``form`` the cheap rendering."""
    for form_field in form.fields.values():
        if type(form_field.widget) is forms.Select:
            form_field.widget = FastSelect(attrs=form_field.widget.attrs, choices=form_field.widget.choices)


# --- Filtering by a typed name ---------------------------------------------------------------------

MATCH_CAP = 100  # matches counted at most: "more than 100" needs no exact figure
MATCHES_NAMED = 5  # up to this many matches, their names are shown beside the box

NO_MATCH = {
    "unit": _("No unit you can see has a name containing “%(text)s”; this filter is not applied."),
    "village": _("No village (community) you can see has a name containing “%(text)s”; this filter is not applied."),
    "cadre": _("No cadre you can see has a name containing “%(text)s”; this filter is not applied."),
}
NO_RECORD = _("This record does not exist or is not yours to see; this filter is not applied.")


@dataclass(frozen=True)
class NameMatch:
    """What a name filter matched: one record (an old link's pk) or every record whose name contains ``text``."""

    model: type[Model]
    text: str
    pk: int | None = None
    names: list[str] = field(default_factory=list)
    count: int = 0

    def q(self, path: str) -> Q:
        """The rows whose ``path`` (a foreign key to the matched model) points at a match.

        The matched records as a subquery the database runs once (it can then use the foreign
        key's index), not a join to each row's record; the rows' own scope limits what is shown."""
        if self.pk is not None:
            return Q(**{path: self.pk})
        matched = self.model._default_manager.filter(name__icontains=self.text).values("pk")
        return Q(**{f"{path}__in": matched})

    @property
    def note(self) -> str:
        """What the page says beside the box: how many records match and, when few, which."""
        if self.pk is not None:
            return ""
        if self.count > MATCH_CAP:
            return _("More than %(n)d match.") % {"n": MATCH_CAP}
        if self.count <= MATCHES_NAMED:
            return _("Matches: %(names)s") % {"names": "、".join(self.names)}
        return _("%(n)d matches.") % {"n": self.count}  # always more than MATCHES_NAMED


class NameFilterField(forms.CharField):
    """A text filter on a related record's name; ``queryset`` (set per request) is what the user may see.

    Cleans to a ``NameMatch`` or None: one query for the names, whatever the number of records.
    Digits alone are a primary key from an old link (``?unit=12``): that record exactly, if the
    user may see it. A name matching nothing is an error shown beside the box, and the list is
    not narrowed by it (like every other wrong filter value).
    """

    def __init__(self, *, kind: str, queryset: QuerySet | None = None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 50)
        attrs = {"type": "search", "placeholder": _("Part of the name"), "autocomplete": "off"}
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)
        self.kind, self.queryset = kind, queryset

    def clean(self, value):
        text = " ".join(super().clean(value).split())
        return self._match(text) if text else None

    def _match(self, text: str) -> NameMatch:
        pk = parse_pk(text)
        if pk is not None:
            name = self.queryset.filter(pk=pk).values_list("name", flat=True).first()
            if name is None:
                raise forms.ValidationError(NO_RECORD, code="no_record")
            return NameMatch(model=self.queryset.model, text=name, pk=pk, names=[name], count=1)
        names = self.queryset.filter(name__icontains=text).order_by("name").values_list("name", flat=True)
        names = list(names[: MATCH_CAP + 1])
        if not names:
            raise forms.ValidationError(NO_MATCH[self.kind], code="no_match", params={"text": text})
        return NameMatch(model=self.queryset.model, text=text, names=names[:MATCHES_NAMED], count=len(names))


def describe_name_matches(form: forms.Form) -> None:
    """After validation, for the page: beside each name box, what it matched; an old link's pk is
    shown in its box as the record's name (in a copy of the data)."""
    data = None
    for name, form_field in form.fields.items():
        match = getattr(form, "cleaned_data", {}).get(name)
        if not isinstance(form_field, NameFilterField) or not isinstance(match, NameMatch):
            continue
        # The bound field read the help text when the form was cleaned: set it there too.
        form_field.help_text = form[name].help_text = " ".join(
            str(text) for text in (form_field.help_text, match.note) if text
        )
        if match.pk is not None:
            data = data if data is not None else form.data.copy()
            data[form.add_prefix(name)] = match.text
    if data is not None:
        form.data = data


# --- Links on every row ------------------------------------------------------------------------------

_PK_MARK = 987654321987


def url_for_rows(name: str):
    """``reverse(name, args=[pk])`` as a function of pk, at the cost of one ``reverse`` per page.

    A list of 50 rows with three links each spends a third of its time in ``{% url %}`` otherwise."""
    head, tail = reverse(name, args=[_PK_MARK]).split(str(_PK_MARK))
    return lambda pk: f"{head}{pk}{tail}"


# --- Pages with a bounded count --------------------------------------------------------------------

COUNT_CAP = 1000  # rows counted at most per page view
MAX_PAGE = 100_000  # a page number beyond any real list: keeps OFFSET within a 64-bit integer


class BoundedPage:
    """One page of a list: its rows, its number, and whether there are pages before and after it."""

    def __init__(self, rows: list, number: int, paginator: BoundedPaginator, has_next: bool):
        self.object_list, self.number, self.paginator, self._has_next = rows, number, paginator, has_next

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class BoundedPaginator:
    """Like Django's ``Paginator.get_page`` but counting at most ``COUNT_CAP`` rows (two queries).

    ``count`` is exact up to the cap; beyond it ``capped`` is true, ``num_pages`` is None and the
    page after is known from one extra row fetched with the page's rows.
    """

    def __init__(self, queryset: QuerySet, per_page: int, cap: int | None = None):
        self.queryset, self.per_page, self.cap = queryset, per_page, COUNT_CAP if cap is None else cap

    def get_page(self, number) -> BoundedPage:
        # Only the rows that count: no ordering, joins or annotated columns in the counting query.
        counted = self.queryset.order_by().values("pk")[: self.cap + 1].count()
        self.capped = counted > self.cap
        self.count = min(counted, self.cap)
        self.num_pages = None if self.capped else max(1, ceil(counted / self.per_page))
        number = min(parse_pk(str(number)) or 1, MAX_PAGE)
        if self.num_pages is not None:
            number = min(number, self.num_pages)
        start = (number - 1) * self.per_page
        rows = list(self.queryset[start : start + self.per_page + 1])
        return BoundedPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)
