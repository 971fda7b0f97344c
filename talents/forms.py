"""Forms of the talent database pages: the list's filters, add/edit, 调整出库 (R1, R11)."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.forms import PhotosField

from .choices import EDUCATIONS, POLITICAL_STATUSES, as_choices
from .models import Talent, Unit
from .pickers import picker
from .validators import CleanInputMixin
from .widgets import NameFilterField, describe_name_matches, use_fast_selects


def _any(label) -> list[tuple[str, str]]:
    return [("", label)]


class TalentFilterForm(CleanInputMixin, forms.Form):
    """The list's search box and filters, read from the query string; every field optional."""

    AGE_BANDS = [
        ("lt35", _("under 35")),
        ("35-45", _("35 to 45")),
        ("46-55", _("46 to 55")),
        ("gt55", _("over 55")),
    ]
    YES_NO = [("yes", _("yes")), ("no", _("no"))]
    STATUSES = [("in", _("in the database")), ("out", _("adjusted out")), ("all", _("all"))]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, pinyin, initials, phone or unit")}),
    )
    category = forms.ChoiceField(
        label=_("Talent category"), required=False, choices=_any(_("all")) + Talent.Category.choices
    )
    # Typed names, not selects: a county has thousands of units (docs/decisions.md, "Filters by name").
    village = NameFilterField(label=_("Village (community)"), kind="village", queryset=Unit.objects.villages())
    unit = NameFilterField(label=_("Work unit"), kind="unit", queryset=Unit.objects.all())
    political_status = forms.ChoiceField(
        label=_("Political status"), required=False, choices=_any(_("all")) + as_choices(POLITICAL_STATUSES)
    )
    education = forms.ChoiceField(label=_("Education"), required=False, choices=_any(_("all")) + as_choices(EDUCATIONS))
    age = forms.ChoiceField(label=_("Age"), required=False, choices=_any(_("all")) + AGE_BANDS)
    paired = forms.ChoiceField(label=_("Paired with a cadre"), required=False, choices=_any(_("all")) + YES_NO)
    contacted = forms.ChoiceField(label=_("Contacted this year"), required=False, choices=_any(_("all")) + YES_NO)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_fast_selects(self)

    def filters(self) -> dict:
        """The valid filters; a wrong value in one field (an old bookmark) leaves the others working.

        ``village`` and ``unit`` are ``NameMatch``es: narrow with ``match.q("unit")``."""
        self.is_valid()
        describe_name_matches(self)
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class TalentForm(CleanInputMixin, forms.ModelForm):
    """Add or edit a talent, in the admin's groups. Status and 思想动态 have pages of their own."""

    GROUPS = [
        (
            _("Basic information"),
            [
                "name",
                "gender",
                "ethnicity",
                "birth_month",
                "id_number",
                "political_status",
                "education",
                "degree",
                "school_and_major",
                "photo",
            ],
        ),
        (_("Work"), ["unit", "position", "title", "category", "rural_type", "speciality", "village"]),
        (_("Contact details"), ["phone", "address", "notice_date"]),
        (_("Achievements"), ["achievements", "honours"]),
    ]

    class Meta:
        model = Talent
        fields = [
            "name",
            "gender",
            "ethnicity",
            "birth_month",
            "id_number",
            "political_status",
            "education",
            "degree",
            "school_and_major",
            "photo",
            "unit",
            "position",
            "title",
            "category",
            "rural_type",
            "speciality",
            "village",
            "phone",
            "address",
            "notice_date",
            "achievements",
            "honours",
        ]
        widgets = {
            # type=month where the browser has it; elsewhere a text box taking 1985-06.
            "birth_month": forms.DateInput(attrs={"type": "month", "placeholder": "1985-06"}, format="%Y-%m"),
            "notice_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "gender": forms.RadioSelect,
            "achievements": forms.Textarea(attrs={"rows": 5}),
            "honours": forms.Textarea(attrs={"rows": 3}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/*"}),
        }
        # A county has thousands of units: a typed name, a select only for a few (talents/pickers.py).
        field_classes = {"unit": picker("unit"), "village": picker("village")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_month"].input_formats = ["%Y-%m", "%Y-%m-%d", "%Y.%m", "%Y/%m"]
        self.fields["gender"].choices = Talent.Gender.choices  # no empty radio button

    def groups(self):
        """(legend, bound fields) per group, leaving out the fields this form does not have."""
        for legend, names in self.GROUPS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield legend, fields

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip().upper()
        others = Talent.objects.filter(id_number=value).exclude(pk=self.instance.pk)
        if value and others.exists():
            raise forms.ValidationError(_("Another talent already has this ID number."), code="unique")
        return value

    def clean_notice_date(self):
        day = self.cleaned_data["notice_date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be later than today."), code="future")
        return day

    def clean_photo(self):
        """A new photo gets the contact photos' checks: at most PHOTO_MAX_BYTES and PHOTO_MAX_PIXELS, and
        decodable (``talent_save`` then re-encodes it without EXIF/GPS through ``photo_prepare``)."""
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            PhotosField(required=False).clean(photo)
        return photo

    def clean(self):
        data = super().clean()
        if data.get("rural_type") and data.get("category") != Talent.Category.RURAL:
            self.add_error("rural_type", _("Only rural practical talents have a rural talent type."))
        return data


class LiaisonTalentForm(TalentForm):
    """What a unit's liaison keeps current (R11): not the unit, the status or 思想动态."""

    class Meta(TalentForm.Meta):
        fields = [f for f in TalentForm.Meta.fields if f != "unit"]


class MoveOutForm(CleanInputMixin, forms.Form):
    on = forms.DateField(
        label=_("Date moved out"),
        error_messages={"required": _("Give the date the talent was moved out.")},
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Reason for moving out"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: moved away from the township, retired, no longer meets the criteria."),
        error_messages={"required": _("Give the reason for moving the talent out.")},
    )

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be later than today."), code="future")
        return on
