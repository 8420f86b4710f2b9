"""Working days on the Chinese public-holiday calendar."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from backend.platform import calendar


def test_national_day_holiday_is_skipped() -> None:
    # 2026: National Day and Mid-Autumn holiday runs 1-7 October (8 October is a working day).
    assert calendar.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_makeup_working_weekend_counts() -> None:
    # Sunday 2026-09-20 is an official make-up working day before National Day.
    assert calendar.is_working_day(dt.date(2026, 9, 20))
    assert not calendar.is_working_day(dt.date(2026, 10, 3))


def test_plain_week() -> None:
    monday = dt.date(2026, 11, 16)
    assert calendar.add_working_days(monday, 2) == dt.date(2026, 11, 18)
    assert calendar.add_working_days(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 23)
    assert calendar.add_working_days(monday, 0) == monday


def test_unknown_year_falls_back_to_weekends_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calendar._warned_years.discard(2031)
    with caplog.at_level(logging.WARNING, logger="backend.calendar"):
        assert calendar.add_working_days(dt.date(2031, 1, 3), 1) == dt.date(2031, 1, 6)
        assert calendar.add_working_days(dt.date(2031, 1, 6), 5) == dt.date(2031, 1, 13)
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1


def test_working_days_between_and_negative() -> None:
    assert calendar.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 8)) == 1
    assert calendar.working_days_between(dt.date(2026, 10, 8), dt.date(2026, 9, 30)) == -1
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(dt.date(2026, 1, 1), -1)


def test_today_in_shanghai_crosses_midnight_before_utc() -> None:
    late_utc = dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)
    assert calendar.today_in_shanghai(late_utc) == dt.date(2026, 11, 23)
