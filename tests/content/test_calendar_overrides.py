"""Calendar overrides: a published holiday arrangement for a year chinese-calendar does not
know is consulted first; a year neither knows counts weekends only and is logged once a day.

The year 2099 below is test data, not an official arrangement."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest

from backend.content.service import ContentVersionInvalid, publish_version
from backend.platform import calendar, runtime
from tests.conftest import BusinessDate
from tests.content.conftest import PUBLISHER

FIXTURE_2099 = """
[calendar]
version = "{version}"
effective_from = {effective_from}
source = "test fixture"

[[year]]
year = 2099
notice = "test arrangement (not an official notice)"
holidays = [2099-01-01, 2099-01-02]
workdays = [{workday}]
"""


async def _until(check: object, seconds: float = 6.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if callable(check) and check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the calendar version never reached the app")


async def test_a_published_arrangement_is_consulted_before_chinese_calendar(
    seeded: None,
) -> None:
    new_year_eve = dt.date(2098, 12, 31)
    assert calendar.add_working_days(new_year_eve, 1) == dt.date(2099, 1, 1)  # weekends only
    today = runtime.clock().today()
    body = FIXTURE_2099.format(version="2099.test", effective_from=today, workday="2099-01-03")
    await publish_version("calendar", "2099.test", body, today, published_by=PUBLISHER)
    await _until(lambda: not calendar.is_working_day(dt.date(2099, 1, 1)))
    assert not calendar.is_working_day(dt.date(2099, 1, 2))
    assert calendar.is_working_day(dt.date(2099, 1, 3))  # make-up Saturday (调休上班)
    assert not calendar.is_working_day(dt.date(2099, 1, 4))
    assert calendar.add_working_days(new_year_eve, 1) == dt.date(2099, 1, 3)
    assert calendar.unknown_years([2026, 2098, 2099]) == [2098]


async def test_a_bad_arrangement_is_refused_naming_the_year_and_the_field(seeded: None) -> None:
    today = runtime.clock().today()
    body = FIXTURE_2099.format(version="2099.bad", effective_from=today, workday="2099-01-05")
    with pytest.raises(ContentVersionInvalid) as refused:
        await publish_version("calendar", "2099.bad", body, today, published_by=PUBLISHER)
    assert "calendar version 2099.bad: year[0] 2099: field 'workdays'" in str(refused.value)
    assert "is a weekday already" in str(refused.value)
    assert calendar.is_working_day(dt.date(2099, 1, 5))


def test_an_unknown_year_is_logged_once_a_day(
    business_date: BusinessDate, caplog: pytest.LogCaptureFixture
) -> None:
    def warnings() -> int:
        return sum("2098" in r.getMessage() for r in caplog.records)

    with caplog.at_level(logging.WARNING, logger="backend.calendar"):
        business_date(dt.date(2026, 12, 1))
        calendar.add_working_days(dt.date(2098, 3, 2), 10)
        calendar.add_working_days(dt.date(2098, 6, 1), 10)
        assert warnings() == 1
        business_date(dt.date(2026, 12, 2))
        calendar.add_working_days(dt.date(2098, 3, 2), 10)
        assert warnings() == 2
