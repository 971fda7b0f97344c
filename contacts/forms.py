"""Forms of the cadre's pages: record a contact, follow a demand, keep the 思想动态 note."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from talents.validators import CleanInputMixin

from .models import Contact, Demand, Pairing, Suggestion


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from the phone camera; each checked by content, not by name."""

    widget = MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f] if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > settings.PHOTOS_PER_CONTACT:
            raise forms.ValidationError(
                _("At most %(n)d photos per contact.") % {"n": settings.PHOTOS_PER_CONTACT}, code="too_many"
            )
        for f in files:
            if f.size > settings.PHOTO_MAX_BYTES:
                raise forms.ValidationError(
                    _("Photo %(name)s is larger than %(mb)d MB.")
                    % {"name": f.name, "mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)},
                    code="too_big",
                )
            try:
                with Image.open(f) as img:
                    # The header tells the size before anything is decoded: refuse a picture that
                    # would need hundreds of MB of memory, whatever the file's own size.
                    if img.width * img.height > settings.PHOTO_MAX_PIXELS:
                        raise ValueError("too many pixels")
                    img.load()  # decode, not verify(): a truncated JPEG passes verify() and fails when resized
            except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
                raise forms.ValidationError(
                    _("%(name)s is not a photo we can read (JPEG, PNG, WebP …).") % {"name": f.name}, code="not_image"
                ) from None
            f.seek(0)
        return files


class PairingChoiceField(forms.ModelChoiceField):
    """The cadre's open pairings; a posted choice is found in the list the view has already read.

    ``ModelChoiceField`` would ask the database for it once more (issue 7: the contact post's CPU).
    """

    known: list | None = None

    def to_python(self, value):
        if value in self.empty_values or self.known is None:
            return super().to_python(value)
        key = str(value.pk if isinstance(value, Pairing) else value).strip()
        for pairing in self.known:
            if str(pairing.pk) == key:
                return pairing
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class ContactForm(CleanInputMixin, forms.ModelForm):
    pairing = PairingChoiceField(
        queryset=Pairing.objects.none(),
        label=_("Talent"),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the talent you contacted.")},
    )
    token = forms.UUIDField(widget=forms.HiddenInput)
    photos = PhotosField(label=_("Photos"), required=False)

    class Meta:
        model = Contact
        fields = [
            "pairing",
            "date",
            "method",
            "is_guidance",
            "is_consultation",
            "is_service",
            "direction",
            "summary",
            "place",
            "situation_thought",
            "situation_work",
            "situation_study",
            "situation_health",
            "situation_life",
            "urgent",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "method": forms.RadioSelect,
            "direction": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 3}),
            **{
                f"situation_{k}": forms.Textarea(attrs={"rows": 2})
                for k in ("thought", "work", "study", "health", "life")
            },
        }

    def __init__(self, *args, pairings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = pairings
        self.fields["pairing"].known = list(pairings)  # the view's own list: read once per request
        self.fields["pairing"].label_from_instance = lambda p: p.talent.name
        self.fields["method"].choices = Contact.Method.choices  # no empty "---------" button

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The contact date cannot be later than today."), code="future")
        return date

    def clean(self):
        data = super().clean()
        pairing, date = data.get("pairing"), data.get("date")
        if pairing and date and date < pairing.start_date:
            self.add_error(
                "date", _("This pairing started on %(d)s; the date cannot be earlier.") % {"d": pairing.start_date}
            )
        if not any(data.get(k) for k in ("is_guidance", "is_consultation", "is_service")):
            self.add_error("is_guidance", _("Choose at least one kind of content."))
        return data


class SuggestionForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Suggestion
        fields = ["content", "category"]
        widgets = {"content": forms.Textarea(attrs={"rows": 2})}
        labels = {"content": _("Suggestion heard")}


class DemandForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Demand
        fields = ["content", "kind", "urgency"]
        widgets = {"content": forms.Textarea(attrs={"rows": 2})}
        labels = {"content": _("Difficulty raised")}


SuggestionFormSet = forms.modelformset_factory(Suggestion, form=SuggestionForm, extra=1, max_num=10)
DemandFormSet = forms.modelformset_factory(Demand, form=DemandForm, extra=1, max_num=10)


class ThoughtsForm(CleanInputMixin, forms.Form):
    thoughts = forms.CharField(label=_("Thoughts and views"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class DemandProgressForm(CleanInputMixin, forms.Form):
    date = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DemandCloseForm(CleanInputMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Result"),
        choices=[(s.value, s.label) for s in Demand.CLOSED_STATUSES],
        widget=forms.RadioSelect,
    )
    result = forms.CharField(label=_("How it was solved or explained"), widget=forms.Textarea(attrs={"rows": 3}))
    closed_on = forms.DateField(
        label=_("Closed on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, demand: Demand, **kwargs):
        super().__init__(*args, **kwargs)
        self.demand = demand

    def clean_closed_on(self):
        closed_on = self.cleaned_data["closed_on"]
        if closed_on < self.demand.raised_on:
            raise forms.ValidationError(_("A demand cannot be closed before it was raised."), code="before_raised")
        if closed_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be later than today."), code="future")
        return closed_on


class DemandFollowUpForm(CleanInputMixin, forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"), choices=Demand.Satisfaction.choices, widget=forms.RadioSelect
    )
    follow_up = forms.CharField(label=_("Follow-up visit"), widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
