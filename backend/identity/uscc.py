"""Unified social credit codes (统一社会信用代码, GB 32100-2015): normalisation and validation.

A code is 18 characters from a 31-character alphabet (the digits and the capital letters
without I, O, Z, S and V): the registration authority, the organisation type, the
administrative division, the organisation's body and, last, a check character computed from
the first 17. Pure: no I/O.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The characters of a code; a character's value is its index here."""

LENGTH = 18
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {character: value for value, character in enumerate(ALPHABET)}
_FULL_WIDTH_OFFSET = 0xFEE0  # "Ａ" (U+FF21) - "A" (U+0041)


def normalize_uscc(text: str) -> str:
    """The code as typed, in canonical form: full-width characters (``９１３５…``, ``Ｙ``)
    to half-width, the ideographic space to a space, surrounding whitespace stripped,
    letters upper-cased. Nothing is checked: see :func:`uscc_problem`."""
    half = "".join(
        " "
        if c == "\u3000"
        else chr(ord(c) - _FULL_WIDTH_OFFSET)
        if "\uff01" <= c <= "\uff5e"
        else c
        for c in text
    )
    return half.strip().upper()


def check_character(body: str) -> str:
    """The check character of the first 17 characters (which must be from :data:`ALPHABET`):
    ``31 - (Σ value × weight mod 31)``, with 31 written as ``0``."""
    if len(body) != LENGTH - 1:
        raise ValueError(f"a code's body is {LENGTH - 1} characters, not {len(body)}")
    try:
        total = sum(_VALUES[c] * w for c, w in zip(body, _WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not a character of a code") from exc
    return ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None when ``code`` (already normalised: see :func:`normalize_uscc`) is a valid code,
    else a short English reason: the length, the first character outside the alphabet (with
    its position, 1-based), or the check character."""
    if len(code) != LENGTH:
        return f"must be {LENGTH} characters, not {len(code)}"
    for position, character in enumerate(code, start=1):
        if character not in _VALUES:
            return (
                f"character {position} ({character!r}) is not a digit or a capital letter"
                " other than I, O, Z, S, V"
            )
    expected = check_character(code[:-1])
    if code[-1] != expected:
        return f"the check character (18th) should be {expected!r}, not {code[-1]!r} (GB 32100)"
    return None


def is_valid_uscc(code: str) -> bool:
    """Whether ``code`` (already normalised) is a valid unified social credit code."""
    return uscc_problem(code) is None


def make_uscc(body: str) -> str:
    """A valid code from its first 17 characters (demo data, tests)."""
    return body + check_character(body)
