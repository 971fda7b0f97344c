"""Validators for Chinese identity documents and phone numbers (GB 11643, mainland numbering), and the
checks every form applies to what people type (``CleanInputMixin``)."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core import validators as django_validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# [0-9], not \d: \d also matches full-width and other Unicode digits, which int() accepts, so
# "５１０…" would pass and be stored beside its ASCII twin. \Z, not $: $ lets a trailing newline through.
ID_RE = re.compile(r"^[0-9]{17}[0-9X]\Z")
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}\Z")
LANDLINE_RE = re.compile(r"^0[0-9]{2,3}-[0-9]{7,8}\Z")


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_birth_date(id_number: str) -> datetime.date | None:
    """The birth date encoded in an 18-character ID number, or None when it is not a date."""
    digits = id_number[6:14]
    if len(digits) != 8 or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str) -> None:
    value = value.upper()
    if not ID_RE.match(value):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X."), code="format")
    born = id_birth_date(value)
    if born is None or born > datetime.date.today():
        raise ValidationError(_("The birth date inside this ID number is not a real date."), code="birth_date")
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong; please check each digit."), code="checksum"
        )


def validate_phone(value: str) -> None:
    if not (MOBILE_RE.match(value) or LANDLINE_RE.match(value)):
        raise ValidationError(
            _(
                "Enter an 11-digit mobile number (e.g. 13812345678) or a landline as area code-number (e.g. 0818-1234567)."
            ),
            code="phone",
        )


def mask_id_number(value: str) -> str:
    """510***********1234: the first 3 and the last 4 characters."""
    if not value:
        return ""
    if len(value) < 8:  # not a real ID number: showing 3 + 4 characters would show all of it
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678 for mobiles; landlines keep the area code and the last 2 digits."""
    if not value:
        return ""
    if MOBILE_RE.match(value):
        return value[:3] + "****" + value[-4:]
    area, _sep, number = value.partition("-")
    if number:
        return f"{area}-" + "*" * (len(number) - 2) + number[-2:]
    return "*" * max(len(value) - 4, 0) + value[-4:]


# --- What any form accepts ---------------------------------------------------------------------

# C0 and C1 control characters except tab, line feed and carriage return (text areas send those), the
# bidirectional embedding, override and isolate controls (U+202E shows "exe.png" as "gnp.exe": "Trojan
# Source" spoofing), lone surrogates and the non-characters U+FFFE/U+FFFF. Nobody types them on purpose;
# XML cannot hold most of them (openpyxl, python-docx and WeasyPrint fail on the exports), PostgreSQL
# refuses NUL, and a name that displays differently from what is stored misleads readers.
CONTROL_CHARACTERS_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
# No date the system records is outside this range; beyond it, date arithmetic (due dates, ages,
# deadlines) would overflow Python's year 1–9999.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


def parse_pk(value) -> int | None:
    """A primary key from a query string, or None: ASCII digits only ("²".isdigit() is true, and int() fails
    on it), at most 18 of them (a 64-bit integer column holds no more)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def validate_no_control_characters(value) -> None:
    if not isinstance(value, str):
        return
    found = CONTROL_CHARACTERS_RE.search(value)
    if found:
        raise ValidationError(
            _("Remove the invisible control character (%(code)s) from this text: it cannot be stored."),
            code="control_character",
            params={"code": f"U+{ord(found.group()):04X}"},
        )


def validate_plausible_date(value) -> None:
    if isinstance(value, datetime.date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="implausible_date",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


class CleanInputMixin:
    """For every form people post: text fields refuse control characters, date fields absurd dates.

    Put it first among the bases (``class TalentForm(CleanInputMixin, forms.ModelForm)``). It replaces
    Django's own NUL check, whose Chinese message wrongly says "empty string".
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators = [
                    v for v in field.validators if not isinstance(v, django_validators.ProhibitNullCharactersValidator)
                ]
                field.validators.append(validate_no_control_characters)
            elif isinstance(field, forms.DateField):
                field.validators.append(validate_plausible_date)
