"""The events citizens hear about: each kind, its category and the fields its payload carries.

Emitters build these Structs and pass them to :func:`emit_event`; templates under
``content/notifications/`` may only use the fields declared here, checked at start-up.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from backend.notifications.outbox import emit


class Event(msgspec.Struct, rename="camel", kw_only=True):
    kind: ClassVar[str]
    category: ClassVar[str]
    legal: ClassVar[bool] = False  # legal notices ignore push preferences and quiet hours


class RecordAdded(Event):
    kind, category = "record.added", "records"
    record_id: int
    record_title: str
    department: str
    points: int


class RecordCorrected(Event):
    kind, category, legal = "record.corrected", "records", True
    record_id: int
    record_title: str
    department: str
    reason: str


class RecordRevoked(Event):
    kind, category, legal = "record.revoked", "records", True
    record_id: int
    record_title: str
    department: str
    reason: str


class ScoreChanged(Event):
    kind, category = "score.changed", "score"
    points: int
    previous_points: int
    grade: str
    previous_grade: str
    grade_name: str


class BadgeEarned(Event):
    kind, category = "badge.earned", "badges"
    badge: str
    badge_name: str


class RecordRepairable(Event):
    kind, category = "record.repairable", "repairs"
    record_id: int
    record_title: str
    repairable_from: str


class RecordDisplayEnded(Event):
    kind, category = "record.display-ended", "records"
    record_id: int
    record_title: str
    display_until: str


class BenefitChanged(Event):
    kind, category = "benefit.changed", "benefits"
    benefit: str
    benefit_name: str
    benefit_name_en: str
    change_zh: str  # 可以享受 / 暂不能享受
    change_en: str


class VerificationMade(Event):
    kind, category = "verification.redeemed", "verification"
    organisation: str
    benefit: str


class QueryMade(Event):
    """An officer or department looked at the citizen's credit (merchants: VerificationMade)."""

    kind, category = "query.made", "verification"
    organisation: str
    purpose: str


class CaseChanged(Event):
    """Objection or repair state changes, and deadlines near (legal notices)."""

    kind, category, legal = "case.changed", "cases", True
    case_kind: str
    case_id: int
    state: str
    record_title: str
    # Filled in by the relay from case_kind and state, in the citizen's language.
    case_kind_name: str = ""
    state_name: str = ""


class MonthlySummary(Event):
    kind, category = "monthly.summary", "summary"
    month: str
    points: int
    points_change: int
    grade_name: str
    percentile: int
    new_badges: int
    next_step: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        RecordAdded, RecordCorrected, RecordRevoked, ScoreChanged, BadgeEarned,
        RecordRepairable, RecordDisplayEnded, BenefitChanged, VerificationMade, QueryMade,
        CaseChanged, MonthlySummary,
    )
}  # fmt: skip


def event_fields(kind: str) -> set[str]:
    cls = EVENT_TYPES[kind]
    return {f.encode_name for f in msgspec.structs.fields(cls)}


async def emit_event(
    conn: Any, citizen_id: int, event: Event, *, dedupe_key: str | None = None
) -> None:
    await emit(conn, citizen_id, event.kind, msgspec.to_builtins(event), dedupe_key=dedupe_key)
