"""Working days (工作日) on the Chinese public-holiday calendar, in Asia/Shanghai.

``chinese-calendar`` knows each year's official schedule (holidays and make-up working days)
once the State Council publishes it. For a year it does not know yet we fall back to
weekends-only and log one warning per year, so deadlines are never refused, only approximate.
"""

from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar

from backend.platform import runtime
from backend.platform.clock import SHANGHAI

log = logging.getLogger("backend.calendar")
_warned_years: set[int] = set()


def today_in_shanghai(now: dt.datetime | None = None) -> dt.date:
    """The business date: the runtime clock's (which ``BUSINESS_DATE`` or a test may have
    moved), or the date of instant ``now`` in Asia/Shanghai."""
    if now is None:
        return runtime.clock().today()
    return now.astimezone(SHANGHAI).date()


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "chinese-calendar has no holiday data for %s: counting weekends only", day.year
            )
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
