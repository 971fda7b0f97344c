"""Forms of the December village report: the narrative (draft or submit), the office's return, the board's year."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from talents.validators import CleanInputMixin

from .village_reports import NARRATIVE_FIELDS, section_headings

SECTION_MAX_LENGTH = 10_000


def _section(*, rows: int) -> forms.CharField:
    return forms.CharField(
        max_length=SECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": _("Fill in this section before submitting; write “none” if need be.")},
    )


class NarrativeForm(CleanInputMixin, forms.Form):
    """The five sections as the secretary types them. A draft may leave sections empty."""

    required_sections = False

    basic_situation = _section(rows=8)
    main_practices = _section(rows=8)
    results = _section(rows=8)
    problems = _section(rows=5)
    next_steps = _section(rows=5)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        headings = section_headings()
        for name in NARRATIVE_FIELDS:
            f = self.fields[name]
            f.label, f.required = headings[name], self.required_sections

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in NARRATIVE_FIELDS}


class SubmitNarrativeForm(NarrativeForm):
    """The same sections, all required: a report goes to the office complete."""

    required_sections = True


class ReturnForm(CleanInputMixin, forms.Form):
    return_reason = forms.CharField(
        label=_("Reason for returning"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the report is returned.")},
    )


class YearForm(CleanInputMixin, forms.Form):
    """The board's year; a bad value falls back to the default rather than failing the page."""

    year = forms.IntegerField(
        label=_("Year"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )

    def year_or(self, default: int) -> int:
        return self.cleaned_data["year"] if self.is_valid() else default
