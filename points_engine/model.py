"""Input and output structures of the engine (msgspec Structs, frozen).

The input is :class:`RecordFact`, one credit record (信用记录) as the backend reads it from the
database, already joined with the catalog version it was reported under. The output is
:class:`Assessment` and its parts; every output Struct encodes to JSON with camelCase keys
(``msgspec.json.encode(assessment)``), so the backend can store and serve it as it is.

All dates are business dates (Asia/Shanghai); the engine never reads a clock.
"""

from __future__ import annotations

import datetime
from typing import Final, Literal, TypeAlias

import msgspec

__all__ = [
    "NOT_COUNTING_REASONS",
    "Assessment",
    "BadgeEarned",
    "Countdown",
    "DomainBreakdown",
    "ExplanationLine",
    "Grade",
    "NotCounting",
    "NotCountingReason",
    "Polarity",
    "RecordCounts",
    "RecordFact",
    "RecordStatus",
    "Severity",
    "Suspended",
    "Unit",
]

Polarity: TypeAlias = Literal["good", "bad"]
Severity: TypeAlias = Literal["minor", "general", "serious"]
RecordStatus: TypeAlias = Literal["active", "revoked", "repaired"]
Unit: TypeAlias = Literal["case", "hour", "time", "month"]
NotCountingReason: TypeAlias = Literal[
    "display_period_over", "revoked", "repaired", "not_yet_decided"
]
NOT_COUNTING_REASONS: Final[tuple[NotCountingReason, ...]] = (
    "display_period_over",
    "revoked",
    "repaired",
    "not_yet_decided",
)


class RecordFact(msgspec.Struct, frozen=True, gc=False):
    """One record, as the backend reads it (record row joined with its catalog entry).

    ``points_per_unit`` comes from the catalog version the record was reported under: positive
    for good records (优良信息), negative for bad ones (失信信息). The engine relies on that sign
    and clamps a good record's points at >= 0 and a bad record's at <= 0, so a data error can
    never turn a penalty into a bonus.

    ``display_until`` is EXCLUSIVE: the first day the record no longer shows or counts
    (公示期满). The record counts on days ``decided_on <= day < display_until``.
    ``repairable_from`` is the first day repair (信用修复) may be applied for; None means the
    record type allows no repair (or the record is good).

    ``unit``, ``name_zh`` and ``name_en`` (the catalog's unit and record-type names) only feed the
    explanation texts; without names the texts use the record-type code.
    ``id`` must be unique within one call (it is the database key).
    """

    id: int
    record_type: str
    domain: str
    polarity: Polarity
    severity: Severity | None
    points_per_unit: int
    quantity: int
    bonus_category: str | None
    occurred_on: datetime.date
    decided_on: datetime.date
    display_until: datetime.date
    repairable_from: datetime.date | None
    repair_paths: tuple[str, ...] = ()
    status: RecordStatus = "active"
    under_objection: bool = False
    department: str = ""
    catalog_version: str = ""
    repaired_on: datetime.date | None = None
    unit: Unit = "case"
    name_zh: str = ""
    name_en: str = ""


# --- output -------------------------------------------------------------------------------------


class Grade(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A grade band (信用等级) of the rule set: ``min_points <= points <= max_points``.

    The top band has no ``max_points``, the bottom band no ``min_points``. ``rank`` is 0 for the
    top band and grows downwards.
    """

    code: str
    name_zh: str
    name_en: str
    colour: str
    min_points: int | None
    max_points: int | None
    rank: int


class ExplanationLine(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """Why one counting record moves the points: every point has a reason.

    ``points`` is what the record adds after the yearly cap; ``uncapped_points`` what it would
    add without the cap; ``capped`` is True when the cap took something away.
    """

    record_id: int
    record_type: str
    domain: str
    polarity: Polarity
    department: str
    catalog_version: str
    rules_version: str
    occurred_on: datetime.date
    display_until: datetime.date
    quantity: int
    points: int
    uncapped_points: int
    capped: bool
    bonus_category: str | None
    text_zh: str
    text_en: str


class NotCounting(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A record that does not count today, and why.

    ``stopped_on``: the day it stopped counting (``display_until`` for ``display_period_over``,
    ``repaired_on`` for ``repaired``; None for ``revoked`` because the engine is not told when).
    ``counts_from``: for ``not_yet_decided``, the decision date from which it will count.
    """

    record_id: int
    record_type: str
    domain: str
    polarity: Polarity
    reason: NotCountingReason
    stopped_on: datetime.date | None
    counts_from: datetime.date | None


class Suspended(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A bad record under objection review: its penalty is withheld until the case is decided
    (联合惩戒措施在信息核实期间暂不执行)."""

    record_id: int
    record_type: str
    domain: str
    department: str
    catalog_version: str
    withheld_points: int
    text_zh: str
    text_en: str


class Countdown(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """The two dates on a bad record on display: repair possible from, leaves display on, and the
    repair paths (修复途径) its record type allows.

    ``days_to_repair`` is 0 when repair is possible now and None when the record cannot be
    repaired; ``days_to_display_end`` counts the days left before ``display_until``. Both day
    counts are relative to ``Assessment.as_of``; clients showing a stored assessment on a later
    day should count from the dates.
    """

    record_id: int
    record_type: str
    repairable_from: datetime.date | None
    repair_possible_now: bool
    display_until: datetime.date
    days_to_repair: int | None
    days_to_display_end: int
    repair_paths: tuple[str, ...]


class BadgeEarned(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A badge (徽章) earned, with the day its condition first became true.

    ``record_id`` names the record that completed it, where one did (None for clean-period
    badges).
    """

    code: str
    name_zh: str
    name_en: str
    earned_on: datetime.date
    record_id: int | None


class DomainBreakdown(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """Points and counting records of one domain (领域)."""

    domain: str
    points: int
    records: int


class RecordCounts(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """Records by status. ``total = counting + not_counting + suspended``;
    ``counting = counting_good + counting_bad``."""

    total: int
    counting: int
    counting_good: int
    counting_bad: int
    not_counting: int
    suspended: int


class Assessment(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """The card: the pure result of ``assess(records, rules, as_of)``.

    - ``points_to_next_grade``: points still missing for ``next_grade`` (None at the top).
    - ``clean_years_flag``: 连续 N 年无不良记录 with N = ``clean_years``; ``one_year_clean`` the
      same for one year. ``clean_since`` is the decision date of the latest bad record that
      breaks a clean period (None: there is none) and ``clean_years_from`` the day the flag is
      (or becomes) true, N years later.
    - ``lines``: one per counting record, in ``(occurred_on, id)`` order; ``top_positive`` and
      ``top_negative`` the three biggest each way, biggest first.
    - ``next_change_on``: the earliest day after ``as_of`` on which assessing the same records
      would give a different result (ignoring the day counters in :class:`Countdown`), or None.
      The backend re-scores a citizen when this day arrives.
    """

    as_of: datetime.date
    rules_version: str
    base_points: int
    points: int
    grade: Grade
    next_grade: Grade | None
    points_to_next_grade: int | None
    clean_years: int
    clean_years_flag: bool
    clean_since: datetime.date | None
    clean_years_from: datetime.date | None
    one_year_clean: bool
    counts: RecordCounts
    breakdown: tuple[DomainBreakdown, ...]
    lines: tuple[ExplanationLine, ...]
    top_positive: tuple[ExplanationLine, ...]
    top_negative: tuple[ExplanationLine, ...]
    not_counting: tuple[NotCounting, ...]
    suspended: tuple[Suspended, ...]
    countdowns: tuple[Countdown, ...]
    badges: tuple[BadgeEarned, ...]
    next_change_on: datetime.date | None
