"""What the report endpoints read and answer. The reporter sees their own reports; staff see the
subject in full and never the reporter; only the ``reports`` role unseals the reporter."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.cases.schemas import (
    AcceptedOn,
    CaseId,
    CaseSteps,
    ClosedAt,
    CreatedAt,
    CurrentDeadline,
    DecidedOn,
    DecisionText,
    DepartmentLate,
    Escalated,
    EvidenceFiles,
    UpdatedAt,
)
from backend.platform.schemas import Input, Output
from backend.records.schemas import Reason

SubjectKind = Literal["person", "organisation"]
ReportStatus = Literal[
    "submitted",
    "accepted",
    "rejected",
    "withdrawn",
    "substantiated",
    "unsubstantiated",
    "malicious",
]
Outcome = Literal["substantiated", "unsubstantiated", "malicious"]
STATUS_TEXT = (
    "`submitted` (awaiting acceptance), `accepted` (being investigated), `rejected` (不予受理),"
    " `withdrawn` (by the reporter), `substantiated` (举报属实), `unsubstantiated` (举报不属实),"
    " `malicious` (恶意举报: the reporter may not report for a while)"
)


class ReportIn(Input):
    """A report of dishonest behaviour (举报) about a person or an organisation."""

    subject_kind: Annotated[
        SubjectKind,
        msgspec.Meta(description="`person` or `organisation`", examples=["organisation"]),
    ]
    subject_name: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=100,
            pattern=r"^[^\x00-\x1f]+$",
            description="The person's full name or the organisation's registered name",
            examples=["某某餐饮管理有限公司"],
        ),
    ]
    category: Annotated[
        str,
        msgspec.Meta(
            min_length=2,
            max_length=40,
            pattern=r"^[a-z_]+$",
            description="The catalog domain the behaviour belongs to (`GET /v1/public/benefits`"
            " and the catalog name them), e.g. `food_drugs`",
            examples=["food_drugs"],
        ),
    ]
    description: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=20000,
            description="What happened, when and where (length limits in the reporting rules:"
            " by default 10 to 2,000 characters)",
            examples=["2026年11月20日在该店购买的熟食已过保质期，店员拒绝退换，附照片和小票。"],
        ),
    ]
    subject_id_number: Annotated[
        Annotated[str, msgspec.Meta(max_length=40)] | None,
        msgspec.Meta(
            description="A person's resident ID number, where known (checked like every ID"
            " number; stored encrypted, shown masked)",
            examples=[None],
        ),
    ] = None
    subject_credit_code: Annotated[
        Annotated[str, msgspec.Meta(max_length=40)] | None,
        msgspec.Meta(
            description="An organisation's unified social credit code (统一社会信用代码), where"
            " known (checked by its check character)",
            examples=["91350100M000100Y43"],
        ),
    ] = None


class ReportOut(Output):
    """One report as its reporter and staff see it in a list."""

    id: CaseId
    status: Annotated[
        ReportStatus,
        msgspec.Meta(description=f"Where it stands: {STATUS_TEXT}", examples=["accepted"]),
    ]
    status_name: Annotated[
        str, msgspec.Meta(description="The status in words", examples=["已受理"])
    ]
    subject_kind: Annotated[
        SubjectKind, msgspec.Meta(description="Person or organisation", examples=["organisation"])
    ]
    subject_name_masked: Annotated[
        str, msgspec.Meta(description="The subject's name, masked", examples=["某*********"])
    ]
    subject_code_masked: Annotated[
        str | None,
        msgspec.Meta(
            description="The subject's ID number or credit code, masked; null if not given",
            examples=["9135**********Y43"],
        ),
    ]
    category: Annotated[str, msgspec.Meta(description="Catalog domain", examples=["food_drugs"])]
    category_name: Annotated[
        str, msgspec.Meta(description="The domain in words", examples=["食品药品"])
    ]
    department: Annotated[
        str,
        msgspec.Meta(description="The department handling it", examples=["市市场监督管理局"]),
    ]
    filed_on: Annotated[
        dt.date, msgspec.Meta(description="Business day of filing", examples=["2026-11-30"])
    ]
    accepted_on: AcceptedOn
    decision_reason: DecisionText
    decided_on: DecidedOn
    deadline: CurrentDeadline
    escalated: Escalated
    extended: Annotated[
        bool, msgspec.Meta(description="The decision deadline was extended once", examples=[False])
    ]
    created_at: CreatedAt
    updated_at: UpdatedAt
    closed_at: ClosedAt


class MyReport(Output):
    """The reporter's own report, whole."""

    report: Annotated[ReportOut, msgspec.Meta(description="The report")]
    description: Annotated[
        str, msgspec.Meta(description="What the reporter wrote", examples=["……"])
    ]
    evidence: EvidenceFiles
    steps: CaseSteps


class StaffReport(Output):
    """A report as the handling department or the credit office reads it: the subject in full,
    never who reported it."""

    report: Annotated[ReportOut, msgspec.Meta(description="The report")]
    subject_name: Annotated[
        str, msgspec.Meta(description="The subject's full name", examples=["某某餐饮管理有限公司"])
    ]
    subject_code: Annotated[
        str | None,
        msgspec.Meta(
            description="The subject's ID number or credit code as given; null if not given",
            examples=["91350100M000100Y43"],
        ),
    ]
    description: Annotated[str, msgspec.Meta(description="What was reported", examples=["……"])]
    extension_reason: Annotated[
        str | None, msgspec.Meta(description="Why it was extended", examples=[None])
    ]
    related: Annotated[
        list[int],
        msgspec.Meta(
            description="Other reports on the same subject and category (possible duplicates)",
            examples=[[]],
        ),
    ]
    records: Annotated[
        list[int],
        msgspec.Meta(
            description="Records the department reported following this report (`reportId`)",
            examples=[[58231]],
        ),
    ]
    department_late: DepartmentLate
    evidence: EvidenceFiles
    steps: CaseSteps


class ReportDecisionIn(Input):
    """The outcome of an investigated report, with the reason the reporter reads."""

    outcome: Annotated[
        Outcome,
        msgspec.Meta(
            description="`substantiated` (属实: the department may now report a record, linked"
            " to this report), `unsubstantiated` or `malicious` (恶意举报)",
            examples=["substantiated"],
        ),
    ]
    reason: Annotated[
        Reason,
        msgspec.Meta(description="Why (2 to 1,000 characters)", examples=["经现场检查，情况属实"]),
    ]


class TransferIn(Input):
    """Send a report not yet accepted to another department."""

    department: Annotated[
        str,
        msgspec.Meta(
            min_length=2,
            max_length=60,
            pattern=r"^[a-z0-9][a-z0-9-]*$",
            description="The competent department's client code",
            examples=["city-market-regulation"],
        ),
    ]
    reason: Annotated[
        Reason,
        msgspec.Meta(description="Why it goes there", examples=["属食品安全监管职责"]),
    ]


class DisclosureIn(Input):
    """Why an officer needs to know who reported (for the audit log)."""

    reason: Annotated[
        Reason,
        msgspec.Meta(
            description="Why (2 to 1,000 characters)", examples=["核实举报人身份以便奖励"]
        ),
    ]


class Reporter(Output):
    """Who filed a report: for officers with the `reports` role only, and every look audited."""

    report_id: CaseId
    citizen_id: Annotated[int, msgspec.Meta(description="The reporter's citizen id", examples=[42])]
    name: Annotated[str, msgspec.Meta(description="The reporter's name", examples=["李四"])]
    id_number: Annotated[
        str, msgspec.Meta(description="The reporter's ID number", examples=["330102199001011234"])
    ]
    phone: Annotated[
        str | None,
        msgspec.Meta(description="The reporter's phone, if they have an account", examples=[None]),
    ]
