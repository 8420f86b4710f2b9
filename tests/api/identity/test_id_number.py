"""Resident identity numbers (GB 11643): validation, check digit, masking."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.identity.id_number import (
    InvalidIdNumber,
    check_digit,
    make_id_number,
    mask_id_number,
    mask_name,
    normalize_id_number,
)
from tests.conftest import BusinessDate

TODAY = dt.date(2026, 11, 22)


def test_a_known_valid_number_is_accepted_unchanged() -> None:
    assert normalize_id_number("440524198001010013") == "440524198001010013"


def test_x_check_digit_is_accepted_in_either_case_and_upper_cased() -> None:
    assert check_digit("11010519491231002") == "X"
    assert normalize_id_number("11010519491231002X") == "11010519491231002X"
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"


def test_surrounding_whitespace_is_ignored() -> None:
    assert normalize_id_number("  440524198001010013 ") == "440524198001010013"


def test_numbers_built_by_make_id_number_are_valid() -> None:
    for sequence in range(1, 40):
        number = make_id_number("330106", dt.date(1988, 6, 1), sequence)
        assert len(number) == 18
        assert normalize_id_number(number) == number


@pytest.mark.parametrize("value", ["", "44052419800101001", "4405241980010100130", "1" * 15])
def test_wrong_length_is_refused(value: str) -> None:
    with pytest.raises(InvalidIdNumber, match="18 characters"):
        normalize_id_number(value)


@pytest.mark.parametrize(
    "value",
    ["44052419800101A013", "X40524198001010013", "44052419800101001Y", "4405241980010100 3"],
)
def test_letters_other_than_a_final_x_are_refused(value: str) -> None:
    with pytest.raises(InvalidIdNumber, match="17 digits followed by a digit or X"):
        normalize_id_number(value)


@pytest.mark.parametrize("province", ["00", "10", "24", "39", "66", "90", "99"])
def test_unknown_province_code_is_refused(province: str) -> None:
    body = f"{province}0106" + "19880601" + "001"
    with pytest.raises(InvalidIdNumber, match="province"):
        normalize_id_number(body + check_digit(body))


@pytest.mark.parametrize("birth", ["19880231", "19881301", "19880000", "19890229", "19880632"])
def test_impossible_birth_date_is_refused(birth: str) -> None:
    body = f"330106{birth}001"
    with pytest.raises(InvalidIdNumber, match="not a real date"):
        normalize_id_number(body + check_digit(body))


def test_leap_day_birth_date_is_accepted() -> None:
    number = make_id_number("330106", dt.date(1988, 2, 29), 1)
    assert normalize_id_number(number) == number


def test_future_birth_date_is_refused(business_date: BusinessDate) -> None:
    today = business_date(TODAY)
    number = make_id_number("330106", today + dt.timedelta(days=1), 1)
    with pytest.raises(InvalidIdNumber, match="out of range"):
        normalize_id_number(number)


def test_birth_date_today_is_accepted(business_date: BusinessDate) -> None:
    today = business_date(TODAY)
    number = make_id_number("330106", today, 1)
    assert normalize_id_number(number) == number


def test_a_batch_judges_birth_dates_by_its_own_date_not_the_clock(
    business_date: BusinessDate,
) -> None:
    today = business_date(TODAY)
    born_tomorrow = make_id_number("330106", today + dt.timedelta(days=1), 1)
    assert normalize_id_number(born_tomorrow, today=today + dt.timedelta(days=1)) == born_tomorrow


def test_birth_date_before_1890_is_refused() -> None:
    number = make_id_number("330106", dt.date(1889, 12, 31), 1)
    with pytest.raises(InvalidIdNumber, match="out of range"):
        normalize_id_number(number)


def test_check_digit_mismatch_is_refused() -> None:
    good = make_id_number("330106", dt.date(1988, 6, 1), 5)
    for wrong in "0123456789X":
        if wrong == good[-1]:
            continue
        with pytest.raises(InvalidIdNumber, match="check digit"):
            normalize_id_number(good[:-1] + wrong)


def test_swapped_digits_break_the_check_digit() -> None:
    good = "440524198001010013"
    swapped = good[:15] + good[16] + good[15] + good[17:]
    assert swapped != good
    with pytest.raises(InvalidIdNumber, match="check digit"):
        normalize_id_number(swapped)


def test_invalid_id_number_is_a_value_error_with_a_reason() -> None:
    with pytest.raises(ValueError, match="18 characters"):
        normalize_id_number("123")


def test_mask_keeps_the_first_four_and_last_four_characters() -> None:
    assert mask_id_number("33010619880601007X") == "3301**********007X"
    assert mask_id_number("440524198001010013") == "4405**********0013"
    masked = mask_id_number("440524198001010013")
    assert len(masked) == 18
    assert "19800101" not in masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳小明", "欧***"), ("李", "李*"), ("王小二", "王**")],
)
def test_mask_name_keeps_only_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked
