"""Calendar overrides (节假日安排): the State Council's holiday arrangement for years
``chinese-calendar`` does not know yet, as versioned content (kind ``calendar``, format in
``content/calendar/README.md``). :mod:`backend.platform.calendar` consults the version in force
on the business date before ``chinese-calendar``, asking this set for it whenever the business
date changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec

from backend.content.kinds import Source, parse_toml
from backend.platform.calendar import CalendarOverrides, install_overrides
from points_engine.versions import Checker, Header, VersionedSet


class CalendarError(ValueError):
    """A calendar version is invalid; the message names the version, the year and the field."""


class _Year(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    year: int
    notice: str
    holidays: list[dt.date]
    workdays: list[dt.date] = []


class _File(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    calendar: Header
    year: list[_Year] = []


class CalendarVersion(msgspec.Struct, frozen=True):
    version: str
    effective_from: dt.date
    source: str
    overrides: CalendarOverrides


class CalendarSet(VersionedSet[CalendarVersion]):
    __slots__ = ()
    label = "calendar set"
    noun = "calendar"
    error = CalendarError


def _check_year(check: Checker, entry: str, raw: _Year) -> None:
    check.text(entry, "notice", raw.notice)
    if not raw.holidays:
        raise check.fail(entry, "holidays", "a year's arrangement lists its days off")
    for name, days in (("holidays", raw.holidays), ("workdays", raw.workdays)):
        for day in days:
            if day.year != raw.year:
                raise check.fail(entry, name, f"{day.isoformat()} is not in {raw.year}")
        if len(set(days)) != len(days):
            raise check.fail(entry, name, "a day is listed twice")
    for day in raw.workdays:
        if day.weekday() < 5:
            raise check.fail(entry, "workdays", f"{day.isoformat()} is a weekday already")
        if day in raw.holidays:
            raise check.fail(entry, "workdays", f"{day.isoformat()} is also a holiday")


def calendar_version(label: str, text: str) -> CalendarVersion:
    check = Checker(label, CalendarError)
    parsed: _File = check.convert(
        parse_toml(label, text, CalendarError), _File, name_keys=("year",)
    )
    header = parsed.calendar
    check.header("calendar", header.version, header.source)
    years: set[int] = set()
    for index, raw in enumerate(parsed.year):
        entry = f"year[{index}] {raw.year}"
        if raw.year in years:
            raise check.fail(entry, "year", f"{raw.year} is listed twice")
        years.add(raw.year)
        _check_year(check, entry, raw)
    overrides = CalendarOverrides(
        years=frozenset(years),
        holidays=frozenset(day for raw in parsed.year for day in raw.holidays),
        workdays=frozenset(day for raw in parsed.year for day in raw.workdays),
    )
    return CalendarVersion(header.version, header.effective_from, header.source, overrides)


def calendars_from_sources(sources: Iterable[Source]) -> CalendarSet:
    return CalendarSet.from_sources(sources, calendar_version, "calendar")


def install_calendar(calendars: CalendarSet) -> None:
    """Install the whole set: the working-day calendar picks the version in force on each
    business date, so a version dated later takes over on its date with no reload."""
    install_overrides(lambda today: overrides_in_force(calendars, today))


def overrides_in_force(calendars: CalendarSet, on: dt.date) -> CalendarOverrides:
    """The overrides of the version in force on ``on`` (the first before any takes effect)."""
    current = calendars.in_force_or_first(on)
    return current.overrides
