"""The one name rule (姓名一致): what is forgiven (spacing, width, middle-dot look-alikes,
invisible characters, Latin case) and what is not (any other character)."""

from __future__ import annotations

import pytest

from backend.identity.verifier import names_match, normalize_person_name


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("张三", "张三"),
        ("  张三\t", "张三"),
        ("张 三", "张三"),
        ("张\u3000三", "张三"),  # ideographic (full-width) space
        ("张\u200b三\ufeff", "张三"),  # zero-width space, byte-order mark
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽 · 买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),  # bullet
        ("阿依古丽・买买提", "阿依古丽·买买提"),  # katakana middle dot
        ("阿依古丽\uff65买买提", "阿依古丽·买买提"),  # half-width katakana middle dot
        ("阿依古丽\u0387买买提", "阿依古丽·买买提"),  # Greek ano teleia
        ("阿依古丽\u2027买买提", "阿依古丽·买买提"),  # hyphenation point
        ("阿依古丽\u22c5买买提", "阿依古丽·买买提"),  # dot operator
        ("李〇 明", "李〇明"),
        ("ＪＯＨＮ　ＳＭＩＴＨ", "JOHN SMITH"),  # full-width letters and space
        ("John   Smith ", "John Smith"),  # Latin words keep one space, and their case
        (" \u3000\u200b", ""),
    ],
)
def test_normalised_spelling(text: str, canonical: str) -> None:
    assert normalize_person_name(text) == canonical


@pytest.mark.parametrize(
    ("on_file", "given"),
    [
        ("张三", " 张 三 "),
        ("阿依古丽·买买提", "阿依古丽・买买提"),
        ("JOHN SMITH", "john smith"),
        ("JOHN SMITH", "ｊｏｈｎ smith"),
    ],
)
def test_variants_of_one_name_match(on_file: str, given: str) -> None:
    assert names_match(on_file, given)
    assert names_match(given, on_file)


@pytest.mark.parametrize(
    ("on_file", "given"),
    [
        ("张三", "李四"),
        ("张三", "张叁"),  # another character is another name
        ("张三", "张三丰"),
        ("张三丰", "张三"),
        ("阿依古丽·买买提", "阿依古丽买买提"),  # the dot separates two names: not optional
        ("JOHN SMITH", "JOHNSMITH"),
        ("张三", ""),
    ],
)
def test_different_names_do_not_match(on_file: str, given: str) -> None:
    assert not names_match(on_file, given)
