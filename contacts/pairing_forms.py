"""Forms of the pairing board (R10, R12): the rules themselves live in contacts.pairings."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talents.models import Talent
from talents.pickers import RecordPickerField
from talents.validators import CleanInputMixin

from .models import Cadre, Pairing, Term
from .pairings import CHANGE_REASONS, default_start_date

DATE = {"type": "date"}


def _cadres():
    return Cadre.objects.filter(active=True).order_by("level", "sort_order", "name")


def _talents():
    return Talent.objects.in_pool().order_by("name", "pk")


def _exception_field() -> forms.CharField:
    model_field = Pairing._meta.get_field("exception_reason")
    return forms.CharField(
        label=model_field.verbose_name,
        help_text=model_field.help_text,
        max_length=model_field.max_length,
        required=False,
    )


def _not_future(day):
    if day > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be later than today."), code="future")
    return day


class PairingForm(CleanInputMixin, forms.Form):
    """Propose one pairing for the current term (also used to supplement a talent who has none)."""

    cadre = RecordPickerField(kind="cadre", queryset=Cadre.objects.none(), label=_("Cadre"))
    talent = RecordPickerField(kind="talent", queryset=Talent.objects.none(), label=_("Talent"))
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    exception_reason = _exception_field()

    def __init__(self, *args, term: Term, talent: Talent | None = None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("start_date", default_start_date(term, timezone.localdate()))
        if talent is not None:
            kwargs["initial"]["talent"] = talent.pk
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = _cadres()
        self.fields["talent"].queryset = _talents().filter(pk=talent.pk) if talent is not None else _talents()
        if talent is not None:
            self.fields["talent"].widget = forms.HiddenInput()


class PairingAdjustForm(CleanInputMixin, forms.Form):
    """Adjust an open pairing mid-term: a successor cadre, or a new talent for the same cadre."""

    cadre = RecordPickerField(
        kind="cadre",
        queryset=Cadre.objects.none(),
        label=_("Successor cadre"),
        required=False,
        help_text=_("Leave empty to keep the cadre."),
    )
    talent = RecordPickerField(
        kind="talent",
        queryset=Talent.objects.none(),
        label=_("New talent"),
        required=False,
        help_text=_("Leave empty to keep the talent."),
    )
    end_date = forms.DateField(
        label=_("Date of the change"),
        help_text=_("The pairing ends on this day and its successor starts on it."),
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
    )
    end_reason = forms.ChoiceField(
        label=_("Reason"), choices=[(r.value, r.label) for r in CHANGE_REASONS], widget=forms.RadioSelect
    )
    end_note = forms.CharField(
        label=_("Note"), max_length=200, required=False, help_text=_("For example the new post or the decision.")
    )
    exception_reason = _exception_field()

    def __init__(self, *args, pairing: Pairing, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("end_date", timezone.localdate())
        kwargs["initial"].setdefault("end_reason", Pairing.EndReason.POST_CHANGE)
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = _cadres().exclude(pk=pairing.cadre_id)
        self.fields["talent"].queryset = _talents().exclude(pk=pairing.talent_id)

    def clean_end_date(self):
        return _not_future(self.cleaned_data["end_date"])

    def clean(self):
        data = super().clean()
        if data.get("end_reason") == Pairing.EndReason.OTHER and not data.get("end_note"):
            self.add_error("end_note", _("Say why the pairing ends."))
        return data


class PairingEndForm(CleanInputMixin, forms.Form):
    """End a pairing without a successor."""

    end_date = forms.DateField(
        label=_("End date"), initial=timezone.localdate, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    end_reason = forms.ChoiceField(
        label=_("Reason"), choices=[(r.value, r.label) for r in CHANGE_REASONS], widget=forms.RadioSelect
    )
    end_note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_end_date(self):
        return _not_future(self.cleaned_data["end_date"])

    def clean(self):
        data = super().clean()
        if data.get("end_reason") == Pairing.EndReason.OTHER and not data.get("end_note"):
            self.add_error("end_note", _("Say why the pairing ends."))
        return data


class NextTermForm(CleanInputMixin, forms.Form):
    """Which of the current term's pairings continue in the next term."""

    carry = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, pairings: list[Pairing], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carry"].choices = [(p.pk, str(p.pk)) for p in pairings]
