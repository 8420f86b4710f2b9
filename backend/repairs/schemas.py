"""Wire formats of credit repair (信用修复): applications, per-record repair options, the credit
commitment. There is no fee or amount anywhere: repair is a free public service."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from backend.cases.schemas import (
    CaseSteps,
    CaseSummary,
    DepartmentLate,
    EvidenceFiles,
    RecordId,
    RecordTitle,
    RecordType,
    Statement,
)
from backend.platform.problem_texts import NO_NUL
from backend.platform.schemas import Input, Output
from backend.records.catalog import RepairPath
from backend.records.schemas import DepartmentRecordOut

_NO_NUL = NO_NUL
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=_NO_NUL)]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_NO_NUL)]
RepairStatus = Literal[
    "submitted",
    "accepted",
    "rejected",
    "approved",
    "denied",
    "withdrawn",  # by the citizen, before a decision
    "terminated",  # closed because an objection revoked or corrected the record
]
Language = Literal["zh-CN", "en"]
PATH_TEXT = (
    "The repair path (修复方式): `obligation_fulfilled` (主动履约, the obligation has been met),"
    " `training_report` (信用修复培训 or 信用报告), `volunteer_service` (志愿服务),"
    " `charitable_donation` (慈善捐助)."
)
STATUS_TEXT = (
    "`submitted` (已提交, waiting for acceptance), `accepted` (已受理, waiting for the"
    " decision), `rejected` (不予受理), `approved` (准予修复: the record is repaired), `denied`"
    " (不予修复), `withdrawn` (已撤回 by the citizen), `terminated` (终止办理: an objection revoked"
    " or corrected the record)."
)
BLOCKER_TEXT = (
    "A stable code: `record-not-bad` (good records need no repair), `record-revoked`,"
    " `record-already-repaired`, `record-no-longer-shown` (its display period ended),"
    " `record-not-repairable` (its type allows no path), `repair-too-early` (the minimum display"
    " period has not passed), `objection-open` (wait for the objection's result),"
    " `repair-already-open`."
)


class ObligationFulfilled(Input):
    """主动履约: the obligation behind the record has been met."""

    fulfilled_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="The day the obligation was met; not in the future", examples=["2026-08-28"]
        ),
    ]
    proof: Annotated[
        str,
        msgspec.Meta(
            min_length=2,
            max_length=1000,
            pattern=_NO_NUL,
            description="What proves it (payment receipt, settlement, proof of execution)",
            examples=["缴款凭证 No. 20260828-0113"],
        ),
    ]


class TrainingReport(Input):
    """信用修复培训 (a completed credit-repair course) or a credit report (信用报告)."""

    kind: Annotated[
        Literal["training", "report"],
        msgspec.Meta(
            description="`training` (a completed credit-repair course) or `report` (a credit"
            " report from a credit service agency)",
            examples=["training"],
        ),
    ]
    provider: Annotated[
        Name,
        msgspec.Meta(
            description="Who gave the course or issued the report", examples=["市信用协会"]
        ),
    ]
    completed_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="Day completed or issued; not in the future", examples=["2026-09-01"]
        ),
    ]
    certificate_no: Annotated[
        Reference,
        msgspec.Meta(
            description="The certificate's or report's number", examples=["XYPX-2026-0815"]
        ),
    ]


class VolunteerService(Input):
    """志愿服务: hours served and the organiser who certifies them."""

    hours: Annotated[
        int,
        msgspec.Meta(ge=1, le=2000, description="Hours served (1 to 2,000)", examples=[8]),
    ]
    organiser: Annotated[
        Name,
        msgspec.Meta(
            description="The organiser who certifies the hours", examples=["西湖区志愿者协会"]
        ),
    ]
    completed_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="Day the service was completed; not in the future", examples=["2026-08-30"]
        ),
    ]


class CharitableDonation(Input):
    """慈善捐助: the receipt of a donation to a registered charity (no amount is asked: repair
    never depends on money)."""

    recipient: Annotated[
        Name,
        msgspec.Meta(
            description="The registered charity that received it", examples=["市慈善总会"]
        ),
    ]
    receipt_no: Annotated[
        Reference,
        msgspec.Meta(description="The donation receipt's number", examples=["CS-2026-0077"]),
    ]
    donated_on: Annotated[
        dt.date,
        msgspec.Meta(description="Day of the donation; not in the future", examples=["2026-08-25"]),
    ]


class CommitmentAcceptance(Input):
    """The citizen's acceptance of the credit commitment (信用承诺书) shown to them."""

    version: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=20,
            description="The version of the commitment shown (from GET /v1/me/repair-commitment);"
            " it must be the one in force",
            examples=["2026.1"],
        ),
    ]
    language: Annotated[
        Language,
        msgspec.Meta(
            description="The language of the text shown: `zh-CN` or `en`", examples=["zh-CN"]
        ),
    ]
    accepted: Annotated[
        bool,
        msgspec.Meta(description="The citizen accepts it; must be true", examples=[True]),
    ]


class RepairIn(Input):
    """Apply to repair one bad record through one of the paths its record type allows; fill in
    exactly the block of the chosen path (e.g. ``volunteerService`` for ``volunteer_service``)."""

    record_id: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=2**63 - 1,
            description="The citizen's own bad record to repair",
            examples=[58231],
        ),
    ]
    path: Annotated[RepairPath, msgspec.Meta(description=PATH_TEXT, examples=["training_report"])]
    statement: Annotated[
        Statement,
        msgspec.Meta(
            description="What the citizen did to correct it (2 to 4,000 characters)",
            examples=["已参加信用修复培训并结业，今后严格遵守交通法规。"],
        ),
    ]
    commitment: Annotated[
        CommitmentAcceptance,
        msgspec.Meta(
            description="The accepted credit commitment (信用承诺书); every repair needs it"
        ),
    ]
    obligation_fulfilled: Annotated[
        ObligationFulfilled | None,
        msgspec.Meta(description="Only with path `obligation_fulfilled`"),
    ] = None
    training_report: Annotated[
        TrainingReport | None, msgspec.Meta(description="Only with path `training_report`")
    ] = None
    volunteer_service: Annotated[
        VolunteerService | None, msgspec.Meta(description="Only with path `volunteer_service`")
    ] = None
    charitable_donation: Annotated[
        CharitableDonation | None,
        msgspec.Meta(description="Only with path `charitable_donation`"),
    ] = None


class PathOption(Output):
    """One way a record can be repaired, and what the citizen needs for it."""

    code: Annotated[RepairPath, msgspec.Meta(description=PATH_TEXT, examples=["training_report"])]
    name: Annotated[
        str,
        msgspec.Meta(
            description="The path's name in the request's language",
            examples=["信用修复培训或信用报告"],
        ),
    ]
    needs: Annotated[
        str,
        msgspec.Meta(
            description="What the citizen needs for it, in the request's language",
            examples=["培训结业证书或信用报告的编号及出具机构"],
        ),
    ]
    name_zh: Annotated[
        str,
        msgspec.Meta(description="The path's Chinese name", examples=["信用修复培训或信用报告"]),
    ]
    name_en: Annotated[
        str,
        msgspec.Meta(
            description="The path's English name",
            examples=["Credit-repair training or a credit report"],
        ),
    ]
    needs_zh: Annotated[
        str,
        msgspec.Meta(
            description="What the citizen needs, in Chinese",
            examples=["培训结业证书或信用报告的编号及出具机构"],
        ),
    ]
    needs_en: Annotated[
        str,
        msgspec.Meta(
            description="What the citizen needs, in English",
            examples=["The training certificate or credit report, its number and issuer"],
        ),
    ]


class Blocker(Output):
    """Why repair cannot be applied for now: a stable code and the reason in plain words."""

    code: Annotated[str, msgspec.Meta(description=BLOCKER_TEXT, examples=["repair-too-early"])]
    reason: Annotated[
        str,
        msgspec.Meta(
            description="The reason in the request's language",
            examples=["记录（编号 58231）自 2026-10-20 起可申请信用修复（最短公示期届满后）"],
        ),
    ]


class RepairOptions(Output):
    """Per record: can it be repaired now, from when, and by which paths."""

    record_id: RecordId
    record_type: RecordType
    record_title: RecordTitle
    severity: Annotated[
        Literal["minor", "general", "serious"] | None,
        msgspec.Meta(
            description="The record's severity: `minor` (轻微), `general` (一般), `serious`"
            " (严重); null for a good record",
            examples=["general"],
        ),
    ]
    repairable: Annotated[
        bool,
        msgspec.Meta(description="The record type allows repair at all", examples=[True]),
    ]
    possible_now: Annotated[
        bool,
        msgspec.Meta(
            description="The citizen can apply today (nothing blocks it)", examples=[False]
        ),
    ]
    possible_from: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The first day repair can be applied for (the minimum display period"
            " has passed); null if the record cannot be repaired",
            examples=["2026-10-20"],
        ),
    ]
    days_until_possible: Annotated[
        int | None,
        msgspec.Meta(
            description="Calendar days until `possibleFrom`; 0 once reached", examples=[40]
        ),
    ]
    paths: Annotated[
        list[PathOption],
        msgspec.Meta(description="The paths the record type allows; empty if none"),
    ]
    blocked_by: Annotated[
        Blocker | None,
        msgspec.Meta(description="Why the citizen cannot apply now; null if they can"),
    ]
    open_application_id: Annotated[
        int | None,
        msgspec.Meta(description="The record's open repair application, if any", examples=[None]),
    ]
    commitment_version: Annotated[
        str,
        msgspec.Meta(
            description="The credit commitment in force, to accept when applying",
            examples=["2026.1"],
        ),
    ]


class CommitmentOut(Output):
    """The credit commitment (信用承诺书) a repair application must accept, in one language."""

    version: Annotated[
        str,
        msgspec.Meta(description="Its version, to send back on acceptance", examples=["2026.1"]),
    ]
    effective_from: Annotated[
        dt.date, msgspec.Meta(description="In force from this day", examples=["2026-04-01"])
    ]
    language: Annotated[
        Language,
        msgspec.Meta(
            description="The language of `title` and `body`: `zh-CN` or `en`", examples=["zh-CN"]
        ),
    ]
    title: Annotated[str, msgspec.Meta(description="The title", examples=["信用承诺书"])]
    body: Annotated[
        str,
        msgspec.Meta(
            description="The full text to show before the citizen accepts it",
            examples=["本人自愿申请对本人的失信信息进行信用修复，并郑重承诺：……"],
        ),
    ]
    sha256: Annotated[
        str,
        msgspec.Meta(
            description="SHA-256 (hex) of the exact text shown (title, blank line, body); stored"
            " with the application",
            examples=["68c061f9b6c1d4b5ce8bd4294b92d18046ab675edc353eeb7301484ddceede91"],
        ),
    ]
    source: Annotated[
        str,
        msgspec.Meta(
            description="The rules the text follows",
            examples=["国家发展改革委令第36号《信用修复管理办法》"],
        ),
    ]


class RepairOut(CaseSummary):
    """One repair application with its dates and the deadline of its current stage."""

    path: Annotated[RepairPath, msgspec.Meta(description=PATH_TEXT, examples=["training_report"])]
    statement: Annotated[
        str,
        msgspec.Meta(
            description="The citizen's statement",
            examples=["已参加信用修复培训并结业，今后严格遵守交通法规。"],
        ),
    ]
    details: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="The block of the chosen path as sent (the fields of"
            " ObligationFulfilled, TrainingReport, VolunteerService or CharitableDonation)",
            examples=[
                {
                    "kind": "training",
                    "provider": "市信用协会",
                    "completedOn": "2026-09-01",
                    "certificateNo": "XYPX-2026-0815",
                }
            ],
        ),
    ]
    commitment_version: Annotated[
        str, msgspec.Meta(description="The commitment version accepted", examples=["2026.1"])
    ]
    commitment_language: Annotated[
        Language,
        msgspec.Meta(
            description="The language of the commitment text accepted", examples=["zh-CN"]
        ),
    ]
    commitment_accepted_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When the commitment was accepted (UTC)", examples=["2026-09-07T02:15:30Z"]
        ),
    ]
    status: Annotated[
        RepairStatus,
        msgspec.Meta(
            description=f"Where the application stands: {STATUS_TEXT}", examples=["accepted"]
        ),
    ]
    applied_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="Business day of the application (Asia/Shanghai)", examples=["2026-09-07"]
        ),
    ]
    reply_due_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="The citizen hears the result by this working day (default: 10 working"
            " days after applying)",
            examples=["2026-09-20"],
        ),
    ]
    decide_due_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The decision is due by this working day (default: 3 working days after"
            " acceptance); null before acceptance",
            examples=["2026-09-11"],
        ),
    ]


class RepairCase(Output):
    """A department's or officer's view of one application, with the record and the evidence."""

    application: Annotated[RepairOut, msgspec.Meta(description="The application")]
    record: Annotated[
        DepartmentRecordOut,
        msgspec.Meta(
            description="The record to repair, with the citizen's masked ID number and the"
            " record's history"
        ),
    ]
    department_late: DepartmentLate
    evidence: EvidenceFiles
    steps: CaseSteps


class RepairDetail(Output):
    """The citizen's view of one repair application: the case, its evidence and its history."""

    application: Annotated[RepairOut, msgspec.Meta(description="The application")]
    evidence: EvidenceFiles
    steps: CaseSteps
