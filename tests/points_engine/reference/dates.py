"""Calendar-year arithmetic for clean periods (连续 N 年无不良记录).

A period of ``n`` years that starts on ``d`` is complete on :func:`years_after`\\ ``(d, n)``: the
same month and day ``n`` years later, with 29 February moving to 1 March when the target year is
not a leap year (so a period is never shorter than ``n`` calendar years). This matches the rule
"the latest bad record was decided on or before ``as_of`` minus ``n`` years" when the
subtraction (:func:`years_before`) moves 29 February to 28 February:

    years_after(d, n) <= t   <=>   d <= years_before(t, n)
"""

from __future__ import annotations

import datetime

__all__ = ["years_after", "years_before"]

_MAX_YEAR = datetime.MAXYEAR
_MIN_YEAR = datetime.MINYEAR


_CACHE_LIMIT = 1 << 16
_after_cache: dict[tuple[datetime.date, int], datetime.date] = {}


def years_after(day: datetime.date, years: int) -> datetime.date:
    """``day`` plus ``years`` calendar years (29 Feb -> 1 Mar); ``date.max`` on overflow.

    Memoised (a pure function of its arguments; the memo is bounded).
    """
    key = (day, years)
    found = _after_cache.get(key)
    if found is None:
        if len(_after_cache) >= _CACHE_LIMIT:
            _after_cache.clear()
        found = _after_cache[key] = _years_after(day, years)
    return found


def _years_after(day: datetime.date, years: int) -> datetime.date:
    year = day.year + years
    if year > _MAX_YEAR:
        return datetime.date.max
    if day.month == 2 and day.day == 29:
        try:
            return datetime.date(year, 2, 29)
        except ValueError:
            return datetime.date(year, 3, 1)
    return datetime.date(year, day.month, day.day)


def years_before(day: datetime.date, years: int) -> datetime.date:
    """``day`` minus ``years`` calendar years (29 Feb -> 28 Feb); ``date.min`` on underflow."""
    year = day.year - years
    if year < _MIN_YEAR:
        return datetime.date.min
    if day.month == 2 and day.day == 29:
        try:
            return datetime.date(year, 2, 29)
        except ValueError:
            return datetime.date(year, 2, 28)
    return day.replace(year=year)
