"""Real-name verification (三要素: name + ID number + phone), and the one rule that decides
whether two spellings of a person's name (姓名) are the same name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol

import msgspec

from backend.identity.store import registry_person
from backend.platform.database import connection

MIDDLE_DOT = "\u00b7"  # ·, the separator in transliterated names (e.g. 阿依古丽·买买提)
# Characters typed in place of the middle dot (after NFKC, which already folds U+0387 and the
# half-width katakana dot): bullet, hyphenation point, bullet and dot operators, word-separator
# middle dot, katakana middle dot (・).
_DOT_LOOKALIKES = re.compile("[\u2022\u2027\u2219\u22c5\u2e31\u30fb]")
_WHITESPACE = re.compile(r"\s+")
# Han ideographs (BMP, compatibility and extension planes) and 〇, which appears in names.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A space next to a Han character or the middle dot is never part of a name.
_SPACE_BY_HAN = re.compile(f" (?=[{_HAN}{MIDDLE_DOT}])|(?<=[{_HAN}{MIDDLE_DOT}]) ")


def normalize_person_name(text: str) -> str:
    """The canonical spelling of a name, as stored and compared.

    NFKC folds full-width letters and the ideographic space to their half-width forms; every
    middle-dot look-alike becomes ``·``; invisible format characters (zero-width space, BOM) go;
    whitespace is trimmed, runs of it become one space, and a space beside a Han character or
    the dot is dropped (``张 三`` is ``张三``, ``阿依古丽 ・ 买买提`` is ``阿依古丽·买买提``), while
    the space between Latin words stays (``JOHN SMITH``). Letters keep their case here.
    """
    name = _DOT_LOOKALIKES.sub(MIDDLE_DOT, unicodedata.normalize("NFKC", text))
    name = "".join(c for c in name if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    name = _WHITESPACE.sub(" ", name).strip()
    return _SPACE_BY_HAN.sub("", name)


def names_match(on_file: str, given: str) -> bool:
    """Whether ``given`` names the same person's name as ``on_file`` (姓名一致).

    The one rule for every name check: the real-name check at sign-up, departments' records
    against the name on file, and any later check that compares a name with an ID number.
    Both sides are normalised (see ``normalize_person_name``) and Latin letters compare without
    case; nothing else is forgiven (a different character is a different name)."""
    return normalize_person_name(on_file).casefold() == normalize_person_name(given).casefold()


class VerificationResult(msgspec.Struct, frozen=True):
    ok: bool
    reason: str | None = None  # for the server log only: never shown to the caller
    name: str | None = None  # the name on file, when the check passed


class IdentityVerifier(Protocol):
    async def verify(
        self, name: str, id_number_index: str, phone_indexes: Sequence[str]
    ) -> VerificationResult: ...


class RegistryIdentityVerifier:
    """Checks the population registry that authorised departments keep up to date. The phone
    is compared by its blind index (``phone_indexes``: under every configured key, the registry
    row may still be under an old one), never decrypted."""

    async def verify(
        self, name: str, id_number_index: str, phone_indexes: Sequence[str]
    ) -> VerificationResult:
        async with connection() as conn:
            on_file = await registry_person(conn, id_number_index)
        if on_file is None:
            return VerificationResult(False, "the ID number is not in the population registry")
        if not names_match(on_file.name, name):
            return VerificationResult(False, "the name does not match the registry")
        if on_file.phone_index not in phone_indexes:
            return VerificationResult(False, "the phone is not the one registered to this ID")
        return VerificationResult(True, name=on_file.name)
