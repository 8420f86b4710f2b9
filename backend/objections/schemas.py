"""Wire formats of objections (异议), and of what objections and repairs share: deadlines,
case steps, evidence files, department statistics."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from backend.platform.schemas import Input, Output
from backend.records.schemas import DepartmentRecordOut, DepartmentRef, Reason, RecordCorrection

_NO_NUL = r"^[^\x00]*\Z"
Statement = Annotated[
    str,
    msgspec.Meta(min_length=2, max_length=4000, pattern=r"^(?=[^\x00]*\Z)\s*\S"),
]
ObjectionReasonCategory = Literal[
    "wrong_person",  # 非本人: the record is about someone else
    "facts_incorrect",  # 事实有误: what, when or how much is wrong
    "already_rectified",  # 已纠正: the obligation was met before the decision
    "legal_basis",  # 依据不当: wrong rule or wrong severity applied
    "procedure",  # 程序问题: the decision was not made or served properly
    "display_period",  # 公示期限: shown beyond its display period
    "other",
]
ObjectionStatus = Literal[
    "submitted", "accepted", "rejected", "verifying", "upheld", "corrected", "revoked",
    "withdrawn",
]  # fmt: skip
Outcome = Literal["upheld", "corrected", "revoked"]
QueueStatus = Literal[
    "open", "closed", "all", "submitted", "accepted", "rejected", "verifying", "upheld",
    "corrected", "revoked", "approved", "denied", "withdrawn", "terminated",
]  # fmt: skip


# --- shared ------------------------------------------------------------------------------------


class Deadline(Output):
    """The deadline of the current stage in working days (工作日, Asia/Shanghai).

    ``working_days_left`` is 0 on the due day itself and negative once overdue."""

    stage: Literal["accept", "verify", "reply", "decide"]
    due_on: dt.date
    working_days_left: int
    overdue: bool
    near: bool  # due within one working day (the hourly check flags it)


class StepOut(Output, omit_defaults=True):
    """One transition of a case. ``actor`` names who acted by role: 市民 (citizen), 信用办
    (credit office) or the department's name; internal ids (``actorId``) and officer usernames
    (``officerUsername``) appear in the credit office's views only."""

    action: str
    from_status: str | None
    to_status: str
    actor_kind: str  # citizen | department | officer | system
    actor: str
    reason: str | None
    due_on: dt.date | None
    business_date: dt.date
    at: dt.datetime
    actor_id: str | None = None  # officer views only
    officer_username: str | None = None  # officer views only, on steps taken by an officer


class EvidenceOut(Output):
    id: int
    media_type: str
    size_bytes: int
    original_name: str
    sha256: str
    uploaded_at: dt.datetime


class CaseCounts(Output):
    handled: int  # cases closed by a decision (not those withdrawn or closed by an objection)
    on_time: int  # closed without the department missing a deadline
    late: int  # cases in which the department let a deadline lapse (open or closed)
    open: int
    overdue: int  # open cases past their current deadline


class DepartmentStatistics(Output):
    """政务诚信: how promptly one department handles the cases against its records."""

    department: DepartmentRef
    objections: CaseCounts
    repairs: CaseCounts


# --- objections --------------------------------------------------------------------------------


class ObjectionIn(Input):
    """A citizen disputes one of their own records."""

    record_id: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
    reason_category: ObjectionReasonCategory
    statement: Statement


class WithdrawalIn(Input):
    """A citizen withdraws their own open case (撤回); the reason is optional."""

    reason: Reason | None = None


class DecisionReason(Input):
    """Every decision states its reason; the citizen reads it."""

    reason: Reason


class ProposedCorrection(Input):
    """New values for the record (only those that change); the old ones stay in history."""

    record_type: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=_NO_NUL)] | None
    ) = None
    occurred_on: dt.date | None = None
    decided_on: dt.date | None = None
    decision_document_no: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_NO_NUL)] | None
    ) = None
    evidence_summary: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=_NO_NUL)] | None
    ) = None
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10_000)] | None = None

    def as_record_correction(self, reason: str) -> RecordCorrection:
        return RecordCorrection(reason=reason, **msgspec.structs.asdict(self))


class ProposalIn(Input):
    """The owning department's verification result (核查意见) and the outcome it proposes."""

    outcome: Outcome
    reason: Reason
    correction: ProposedCorrection | None = None


class OfficerDecisionIn(Input):
    """The credit office's decision on a verified objection."""

    outcome: Outcome
    reason: Reason


class ObjectionOut(Output):
    id: int
    record_id: int
    record_type: str
    record_title_zh: str
    record_title_en: str
    department: DepartmentRef
    reason_category: str
    statement: str
    status: ObjectionStatus
    filed_on: dt.date
    accept_due_on: dt.date
    accepted_on: dt.date | None
    verify_due_on: dt.date | None
    extended: bool
    extension_reason: str | None
    decision_reason: str | None
    decided_on: dt.date | None
    deadline: Deadline | None  # the current stage's deadline; None once closed
    escalated: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None


class ObjectionDetail(Output):
    """The citizen's view of one objection."""

    objection: ObjectionOut
    evidence: list[EvidenceOut]
    steps: list[StepOut]


class Proposal(Output):
    outcome: Outcome
    reason: str
    correction: dict[str, Any] | None


class ObjectionCase(Output):
    """A department's or officer's view of one objection, with the record and the evidence."""

    objection: ObjectionOut
    record: DepartmentRecordOut  # with the masked ID number and the record's history
    proposal: Proposal | None
    department_late: bool
    evidence: list[EvidenceOut]
    steps: list[StepOut]
