"""Reads the points rules (``content/rules/`` files or stored versions) for the pure engine,
which does no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from backend.content.kinds import Source, parse_toml, read_sources
from backend.platform.config import REPO_ROOT
from points_engine import Rules, RulesError, RuleSet, rules_from_mapping


def rules_from_sources(sources: Iterable[Source]) -> RuleSet:
    """The rule set of these sources; RulesError naming the source, the entry and the field."""
    return RuleSet.from_sources(sources, _parse_rules, "rules")


def _parse_rules(label: str, text: str) -> Rules:
    return rules_from_mapping(parse_toml(label, text, RulesError), label)


def load_rule_set(directory: Path) -> RuleSet:
    return rules_from_sources(read_sources(directory, REPO_ROOT, RulesError, "rules"))
