"""Wire formats of credit repair (信用修复): applications, per-record repair options, the credit
commitment. There is no fee or amount anywhere: repair is a free public service."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.objections.schemas import Deadline, EvidenceOut, Statement, StepOut
from backend.platform.schemas import Input, Output
from backend.records.catalog import RepairPath
from backend.records.schemas import DepartmentRecordOut, DepartmentRef

_NO_NUL = r"^[^\x00]*\Z"
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=_NO_NUL)]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_NO_NUL)]
RepairStatus = Literal[
    "submitted", "accepted", "rejected", "approved", "denied",
    "withdrawn",  # by the citizen, before a decision
    "terminated",  # closed because an objection revoked or corrected the record
]  # fmt: skip


class ObligationFulfilled(Input):
    """主动履约: the obligation behind the record has been met."""

    fulfilled_on: dt.date
    proof: Annotated[str, msgspec.Meta(min_length=2, max_length=1000, pattern=_NO_NUL)]


class TrainingReport(Input):
    """信用修复培训 (a completed credit-repair course) or a credit report (信用报告)."""

    kind: Literal["training", "report"]
    provider: Name
    completed_on: dt.date
    certificate_no: Reference


class VolunteerService(Input):
    """志愿服务: hours served and the organiser who certifies them."""

    hours: Annotated[int, msgspec.Meta(ge=1, le=2000)]
    organiser: Name
    completed_on: dt.date


class CharitableDonation(Input):
    """慈善捐助: the receipt of a donation to a registered charity (no amount is asked: repair
    never depends on money)."""

    recipient: Name
    receipt_no: Reference
    donated_on: dt.date


class CommitmentAcceptance(Input):
    """The citizen's acceptance of the credit commitment (信用承诺书) shown to them."""

    version: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    language: Literal["zh-CN", "en"]
    accepted: bool


class RepairIn(Input):
    """Apply to repair one bad record through one of the paths its record type allows. Fill in
    exactly the block of the chosen path (e.g. ``volunteerService`` for ``volunteer_service``)."""

    record_id: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
    path: RepairPath
    statement: Statement
    commitment: CommitmentAcceptance
    obligation_fulfilled: ObligationFulfilled | None = None
    training_report: TrainingReport | None = None
    volunteer_service: VolunteerService | None = None
    charitable_donation: CharitableDonation | None = None


class PathOption(Output):
    code: str
    name_zh: str
    name_en: str
    needs_zh: str
    needs_en: str


class Blocker(Output):
    """Why repair cannot be applied for now (a stable code and the reason)."""

    code: str
    reason: str


class RepairOptions(Output):
    """Per record: can it be repaired now, from when, by which paths."""

    record_id: int
    record_type: str
    severity: str | None
    repairable: bool  # the record type allows repair at all
    possible_now: bool
    possible_from: dt.date | None
    days_until_possible: int | None
    paths: list[PathOption]
    blocked_by: Blocker | None
    open_application_id: int | None
    commitment_version: str


class CommitmentOut(Output):
    version: str
    effective_from: dt.date
    language: str
    title: str
    body: str
    sha256: str
    source: str


class RepairOut(Output):
    id: int
    record_id: int
    record_type: str
    record_title_zh: str
    record_title_en: str
    department: DepartmentRef
    path: str
    statement: str
    details: dict[str, object]
    commitment_version: str
    commitment_language: str
    commitment_accepted_at: dt.datetime
    status: RepairStatus
    applied_on: dt.date
    reply_due_on: dt.date  # the citizen hears the result by this day
    accepted_on: dt.date | None
    decide_due_on: dt.date | None
    decision_reason: str | None
    decided_on: dt.date | None
    deadline: Deadline | None
    escalated: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None


class RepairDetail(Output):
    application: RepairOut
    evidence: list[EvidenceOut]
    steps: list[StepOut]


class RepairCase(Output):
    """A department's or officer's view of one application, with the record and the evidence."""

    application: RepairOut
    record: DepartmentRecordOut
    department_late: bool
    evidence: list[EvidenceOut]
    steps: list[StepOut]
