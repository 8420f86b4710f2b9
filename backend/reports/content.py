"""The rules of reporting dishonest behaviour (举报规则): versioned content under
``content/reporting/`` (format in its README).

A version holds the working-day deadlines of a report's case (accept, decide, one extension),
the anti-abuse limits (open reports per citizen, the cool-down after a report found malicious,
evidence files, the description's length) and explicit routes of a catalog domain to a
department, which override the default routing (the one active department whose scopes cover
the domain). Route domains are checked against the domains of every catalog version; route
departments are API client codes, checked for form only (the database is not read here).
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
from points_engine.versions import Checker, Header, VersionedSet

DEPARTMENT_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
"""The form of an API client code (a department's ``code``)."""

WORKING_DAYS = (1, 60)
MAX_OPEN = (1, 50)
COOLDOWN_DAYS = (0, 3650)
EVIDENCE_FILES = (0, 20)
DESCRIPTION_MIN = (1, 1000)
DESCRIPTION_MAX = 20000


class ReportingError(Exception):
    """A reporting rules version is invalid; the message names the version, the entry and the
    field."""


class _Deadlines(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    accept_working_days: int
    decide_working_days: int
    extension_working_days: int


class _Limits(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    max_open_per_citizen: int
    malicious_cooldown_days: int
    evidence_max_files: int
    description_min_chars: int
    description_max_chars: int


class _Route(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    domain: str
    department: str


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reporting: Header
    deadlines: _Deadlines
    limits: _Limits
    route: list[_Route] = msgspec.field(default_factory=list)


class ReportingRules(msgspec.Struct, frozen=True, kw_only=True):
    """One version of the reporting rules."""

    version: str
    effective_from: dt.date
    source: str
    accept_working_days: int
    """Working days from filing to acceptance (or rejection)."""
    decide_working_days: int
    """Working days from acceptance to the decision."""
    extension_working_days: int
    """Working days one extension adds to the decision's deadline (once per report)."""
    max_open_per_citizen: int
    """Reports a citizen may have open (submitted or accepted) at once."""
    malicious_cooldown_days: int
    """Calendar days after a report of theirs is found malicious before the reporter may file
    again (0: no cool-down)."""
    evidence_max_files: int
    """Evidence files one report may carry."""
    description_min_chars: int
    description_max_chars: int
    routes: dict[str, str]
    """Catalog domain → the code of the department that handles its reports, overriding the
    default routing."""

    def department_for(self, domain: str) -> str | None:
        """The department this version routes ``domain`` to explicitly, or None (default
        routing applies)."""
        return self.routes.get(domain)


class ReportingRuleSet(VersionedSet[ReportingRules]):
    __slots__ = ()
    label = "reporting rule set"
    noun = "reporting rules"
    error = ReportingError


def _in_range(check: Checker, entry: str, field: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise check.fail(entry, field, f"{value} is not {low} to {high}")


def _check_deadlines(check: Checker, deadlines: _Deadlines) -> None:
    for field in ("accept_working_days", "decide_working_days", "extension_working_days"):
        _in_range(check, "deadlines", field, getattr(deadlines, field), WORKING_DAYS)


def _check_limits(check: Checker, limits: _Limits) -> None:
    _in_range(check, "limits", "max_open_per_citizen", limits.max_open_per_citizen, MAX_OPEN)
    _in_range(
        check, "limits", "malicious_cooldown_days", limits.malicious_cooldown_days, COOLDOWN_DAYS
    )
    _in_range(check, "limits", "evidence_max_files", limits.evidence_max_files, EVIDENCE_FILES)
    _in_range(
        check, "limits", "description_min_chars", limits.description_min_chars, DESCRIPTION_MIN
    )
    low, high = limits.description_min_chars, DESCRIPTION_MAX
    if not low <= limits.description_max_chars <= high:
        raise check.fail(
            "limits",
            "description_max_chars",
            f"{limits.description_max_chars} is not description_min_chars ({low}) to {high}",
        )


def _check_routes(check: Checker, routes: Sequence[_Route], domains: set[str]) -> dict[str, str]:
    by_domain: dict[str, str] = {}
    for index, route in enumerate(routes):
        entry = f"route[{index}] {route.domain!r}"
        check.text(entry, "domain", route.domain)
        if route.domain not in domains:
            raise check.fail(entry, "domain", f"{route.domain!r} is not a domain of the catalog")
        if route.domain in by_domain:
            raise check.fail(entry, "domain", "is routed by another route")
        if not DEPARTMENT_CODE.fullmatch(route.department):
            raise check.fail(
                entry,
                "department",
                f"{route.department!r} is not a department code ({DEPARTMENT_CODE.pattern})",
            )
        by_domain[route.domain] = route.department
    return by_domain


def reporting_from_source(label: str, text: str, domains: set[str]) -> ReportingRules:
    """One version from its TOML text; ``domains`` are the catalog domains a route may name."""
    check = Checker(label, ReportingError)
    raw: _RawFile = check.convert(
        parse_toml(label, text, ReportingError), _RawFile, name_keys=("domain",)
    )
    header = raw.reporting
    check.header("reporting", header.version, header.source)
    _check_deadlines(check, raw.deadlines)
    _check_limits(check, raw.limits)
    routes = _check_routes(check, raw.route, domains)
    deadlines, limits = raw.deadlines, raw.limits
    return ReportingRules(
        version=header.version,
        effective_from=header.effective_from,
        source=header.source.strip(),
        accept_working_days=deadlines.accept_working_days,
        decide_working_days=deadlines.decide_working_days,
        extension_working_days=deadlines.extension_working_days,
        max_open_per_citizen=limits.max_open_per_citizen,
        malicious_cooldown_days=limits.malicious_cooldown_days,
        evidence_max_files=limits.evidence_max_files,
        description_min_chars=limits.description_min_chars,
        description_max_chars=limits.description_max_chars,
        routes=routes,
    )


def reporting_from_sources(sources: Sequence[Source], built: Mapping[str, Any]) -> ReportingRuleSet:
    """Every version, its routes checked against the domains of every catalog version (a
    route names a domain any version in force may hold)."""
    domains = {code for catalog in built["catalog"] for code in catalog.domains}
    return ReportingRuleSet.from_sources(
        sources, lambda label, text: reporting_from_source(label, text, domains), "reporting"
    )


_installed: Installed[ReportingRuleSet] = Installed("the reporting rules")
install_reporting = _installed.install


def in_force(on: dt.date) -> ReportingRules:
    """The version in force on ``on`` (the earliest one before any takes effect)."""
    rule_sets = _installed.get()
    return rule_sets.in_force_or_first(on)


def in_force_today() -> ReportingRules:
    """The version in force on the business date (the runtime clock's, Asia/Shanghai)."""
    return in_force(runtime.clock().today())


def every_version() -> Iterable[ReportingRules]:
    return _installed.get().versions
