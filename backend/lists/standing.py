"""Whether a list entry still stands on a day, and if not why (退出机制). Pure: the nightly job
ends what no longer stands, and every read applies the same test, so an entry never shows a day
after its reason ended."""

from __future__ import annotations

import datetime as dt

from backend.lists.rules import ListRule
from backend.lists.store import EntryFacts


def end_cause(facts: EntryFacts, rule: ListRule | None, today: dt.date) -> str | None:
    """None while the entry stands on ``today``; else ``period-ended``, ``repaired``,
    ``revoked``, ``display-ended``, ``corrected`` (the record no longer matches the rule) or
    ``grade-changed``."""
    if facts.published_until is not None and today >= facts.published_until:
        return "period-ended"
    if facts.record is not None:
        return _record_cause(facts, rule, today)
    if rule is None or rule.grade is None:
        return None
    if facts.card_grade != rule.grade or (rule.clean_years and not facts.card_clean):
        return "grade-changed"
    return None


def _record_cause(facts: EntryFacts, rule: ListRule | None, today: dt.date) -> str | None:
    if facts.record_status in ("repaired", "revoked"):
        return facts.record_status
    if facts.record_display_until is not None and facts.record_display_until <= today:
        return "display-ended"
    if rule is None:
        return None
    if rule.record_types is not None and facts.record_type not in rule.record_types:
        return "corrected"
    if rule.severity is not None and facts.record_severity != rule.severity:
        return "corrected"
    return None
