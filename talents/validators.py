"""Validators for Chinese identity documents and phone numbers (GB 11643, mainland numbering)."""

from __future__ import annotations

import datetime
import re

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
