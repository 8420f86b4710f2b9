"""诚信积分引擎: the pure scoring library of the citizen credit card.

No I/O, no clocks, no backend imports (``points_engine/ruff.toml`` bans them): records, the rules
in force and a date go in; an :class:`Assessment` comes out.

    rule_set = RuleSet(rules_from_mapping(tomllib.loads(text), name) for name, text in files)
    card = assess(records, rule_set.in_force(today), today)
    msgspec.json.encode(card)  # camelCase JSON

    benefits = benefits_from_mapping(tomllib.loads(text), name, grades=..., record_types=...,
                                     domains=..., repair_paths=...)
    evaluate(card, benefits, rules)           # what the card unlocks, and the measures in force
    plan(card, benefits, rules, today)        # the cheapest steps to the next grade
"""

from points_engine.assessment import TOP_CONTRIBUTIONS, assess
from points_engine.badges import first_clean_completion
from points_engine.benefits import (
    MEASURE_KINDS,
    REQUIREMENT_KINDS,
    ActiveRestriction,
    Benefit,
    BenefitCatalog,
    BenefitRef,
    BenefitsError,
    BenefitSet,
    BenefitStatus,
    Eligibility,
    Measure,
    MeasureKind,
    PlanAction,
    RecordTypeInfo,
    RepairPathEffort,
    RequirementKind,
    RestrictionRecord,
    Unmet,
    active_restrictions,
    benefits_from_mapping,
    check_benefit,
    evaluate,
)
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
from points_engine.planner import CHEAPEST, Plan, PlanError, PlanStep, UpcomingRepair, plan
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
    "CHEAPEST",
    "MEASURE_KINDS",
    "NOT_COUNTING_REASONS",
    "REQUIREMENT_KINDS",
    "TOP_CONTRIBUTIONS",
    "ActiveRestriction",
    "Assessment",
    "BadgeDef",
    "BadgeEarned",
    "BadgeKind",
    "Benefit",
    "BenefitCatalog",
    "BenefitRef",
    "BenefitSet",
    "BenefitStatus",
    "BenefitsError",
    "BonusCap",
    "Countdown",
    "DomainBreakdown",
    "Eligibility",
    "ExplanationLine",
    "Grade",
    "Measure",
    "MeasureKind",
    "NotCounting",
    "NotCountingReason",
    "Plan",
    "PlanAction",
    "PlanError",
    "PlanStep",
    "Polarity",
    "RecordCounts",
    "RecordFact",
    "RecordStatus",
    "RecordTypeInfo",
    "RepairPathEffort",
    "RequirementKind",
    "RestrictionRecord",
    "RuleSet",
    "Rules",
    "RulesError",
    "Severity",
    "Suspended",
    "Unit",
    "Unmet",
    "UpcomingRepair",
    "active_restrictions",
    "assess",
    "benefits_from_mapping",
    "check_benefit",
    "evaluate",
    "first_clean_completion",
    "plan",
    "rules_from_mapping",
    "years_after",
    "years_before",
]
