"""Government integrity (政务诚信) and the key occupational groups (重点职业人群): versioned
content under ``content/integrity/`` (format in its README).

A version holds the working-day limits that say when a body's own promptness counts against it
(a record reported more than ``report_within_working_days`` after its decision is late against
the reporting department; an enforcing body answers a measure's trigger within
``feedback_within_working_days``) and the list of key occupational groups, the only values a
record's ``occupationalGroup`` may take (by code or Chinese name; the code is stored). The
catalog may mark a record type as applying to some groups only; those codes are checked against
the groups of every version here (the wiring builds the catalog after this kind).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from backend.content.installed import Installed
from backend.content.kinds import Source, parse_toml
from backend.platform import runtime
from backend.platform.calendar import add_working_days
from points_engine.versions import Checker, Header, VersionedSet

GROUP_CODE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
"""The form of an occupational group's code: lowercase words joined by dashes (``tax-adviser``)."""
GROUP_CODE_LENGTH = 60
"""A record stores the code in ``record.occupational_group`` (at most 60 characters)."""
WORKING_DAYS = (1, 60)


class IntegrityError(Exception):
    """An integrity version is invalid; the message names the version, the entry and the field."""


class _Timeliness(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    report_within_working_days: int
    feedback_within_working_days: int


class _RawGroup(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    name_zh: str
    name_en: str
    aliases_zh: list[str] = msgspec.field(default_factory=list)


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    integrity: Header
    timeliness: _Timeliness
    occupational_group: list[_RawGroup] = msgspec.field(default_factory=list)


class OccupationalGroup(msgspec.Struct, frozen=True, kw_only=True):
    """One key occupational group (重点职业人群), e.g. ``physician`` 医师."""

    code: str
    name_zh: str
    name_en: str
    aliases_zh: tuple[str, ...] = ()
    """Other Chinese names departments use for it (the seeds' wordings); accepted on ingest."""


class IntegrityRules(msgspec.Struct, frozen=True, kw_only=True):
    """One version of the integrity content."""

    version: str
    effective_from: dt.date
    source: str
    report_within_working_days: int
    """A record reported more than this many working days after its decision is late."""
    feedback_within_working_days: int
    """Working days an enforcing body has to answer a measure's trigger with feedback."""
    occupational_groups: dict[str, OccupationalGroup]
    """By code, in the file's order."""
    names: dict[str, str]
    """Every name a department may give (code, Chinese name, alias) → the group's code."""

    def group(self, code: str) -> OccupationalGroup | None:
        return self.occupational_groups.get(code)

    def group_named(self, text: str) -> OccupationalGroup | None:
        """The group ``text`` names: its code (any case) or a Chinese name; surrounding
        whitespace is ignored. None when it names none."""
        cleaned = text.strip()
        code = self.names.get(cleaned) or self.names.get(cleaned.lower())
        return None if code is None else self.occupational_groups[code]

    def report_due_by(self, decided_on: dt.date) -> dt.date:
        """The last day a record decided on ``decided_on`` is reported on time."""
        return add_working_days(decided_on, self.report_within_working_days)

    def reported_late(self, decided_on: dt.date, reported_on: dt.date) -> bool:
        """More than ``report_within_working_days`` working days from the decision to the
        report (both business dates, Asia/Shanghai)."""
        if (reported_on - decided_on).days <= self.report_within_working_days:
            return False  # no more working days than calendar days: the calendar is not read
        return reported_on > self.report_due_by(decided_on)


class IntegritySet(VersionedSet[IntegrityRules]):
    __slots__ = ()
    label = "integrity rule set"
    noun = "integrity rules"
    error = IntegrityError

    def group_codes(self) -> set[str]:
        """The codes of every group any version lists."""
        return {code for version in self for code in version.occupational_groups}

    def newest_group(self, code_or_name: str) -> OccupationalGroup | None:
        """The group a stored value names, as the newest version that knows it describes it
        (a code, or a Chinese name stored before the list was content)."""
        for version in reversed(self.versions):
            group = version.group_named(code_or_name)
            if group is not None:
                return group
        return None


def _in_range(check: Checker, entry: str, field: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise check.fail(entry, field, f"{value} is not {low} to {high}")


def _check_timeliness(check: Checker, timeliness: _Timeliness) -> None:
    for field in ("report_within_working_days", "feedback_within_working_days"):
        _in_range(check, "timeliness", field, getattr(timeliness, field), WORKING_DAYS)


def _check_groups(
    check: Checker, groups: Sequence[_RawGroup]
) -> tuple[dict[str, OccupationalGroup], dict[str, str]]:
    if not groups:
        raise check.fail("occupational_group", None, "the version lists no [[occupational_group]]")
    by_code: dict[str, OccupationalGroup] = {}
    names: dict[str, str] = {}
    for index, raw in enumerate(groups):
        entry = f"occupational_group[{index}] {raw.code!r}"
        if not GROUP_CODE.fullmatch(raw.code) or len(raw.code) > GROUP_CODE_LENGTH:
            raise check.fail(
                entry,
                "code",
                f"{raw.code!r} is not lowercase words joined by dashes (at most"
                f" {GROUP_CODE_LENGTH} characters)",
            )
        if raw.code in by_code:
            raise check.fail(entry, "code", f"duplicate group code {raw.code!r}")
        check.text(entry, "name_zh", raw.name_zh)
        check.text(entry, "name_en", raw.name_en)
        for field, values in (
            ("code", [raw.code]),
            ("name_zh", [raw.name_zh]),
            ("aliases_zh", raw.aliases_zh),
        ):
            for value in values:
                check.text(entry, field, value)
                taken = names.get(value)
                if taken is not None:
                    raise check.fail(entry, field, f"{value!r} already names group {taken!r}")
                names[value] = raw.code
        by_code[raw.code] = OccupationalGroup(
            code=raw.code,
            name_zh=raw.name_zh,
            name_en=raw.name_en,
            aliases_zh=tuple(raw.aliases_zh),
        )
    return by_code, names


def integrity_from_source(label: str, text: str) -> IntegrityRules:
    """One version from its TOML text; :class:`IntegrityError` naming the source, the entry and
    the field."""
    check = Checker(label, IntegrityError)
    raw: _RawFile = check.convert(parse_toml(label, text, IntegrityError), _RawFile)
    header = raw.integrity
    check.header("integrity", header.version, header.source)
    _check_timeliness(check, raw.timeliness)
    groups, names = _check_groups(check, raw.occupational_group)
    return IntegrityRules(
        version=header.version,
        effective_from=header.effective_from,
        source=header.source.strip(),
        report_within_working_days=raw.timeliness.report_within_working_days,
        feedback_within_working_days=raw.timeliness.feedback_within_working_days,
        occupational_groups=groups,
        names=names,
    )


def integrity_from_sources(sources: Sequence[Source], built: Mapping[str, Any]) -> IntegritySet:
    """Every version (the kind depends on no other: ``built`` is unused)."""
    return IntegritySet.from_sources(sources, integrity_from_source, "integrity")


_installed: Installed[IntegritySet] = Installed("the integrity rules")
install_integrity = _installed.install


def integrity_set() -> IntegritySet:
    """Every version this process loaded (installed by the wiring)."""
    return _installed.get()


def in_force(on: dt.date) -> IntegrityRules:
    """The version in force on ``on`` (the earliest one before any takes effect)."""
    versions = _installed.get()
    return versions.in_force_or_first(on)


def in_force_today() -> IntegrityRules:
    """The version in force on the business date (the runtime clock's, Asia/Shanghai)."""
    return in_force(runtime.clock().today())


def every_version() -> Iterable[IntegrityRules]:
    return _installed.get().versions
