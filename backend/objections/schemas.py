"""Wire formats of objections (异议): filing, the department's proposal, the credit office's
decision, and the objection as citizens and staff read it. What every case shares is in
``backend.cases.schemas``.

Every field carries a description and, where a value helps, a stable example; both become the
OpenAPI document the mobile app is built from."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.cases.schemas import (
    CaseSteps,
    CaseSummary,
    DepartmentLate,
    EvidenceFiles,
    Statement,
)
from backend.platform.problem_texts import NO_NUL
from backend.platform.schemas import Input, Output
from backend.records.schemas import DepartmentRecordOut, Reason, RecordCorrection

_NO_NUL = NO_NUL
ObjectionReasonCategory = Literal[
    "wrong_person",  # 非本人: the record is about someone else
    "facts_incorrect",  # 事实有误: what, when or how much is wrong
    "already_rectified",  # 已纠正: the obligation was met before the decision
    "legal_basis",  # 依据不当: wrong rule or wrong severity applied
    "procedure",  # 程序问题: the decision was not made or served properly
    "display_period",  # 公示期限: shown beyond its display period
    "other",
]
REASON_CATEGORY_TEXT = (
    "Why the citizen disputes the record: `wrong_person` (非本人, the record is about someone"
    " else), `facts_incorrect` (事实有误, what, when or how much is wrong), `already_rectified`"
    " (已纠正, the obligation was met before the decision), `legal_basis` (依据不当, wrong rule or"
    " severity applied), `procedure` (程序问题, the decision was not made or served properly),"
    " `display_period` (公示期限, shown beyond its display period), `other`."
)
ObjectionStatus = Literal[
    "submitted",
    "accepted",
    "rejected",
    "verifying",
    "upheld",
    "corrected",
    "revoked",
    "withdrawn",
]
OBJECTION_STATUS_TEXT = (
    "`submitted` (已提交, waiting for acceptance), `accepted` (已受理, being verified; the"
    " record's penalty is suspended), `rejected` (不予受理), `verifying` (核查完毕, the department"
    " proposed an outcome and the credit office decides), `upheld` (维持, the record stands),"
    " `corrected` (已更正, the record's values changed), `revoked` (已撤销, the record no longer"
    " counts or shows), `withdrawn` (已撤回 by the citizen)."
)
Outcome = Literal["upheld", "corrected", "revoked"]
OUTCOME_TEXT = (
    "`upheld` (维持: the record stands as reported), `corrected` (更正: the record takes the"
    " proposed new values, the old ones stay in its history), `revoked` (撤销: the record no"
    " longer counts or shows)."
)


# --- objections --------------------------------------------------------------------------------


class ObjectionIn(Input):
    """A citizen disputes one of their own records (异议申请)."""

    record_id: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=2**63 - 1,
            description="The citizen's own record being disputed",
            examples=[58231],
        ),
    ]
    reason_category: Annotated[
        ObjectionReasonCategory,
        msgspec.Meta(description=REASON_CATEGORY_TEXT, examples=["facts_incorrect"]),
    ]
    statement: Annotated[
        Statement,
        msgspec.Meta(
            description="What is wrong and why, in the citizen's words (2 to 4,000 characters)",
            examples=["当天我不在现场，车辆已于事发前出售，附过户证明。"],
        ),
    ]


class ProposedCorrection(Input):
    """New values for the record (only those that change); the old ones stay in history."""

    record_type: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=60,
                pattern=_NO_NUL,
                description="Another record type code of the catalog, within the department's"
                " scopes",
                examples=["TRAFFIC-UNLICENSED-DRIVING"],
            ),
        ]
        | None
    ) = None
    occurred_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The corrected day the behaviour happened", examples=["2026-08-14"]
        ),
    ] = None
    decided_on: Annotated[
        dt.date | None,
        msgspec.Meta(description="The corrected day of the decision", examples=["2026-08-20"]),
    ] = None
    decision_document_no: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=100,
                pattern=_NO_NUL,
                description="The corrected decision document number (决定书文号)",
                examples=["杭公交决字〔2026〕第0815号"],
            ),
        ]
        | None
    ) = None
    evidence_summary: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=2000,
                pattern=_NO_NUL,
                description="The corrected summary of the evidence",
                examples=["经核查，驾驶人系车辆原车主，已于事发前过户"],
            ),
        ]
        | None
    ) = None
    quantity: (
        Annotated[
            int,
            msgspec.Meta(
                ge=1,
                le=10_000,
                description="The corrected quantity (cases, hours, times or months)",
                examples=[1],
            ),
        ]
        | None
    ) = None

    def as_record_correction(self, reason: str) -> RecordCorrection:
        return RecordCorrection(reason=reason, **msgspec.structs.asdict(self))


class ProposalIn(Input):
    """The owning department's verification result (核查意见) and the outcome it proposes."""

    outcome: Annotated[
        Outcome,
        msgspec.Meta(description=f"The proposed outcome: {OUTCOME_TEXT}", examples=["corrected"]),
    ]
    reason: Annotated[
        Reason,
        msgspec.Meta(
            description="The verification result in plain words (2 to 1,000 characters)",
            examples=["经核查，事发时车辆已过户，记录主体有误"],
        ),
    ]
    correction: Annotated[
        ProposedCorrection | None,
        msgspec.Meta(
            description="The new values: required with `corrected`, absent otherwise",
        ),
    ] = None


class OfficerDecisionIn(Input):
    """The credit office's decision on a verified objection."""

    outcome: Annotated[
        Outcome,
        msgspec.Meta(
            description=f"The decision: {OUTCOME_TEXT} `corrected` needs a proposal with new"
            " values",
            examples=["revoked"],
        ),
    ]
    reason: Annotated[
        Reason,
        msgspec.Meta(
            description="Why, in plain words for the citizen (2 to 1,000 characters)",
            examples=["经核查，记录主体有误，予以撤销"],
        ),
    ]


class ObjectionOut(CaseSummary):
    """One objection with its dates and the deadline of its current stage."""

    reason_category: Annotated[
        ObjectionReasonCategory,
        msgspec.Meta(description=REASON_CATEGORY_TEXT, examples=["facts_incorrect"]),
    ]
    statement: Annotated[
        str,
        msgspec.Meta(
            description="The citizen's statement",
            examples=["当天我不在现场，车辆已于事发前出售，附过户证明。"],
        ),
    ]
    status: Annotated[
        ObjectionStatus,
        msgspec.Meta(
            description=f"Where the case stands: {OBJECTION_STATUS_TEXT}", examples=["accepted"]
        ),
    ]
    filed_on: Annotated[
        dt.date,
        msgspec.Meta(description="Business day of filing (Asia/Shanghai)", examples=["2026-09-07"]),
    ]
    accept_due_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="Acceptance is due by this working day (default: 2 working days after"
            " filing)",
            examples=["2026-09-09"],
        ),
    ]
    verify_due_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="Verification and decision are due by this working day (default: 10"
            " working days after acceptance, more once extended); null before acceptance",
            examples=["2026-09-21"],
        ),
    ]
    extended: Annotated[
        bool,
        msgspec.Meta(
            description="The verification deadline was extended (once at most)", examples=[False]
        ),
    ]
    extension_reason: Annotated[
        str | None,
        msgspec.Meta(description="Why it was extended; null if not", examples=[None]),
    ]


class ObjectionDetail(Output):
    """The citizen's view of one objection: the case, its evidence and its history."""

    objection: Annotated[ObjectionOut, msgspec.Meta(description="The objection")]
    evidence: EvidenceFiles
    steps: CaseSteps


class Proposal(Output):
    """The department's verification result and proposed outcome, as the credit office reads it."""

    outcome: Annotated[
        Outcome,
        msgspec.Meta(description=f"The proposed outcome: {OUTCOME_TEXT}", examples=["corrected"]),
    ]
    reason: Annotated[
        str,
        msgspec.Meta(
            description="The verification result",
            examples=["经核查，事发时车辆已过户，记录主体有误"],
        ),
    ]
    correction: Annotated[
        ProposedCorrection | None,
        msgspec.Meta(description="The proposed new values; null unless `corrected`"),
    ]


class ObjectionCase(Output):
    """A department's or officer's view of one objection, with the record and the evidence."""

    objection: Annotated[ObjectionOut, msgspec.Meta(description="The objection")]
    record: Annotated[
        DepartmentRecordOut,
        msgspec.Meta(
            description="The disputed record, with the citizen's masked ID number and the"
            " record's history"
        ),
    ]
    proposal: Annotated[
        Proposal | None,
        msgspec.Meta(description="The department's proposal; null until it made one"),
    ]
    department_late: DepartmentLate
    evidence: EvidenceFiles
    steps: CaseSteps
