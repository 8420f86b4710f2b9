"""诚信积分引擎: the pure scoring library of the citizen credit card.

No I/O, no clocks, no backend imports (``points_engine/ruff.toml`` bans them): records, the rules
in force and a date go in; an :class:`Assessment` comes out.

    rule_set = RuleSet(rules_from_mapping(tomllib.loads(text), name) for name, text in files)
    card = assess(records, rule_set.in_force(today), today)
    msgspec.json.encode(card)  # camelCase JSON
"""

from points_engine.assessment import TOP_CONTRIBUTIONS, assess
from points_engine.badges import first_clean_completion
from points_engine.dates import years_after, years_before
from points_engine.model import (
    NOT_COUNTING_REASONS,
    Assessment,
    BadgeEarned,
    Countdown,
    DomainBreakdown,
    ExplanationLine,
    Grade,
    NotCounting,
    NotCountingReason,
    Polarity,
    RecordCounts,
    RecordFact,
    RecordStatus,
    Severity,
    Suspended,
    Unit,
)
from points_engine.rules import (
    BADGE_KINDS,
    BadgeDef,
    BadgeKind,
    BonusCap,
    Rules,
    RulesError,
    RuleSet,
    rules_from_mapping,
)

__all__ = [
    "BADGE_KINDS",
    "NOT_COUNTING_REASONS",
    "TOP_CONTRIBUTIONS",
    "Assessment",
    "BadgeDef",
    "BadgeEarned",
    "BadgeKind",
    "BonusCap",
    "Countdown",
    "DomainBreakdown",
    "ExplanationLine",
    "Grade",
    "NotCounting",
    "NotCountingReason",
    "Polarity",
    "RecordCounts",
    "RecordFact",
    "RecordStatus",
    "RuleSet",
    "Rules",
    "RulesError",
    "Severity",
    "Suspended",
    "Unit",
    "assess",
    "first_clean_completion",
    "rules_from_mapping",
    "years_after",
    "years_before",
]
