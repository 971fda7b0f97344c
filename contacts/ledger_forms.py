"""Forms of the ledger pages: list filters (GET) and the forms that enter or answer an item (POST)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from talents.models import Unit
from talents.pickers import RecordPickerField, picker
from talents.validators import CleanInputMixin
from talents.widgets import FastSelect, NameFilterField, describe_name_matches, use_fast_selects

from . import ledger
from .models import Cadre, Demand, Feedback, MajorEvent, Recommendation, Suggestion

ALL = ("", _("all"))
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _year_choices(years) -> list:
    return [ALL, *((y, str(y)) for y in years)]


class FilterForm(CleanInputMixin, forms.Form):
    """A GET filter: invalid values are ignored rather than refused, the rest still filter.

    Units, villages and cadres are typed names (``NameFilterField``), never a select of all of
    them; the selects left (small enums, years) render without a template per option."""

    def __init__(self, data=None, *, years=(), **kwargs):
        super().__init__(data or None, **kwargs)
        if "year" in self.fields:
            self.fields["year"].choices = _year_choices(years)
        use_fast_selects(self)

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        describe_name_matches(self)
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None, False)}


def _year_field():
    return forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)


def _ordered_units():
    return Unit.objects.order_by("sort_order", "name")


# --- Demand ledger -------------------------------------------------------------------------------


class DemandFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=pgettext_lazy("ledger item", "Status"),
        required=False,
        choices=[ALL, (ledger.UNCLOSED, _("not closed yet")), *Demand.Status.choices],
    )
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[ALL, *Demand.Kind.choices])
    unit = NameFilterField(label=_("Unit"), kind="unit", help_text=_("The responsible unit or the talent's unit."))
    cadre = NameFilterField(label=_("Coordinating cadre"), kind="cadre")
    year = _year_field()
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, data=None, *, units, cadres, **kwargs):
        """``units`` and ``cadres``: those of the user's demands, matched when a name is typed."""
        super().__init__(data, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["cadre"].queryset = cadres


def _due_date_help() -> str:
    days = settings.DEMAND_DUE_WORKING_DAYS
    return _(
        "Leave empty for the default by urgency: %(urgent)d working day(s) if urgent, "
        "%(pressing)d if pressing, %(normal)d if normal."
    ) % {"urgent": days["urgent"], "pressing": days["pressing"], "normal": days["normal"]}


class DemandEntryForm(CleanInputMixin, forms.ModelForm):
    """A demand the unit reports or the talent raises directly (those heard at a contact come from the contact)."""

    class Meta:
        model = Demand
        fields = [
            "talent",
            "source",
            "raised_on",
            "kind",
            "urgency",
            "content",
            "measures",
            "responsible_unit",
            "coordinating_cadre",
            "due_date",
        ]
        widgets = {
            "raised_on": DATE,
            "due_date": DATE,
            "content": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "source": forms.RadioSelect,
            "urgency": forms.RadioSelect,
        }
        labels = {"content": _("Demand or difficulty")}
        field_classes = {
            "talent": picker("talent"),
            "responsible_unit": picker("unit"),
            "coordinating_cadre": picker("cadre"),
        }

    def __init__(self, *args, talents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["talent"].queryset = talents.order_by("name", "id")
        self.fields["source"].choices = [(s.value, s.label) for s in (Demand.Source.UNIT, Demand.Source.TALENT)]
        self.fields["urgency"].choices = Demand.Urgency.choices
        self.fields["responsible_unit"].queryset = _ordered_units().filter(active=True)
        self.fields["responsible_unit"].help_text = _("Leave empty for the talent's unit.")
        self.fields["coordinating_cadre"].queryset = Cadre.objects.filter(active=True)
        self.fields["coordinating_cadre"].help_text = _("Leave empty for the talent's paired cadre.")
        self.fields["due_date"].help_text = _due_date_help()

    def clean_raised_on(self):
        raised_on = self.cleaned_data["raised_on"]
        if raised_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be later than today."), code="future")
        return raised_on

    def clean(self):
        data = super().clean()
        raised_on, due_date = data.get("raised_on"), data.get("due_date")
        if raised_on and due_date and due_date < raised_on:
            self.add_error("due_date", _("The due date cannot be before the day the demand was raised."))
        return data


class DemandEditForm(CleanInputMixin, forms.Form):
    """What the ledger says about the handling; a plain form so a failed post leaves the demand untouched."""

    measures = Demand._meta.get_field("measures").formfield(widget=forms.Textarea(attrs={"rows": 4}))
    responsible_unit = RecordPickerField(
        kind="unit",
        label=Demand._meta.get_field("responsible_unit").verbose_name,
        queryset=_ordered_units(),
        required=False,
    )
    coordinating_cadre = RecordPickerField(
        kind="cadre",
        label=Demand._meta.get_field("coordinating_cadre").verbose_name,
        queryset=Cadre.objects.all(),
        required=False,
    )
    due_date = forms.DateField(label=Demand._meta.get_field("due_date").verbose_name, required=False, widget=DATE)

    def __init__(self, *args, demand: Demand, **kwargs):
        initial = {name: getattr(demand, name) for name in ledger.DEMAND_EDITABLE}
        super().__init__(*args, initial=initial, **kwargs)
        self.demand = demand
        self.fields["due_date"].help_text = _due_date_help()

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        if due_date and due_date < self.demand.raised_on:
            raise forms.ValidationError(
                _("The due date cannot be before the day the demand was raised."), code="before_raised"
            )
        return due_date


# --- Suggestions ---------------------------------------------------------------------------------


class SuggestionFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=pgettext_lazy("ledger item", "Status"), required=False, choices=[ALL, *Suggestion.Status.choices]
    )
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[ALL, *Suggestion.Category.choices])
    year = _year_field()


class SuggestionForwardForm(CleanInputMixin, forms.Form):
    forwarded_to = forms.CharField(
        label=_("Forwarded to"),
        max_length=100,
        help_text=_("The unit or person now handling it, e.g. the county agriculture bureau."),
        error_messages={"required": _("Say to whom the suggestion was forwarded.")},
    )


class SuggestionAnswerForm(CleanInputMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[(s.value, s.label) for s in (Suggestion.Status.ADOPTED, Suggestion.Status.NOT_ADOPTED)],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("Answer given to the talent"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Write the answer given to the talent.")},
    )


# --- Major-event reports -------------------------------------------------------------------------


class EventFilterForm(FilterForm):
    unacknowledged = forms.BooleanField(label=_("Not acknowledged yet"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[ALL, *MajorEvent.Kind.choices])
    year = _year_field()


class EventForm(CleanInputMixin, forms.ModelForm):
    """The reporting unit comes from who files it; only the office, filing on a unit's behalf, may name one."""

    reporting_unit = RecordPickerField(
        kind="unit",
        label=_("Reporting unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Leave empty for the talent's unit."),
    )

    class Meta:
        model = MajorEvent
        fields = ["talent", "kind", "date", "description", "reporter_name"]
        widgets = {"date": DATE, "description": forms.Textarea(attrs={"rows": 4}), "kind": forms.RadioSelect}
        field_classes = {"talent": picker("talent")}

    def __init__(self, *args, talents, user, office: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["talent"].queryset = talents.select_related("village").order_by("name", "id")
        self.fields["kind"].choices = MajorEvent.Kind.choices
        if office:
            self.fields["reporting_unit"].queryset = _ordered_units().filter(active=True)
        else:
            del self.fields["reporting_unit"]

    def clean(self):
        data = super().clean()
        talent = data.get("talent")
        if talent is None:
            return data
        unit = data.get("reporting_unit") or ledger.event_reporting_unit(self.user, talent)
        if unit is None:
            field = "reporting_unit" if "reporting_unit" in self.fields else "talent"
            self.add_error(field, _("Choose the unit that reports this event."))
        data["reporting_unit"] = unit
        return data


# --- Recommendations -----------------------------------------------------------------------------


class RecommendationFilterForm(FilterForm):
    village = NameFilterField(label=_("Village (community)"), kind="village")
    year = _year_field()
    role = forms.ChoiceField(label=_("Recommended as"), required=False, choices=[ALL, *Recommendation.Role.choices])
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[ALL, *Recommendation.Outcome.choices])

    def __init__(self, data=None, *, villages, own_villages: bool, **kwargs):
        """``own_villages``: ``villages`` are the secretary's own (one or two), offered as a select;
        otherwise every village, matched by a typed name."""
        super().__init__(data, **kwargs)
        if own_villages:
            label = self.fields["village"].label
            self.fields["village"] = forms.ModelChoiceField(
                label=label, queryset=villages, required=False, empty_label=_("all"), widget=FastSelect
            )
        else:
            self.fields["village"].queryset = villages


class RecommendationForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["talent", "role", "level", "year", "outcome", "note"]
        widgets = {"role": forms.RadioSelect, "level": forms.RadioSelect, "outcome": forms.RadioSelect}
        field_classes = {"talent": picker("talent")}

    def __init__(self, *args, talents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["talent"].queryset = talents.select_related("village").order_by("name", "id")
        self.fields["talent"].label_from_instance = lambda t: f"{t.name}（{t.village}）"
        for name in ("role", "level", "outcome"):
            self.fields[name].choices = self._meta.model._meta.get_field(name).choices
        self.fields["year"].initial = timezone.localdate().year

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("Enter a four-digit year."), code="year")
        return year


class RecommendationOutcomeForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["outcome", "note"]
        widgets = {"outcome": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = Recommendation.Outcome.choices


# --- Unit feedback -------------------------------------------------------------------------------


class FeedbackFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=pgettext_lazy("ledger item", "Status"),
        required=False,
        choices=[ALL, (ledger.UNHANDLED, _("not handled yet")), *Feedback.Status.choices],
    )
    year = _year_field()


class FeedbackForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ["unit", "talent", "cadre", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 4})}
        field_classes = {"unit": picker("unit"), "talent": picker("talent"), "cadre": picker("cadre")}

    def __init__(self, *args, units, talents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        # Two rows at most: whether there is only one, without reading every unit.
        self.fields["unit"].empty_label = None if len(units[:2]) == 1 else self.fields["unit"].empty_label
        self.fields["talent"].queryset = talents.order_by("name", "id")
        self.fields["talent"].help_text = _("Optional: the talent the problem concerns.")
        self.fields["cadre"].queryset = Cadre.objects.filter(active=True)
        self.fields["cadre"].help_text = _("Optional: left empty, the talent's paired cadre is informed.")

    def clean(self):
        data = super().clean()
        unit, talent = data.get("unit"), data.get("talent")
        if unit and talent and unit.pk not in (talent.unit_id, talent.village_id):
            self.add_error("talent", _("This talent does not belong to the reporting unit."))
        return data


class FeedbackAnswerForm(CleanInputMixin, forms.Form):
    handling = forms.CharField(
        label=_("Handling"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Say how the feedback is being handled.")},
    )
    close = forms.BooleanField(label=_("The problem is solved: close it"), required=False)
