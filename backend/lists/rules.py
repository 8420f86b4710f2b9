"""The rules that propose red and black list entries (红黑名单认定规则): versioned content under
``content/lists/`` (format in its README), checked against the catalog's record types and the
rules' grades of the versions in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import msgspec

from backend.content.installed import Installed
from backend.content.kinds import Source, parse_toml
from points_engine.versions import Checker, Header, VersionedSet

ListName = Literal["red", "black"]


class ListRulesError(Exception):
    """A list rules version is invalid; the message names the version, the rule and the field."""


class ListRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    code: str
    which: ListName = msgspec.field(name="list")  # ``list`` in the file
    publish_months: int
    reason_zh: str
    reason_en: str
    record_types: list[str] | None = None
    severity: Literal["minor", "general", "serious"] | None = None
    grade: str | None = None
    clean_years: bool = False

    @property
    def on_records(self) -> bool:
        return self.grade is None


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    lists: Header
    rule: list[ListRule]


class ListRules(msgspec.Struct, frozen=True):
    version: str
    effective_from: dt.date
    source: str
    rules: tuple[ListRule, ...]

    def get(self, code: str) -> ListRule | None:
        return next((r for r in self.rules if r.code == code), None)


class ListRuleSet(VersionedSet[ListRules]):
    __slots__ = ()
    label = "list rule set"
    noun = "list rules"
    error = ListRulesError


def _check_rule(
    check: Checker, rule: ListRule, record_types: set[str], grades: set[str], seen: set[str]
) -> None:
    entry = f"rule {rule.code!r}"
    if rule.code in seen:
        raise check.fail(entry, "code", "is used by another rule")
    seen.add(rule.code)
    chosen = [f for f in ("record_types", "severity", "grade") if getattr(rule, f) is not None]
    if len(chosen) != 1:
        raise check.fail(entry, "record_types", "give exactly one of record_types, severity, grade")
    if not 1 <= rule.publish_months <= 60:
        raise check.fail(entry, "publish_months", f"{rule.publish_months} is not 1 to 60")
    for field in ("reason_zh", "reason_en"):
        if not getattr(rule, field).strip():
            raise check.fail(entry, field, "must not be empty")
    unknown = sorted(set(rule.record_types or ()) - record_types)
    if unknown:
        raise check.fail(entry, "record_types", f"not in the catalog: {unknown}")
    if rule.severity is not None and rule.which != "black":
        raise check.fail(entry, "severity", "only a black list rule goes by severity")
    if rule.grade is not None and (rule.which != "red" or rule.grade not in grades):
        raise check.fail(entry, "grade", f"{rule.grade!r} is not a grade of the rules (red only)")
    if rule.clean_years and rule.grade is None:
        raise check.fail(entry, "clean_years", "goes with a grade")


def list_rules_from_source(
    label: str, text: str, record_types: set[str], grades: set[str]
) -> ListRules:
    check = Checker(label, ListRulesError)
    raw: _RawFile = check.convert(parse_toml(label, text, ListRulesError), _RawFile)
    header = raw.lists
    check.header("lists", header.version, header.source)
    seen: set[str] = set()
    for rule in raw.rule:
        _check_rule(check, rule, record_types, grades, seen)
    return ListRules(header.version, header.effective_from, header.source.strip(), tuple(raw.rule))


def list_rules_from_sources(sources: Sequence[Source], built: Mapping[str, Any]) -> ListRuleSet:
    """Every version, checked against the record types of every catalog version and the
    grades of every rules version (a rule names what any version in force may hold)."""
    record_types = {code for catalog in built["catalog"] for code in catalog.record_types}
    grades = {grade.code for rules in built["rules"] for grade in rules.grades}
    return ListRuleSet.from_sources(
        sources,
        lambda label, text: list_rules_from_source(label, text, record_types, grades),
        "lists",
    )


_installed: Installed[ListRuleSet] = Installed("the list rules")
install_list_rules = _installed.install


def in_force(on: dt.date) -> ListRules:
    rule_sets = _installed.get()
    return rule_sets.in_force_or_first(on)


def every_version() -> Iterable[ListRules]:
    return _installed.get().versions
