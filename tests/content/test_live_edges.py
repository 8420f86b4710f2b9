"""Content that changes without a publish reaching the process: a calendar version dated later
takes over when the business date reaches it, and a version stored without its Redis
announcement is found by the table check.

The year 2099 below is test data, not an official arrangement."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from backend.content import store
from backend.content.live import LiveContent, live_content
from backend.content.service import publish_version
from backend.content.store import StoredVersion
from backend.objections.kind import ACCEPT
from backend.platform import calendar, runtime
from tests.conftest import BusinessDate
from tests.content.conftest import PUBLISHER
from tests.content.test_live_versions import rules_body

ARRANGEMENT_2099 = """
[calendar]
version = "2099.later"
effective_from = 2098-12-28
source = "test fixture"

[[year]]
year = 2099
notice = "test arrangement (not an official notice)"
holidays = [2099-01-01, 2099-01-02]
workdays = [2099-01-03]
"""


async def _until(reached: Callable[[], bool], what: str, seconds: float = 6.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if reached():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} never reached the app")


def _loaded(kind: str, version: str) -> bool:
    return any(v.version == version for v in live_content().versions.get(kind, []))


@pytest.fixture
def quick_table_check(app: object) -> Iterator[LiveContent]:
    """The running app's content, checking the table at every poll during the test."""
    live = live_content()
    previous, live.fingerprint_seconds = live.fingerprint_seconds, 0.1
    yield live
    live.fingerprint_seconds = previous


async def test_a_calendar_version_dated_later_applies_once_the_business_date_reaches_it(
    seeded: None, business_date: BusinessDate
) -> None:
    business_date(dt.date(2098, 12, 20))
    effective = dt.date(2098, 12, 28)
    await publish_version(
        "calendar", "2099.later", ARRANGEMENT_2099, effective, published_by=PUBLISHER
    )
    await _until(lambda: _loaded("calendar", "2099.later"), "the calendar version")
    new_year_eve = dt.date(2098, 12, 31)
    # Not in force yet: 2099 counts weekends only (1 and 2 January are Thursday and Friday).
    assert ACCEPT.due_after(new_year_eve) == dt.date(2099, 1, 2)

    business_date(effective)  # no publish, no reload: only the date moves
    assert not calendar.is_working_day(dt.date(2099, 1, 1))
    assert calendar.is_working_day(dt.date(2099, 1, 3))  # make-up Saturday (调休上班)
    assert ACCEPT.due_after(new_year_eve) == dt.date(2099, 1, 5)
    assert calendar.unknown_years([2099]) == []

    business_date(dt.date(2098, 12, 27))  # and back before it, the earlier version again
    assert ACCEPT.due_after(new_year_eve) == dt.date(2099, 1, 2)


async def test_a_version_stored_without_its_announcement_is_found_in_the_table(
    seeded: None, quick_table_check: LiveContent
) -> None:
    today = runtime.clock().today()
    quiet = StoredVersion(
        kind="rules",
        version="2026.quiet",
        effective_from=today,
        body=rules_body("2026.quiet", today),
    )
    generations = await quick_table_check.generations()
    # As publish_version does with Redis away: stored, the counter never bumped.
    assert await store.insert_version(
        quiet, published_by=PUBLISHER, imported_at=runtime.clock().now()
    )
    await _until(
        lambda: runtime.current().rules.by_version("2026.quiet") is not None, "the rules version"
    )
    assert await quick_table_check.generations() == generations
    assert _loaded("rules", "2026.quiet")
