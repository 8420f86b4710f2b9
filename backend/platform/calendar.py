"""Working days (工作日) on the Chinese public-holiday calendar, in Asia/Shanghai.

Two sources, in order: the calendar overrides published as content (kind ``calendar``: the
State Council's holiday arrangement for a year, entered by the office once the notice is out;
the version in force on the business date, chosen afresh when that date changes), then
``chinese-calendar``, which knows each year's schedule once a release carries it (1.11.0 stops
at 2026). For a year neither knows we fall back to weekends-only, so deadlines are never
refused, only approximate, and the log says so once a day for each such year.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import chinese_calendar

from backend.platform import runtime
from backend.platform.clock import SHANGHAI

log = logging.getLogger("backend.calendar")


@dataclass(frozen=True)
class CalendarOverrides:
    """Per covered year: the days off (放假) and the make-up working days (调休上班)."""

    years: frozenset[int] = frozenset()
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool | None:
        """The answer for a covered year, else None."""
        if day.year not in self.years:
            return None
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


OverridesInForce = Callable[[dt.date], CalendarOverrides]
"""The overrides of the calendar version in force on a business date."""


def _no_overrides(_: dt.date) -> CalendarOverrides:
    return CalendarOverrides()


@dataclass
class _State:
    in_force: OverridesInForce = _no_overrides
    # What ``in_force`` gave for a business date, kept together as one value so a reader never
    # pairs a date with the overrides of another date or of a replaced ``in_force``.
    chosen: tuple[OverridesInForce, dt.date, CalendarOverrides] | None = None
    warned_on: dt.date | None = None  # the business day ``_warned_years`` is about


_state = _State()
_warned_years: set[int] = set()


def install_overrides(in_force: OverridesInForce) -> None:
    """Install how to find the overrides in force on a business date. They are chosen on each
    new business date rather than once here, so a version published with a later
    ``effective_from`` applies from that date without a reload or another publish."""
    _state.in_force = in_force


def _overrides() -> CalendarOverrides:
    in_force, today = _state.in_force, runtime.clock().today()
    chosen = _state.chosen
    if chosen is None or chosen[0] is not in_force or chosen[1] != today:
        chosen = (in_force, today, in_force(today))
        _state.chosen = chosen
    return chosen[2]


def unknown_years(years: Iterable[int]) -> list[int]:
    """The years neither the overrides nor ``chinese-calendar`` know (officers' warning)."""
    return sorted({year for year in years if not _known(year)})


def _known(year: int) -> bool:
    if year in _overrides().years:
        return True
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _warn_once_a_day(year: int) -> None:
    today = runtime.clock().today()
    if _state.warned_on != today:
        _state.warned_on = today
        _warned_years.clear()
    if year not in _warned_years:
        _warned_years.add(year)
        log.warning(
            "no holiday arrangement for %s (neither calendar overrides nor chinese-calendar):"
            " counting weekends only; publish a calendar version with the State Council's notice",
            year,
        )


def today_in_shanghai(now: dt.datetime | None = None) -> dt.date:
    """The business date: the runtime clock's (which ``BUSINESS_DATE`` or a test may have
    moved), or the date of instant ``now`` in Asia/Shanghai."""
    if now is None:
        return runtime.clock().today()
    return now.astimezone(SHANGHAI).date()


def is_working_day(day: dt.date) -> bool:
    overridden = _overrides().is_working_day(day)
    if overridden is not None:
        return overridden
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_once_a_day(day.year)
        return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(
        1 for n in range(1, (end - start).days + 1) if is_working_day(start + dt.timedelta(days=n))
    )
