"""Reads the points rules under ``content/rules/`` for the pure engine, which does no I/O."""

from __future__ import annotations

import tomllib
from pathlib import Path

from backend.platform.config import REPO_ROOT
from points_engine import RulesError, RuleSet, rules_from_mapping


def load_rule_set(directory: Path) -> RuleSet:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise RulesError(f"{directory}: no rules files (*.toml)")
    rules = []
    for path in files:
        name = str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RulesError(f"{name}: not valid TOML: {exc}") from exc
        rules.append(rules_from_mapping(data, name))
    return RuleSet(rules)
