"""The rule set (积分规则): versioned data under ``content/rules/``, one TOML file per version.

The engine does no I/O: the backend parses each file with :mod:`tomllib` and hands the mapping to
:func:`rules_from_mapping`, which converts it into strict Structs (unknown keys are errors) and
checks the meaning (grade bands contiguous and descending, caps positive, badge kinds known,
...). Every problem is a :class:`RulesError` whose message names the source, the entry and the
field, e.g. ``content/rules/2026.1.toml: grade[1] 'AA': field 'min_points': ...``.

:class:`RuleSet` holds every version and picks the one in force on a date
(``effective_from <= on``, latest wins).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Final, Literal, TypeAlias

import msgspec

from points_engine.compiled import Compiled
from points_engine.model import Grade
from points_engine.versions import Checker, VersionedSet

__all__ = [
    "BADGE_KINDS",
    "BadgeDef",
    "BadgeKind",
    "BonusCap",
    "RuleSet",
    "Rules",
    "RulesError",
    "rules_from_mapping",
]

BadgeKind: TypeAlias = Literal[
    "cumulative_quantity", "record_count", "clean_years", "repair_completed"
]
BADGE_KINDS: Final[tuple[BadgeKind, ...]] = (
    "cumulative_quantity",
    "record_count",
    "clean_years",
    "repair_completed",
)
_MATCHING_KINDS: Final = ("cumulative_quantity", "record_count")

_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_GRADE_CODE = re.compile(r"[A-Z][A-Z0-9+\-]*")
_RECORD_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


class RulesError(Exception):
    """A rules file or rule set is invalid; the message names the source, entry and field."""


# --- public model -------------------------------------------------------------------------------


class BonusCap(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """The yearly cap (年度上限) on the points of one bonus category, per calendar year of the
    records' ``occurred_on``."""

    category: str
    name_zh: str
    name_en: str
    yearly_cap: int


class BadgeDef(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A badge definition.

    Kinds:

    - ``cumulative_quantity``: the summed ``quantity`` of matching records reaches ``threshold``
      (e.g. 50 volunteer hours); earned on the ``occurred_on`` of the record that reached it.
    - ``record_count``: the number of matching records reaches ``threshold``.
    - ``clean_years``: ``years`` full years without a bad record (see :mod:`points_engine.badges`).
    - ``repair_completed``: ``threshold`` records repaired; earned on the ``repaired_on`` of the
      record that reached it.

    A record matches when its ``record_type`` is in ``record_types`` or its ``bonus_category`` is
    in ``bonus_categories``.
    """

    code: str
    kind: BadgeKind
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    threshold: int
    years: int
    record_types: tuple[str, ...]
    bonus_categories: tuple[str, ...]


class Rules(msgspec.Struct, frozen=True, dict=True, rename="camel"):
    """One version of the rules. Build it with :func:`rules_from_mapping`.

    ``grades`` run from the top band (AAA) down. Encodes to JSON (camelCase) for the officer API;
    the precomputed lookup tables live outside the fields, in :attr:`compiled`.
    """

    version: str
    effective_from: datetime.date
    source: str
    base_points: int
    clean_years: int
    grades: tuple[Grade, ...]
    bonus_caps: tuple[BonusCap, ...]
    badges: tuple[BadgeDef, ...]

    # Not a field: set per instance by __post_init__ (also after msgspec decoding).
    compiled: ClassVar[Compiled]

    def __post_init__(self) -> None:
        self.__dict__["compiled"] = Compiled(self)

    def grade_for(self, points: int) -> Grade:
        """The grade band ``points`` falls in."""
        return self.compiled.band(points)[0]

    def grade(self, code: str) -> Grade | None:
        """The grade with this code, or None."""
        for grade in self.grades:
            if grade.code == code:
                return grade
        return None

    def cap(self, category: str) -> BonusCap | None:
        """The yearly cap of a bonus category, or None (uncapped)."""
        for cap in self.bonus_caps:
            if cap.category == category:
                return cap
        return None


class RuleSet(VersionedSet[Rules]):
    """Every rules version, ordered by ``effective_from``; :meth:`in_force` picks one."""

    __slots__ = ()
    label = "rule set"
    noun = "rules"
    error = RulesError


# --- raw file structure (exactly what the TOML may contain) -------------------------------------


class _RawHeader(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    version: str
    effective_from: datetime.date
    source: str
    base_points: int
    clean_years: int


class _RawGrade(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    name_zh: str
    name_en: str
    colour: str
    min_points: int | None = None
    max_points: int | None = None


class _RawCap(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    category: str
    name_zh: str
    name_en: str
    yearly_cap: int


class _RawBadge(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    kind: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    threshold: int | None = None
    years: int | None = None
    record_types: list[str] = []
    bonus_categories: list[str] = []


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rules: _RawHeader
    grade: list[_RawGrade] = []
    bonus_cap: list[_RawCap] = []
    badge: list[_RawBadge] = []


# --- validation ---------------------------------------------------------------------------------


def _check_header(check: Checker, header: _RawHeader) -> None:
    check.header("rules", header.version, header.source)
    if header.base_points <= 0:
        raise check.fail("rules", "base_points", f"{header.base_points} must be positive")
    if header.clean_years < 1:
        raise check.fail("rules", "clean_years", f"{header.clean_years} must be at least 1")


def _check_grades(check: Checker, raws: list[_RawGrade]) -> tuple[Grade, ...]:
    if len(raws) < 2:
        raise check.fail("grade", None, "at least two [[grade]] bands are needed, top first")
    last = len(raws) - 1
    grades: list[Grade] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        entry = f"grade[{index}] {raw.code!r}"
        if not _GRADE_CODE.fullmatch(raw.code):
            raise check.fail(entry, "code", f"{raw.code!r} is not an upper-case grade code")
        if raw.code in seen:
            raise check.fail(entry, "code", f"duplicate grade code {raw.code!r}")
        seen.add(raw.code)
        check.text(entry, "name_zh", raw.name_zh)
        check.text(entry, "name_en", raw.name_en)
        if not _COLOUR.fullmatch(raw.colour):
            raise check.fail(entry, "colour", f"{raw.colour!r} is not a #RRGGBB hex colour")
        if index == 0 and raw.max_points is not None:
            raise check.fail(entry, "max_points", "the top band is open-ended; omit the field")
        if index > 0 and raw.max_points is None:
            raise check.fail(entry, "max_points", "required for every band below the top")
        if index == last and raw.min_points is not None:
            raise check.fail(entry, "min_points", "the bottom band is open-ended; omit the field")
        if index < last and raw.min_points is None:
            raise check.fail(entry, "min_points", "required for every band above the bottom")
        if (
            raw.min_points is not None
            and raw.max_points is not None
            and raw.min_points > raw.max_points
        ):
            raise check.fail(
                entry, "max_points", f"{raw.max_points} is below min_points ({raw.min_points})"
            )
        if index > 0:
            above = raws[index - 1]
            assert above.min_points is not None and raw.max_points is not None
            if raw.max_points != above.min_points - 1:
                relation = (
                    "overlaps" if raw.max_points >= above.min_points else "leaves a gap below"
                )
                raise check.fail(
                    entry,
                    "max_points",
                    f"{raw.max_points} {relation} grade {above.code!r} (min_points "
                    f"{above.min_points}); bands must be contiguous and descending, so it must be "
                    f"{above.min_points - 1}",
                )
        grades.append(
            Grade(
                code=raw.code,
                name_zh=raw.name_zh,
                name_en=raw.name_en,
                colour=raw.colour.upper(),
                min_points=raw.min_points,
                max_points=raw.max_points,
                rank=index,
            )
        )
    return tuple(grades)


def _check_caps(check: Checker, raws: list[_RawCap]) -> tuple[BonusCap, ...]:
    caps: list[BonusCap] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        entry = f"bonus_cap[{index}] {raw.category!r}"
        if not _SNAKE.fullmatch(raw.category):
            raise check.fail(entry, "category", f"{raw.category!r} is not snake_case")
        if raw.category in seen:
            raise check.fail(entry, "category", f"duplicate bonus category {raw.category!r}")
        seen.add(raw.category)
        check.text(entry, "name_zh", raw.name_zh)
        check.text(entry, "name_en", raw.name_en)
        if raw.yearly_cap <= 0:
            raise check.fail(entry, "yearly_cap", f"{raw.yearly_cap} must be positive")
        caps.append(BonusCap(raw.category, raw.name_zh, raw.name_en, raw.yearly_cap))
    return tuple(caps)


def _check_badge(check: Checker, entry: str, raw: _RawBadge, categories: set[str]) -> BadgeDef:
    if not _SNAKE.fullmatch(raw.code):
        raise check.fail(entry, "code", f"{raw.code!r} is not snake_case")
    for name in ("name_zh", "name_en", "description_zh", "description_en"):
        check.text(entry, name, getattr(raw, name))
    kind = raw.kind
    if kind not in BADGE_KINDS:
        raise check.fail(
            entry, "kind", f"unknown badge kind {kind!r}; known: {', '.join(BADGE_KINDS)}"
        )
    threshold, years = raw.threshold, raw.years
    matches = bool(raw.record_types or raw.bonus_categories)
    if kind == "clean_years":
        if years is None:
            raise check.fail(entry, "years", "a clean_years badge needs the number of years")
        if years < 1:
            raise check.fail(entry, "years", f"{years} must be at least 1")
        if threshold is not None:
            raise check.fail(entry, "threshold", "clean_years badges use 'years'; omit the field")
        threshold = 0
    else:
        if years is not None:
            raise check.fail(entry, "years", f"only clean_years badges have years, not {kind}")
        if threshold is None:
            if kind != "repair_completed":
                raise check.fail(entry, "threshold", f"a {kind} badge needs a threshold")
            threshold = 1
        if threshold < 1:
            raise check.fail(entry, "threshold", f"{threshold} must be at least 1")
        years = 0
    if kind in _MATCHING_KINDS and not matches:
        raise check.fail(
            entry, "record_types", f"a {kind} badge needs record_types or bonus_categories"
        )
    if kind not in _MATCHING_KINDS and matches:
        field = "record_types" if raw.record_types else "bonus_categories"
        raise check.fail(entry, field, f"{kind} badges match no records; omit the field")
    for code in raw.record_types:
        if not _RECORD_CODE.fullmatch(code):
            raise check.fail(entry, "record_types", f"{code!r} is not an UPPER-KEBAB-CASE code")
    for category in raw.bonus_categories:
        if category not in categories:
            raise check.fail(
                entry,
                "bonus_categories",
                f"{category!r} is not a declared [[bonus_cap]] category",
            )
    return BadgeDef(
        code=raw.code,
        kind=kind,
        name_zh=raw.name_zh,
        name_en=raw.name_en,
        description_zh=raw.description_zh,
        description_en=raw.description_en,
        threshold=threshold,
        years=years,
        record_types=tuple(raw.record_types),
        bonus_categories=tuple(raw.bonus_categories),
    )


def _check_badges(
    check: Checker, raws: list[_RawBadge], caps: tuple[BonusCap, ...]
) -> tuple[BadgeDef, ...]:
    categories = {c.category for c in caps}
    badges: list[BadgeDef] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        entry = f"badge[{index}] {raw.code!r}"
        if raw.code in seen:
            raise check.fail(entry, "code", f"duplicate badge code {raw.code!r}")
        seen.add(raw.code)
        badges.append(_check_badge(check, entry, raw, categories))
    return tuple(badges)


def rules_from_mapping(data: Mapping[str, Any], source: str) -> Rules:
    """Convert and validate one parsed rules file (``tomllib.loads`` output).

    ``source`` names the file in error messages. Raises :class:`RulesError`.
    """
    check = Checker(source, RulesError)
    parsed: _RawFile = check.convert(data, _RawFile, name_keys=("code", "category"))
    _check_header(check, parsed.rules)
    grades = _check_grades(check, parsed.grade)
    caps = _check_caps(check, parsed.bonus_cap)
    badges = _check_badges(check, parsed.badge, caps)
    header = parsed.rules
    return Rules(
        version=header.version,
        effective_from=header.effective_from,
        source=header.source,
        base_points=header.base_points,
        clean_years=header.clean_years,
        grades=grades,
        bonus_caps=caps,
        badges=badges,
    )
