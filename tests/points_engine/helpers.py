"""Test helpers: load the shipped rules as the backend will, and build records tersely."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import tomllib
from pathlib import Path
from typing import Any

from points_engine import RecordFact, Rules, RuleSet, rules_from_mapping, years_after

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "content" / "rules"
CATALOG_DIR = ROOT / "content" / "catalog"

D = dt.date
DAY = D(2026, 5, 1)  # the default day records happen on


def load_rule_set(directory: Path = RULES_DIR) -> RuleSet:
    """What the backend does at start-up: parse every rules file and validate it."""
    return RuleSet(
        [
            rules_from_mapping(tomllib.loads(path.read_text("utf-8")), str(path))
            for path in sorted(directory.glob("*.toml"))
        ]
    )


@functools.cache
def shipped_mapping() -> dict[str, Any]:
    """The parsed content/rules/2026.1.toml (do not mutate: copy with :func:`mapping`)."""
    return tomllib.loads((RULES_DIR / "2026.1.toml").read_text("utf-8"))


def mapping() -> dict[str, Any]:
    """A fresh deep copy of the shipped rules mapping, to break in tests."""
    return copy.deepcopy(shipped_mapping())


@functools.cache
def rules() -> Rules:
    """The shipped rules 2026.1."""
    return rules_from_mapping(shipped_mapping(), "content/rules/2026.1.toml")


def rules_with(**header: Any) -> Rules:
    """The shipped rules with some [rules] header values changed (e.g. a category uncapped)."""
    data = mapping()
    data["rules"].update(header)
    return rules_from_mapping(data, "test")


def good(
    id: int,
    points: int = 1,
    quantity: int = 1,
    *,
    category: str | None = "volunteer",
    record_type: str = "VOLUNTEER-SERVICE-HOURS",
    domain: str = "volunteer_service",
    occurred: dt.date = DAY,
    decided: dt.date | None = None,
    until: dt.date | None = None,
    **extra: Any,
) -> RecordFact:
    """A good record; decided on the day it occurred, displayed a year, unless told otherwise."""
    decided = occurred if decided is None else decided
    return RecordFact(
        id=id,
        record_type=record_type,
        domain=domain,
        polarity="good",
        severity=None,
        points_per_unit=points,
        quantity=quantity,
        bonus_category=category,
        occurred_on=occurred,
        decided_on=decided,
        display_until=years_after(decided, 1) if until is None else until,
        repairable_from=None,
        **extra,
    )


def bad(
    id: int,
    points: int = -30,
    quantity: int = 1,
    *,
    severity: str = "general",
    record_type: str = "TRAFFIC-DRINK-DRIVING",
    domain: str = "traffic_safety",
    occurred: dt.date = DAY,
    decided: dt.date | None = None,
    until: dt.date | None = None,
    repairable: dt.date | None = None,
    **extra: Any,
) -> RecordFact:
    """A bad record; decided on the day it occurred, displayed a year, unless told otherwise."""
    decided = occurred if decided is None else decided
    return RecordFact(
        id=id,
        record_type=record_type,
        domain=domain,
        polarity="bad",
        severity=severity,  # type: ignore[arg-type]
        points_per_unit=points,
        quantity=quantity,
        bonus_category=None,
        occurred_on=occurred,
        decided_on=decided,
        display_until=years_after(decided, 1) if until is None else until,
        repairable_from=repairable,
        **extra,
    )
