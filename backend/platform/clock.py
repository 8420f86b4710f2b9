"""The one clock of a process: the current instant and the business date (营业日, Asia/Shanghai).

Every business rule asks this clock, through the runtime (``runtime.clock()``, or
``calendar.today_in_shanghai()`` for the date), so that moving it moves the whole process: the
card's countdowns, deadlines, the nightly jobs. The system clock is the default. Outside
production, ``BUSINESS_DATE`` (a date or an offset in days, see ``config.parse_business_date``)
puts the process on another date: the time of day stays real, only the date shifts, so API and
worker processes started at different moments still agree on the day.

Security timers (token and one-time-code expiry, rate limits) keep real time on purpose: they
measure seconds that really pass, not the business calendar.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

from backend.platform.config import TIMEZONE, Settings

SHANGHAI = ZoneInfo(TIMEZONE)


class Clock(Protocol):
    """What a process asks for the time."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def today(self) -> dt.date:
        """The business date: today in Asia/Shanghai."""
        ...

    def describe(self) -> str:
        """How this clock differs from the real one, for logs ("real time" when it does not)."""
        ...


class SystemClock:
    """Real time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(SHANGHAI).date()

    def describe(self) -> str:
        return "real time"


SYSTEM_CLOCK = SystemClock()


class ShiftedClock:
    """The real time of day on another date: a fixed business date (every day of the process is
    that date) or an offset in whole days from the real date."""

    def __init__(
        self, *, on: dt.date | None = None, offset_days: int = 0, real: Clock = SYSTEM_CLOCK
    ) -> None:
        if on is not None and offset_days:
            raise ValueError("a shifted clock takes a date or an offset, not both")
        self.on = on
        self.offset_days = offset_days
        self.real = real

    def _shift(self, real_now: dt.datetime) -> dt.timedelta:
        if self.on is None:
            return dt.timedelta(days=self.offset_days)
        return self.on - real_now.astimezone(SHANGHAI).date()

    def now(self) -> dt.datetime:
        # Whole days only: Asia/Shanghai has no daylight saving, so the local time of day is kept.
        real_now = self.real.now()
        return real_now + self._shift(real_now)

    def today(self) -> dt.date:
        return self.now().astimezone(SHANGHAI).date()

    def describe(self) -> str:
        if self.on is not None:
            return f"business date fixed at {self.on.isoformat()}"
        return f"business date {self.offset_days:+d} days from the real date"


class FixedClock:
    """A clock that does not move (tests that need an exact instant)."""

    def __init__(self, instant: dt.datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("a fixed clock needs a timezone-aware instant")
        self.instant = instant.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self.instant

    def today(self) -> dt.date:
        return self.instant.astimezone(SHANGHAI).date()

    def describe(self) -> str:
        return f"fixed at {self.instant.isoformat()}"


def shifted(to: dt.date | int) -> Clock:
    """A clock on date ``to``, or ``to`` days from the real date."""
    if isinstance(to, dt.date):
        return ShiftedClock(on=to)
    return ShiftedClock(offset_days=to)


def clock_from_settings(settings: Settings) -> Clock:
    """The system clock, or the one ``BUSINESS_DATE`` asks for (refused in production by the
    settings themselves)."""
    shift = settings.business_date_shift
    return SYSTEM_CLOCK if shift is None else shifted(shift)
