"""Wire formats every kind of case shares: deadlines, case steps, evidence files, the
per-department handling statistics (政务诚信), the fields every case summary carries, and the
bodies of a decision's reason and a withdrawal.

Every field carries a description and, where a value helps, a stable example; both become the
OpenAPI document the mobile app is built from."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.problem_texts import NOT_BLANK
from backend.platform.schemas import Input, Output
from backend.records.schemas import DepartmentRef, Reason

Statement = Annotated[
    str,
    msgspec.Meta(min_length=2, max_length=4000, pattern=NOT_BLANK),
]
QueueStatus = Literal[
    "open",
    "closed",
    "all",
    "submitted",
    "accepted",
    "rejected",
    "verifying",
    "upheld",
    "corrected",
    "revoked",
    "approved",
    "denied",
    "withdrawn",
    "terminated",
]
EvidenceMediaType = Literal["application/pdf", "image/jpeg", "image/png"]
ActorKind = Literal["citizen", "department", "officer", "system"]

CaseId = Annotated[int, msgspec.Meta(description="The case's id", examples=[1024])]
RecordId = Annotated[
    int, msgspec.Meta(description="The disputed record's id (信用记录)", examples=[58231])
]
RecordType = Annotated[
    str,
    msgspec.Meta(
        description="The record type's code in the catalog (信用行为清单); for programs, not for"
        " display: show `recordTitle`",
        examples=["TRAFFIC-DRINK-DRIVING"],
    ),
]
RecordTitle = Annotated[
    str,
    msgspec.Meta(
        description="The record type's name in the request's language (Accept-Language)",
        examples=["饮酒后驾驶机动车"],
    ),
]
RecordTitleZh = Annotated[
    str, msgspec.Meta(description="The record type's Chinese name", examples=["饮酒后驾驶机动车"])
]
RecordTitleEn = Annotated[
    str,
    msgspec.Meta(description="The record type's English name", examples=["Driving after drinking"]),
]
Handler = Annotated[
    DepartmentRef,
    msgspec.Meta(description="The department that reported the record and handles the case"),
]
CreatedAt = Annotated[
    dt.datetime,
    msgspec.Meta(description="When the case was filed (UTC)", examples=["2026-09-07T02:15:30Z"]),
]
UpdatedAt = Annotated[
    dt.datetime,
    msgspec.Meta(description="When the case last changed (UTC)", examples=["2026-09-08T06:40:00Z"]),
]
ClosedAt = Annotated[
    dt.datetime | None,
    msgspec.Meta(description="When the case closed (UTC); null while open", examples=[None]),
]
Escalated = Annotated[
    bool,
    msgspec.Meta(
        description="A deadline lapsed and the case went to the credit office (督办)",
        examples=[False],
    ),
]
DecisionText = Annotated[
    str | None,
    msgspec.Meta(
        description="The reason given with the decision, as the citizen reads it; null until"
        " decided",
        examples=[None],
    ),
]
DecidedOn = Annotated[
    dt.date | None,
    msgspec.Meta(
        description="Business day of the decision (Asia/Shanghai); null until decided",
        examples=[None],
    ),
]
AcceptedOn = Annotated[
    dt.date | None,
    msgspec.Meta(
        description="Business day the case was accepted (受理); null before",
        examples=["2026-09-08"],
    ),
]


# --- shared ------------------------------------------------------------------------------------


class Deadline(Output):
    """The deadline of a case's current stage, in working days (工作日, Asia/Shanghai)."""

    stage: Annotated[
        Literal["accept", "verify", "reply", "decide"],
        msgspec.Meta(
            description="Whose turn and for what: `accept` (an objection waits for acceptance,"
            " 受理), `verify` (an accepted objection is verified and decided, 核查), `reply` (a"
            " repair application: the citizen hears the result by then), `decide` (an accepted"
            " repair application waits for the decision)",
            examples=["verify"],
        ),
    ]
    due_on: Annotated[
        dt.date,
        msgspec.Meta(description="The last working day of the stage", examples=["2026-09-21"]),
    ]
    working_days_left: Annotated[
        int,
        msgspec.Meta(
            description="Working days until `dueOn`: 0 on the due day itself, negative once"
            " overdue",
            examples=[8],
        ),
    ]
    overdue: Annotated[
        bool, msgspec.Meta(description="The due day has passed (逾期)", examples=[False])
    ]
    near: Annotated[
        bool,
        msgspec.Meta(
            description="Due within one working day (the hourly check flags it)", examples=[False]
        ),
    ]


class StepOut(Output, omit_defaults=True):
    """One transition of a case, in the order they happened."""

    action: Annotated[
        str,
        msgspec.Meta(
            description="What happened: `submit` (objection filed), `apply` (repair applied"
            " for), `accept` (受理), `reject` (不予受理), `extend` (deadline extended once),"
            " `propose` (the department's verification result), `decide` (the credit office's"
            " decision), `approve` (准予修复), `deny` (不予修复), `withdraw` (撤回 by the citizen),"
            " `terminate` (an objection revoked or corrected the record)",
            examples=["accept"],
        ),
    ]
    from_status: Annotated[
        str | None,
        msgspec.Meta(
            description="The case's status before; null for the first step", examples=["submitted"]
        ),
    ]
    to_status: Annotated[
        str, msgspec.Meta(description="The case's status after", examples=["accepted"])
    ]
    actor_kind: Annotated[
        ActorKind,
        msgspec.Meta(
            description="Who acted, by kind: `citizen` (市民), `department` (报送单位), `officer`"
            " (信用办), `system` (the service itself)",
            examples=["department"],
        ),
    ]
    actor: Annotated[
        str,
        msgspec.Meta(
            description="Who acted, by role, in the request's language: the department's name,"
            " 信用办 / Credit office, 市民 / Citizen; never an internal id",
            examples=["市公安局交通警察支队"],
        ),
    ]
    reason: Annotated[
        str | None,
        msgspec.Meta(
            description="The reason the actor gave, if any", examples=["材料齐全，予以受理"]
        ),
    ]
    due_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The case's deadline after this step; null once closed",
            examples=["2026-09-21"],
        ),
    ]
    business_date: Annotated[
        dt.date,
        msgspec.Meta(
            description="Business day of the step (Asia/Shanghai)", examples=["2026-09-08"]
        ),
    ]
    at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When the step happened (UTC)", examples=["2026-09-08T06:40:00Z"]),
    ]
    actor_id: Annotated[
        str | None,
        msgspec.Meta(
            description="The actor's internal id; only in the credit office's views",
            examples=["7"],
        ),
    ] = None
    officer_username: Annotated[
        str | None,
        msgspec.Meta(
            description="The officer who acted; only in the credit office's views, on steps"
            " taken by an officer",
            examples=["officer.zhang"],
        ),
    ] = None


class EvidenceOut(Output):
    """One evidence file (证明材料) attached to an objection or a repair application."""

    id: Annotated[
        int,
        msgspec.Meta(
            description="The file's id; the citizen downloads it at /v1/me/evidence/{id}",
            examples=[3051],
        ),
    ]
    media_type: Annotated[
        EvidenceMediaType,
        msgspec.Meta(
            description="The type read from the content at upload (not from the name):"
            " `application/pdf`, `image/jpeg` or `image/png`; downloads are served as this type",
            examples=["application/pdf"],
        ),
    ]
    size_bytes: Annotated[
        int, msgspec.Meta(description="Size of the file in bytes", examples=[184320])
    ]
    original_name: Annotated[
        str,
        msgspec.Meta(
            description="The file's name as uploaded, without any directory part",
            examples=["车辆过户证明.pdf"],
        ),
    ]
    sha256: Annotated[
        str,
        msgspec.Meta(
            description="SHA-256 of the content, in hex",
            examples=["7b90830743ea12df73f6631d1437ab6d80f6f972b642bb6dc6bfda3c203fcc0f"],
        ),
    ]
    uploaded_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When it was uploaded (UTC)", examples=["2026-09-07T02:20:11Z"]),
    ]
    purged_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(
            description="When its content was deleted, the case having closed longer ago than"
            " the catalog's evidence retention (`[evidence] retention_years`, 5 by default);"
            " the name, size and SHA-256 stay. Null while it can be downloaded",
            examples=[None],
        ),
    ] = None


_COUNT_EXAMPLES = {"handled": 42, "onTime": 40, "late": 3, "open": 5, "overdue": 1}


class CaseCounts(Output):
    """How one department handled one kind of case (objections or repair applications)."""

    handled: Annotated[
        int,
        msgspec.Meta(
            description="Cases closed by a decision (not those withdrawn or closed by an"
            " objection)",
            examples=[_COUNT_EXAMPLES["handled"]],
        ),
    ]
    on_time: Annotated[
        int,
        msgspec.Meta(
            description="Closed without the department missing a deadline",
            examples=[_COUNT_EXAMPLES["onTime"]],
        ),
    ]
    late: Annotated[
        int,
        msgspec.Meta(
            description="Cases in which the department let a deadline lapse, open or closed"
            " (counted against it, 政务诚信)",
            examples=[_COUNT_EXAMPLES["late"]],
        ),
    ]
    open: Annotated[
        int, msgspec.Meta(description="Cases not closed yet", examples=[_COUNT_EXAMPLES["open"]])
    ]
    overdue: Annotated[
        int,
        msgspec.Meta(
            description="Open cases past their current deadline",
            examples=[_COUNT_EXAMPLES["overdue"]],
        ),
    ]


class DepartmentStatistics(Output):
    """How promptly one department handles the cases against its records (政务诚信)."""

    department: Annotated[DepartmentRef, msgspec.Meta(description="The department")]
    objections: Annotated[CaseCounts, msgspec.Meta(description="Its objection cases (异议)")]
    repairs: Annotated[CaseCounts, msgspec.Meta(description="Its repair applications (信用修复)")]
    reports: Annotated[
        CaseCounts, msgspec.Meta(description="The reports of dishonesty routed to it (举报)")
    ]
    unknown_calendar_years: Annotated[
        list[int],
        msgspec.Meta(
            description="Years in which some of its open cases' deadlines fall that no holiday"
            " calendar knows yet (neither the published overrides nor chinese-calendar): those"
            " deadlines count weekends only until the office publishes the year's arrangement",
            examples=[[2027]],
        ),
    ] = []


class WithdrawalIn(Input):
    """A citizen withdraws their own open case (撤回); the whole body may be omitted."""

    reason: (
        Annotated[
            Reason,
            msgspec.Meta(
                description="Why, in the citizen's words (optional; 2 to 1,000 characters)",
                examples=["已与交警部门沟通核实，不再申请"],
            ),
        ]
        | None
    ) = None


class DecisionReason(Input):
    """The reason of a decision on a case; the citizen reads it."""

    reason: Annotated[
        Reason,
        msgspec.Meta(
            description="Why, in plain words for the citizen (2 to 1,000 characters)",
            examples=["材料齐全，予以受理"],
        ),
    ]


# --- what every kind's views share -------------------------------------------------------------

EvidenceFiles = Annotated[
    list[EvidenceOut], msgspec.Meta(description="Evidence files, oldest first")
]
CaseSteps = Annotated[list[StepOut], msgspec.Meta(description="Every step, oldest first")]
DepartmentLate = Annotated[
    bool,
    msgspec.Meta(
        description="The department let a deadline of this case lapse (counted against it)",
        examples=[False],
    ),
]
CurrentDeadline = Annotated[
    Deadline | None, msgspec.Meta(description="The current stage's deadline; null once closed")
]


class CaseSummary(Output):
    """What every kind of case shows first: the case, the record it is about, the handling
    department, and where it stands in time. A kind adds its own fields (the citizen's
    statement among them, with an example of its own) after these."""

    id: CaseId
    record_id: RecordId
    record_type: RecordType
    record_title: RecordTitle
    record_title_zh: RecordTitleZh
    record_title_en: RecordTitleEn
    department: Handler
    accepted_on: AcceptedOn
    decision_reason: DecisionText
    decided_on: DecidedOn
    deadline: CurrentDeadline
    escalated: Escalated
    created_at: CreatedAt
    updated_at: UpdatedAt
    closed_at: ClosedAt
