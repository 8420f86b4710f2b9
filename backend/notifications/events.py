"""The events citizens hear about: each kind, its category and the fields its payload carries.

Emitters build these Structs and pass them to :func:`emit_event`; templates under
``content/notifications/`` may only use the fields declared here, checked at start-up.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import msgspec

from backend.notifications.outbox import emit


class Event(msgspec.Struct, rename="camel", kw_only=True):
    kind: ClassVar[str]
    category: ClassVar[str]
    legal: ClassVar[bool] = False  # legal notices ignore push preferences and quiet hours


RecordCounting = Literal[
    "counted",
    "capped",
    "no_points",
    "suspended",
    "display_period_over",
    "revoked",
    "repaired",
    "not_yet_decided",
]
"""How a new record stands on the re-scored card: ``counted`` moves ``points``; ``capped`` moves
what the yearly cap left (maybe 0); the others move nothing, and the notice says why."""


class RecordAdded(Event):
    """A new record, told once the card is re-scored, with what it actually moved on the card
    (after yearly caps, display period and suspension), not the catalog's points."""

    kind, category = "record.added", "records"
    record_id: int
    record_title: str  # the catalog's zh name; the relay names it in the citizen's language
    department: str
    points: int  # what the record moved on the card: 0 when it moved nothing
    counting: RecordCounting = "counted"
    catalog_points: int | None = None  # before the cap, or the penalty withheld
    on: str | None = None  # the display end, or the first day it counts
    # Filled in by the relay from the fields above, in the citizen's language.
    effect: str = ""


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
    grade_name_en: str


class BadgeEarned(Event):
    kind, category = "badge.earned", "badges"
    badge: str
    badge_name: str
    badge_name_en: str


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
    """A merchant redeemed the citizen's verification code for a benefit (核验)."""

    kind, category = "verification.redeemed", "verification"
    organisation: str
    benefit: str  # the benefit's zh name
    # The benefit's English name. Empty from an emitter that does not give it: the relay then
    # finds it by the zh name in the benefits catalogue (``wording``).
    benefit_name_en: str = ""


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


class ReportChanged(Event):
    """A step on a report (举报), told to the reporter alone (a legal notice: the reporter must
    hear the outcome, with its reasons). ``state`` is the report's new status (submitted,
    accepted, rejected, withdrawn, substantiated, unsubstantiated, malicious) or what happened
    (extended, deadline.near, escalated, transferred).

    Nothing here names the reporter, and the reported person or organisation is named only as
    ``subject``, masked by the emitter (张*, 某某公司 as masked): never a full name or an ID
    number or credit code."""

    kind, category, legal = "report.changed", "cases", True
    case_id: int
    state: str
    subject: str  # the reported person's or organisation's name, masked by the emitter
    category_name: str  # the catalog domain's zh name
    category_name_en: str
    reason: str | None = None  # the decision's reason; None for a step without one
    due_on: str | None = None  # the deadline now running (ISO date), if any
    # Filled in by the relay from state, due_on and reason, in the citizen's language.
    state_name: str = ""
    reason_text: str = ""


class MonthlySummary(Event):
    """Last month on the card. ``points_change`` is measured from ``compared_with``: the points
    at the end of the month before, or in the citizen's first month (``first_month``) the base
    points the card started from."""

    kind, category = "monthly.summary", "summary"
    month: str
    points: int
    points_change: int
    compared_with: int
    first_month: bool
    grade_name: str
    grade_name_en: str
    percentile: int | None  # None until the nightly statistics have ranked the citizen
    new_badges: int
    next_step: str
    # Filled in by the relay, in the citizen's language.
    change: str = ""
    ranking: str = ""


class CaseWithdrawn(Event):
    """A receipt: the citizen withdrew their own objection or repair application (撤回)."""

    kind, category = "case.withdrawn", "cases"
    case_kind: str
    case_id: int
    record_title: str
    case_kind_zh: str  # 异议申请 / 信用修复申请
    case_kind_en: str


class RepairTerminated(Event):
    """An open repair application was closed (终止办理) because its record was revoked or
    corrected, by an objection's decision or by the reporting department."""

    kind, category, legal = "repair.terminated", "cases", True
    case_id: int
    record_title: str
    cause_zh: str  # what happened: 异议（编号 12）处理后 / 报送单位…撤销了该记录
    cause_en: str
    outcome: str  # revoked | corrected
    outcome_zh: str
    outcome_en: str


class ListEntered(Event):
    """The citizen is published on the red list or the serious-dishonesty list (a legal notice:
    the person must be told what is published about them, why and until when)."""

    kind, category, legal = "list.entered", "records", True
    list_name_zh: str
    list_name_en: str
    reason: str  # the rule's reason, in Chinese (the rule's English text is in reason_en)
    reason_en: str
    published_until: str


class ListExited(Event):
    """The citizen is off a list: the reason ended (repair, end of display, ...) or an officer
    removed the entry."""

    kind, category, legal = "list.exited", "records", True
    list_name_zh: str
    list_name_en: str
    cause_zh: str
    cause_en: str
    on: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        RecordAdded,
        RecordCorrected,
        RecordRevoked,
        ScoreChanged,
        BadgeEarned,
        RecordRepairable,
        RecordDisplayEnded,
        BenefitChanged,
        VerificationMade,
        QueryMade,
        CaseChanged,
        ReportChanged,
        MonthlySummary,
        CaseWithdrawn,
        RepairTerminated,
        ListEntered,
        ListExited,
    )
}


def event_fields(kind: str) -> set[str]:
    cls = EVENT_TYPES[kind]
    return {f.encode_name for f in msgspec.structs.fields(cls)}


async def emit_event(
    conn: Any, citizen_id: int, event: Event, *, dedupe_key: str | None = None
) -> None:
    await emit(conn, citizen_id, event.kind, msgspec.to_builtins(event), dedupe_key=dedupe_key)
