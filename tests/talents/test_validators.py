"""GB 11643 ID numbers and mainland phone numbers: what the office may type and how it is shown."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from talents.validators import (
    id_birth_date,
    id_check_char,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_phone,
)

VALID_IDS = [
    "11010519491231002X",  # the specimen number printed in GB 11643 itself, check digit X
    "511723198506150015",  # Kaijiang county, born 1985-06-15
    "510104200002290011",  # Chengdu, born on a leap day
]


def _error_code(value: str, validator) -> str:
    with pytest.raises(ValidationError) as exc:
        validator(value)
    return exc.value.code


@pytest.mark.parametrize("id_number", VALID_IDS)
def test_a_correct_id_number_is_accepted(id_number):
    validate_id_number(id_number)


def test_an_id_number_typed_with_a_small_x_is_accepted():
    validate_id_number("11010519491231002x")


def test_the_check_digit_can_be_x():
    assert id_check_char("11010519491231002") == "X"


def test_a_wrong_check_digit_is_rejected_as_a_checksum_error():
    assert _error_code("110105194912310021", validate_id_number) == "checksum"


def test_a_single_mistyped_digit_is_caught_by_the_check_digit():
    # 511723198506150015 with its serial number 001 mistyped as 002.
    assert _error_code("511723198506150025", validate_id_number) == "checksum"


def test_the_checksum_message_is_shown_in_chinese():
    with pytest.raises(ValidationError) as exc:
        validate_id_number("110105194912310021")
    with translation.override("zh-hans"):
        message = str(exc.value.messages[0])
    assert message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


@pytest.mark.parametrize(
    "id_number",
    [
        "",
        "51172319850615001",  # 17 characters
        "5117231985061500144",  # 19 characters
        "51172319850615001A",  # a letter other than X
        "X11723198506150014",  # X not at the end
        "511723 98506150014",
        "511723198506150014\n",  # a trailing newline slipped through "$"
        "５１１７２３１９８５０６１５００１４",  # full-width digits, which int() would read
    ],
)
def test_an_id_number_of_the_wrong_shape_is_rejected_as_a_format_error(id_number):
    assert _error_code(id_number, validate_id_number) == "format"


def test_an_id_number_born_on_february_30_is_rejected_as_an_impossible_birth_date():
    first17 = "51172319850230001"
    assert _error_code(first17 + id_check_char(first17), validate_id_number) == "birth_date"


def test_an_id_number_born_in_month_13_is_rejected_as_an_impossible_birth_date():
    first17 = "51172319851301001"
    assert _error_code(first17 + id_check_char(first17), validate_id_number) == "birth_date"


def test_an_id_number_born_in_the_future_is_rejected():
    born = datetime.date.today() + datetime.timedelta(days=400)
    first17 = f"511723{born:%Y%m%d}001"
    assert _error_code(first17 + id_check_char(first17), validate_id_number) == "birth_date"


def test_the_birth_date_is_read_from_the_id_number():
    assert id_birth_date("11010519491231002X") == datetime.date(1949, 12, 31)


def test_no_birth_date_is_read_from_a_malformed_id_number():
    assert id_birth_date("51172319850230001X") is None
    assert id_birth_date("5117") is None
    assert id_birth_date("511723 1985 0615001") is None


def test_an_id_number_is_masked_to_its_first_3_and_last_4_characters():
    assert mask_id_number("510104200002291234") == "510***********1234"


def test_a_masked_id_number_keeps_its_length_and_an_x_check_digit():
    masked = mask_id_number("11010519491231002X")
    assert masked == "110***********002X"
    assert len(masked) == 18


def test_a_blank_id_number_masks_to_blank():
    assert mask_id_number("") == ""


def test_a_short_id_number_is_masked_completely_rather_than_shown():
    assert mask_id_number("5101234") == "*******"


@pytest.mark.parametrize("phone", ["13812345678", "19912345678", "15000000000", "0818-1234567", "010-12345678"])
def test_mobile_and_landline_numbers_are_accepted(phone):
    validate_phone(phone)


@pytest.mark.parametrize(
    "phone",
    [
        "12345",
        "12812345678",  # mobiles start 13–19
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "08181234567",  # landline without the dash
        "0818-123456",  # local number too short
        "818-1234567",  # area code must start with 0
        "13812345678\n",
        "１３８１２３４５６７８",  # full-width digits
        "",
    ],
)
def test_other_phone_numbers_are_rejected(phone):
    assert _error_code(phone, validate_phone) == "phone"


def test_a_mobile_number_is_masked_as_138_stars_5678():
    assert mask_phone("13812345678") == "138****5678"


def test_a_landline_keeps_its_area_code_and_last_two_digits_when_masked():
    assert mask_phone("0818-1234567") == "0818-*****67"


def test_a_blank_phone_masks_to_blank():
    assert mask_phone("") == ""
