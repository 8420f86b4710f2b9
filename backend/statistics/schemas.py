"""Wire formats of the office's statistics: every count the office reports upward, by month and
by the key it is broken down by. Months are calendar months in Asia/Shanghai (``YYYY-MM``),
listed even when nothing happened in them, so a dashboard can draw them as they come.

Every field carries a description and an example; both become the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from backend.platform.schemas import Output
from backend.records.schemas import DepartmentRef

Month = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="A calendar month in Asia/Shanghai, `YYYY-MM`",
        examples=["2026-11"],
    ),
]
AsOf = Annotated[
    dt.date,
    msgspec.Meta(
        description="The business day (Asia/Shanghai) the statistics were computed on",
        examples=["2026-11-20"],
    ),
]
FirstMonth = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="The first month counted (`YYYY-MM`, Asia/Shanghai)",
        examples=["2025-12"],
    ),
]
LastMonth = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="The last month counted, the current one (`YYYY-MM`, Asia/Shanghai)",
        examples=["2026-11"],
    ),
]
Department = Annotated[DepartmentRef, msgspec.Meta(description="The reporting department")]


# --- records ------------------------------------------------------------------------------------


class SeverityCounts(Output):
    """Records counted by kind: good records (优良) and bad records (失信) by severity."""

    total: Annotated[int, msgspec.Meta(description="All records counted", examples=[412])]
    good: Annotated[int, msgspec.Meta(description="Good records (优良)", examples=[158])]
    minor: Annotated[int, msgspec.Meta(description="Minor bad records (轻微)", examples=[171])]
    general: Annotated[int, msgspec.Meta(description="General bad records (一般)", examples=[69])]
    serious: Annotated[int, msgspec.Meta(description="Serious bad records (严重)", examples=[14])]


class DomainRecordCounts(Output):
    """The records of one catalog domain (领域)."""

    domain: Annotated[
        str,
        msgspec.Meta(description="The catalog domain's code", examples=["traffic_safety"]),
    ]
    name: Annotated[
        str,
        msgspec.Meta(
            description="The domain's name in the request's language", examples=["交通安全"]
        ),
    ]
    name_zh: Annotated[
        str, msgspec.Meta(description="The domain's Chinese name", examples=["交通安全"])
    ]
    counts: Annotated[SeverityCounts, msgspec.Meta(description="Its records by kind")]


class DepartmentRecordCounts(Output):
    """The records one department (数据报送单位) reported."""

    department: Department
    counts: Annotated[SeverityCounts, msgspec.Meta(description="Its records by kind")]


class RecordMonth(Output):
    """The records decided in one month, in all and by domain and department."""

    month: Month
    counts: Annotated[SeverityCounts, msgspec.Meta(description="The month's records by kind")]
    domains: Annotated[
        list[DomainRecordCounts],
        msgspec.Meta(description="By domain, the most records first; domains with none left out"),
    ]
    departments: Annotated[
        list[DepartmentRecordCounts],
        msgspec.Meta(description="By department, in code order; departments with none left out"),
    ]


class RecordStatistics(Output):
    """Credit records (信用记录) by the month of their decision (``decidedOn``), broken down by
    domain, severity and department. Revoked records are not counted; repaired ones are (the
    finding stood)."""

    as_of: AsOf
    first_month: FirstMonth
    last_month: LastMonth
    totals: Annotated[SeverityCounts, msgspec.Meta(description="All months together, by kind")]
    domains: Annotated[
        list[DomainRecordCounts],
        msgspec.Meta(description="All months together, by domain, the most records first"),
    ]
    departments: Annotated[
        list[DepartmentRecordCounts],
        msgspec.Meta(description="All months together, by department, in code order"),
    ]
    months: Annotated[
        list[RecordMonth],
        msgspec.Meta(description="Every month from `firstMonth` to `lastMonth`, oldest first"),
    ]


# --- grades -------------------------------------------------------------------------------------


class GradeCount(Output):
    """How many citizens hold one grade (信用等级), now and on the day compared with."""

    grade: Annotated[str, msgspec.Meta(description="The grade's code", examples=["AA"])]
    name: Annotated[
        str,
        msgspec.Meta(
            description="The grade's name in the request's language", examples=["诚信优秀"]
        ),
    ]
    name_zh: Annotated[
        str, msgspec.Meta(description="The grade's Chinese name", examples=["诚信优秀"])
    ]
    colour: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^#[0-9A-Fa-f]{6}$",
            description="The grade's colour in the rules, `#RRGGBB`",
            examples=["#2E7D32"],
        ),
    ]
    citizens: Annotated[int, msgspec.Meta(description="Citizens holding it now", examples=[1873])]
    share: Annotated[
        float,
        msgspec.Meta(
            description="Its share of all scored citizens now, 0 to 1 (4 decimals)",
            examples=[0.1537],
        ),
    ]
    citizens_then: Annotated[
        int,
        msgspec.Meta(description="Citizens holding it on `comparedWith`", examples=[1790]),
    ]
    change: Annotated[
        int,
        msgspec.Meta(description="`citizens` minus `citizensThen`", examples=[83]),
    ]


class GradeStatistics(Output):
    """The grade distribution of every scored citizen now (their current cards) and on an
    earlier day (the score history), grades from the top band down."""

    as_of: AsOf
    compared_with: Annotated[
        dt.date,
        msgspec.Meta(
            description="The earlier business day: each citizen's grade as last scored on or"
            " before it; citizens first scored later are not counted then",
            examples=["2026-10-21"],
        ),
    ]
    citizens: Annotated[int, msgspec.Meta(description="Scored citizens now", examples=[12186])]
    citizens_then: Annotated[
        int,
        msgspec.Meta(description="Citizens already scored on `comparedWith`", examples=[11954]),
    ]
    grades: Annotated[
        list[GradeCount],
        msgspec.Meta(
            description="Every grade of the rules in force, top band first, then any grade"
            " cards still hold from earlier rules"
        ),
    ]


# --- cases --------------------------------------------------------------------------------------


class CaseHandling(Output):
    """How promptly one kind of case was handled (政务诚信): counts since the product started
    keeping them."""

    handled: Annotated[
        int,
        msgspec.Meta(
            description="Cases closed by a decision (not those withdrawn or closed by an"
            " objection)",
            examples=[48],
        ),
    ]
    on_time: Annotated[
        int,
        msgspec.Meta(
            description="Of those, closed without the department missing a deadline",
            examples=[44],
        ),
    ]
    late: Annotated[
        int,
        msgspec.Meta(
            description="Cases in which the department let a deadline lapse, open or closed",
            examples=[5],
        ),
    ]
    open: Annotated[int, msgspec.Meta(description="Cases not closed yet", examples=[6])]
    overdue: Annotated[
        int, msgspec.Meta(description="Open cases past their deadline", examples=[1])
    ]
    on_time_rate: Annotated[
        float | None,
        msgspec.Meta(
            description="`onTime` / `handled`, 0 to 1 (4 decimals); null when none was handled",
            examples=[0.9167],
        ),
    ]
    average_working_days: Annotated[
        float | None,
        msgspec.Meta(
            description="Average working days (工作日, Chinese public-holiday calendar) from"
            " filing to decision of the handled cases (2 decimals); null when none was handled",
            examples=[3.25],
        ),
    ]


class DepartmentCaseHandling(Output):
    """How one department handled the objections and repair applications against its records,
    and the reports routed to it."""

    department: Annotated[DepartmentRef, msgspec.Meta(description="The handling department")]
    objections: Annotated[CaseHandling, msgspec.Meta(description="Objections (异议)")]
    repairs: Annotated[CaseHandling, msgspec.Meta(description="Repair applications (信用修复申请)")]
    reports: Annotated[CaseHandling, msgspec.Meta(description="Reports routed to it (举报)")]


class CaseStatistics(Output):
    """Objections and repair applications per handling department, with the on-time rate and
    the average working days to decide (政务诚信: the government's own promptness)."""

    as_of: AsOf
    objections: Annotated[CaseHandling, msgspec.Meta(description="Every department's objections")]
    repairs: Annotated[
        CaseHandling, msgspec.Meta(description="Every department's repair applications")
    ]
    reports: Annotated[
        CaseHandling, msgspec.Meta(description="Every department's reports of dishonesty (举报)")
    ]
    departments: Annotated[
        list[DepartmentCaseHandling],
        msgspec.Meta(description="Per department that has had any case, in code order"),
    ]


# --- lists --------------------------------------------------------------------------------------


class ListMoves(Output):
    """Entries published on a list and taken off it."""

    entries: Annotated[
        int,
        msgspec.Meta(description="Entries published (a proposal approved)", examples=[12]),
    ]
    exits: Annotated[
        int,
        msgspec.Meta(
            description="Published entries that left the list: repair, end of display,"
            " revocation, correction, a lost grade, the end of the publication period or an"
            " officer's removal",
            examples=[3],
        ),
    ]


class ListMonth(Output):
    """One month's moves on both lists."""

    month: Month
    red: Annotated[ListMoves, msgspec.Meta(description="The red list (守信红名单)")]
    black: Annotated[
        ListMoves, msgspec.Meta(description="The serious-dishonesty list (严重失信主体名单)")
    ]


class ListStatistics(Output):
    """Entries and exits of the red and black lists (红黑名单) by the business day they
    happened."""

    as_of: AsOf
    first_month: FirstMonth
    last_month: LastMonth
    red: Annotated[ListMoves, msgspec.Meta(description="The red list, all months together")]
    black: Annotated[ListMoves, msgspec.Meta(description="The black list, all months together")]
    months: Annotated[
        list[ListMonth],
        msgspec.Meta(description="Every month from `firstMonth` to `lastMonth`, oldest first"),
    ]


# --- notifications ------------------------------------------------------------------------------


class NotificationCounts(Output):
    """Notifications written to the in-app inbox and the push deliveries made for them, by the
    state each delivery is in now."""

    inbox: Annotated[
        int, msgspec.Meta(description="Notifications written to inboxes", examples=[5230])
    ]
    pushes: Annotated[
        int, msgspec.Meta(description="Push deliveries made (one per device)", examples=[6114])
    ]
    delivered: Annotated[
        int,
        msgspec.Meta(description="Pushes accepted by Firebase Cloud Messaging", examples=[5980]),
    ]
    failed: Annotated[
        int,
        msgspec.Meta(description="Pushes that failed for good after their retries", examples=[21]),
    ]
    expired: Annotated[
        int,
        msgspec.Meta(
            description="Pushes still not sent at their delivery deadline (the inbox has them)",
            examples=[4],
        ),
    ]
    pruned: Annotated[
        int,
        msgspec.Meta(
            description="Pushes dropped because the device token was dead (pruned)",
            examples=[87],
        ),
    ]
    skipped: Annotated[
        int,
        msgspec.Meta(description="Pushes not sent because push was not configured", examples=[0]),
    ]
    pending: Annotated[int, msgspec.Meta(description="Pushes waiting or in flight", examples=[22])]


class NotificationMonth(Output):
    """One month's notifications, by when each was made."""

    month: Month
    counts: Annotated[NotificationCounts, msgspec.Meta(description="The month's counts")]


class NotificationStatistics(Output):
    """Notifications delivered and failed: inbox notifications and push deliveries by the month
    they were made (Asia/Shanghai), each delivery in the state it is in now."""

    as_of: AsOf
    first_month: FirstMonth
    last_month: LastMonth
    totals: Annotated[NotificationCounts, msgspec.Meta(description="All months together")]
    months: Annotated[
        list[NotificationMonth],
        msgspec.Meta(description="Every month from `firstMonth` to `lastMonth`, oldest first"),
    ]


# --- verifications ------------------------------------------------------------------------------


class VerificationCounts(Output):
    """Verification codes made, merchant checks answered and redemptions recorded."""

    codes_issued: Annotated[
        int, msgspec.Meta(description="Single-use codes citizens made (核验码)", examples=[940])
    ]
    checks: Annotated[
        int,
        msgspec.Meta(
            description="Merchant checks answered: codes redeemed plus consent checks",
            examples=[871],
        ),
    ]
    consent_checks: Annotated[
        int,
        msgspec.Meta(description="Of the checks, those made under a consent", examples=[65]),
    ]
    eligible: Annotated[
        int,
        msgspec.Meta(description="Checks that found the citizen eligible", examples=[802]),
    ]
    not_eligible: Annotated[
        int,
        msgspec.Meta(description="Checks that found the citizen not eligible", examples=[69]),
    ]
    redemptions: Annotated[
        int,
        msgspec.Meta(
            description="Redemptions merchants recorded (e.g. a deposit waived)", examples=[733]
        ),
    ]


class BenefitVerifications(Output):
    """The merchant verifications of one benefit (守信激励)."""

    benefit: Annotated[
        str,
        msgspec.Meta(description="The benefit's code", examples=["library-deposit-waiver"]),
    ]
    name: Annotated[
        str,
        msgspec.Meta(
            description="The benefit's name in the request's language",
            examples=["图书馆免押金借阅"],
        ),
    ]
    name_zh: Annotated[
        str,
        msgspec.Meta(description="The benefit's Chinese name", examples=["图书馆免押金借阅"]),
    ]
    counts: Annotated[VerificationCounts, msgspec.Meta(description="Its counts")]


class VerificationStatistics(Output):
    """Merchant verifications by benefit over whole months: codes by when the citizen made
    them, checks by when the merchant made them, redemptions by when they were recorded."""

    as_of: AsOf
    first_month: FirstMonth
    last_month: LastMonth
    totals: Annotated[VerificationCounts, msgspec.Meta(description="Every benefit together")]
    benefits: Annotated[
        list[BenefitVerifications],
        msgspec.Meta(description="Per benefit with anything counted, the most checks first"),
    ]


# --- government integrity (政务诚信) ------------------------------------------------------------


class ReportingTimeliness(Output):
    """How promptly a body reported its records: within the integrity content's limit after
    the decision (default 7 working days, 工作日), or late."""

    reported: Annotated[
        int,
        msgspec.Meta(
            description="Records reported in the months counted (by the business day of the"
            " report), revoked ones left out",
            examples=[240],
        ),
    ]
    on_time: Annotated[
        int,
        msgspec.Meta(
            description="Of those, reported within the limit in force on the day of the report",
            examples=[231],
        ),
    ]
    late: Annotated[
        int,
        msgspec.Meta(
            description="Of those, reported more than the limit after the decision: counted"
            " against the body",
            examples=[9],
        ),
    ]
    on_time_rate: Annotated[
        float | None,
        msgspec.Meta(
            description="`onTime` / `reported`, 0 to 1 (4 decimals); null when none was reported",
            examples=[0.9625],
        ),
    ]


class HandlingTimeliness(Output):
    """How promptly a body handled what it had to answer, counted since the product started
    keeping the counts."""

    handled: Annotated[
        int,
        msgspec.Meta(
            description="Cases closed by a decision; for feedback, triggers answered",
            examples=[48],
        ),
    ]
    on_time: Annotated[
        int,
        msgspec.Meta(
            description="Of those, handled without the body missing a deadline",
            examples=[44],
        ),
    ]
    late: Annotated[
        int,
        msgspec.Meta(
            description="Cases or triggers whose deadline the body let lapse, answered or not",
            examples=[5],
        ),
    ]
    on_time_rate: Annotated[
        float | None,
        msgspec.Meta(
            description="`onTime` / `handled`, 0 to 1 (4 decimals); null when none was handled",
            examples=[0.9167],
        ),
    ]


ReportingField = Annotated[
    ReportingTimeliness,
    msgspec.Meta(
        description="Reporting its records (报送): within `reportWithinWorkingDays` working days"
        " of the decision, by the reports made in the months counted"
    ),
]
CasesField = Annotated[
    HandlingTimeliness,
    msgspec.Meta(
        description="Handling the objections, repair applications and reports (举报) against"
        " its records or routed to it, all kinds together: the case machine's counts, as in"
        " `getCaseStatistics`"
    ),
]
FeedbackField = Annotated[
    HandlingTimeliness,
    msgspec.Meta(
        description="Execution feedback (执行反馈) on the triggers of the measures the body"
        " enforces, due within `feedbackWithinWorkingDays` working days: filled in by the"
        " measures between bodies (发起 → 响应 → 反馈); zeros for a body that enforces no"
        " measure, and for every body until that feedback is counted"
    ),
]


class IntegrityCounts(Output):
    """Reporting, case handling and feedback side by side."""

    reporting: ReportingField
    cases: CasesField
    feedback: FeedbackField


class BodyIntegrity(Output):
    """One body's promptness (政务诚信): reporting, case handling and feedback side by side."""

    department: Annotated[
        DepartmentRef,
        msgspec.Meta(description="The body: a reporting department or an enforcing body"),
    ]
    reporting: ReportingField
    cases: CasesField
    feedback: FeedbackField


class IntegrityStatistics(Output):
    """The government's own promptness (政务诚信) per body: the on-time rates of reporting
    records, handling cases and feeding back on measures, side by side. Reporting is counted
    over whole months by the business day of the report; case handling and feedback since the
    product started keeping them."""

    as_of: AsOf
    first_month: FirstMonth
    last_month: LastMonth
    integrity_version: Annotated[
        str,
        msgspec.Meta(
            description="The version of the integrity content (政务诚信) in force today",
            examples=["2026.1"],
        ),
    ]
    report_within_working_days: Annotated[
        int,
        msgspec.Meta(
            description="The reporting limit in force today, in working days after the"
            " decision (each report is judged by the limit in force on its own day)",
            examples=[7],
        ),
    ]
    feedback_within_working_days: Annotated[
        int,
        msgspec.Meta(
            description="The feedback limit in force today, in working days after a trigger",
            examples=[5],
        ),
    ]
    totals: Annotated[IntegrityCounts, msgspec.Meta(description="Every body together")]
    bodies: Annotated[
        list[BodyIntegrity],
        msgspec.Meta(
            description="Per body with anything counted (records reported in the months"
            " counted, cases or feedback), in code order"
        ),
    ]


# --- occupational groups ------------------------------------------------------------------------


class GroupCounts(Output):
    """Records counted by kind: good (优良) and bad (失信), the bad ones by severity."""

    total: Annotated[int, msgspec.Meta(description="All records counted", examples=[57])]
    good: Annotated[int, msgspec.Meta(description="Good records (优良)", examples=[21])]
    bad: Annotated[
        int, msgspec.Meta(description="Bad records (失信), every severity", examples=[36])
    ]
    minor: Annotated[int, msgspec.Meta(description="Minor bad records (轻微)", examples=[20])]
    general: Annotated[int, msgspec.Meta(description="General bad records (一般)", examples=[13])]
    serious: Annotated[int, msgspec.Meta(description="Serious bad records (严重)", examples=[3])]


class OccupationalGroupRecords(Output):
    """The records that name one key occupational group (重点职业人群)."""

    group: Annotated[
        str,
        msgspec.Meta(
            description="The group's code; for a value stored before the list was content and"
            " naming no group, that value",
            examples=["physician"],
        ),
    ]
    name: Annotated[
        str,
        msgspec.Meta(description="The group's name in the request's language", examples=["医师"]),
    ]
    name_zh: Annotated[str, msgspec.Meta(description="The group's Chinese name", examples=["医师"])]
    listed: Annotated[
        bool,
        msgspec.Meta(
            description="Whether the group is on the list in force today (false: only an"
            " earlier version listed it, or no version did)",
            examples=[True],
        ),
    ]
    counts: Annotated[GroupCounts, msgspec.Meta(description="Its records by kind")]


class OccupationStatistics(Output):
    """Credit records by the key occupational group (重点职业人群) they name, decided in the
    months counted (by `decidedOn`, as `getRecordStatistics`); revoked records are not counted.
    Group names come from the integrity content."""

    as_of: AsOf
    first_month: FirstMonth
    last_month: LastMonth
    integrity_version: Annotated[
        str,
        msgspec.Meta(
            description="The version of the integrity content whose groups are listed",
            examples=["2026.1"],
        ),
    ]
    totals: Annotated[
        GroupCounts, msgspec.Meta(description="Every record that names a group, by kind")
    ]
    groups: Annotated[
        list[OccupationalGroupRecords],
        msgspec.Meta(
            description="Every group on the list in force, in its order (with zeros), then any"
            " other group records name, the most records first"
        ),
    ]
