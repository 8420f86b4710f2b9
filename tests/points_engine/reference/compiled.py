"""Lookup tables precomputed once per rules version, for :func:`points_engine.assess`.

Built by :class:`points_engine.Rules` itself (``rules.compiled``). Besides the fixed tables it
keeps small memo tables (grade band per points value, anniversaries per date, badge counters per
record type); they are bounded and pure (a value depends only on its key and the rules), and
they pay off because points values, dates and record types repeat across a city.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Final

from points_engine.model import Grade, RecordFact
from tests.points_engine.reference.dates import years_after

if TYPE_CHECKING:
    from points_engine.rules import BadgeDef, Rules

__all__ = ["Compiled"]

_MATCHING_KINDS: Final = ("cumulative_quantity", "record_count")
_CACHE_LIMIT: Final = 1 << 16
_UNREACHABLE: Final = 1 << 62


class Compiled:
    """Lookup tables precomputed once per :class:`Rules` for :func:`points_engine.assess`."""

    __slots__ = (
        "anniversary_cache",
        "badge_index",
        "band_cache",
        "bands",
        "cap_labels",
        "caps",
        "clean_badges",
        "clean_plan",
        "counter_by_quantity",
        "counter_first_need",
        "counter_steps",
        "counters",
        "grouped",
        "match_badges",
        "match_categories",
        "match_types",
        "matcher_cache",
        "period_years",
        "repair_badges",
    )

    def __init__(self, rules: Rules) -> None:
        grades = rules.grades
        # (lower bound, grade, next grade up, points needed for it); bottom bound is None.
        self.bands: tuple[tuple[int | None, Grade, Grade | None, int | None], ...] = tuple(
            (g.min_points, g, grades[i - 1] if i else None, grades[i - 1].min_points if i else None)
            for i, g in enumerate(grades)
        )
        # Keyed by str | None so a record without a category looks up without a test.
        self.caps: dict[str | None, int] = {c.category: c.yearly_cap for c in rules.bonus_caps}
        self.cap_labels: dict[str | None, tuple[str, str]] = {
            c.category: (c.name_zh, c.name_en) for c in rules.bonus_caps
        }
        self.match_badges: tuple[BadgeDef, ...] = tuple(
            b for b in rules.badges if b.kind in _MATCHING_KINDS
        )
        # Matching badges that count the same thing (kind and match lists) share one counter:
        # (counts quantity rather than records, thresholds ascending, the badges' slots).
        groups: dict[tuple[object, ...], list[int]] = {}
        for slot, b in enumerate(self.match_badges):
            groups.setdefault((b.kind, b.record_types, b.bonus_categories), []).append(slot)
        self.counters: tuple[tuple[bool, tuple[int, ...], tuple[int, ...]], ...] = tuple(
            (
                self.match_badges[slots[0]].kind == "cumulative_quantity",
                tuple(sorted(self.match_badges[i].threshold for i in slots)),
                tuple(sorted(slots, key=lambda i: (self.match_badges[i].threshold, i))),
            )
            for slots in groups.values()
        )
        # Per counter: its (threshold, badge slot) pairs, ascending; zipped here once because
        # zip(strict=True) in reach() cost a few percent of assess (a keyword call on a type).
        self.counter_steps: tuple[tuple[tuple[int, int], ...], ...] = tuple(
            tuple(zip(c[1], c[2], strict=True)) for c in self.counters
        )
        self.counter_by_quantity: tuple[bool, ...] = tuple(c[0] for c in self.counters)
        self.counter_first_need: tuple[int, ...] = tuple(c[1][0] for c in self.counters)
        self.match_types: frozenset[str] = frozenset(
            code for b in self.match_badges for code in b.record_types
        )
        self.match_categories: frozenset[str] = frozenset(
            category for b in self.match_badges for category in b.bonus_categories
        )
        self.clean_badges: tuple[BadgeDef, ...] = tuple(
            b for b in rules.badges if b.kind == "clean_years"
        )
        self.repair_badges: tuple[BadgeDef, ...] = tuple(
            b for b in rules.badges if b.kind == "repair_completed"
        )
        # Output order is definition order; when the file lists the matching badges first, then
        # the clean-period ones, then the repair ones, the groups can simply be concatenated.
        self.badge_index: dict[str, int] = {b.code: i for i, b in enumerate(rules.badges)}
        self.grouped: bool = list(rules.badges) == [
            *self.match_badges,
            *self.clean_badges,
            *self.repair_badges,
        ]
        # Year counts whose anniversaries the engine needs: position 0 is rules.clean_years,
        # 1 is one year, then the clean_years badges' years.
        years = [rules.clean_years, 1]
        for badge in self.clean_badges:
            if badge.years not in years:
                years.append(badge.years)
        self.period_years: tuple[int, ...] = tuple(years)
        # Per clean_years badge: (badge, its position in period_years, 365 * years).
        self.clean_plan: tuple[tuple[BadgeDef, int, int], ...] = tuple(
            (b, years.index(b.years), 365 * b.years) for b in self.clean_badges
        )
        # Memo tables filled as citizens are assessed (bounded: points and dates repeat across a
        # city): points -> band, date -> anniversaries.
        self.band_cache: dict[int, tuple[Grade, Grade | None, int | None]] = {}
        self.anniversary_cache: dict[datetime.date, tuple[datetime.date, ...]] = {}
        # (record_type, bonus_category) -> indexes into counters; filled lazily.
        self.matcher_cache: dict[tuple[str, str | None], tuple[int, ...]] = {}

    def band(self, points: int) -> tuple[Grade, Grade | None, int | None]:
        """(grade, next grade up or None, that grade's min_points or None) for ``points``."""
        found = self.band_cache.get(points)
        if found is not None:
            return found
        for low, grade, above, above_min in self.bands:
            if low is None or points >= low:
                found = (grade, above, above_min)
                break
        assert found is not None, "the bottom band has no lower bound"
        if len(self.band_cache) >= _CACHE_LIMIT:
            self.band_cache.clear()
        self.band_cache[points] = found
        return found

    def anniversaries(self, day: datetime.date) -> tuple[datetime.date, ...]:
        """``years_after(day, n)`` for every n in :attr:`period_years`, in that order."""
        found = self.anniversary_cache.get(day)
        if found is None:
            found = tuple(years_after(day, n) for n in self.period_years)
            if len(self.anniversary_cache) >= _CACHE_LIMIT:
                self.anniversary_cache.clear()
            self.anniversary_cache[day] = found
        return found

    def reach(
        self,
        counter: int,
        need: int,
        running: int,
        record: RecordFact,
        hits: list[tuple[int, RecordFact]],
    ) -> int:
        """Record the badges of ``counter`` whose thresholds ``running`` has reached (those from
        ``need`` up) as completed by ``record``; return the next threshold to reach."""
        for threshold, slot in self.counter_steps[counter]:
            if threshold > running:
                return threshold
            if threshold >= need:
                hits.append((slot, record))
        return _UNREACHABLE

    def matching(self, record_type: str, category: str | None) -> tuple[int, ...]:
        """Indexes into :attr:`counters` of the counters a record of this type and category
        feeds."""
        key = (record_type, category)
        found = self.matcher_cache.get(key)
        if found is None:
            found = tuple(
                index
                for index, (_, _, slots) in enumerate(self.counters)
                if record_type in self.match_badges[slots[0]].record_types
                or (
                    category is not None
                    and category in self.match_badges[slots[0]].bonus_categories
                )
            )
            if len(self.matcher_cache) >= _CACHE_LIMIT:
                self.matcher_cache.clear()
            self.matcher_cache[key] = found
        return found


_compiled: dict[int, tuple[Rules, Compiled]] = {}


def compiled_for(rules: Rules) -> Compiled:
    """The reference's own tables for ``rules`` (kept apart from ``rules.compiled``, so the
    engine under test cannot change what the reference computes)."""
    found = _compiled.get(id(rules))
    if found is None or found[0] is not rules:
        found = _compiled[id(rules)] = (rules, Compiled(rules))
    return found[1]
