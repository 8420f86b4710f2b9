"""Unified social credit codes (统一社会信用代码, GB 32100-2015): the check character,
normalisation and the reasons an invalid code is refused."""

from __future__ import annotations

import pytest

from backend.identity.uscc import (
    ALPHABET,
    check_character,
    is_valid_uscc,
    make_uscc,
    normalize_uscc,
    uscc_problem,
)

# The example code published with explanations of GB 32100-2015.
PUBLISHED = "91350100M000100Y43"


def test_the_published_example_is_valid() -> None:
    assert check_character(PUBLISHED[:17]) == "3"
    assert uscc_problem(PUBLISHED) is None
    assert is_valid_uscc(PUBLISHED)


@pytest.mark.parametrize(
    "body",
    [
        "91330106MA2B3C4D5",  # 9 工商, 1 company, Hangzhou 西湖区 330106, a letter-bearing body
        "12330000470000000",  # 1 机构编制, 2 public institution, Zhejiang
        "52110000500000000",  # 5 民政, 2 foundation, Beijing
        "93450100MA5KX1234",  # 9 工商, 3 farmers' cooperative, Nanning
    ],
)
def test_a_code_built_from_its_body_is_valid(body: str) -> None:
    code = make_uscc(body)
    assert len(code) == 18 and code[:17] == body and code[17] in ALPHABET
    assert uscc_problem(code) is None


def test_a_check_sum_of_31_is_written_as_0() -> None:
    # Search a body whose weighted sum is a multiple of 31: its check character is "0".
    for serial in range(10_000):
        body = f"9133010600000{serial:04d}"
        if check_character(body) == "0":
            assert is_valid_uscc(body + "0")
            return
    raise AssertionError("no body with a check character 0 among 10 000")


@pytest.mark.parametrize("code", ["", "9135010", PUBLISHED[:17], PUBLISHED + "0"])
def test_a_wrong_length_is_refused(code: str) -> None:
    problem = uscc_problem(code)
    assert problem is not None and problem.startswith("must be 18 characters")
    assert not is_valid_uscc(code)


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_the_letters_i_o_z_s_v_are_refused(letter: str) -> None:
    code = PUBLISHED[:8] + letter + PUBLISHED[9:]
    problem = uscc_problem(code)
    assert problem is not None and "character 9" in problem and repr(letter) in problem


@pytest.mark.parametrize("code", ["91350100m000100Y43", "91350100M000100Y4-"])
def test_lower_case_and_punctuation_are_refused_unless_normalised(code: str) -> None:
    assert uscc_problem(code) is not None


def test_a_wrong_check_character_is_refused() -> None:
    for wrong in ALPHABET:
        if wrong == "3":
            continue
        problem = uscc_problem(PUBLISHED[:17] + wrong)
        assert problem is not None and "check character" in problem and "'3'" in problem


def test_one_changed_character_is_caught() -> None:
    for position in range(17):
        for character in ALPHABET:
            if character == PUBLISHED[position]:
                continue
            changed = PUBLISHED[:position] + character + PUBLISHED[position + 1 :]
            assert not is_valid_uscc(changed), changed


def test_normalisation_strips_upper_cases_and_narrows_full_width() -> None:
    assert normalize_uscc("  91350100m000100y43\n") == PUBLISHED
    assert normalize_uscc("\u3000９１３５０１００Ｍ０００１００Ｙ４３\u3000") == PUBLISHED
    assert normalize_uscc("９１３５０１００ｍ０００１００ｙ４３") == PUBLISHED
    assert is_valid_uscc(normalize_uscc(" ９１３５０１００Ｍ０００１００Ｙ４３ "))


def test_check_character_refuses_a_body_it_cannot_weigh() -> None:
    with pytest.raises(ValueError, match="17 characters"):
        check_character("9135")
    with pytest.raises(ValueError, match="'O'"):
        check_character("91350100O00010000")
