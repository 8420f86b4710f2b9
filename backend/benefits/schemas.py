"""Wire formats of benefits and measures (守信激励 / 失信惩戒措施清单) and of the repair planner.

Texts meant for a person come in the request's language (``name``, ``description``, ``text``:
Accept-Language, Chinese by default) and in both languages (``…Zh``/``…En``); codes are for
programs. Every field is described, with a stable example where a value helps.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.schemas import Output
from backend.scoring.schemas import (
    REPAIR_PATH_TEXT,
    Grade,
    GradeCode,
    RecordId,
    RecordTitle,
    RecordType,
    RepairPath,
    Text,
    TextEn,
    TextZh,
)

BenefitCode = Annotated[
    str,
    msgspec.Meta(
        description="The benefit's code in the benefits catalogue", examples=["xin-yi-zu"]
    ),
]
BenefitName = Annotated[
    str,
    msgspec.Meta(
        description="The benefit's name in the request's language (Accept-Language)",
        examples=["信易租·免押金租赁"],
    ),
]
BenefitNameZh = Annotated[
    str, msgspec.Meta(description="The benefit's Chinese name", examples=["信易租·免押金租赁"])
]
BenefitNameEn = Annotated[
    str,
    msgspec.Meta(
        description="The benefit's English name", examples=["Deposit-free rental (信易租)"]
    ),
]
Description = Annotated[
    str,
    msgspec.Meta(
        description="What it is, in the request's language (Accept-Language)",
        examples=["免交借书押金办理借阅，最多同时借阅 40 册。"],
    ),
]
DescriptionZh = Annotated[
    str,
    msgspec.Meta(
        description="The same description in Chinese",
        examples=["免交借书押金办理借阅，最多同时借阅 40 册。"],
    ),
]
DescriptionEn = Annotated[
    str,
    msgspec.Meta(
        description="The same description in English",
        examples=["Borrow up to 40 books at a time without paying a deposit."],
    ),
]
Category = Annotated[
    str,
    msgspec.Meta(
        description="The benefit's kind, for grouping in the app: `finance`, `travel`,"
        " `rental`, `parking`, `culture`, `health`, `daily_life`, `tourism`, `shopping`,"
        " `government`, `employment`, `honours`",
        examples=["culture"],
    ),
]
MeasureCode = Annotated[
    str,
    msgspec.Meta(
        description="The measure's code in the measures list (失信惩戒措施清单)",
        examples=["high-consumption-restriction"],
    ),
]
MeasureKind = Annotated[
    Literal["mandatory", "recommended"],
    msgspec.Meta(
        description="`mandatory` (法定惩戒: the law requires it) or `recommended` (the bodies"
        " named may apply it)",
        examples=["mandatory"],
    ),
]
LegalBasis = Annotated[
    str,
    msgspec.Meta(
        description="The law or regulation the measure rests on",
        examples=["《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条"],
    ),
]
AsOf = Annotated[
    dt.date,
    msgspec.Meta(description="The business day evaluated (Asia/Shanghai)", examples=["2026-11-29"]),
]
BenefitsVersion = Annotated[
    str,
    msgspec.Meta(description="Version of the benefits catalogue in force", examples=["2026.1"]),
]
# A measure's trigger, declared once: the measure in the catalog and the rule behind one in
# force say it alike.
TriggerRecordTypes = Annotated[
    tuple[str, ...],
    msgspec.Meta(
        description="Codes of the record types that trigger it",
        examples=[["JUDICIAL-DISHONEST-JUDGMENT-DEBTOR", "JUDICIAL-REFUSAL-TO-EXECUTE"]],
    ),
]
TriggerAnySerious = Annotated[
    bool, msgspec.Meta(description="Any serious bad record triggers it too", examples=[False])
]
TriggerSeriousDomains = Annotated[
    tuple[str, ...],
    msgspec.Meta(
        description="Codes of the domains whose serious records trigger it", examples=[[]]
    ),
]
Source = Annotated[
    str,
    msgspec.Meta(
        description="Where the entry comes from (policy documents, the city schemes it follows)",
        examples=["Xiamen 白鹭分: ≥ 600 borrow 40 library books without deposit (REFERENCE.md)"],
    ),
]


class GradeRef(Output):
    """A grade band by code and names only: what a merchant may learn a benefit needs."""

    code: GradeCode
    name_zh: Annotated[
        str, msgspec.Meta(description="The grade's Chinese name", examples=["诚信良好"])
    ]
    name_en: Annotated[
        str, msgspec.Meta(description="The grade's English name", examples=["Good integrity"])
    ]


class BenefitRef(Output):
    """A benefit by code and names only: what a merchant check is about."""

    code: BenefitCode
    name_zh: BenefitNameZh
    name_en: BenefitNameEn


# --- my benefits --------------------------------------------------------------------------------


class Unmet(Output):
    """One condition of a benefit's rule that does not hold yet, and what it takes."""

    kind: Annotated[
        Literal["grade", "clean_years", "no_serious_record", "no_bad_record"],
        msgspec.Meta(
            description="Which condition: `grade` (a higher grade), `clean_years` (连续三年无不良"
            "记录), `no_serious_record` (no serious bad record counting), `no_bad_record` (no bad"
            " record counting)",
            examples=["grade"],
        ),
    ]
    text: Annotated[
        str,
        msgspec.Meta(
            description="What it takes, in the request's language (Accept-Language)",
            examples=["需达到 AA（诚信优秀）：还差 48 分"],
        ),
    ]
    text_zh: Annotated[
        str,
        msgspec.Meta(
            description="The same text in Chinese", examples=["需达到 AA（诚信优秀）：还差 48 分"]
        ),
    ]
    text_en: Annotated[
        str,
        msgspec.Meta(
            description="The same text in English",
            examples=["Needs grade AA (Excellent integrity): 48 more points"],
        ),
    ]
    grade: Annotated[
        str | None,
        msgspec.Meta(description="For `grade`: the grade needed; else null", examples=["AA"]),
    ]
    points_needed: Annotated[
        int | None,
        msgspec.Meta(description="For `grade`: the points still missing; else null", examples=[48]),
    ]
    met_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The day the condition holds by itself (a record leaves display, the"
            " clean years are complete); null when only the citizen can change it",
            examples=[None],
        ),
    ]
    record_ids: Annotated[
        tuple[int, ...],
        msgspec.Meta(description="The records standing in the way", examples=[[]]),
    ]


OfferedBy = Annotated[
    tuple[str, ...],
    msgspec.Meta(
        description="Who offers it, in the request's language", examples=[["市图书馆及各区分馆"]]
    ),
]
OfferedByZh = Annotated[
    tuple[str, ...],
    msgspec.Meta(description="Who offers it, in Chinese", examples=[["市图书馆及各区分馆"]]),
]
OfferedByEn = Annotated[
    tuple[str, ...],
    msgspec.Meta(
        description="Who offers it, in English",
        examples=[["City library and its district branches"]],
    ),
]


MinGrade = Annotated[
    str,
    msgspec.Meta(description="The lowest grade that holds it (that band or above)", examples=["A"]),
]
CleanYears = Annotated[
    bool,
    msgspec.Meta(
        description="It also needs three years with no bad record (连续三年无不良记录)",
        examples=[False],
    ),
]
NoSeriousRecord = Annotated[
    bool, msgspec.Meta(description="It also needs no serious bad record counting", examples=[False])
]
NoBadRecord = Annotated[
    bool, msgspec.Meta(description="It also needs no bad record counting", examples=[False])
]


class BenefitRule(Output):
    """The rule that decides a benefit (art. 24: an automated decision says what decided it):
    the lowest grade and the conditions on top of it, from the benefits version in force
    (``benefitsVersion``), and the documents it follows."""

    min_grade: MinGrade
    clean_years: CleanYears
    no_serious_record: NoSeriousRecord
    no_bad_record: NoBadRecord
    source: Source


class BenefitStatus(Output):
    """One benefit (守信激励) and whether the citizen holds it today, with what is missing."""

    code: BenefitCode
    name: BenefitName
    name_zh: BenefitNameZh
    name_en: BenefitNameEn
    description: Description
    description_zh: DescriptionZh
    description_en: DescriptionEn
    category: Category
    offered_by: OfferedBy
    offered_by_zh: OfferedByZh
    offered_by_en: OfferedByEn
    required_grade: Grade
    eligible: Annotated[
        bool, msgspec.Meta(description="True when every condition holds today", examples=[True])
    ]
    unmet: Annotated[
        tuple[Unmet, ...], msgspec.Meta(description="The conditions that do not hold yet")
    ]
    rule: Annotated[
        BenefitRule | None,
        msgspec.Meta(
            description="The rule that decided it (null only for a benefit no longer defined)"
        ),
    ] = None


class RestrictionRecord(Output):
    """A counting bad record that triggers a restriction measure."""

    record_id: RecordId
    record_type: RecordType
    record_title: RecordTitle
    name_zh: Annotated[
        str,
        msgspec.Meta(
            description="The record type's Chinese name",
            examples=["失信被执行人（有履行能力而拒不履行生效法律文书确定的义务）"],
        ),
    ]
    name_en: Annotated[
        str,
        msgspec.Meta(
            description="The record type's English name",
            examples=[
                "Dishonest judgment debtor (able to but refusing to perform a final judgment)"
            ],
        ),
    ]
    occurred_on: Annotated[
        dt.date, msgspec.Meta(description="When the fact happened", examples=["2026-10-30"])
    ]
    display_until: Annotated[
        dt.date,
        msgspec.Meta(
            description="Last day of its display period (公示期)", examples=["2029-10-30"]
        ),
    ]
    repairable_from: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="First day a repair may be applied for; null when it cannot be repaired",
            examples=["2027-10-30"],
        ),
    ]
    repair_possible: Annotated[
        bool,
        msgspec.Meta(description="True when a repair may be applied for today", examples=[False]),
    ]


MeasureName = Annotated[
    str,
    msgspec.Meta(
        description="The measure's name in the request's language (Accept-Language)",
        examples=["限制高消费"],
    ),
]
MeasureNameZh = Annotated[
    str, msgspec.Meta(description="The measure's Chinese name", examples=["限制高消费"])
]
MeasureNameEn = Annotated[
    str,
    msgspec.Meta(
        description="The measure's English name", examples=["High-consumption restriction"]
    ),
]
AppliedBy = Annotated[
    tuple[str, ...],
    msgspec.Meta(
        description="The bodies that apply it, in the request's language", examples=[["人民法院"]]
    ),
]
AppliedByZh = Annotated[
    tuple[str, ...],
    msgspec.Meta(description="The bodies that apply it, in Chinese", examples=[["人民法院"]]),
]
AppliedByEn = Annotated[
    tuple[str, ...],
    msgspec.Meta(
        description="The bodies that apply it, in English", examples=[["People's courts"]]
    ),
]


class MeasureRule(Output):
    """The rule that put a measure in force (art. 24): the records that trigger it, from the
    benefits version in force (``benefitsVersion``), and the documents it follows; the law it
    rests on is ``legalBasis``."""

    trigger_record_types: TriggerRecordTypes
    trigger_any_serious: TriggerAnySerious
    trigger_serious_domains: TriggerSeriousDomains
    source: Source


class ActiveRestriction(Output):
    """A restriction measure (失信惩戒措施) in force on the citizen, with the records behind it."""

    code: MeasureCode
    name: MeasureName
    name_zh: MeasureNameZh
    name_en: MeasureNameEn
    description: Description
    description_zh: DescriptionZh
    description_en: DescriptionEn
    kind: MeasureKind
    applied_by: AppliedBy
    applied_by_zh: AppliedByZh
    applied_by_en: AppliedByEn
    legal_basis: LegalBasis
    ends_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="The day it ends unless a repair ends it sooner (the latest display end"
            " of its records)",
            examples=["2029-10-30"],
        ),
    ]
    records: Annotated[
        tuple[RestrictionRecord, ...], msgspec.Meta(description="The records that trigger it")
    ]
    rule: Annotated[
        MeasureRule | None,
        msgspec.Meta(
            description="The rule that put it in force (null only for a measure no longer defined)"
        ),
    ] = None


class Eligibility(Output):
    """The citizen's benefits today: held, one grade away, later; and restrictions in force."""

    as_of: AsOf
    benefits_version: BenefitsVersion
    points: Annotated[int, msgspec.Meta(description="Credit points today", examples=[982])]
    grade: Grade
    next_grade: Annotated[
        Grade | None, msgspec.Meta(description="The band above; null at the top band")
    ]
    points_to_next_grade: Annotated[
        int | None,
        msgspec.Meta(
            description="Points still missing for the band above; null at the top", examples=[48]
        ),
    ]
    available: Annotated[
        tuple[BenefitStatus, ...], msgspec.Meta(description="Benefits the citizen holds today")
    ]
    one_grade_away: Annotated[
        tuple[BenefitStatus, ...],
        msgspec.Meta(description="Benefits the next grade up would unlock, with what is missing"),
    ]
    later: Annotated[
        tuple[BenefitStatus, ...],
        msgspec.Meta(description="Benefits further away, with what is missing"),
    ]
    restrictions: Annotated[
        tuple[ActiveRestriction, ...],
        msgspec.Meta(description="Restriction measures in force because of serious records"),
    ]


# --- the plan -----------------------------------------------------------------------------------


class PlanStep(Output):
    """One step of a plan: a repair of a record, or a good deed the catalog rewards."""

    kind: Annotated[
        Literal["repair", "bonus"],
        msgspec.Meta(
            description="`repair` (apply to repair the record `recordId` by `repairPath`) or"
            " `bonus` (do `units` of the good deed `recordType`)",
            examples=["repair"],
        ),
    ]
    record_type: RecordType
    record_title: RecordTitle
    points: Annotated[int, msgspec.Meta(description="Points the step adds", examples=[30])]
    effort: Annotated[
        int,
        msgspec.Meta(
            description="Its cost to the citizen in effort units (about hours)", examples=[4]
        ),
    ]
    text: Text
    text_zh: TextZh
    text_en: TextEn
    record_id: Annotated[
        int | None,
        msgspec.Meta(description="For `repair`: the record to repair; else null", examples=[58231]),
    ]
    repair_path: Annotated[
        RepairPath | None,
        msgspec.Meta(
            description=f"For `repair`: the path (修复途径): {REPAIR_PATH_TEXT}; else null",
            examples=["training_report"],
        ),
    ]
    units: Annotated[
        int,
        msgspec.Meta(description="For `bonus`: how many units; 1 for a repair", examples=[1]),
    ]
    unit: Annotated[
        Literal["case", "hour", "time", "month"] | None,
        msgspec.Meta(
            description="For `bonus`: the unit (`case`, `hour`, `time`, `month`); else null",
            examples=[None],
        ),
    ]
    bonus_category: Annotated[
        str | None,
        msgspec.Meta(
            description="For `bonus`: the yearly-cap category it counts in; else null",
            examples=[None],
        ),
    ]
    lifts: Annotated[
        tuple[str, ...],
        msgspec.Meta(
            description="Codes of restriction measures this step helps end",
            examples=[["high-consumption-restriction"]],
        ),
    ]


class UnlockedBenefit(Output):
    """A benefit the plan unlocks, by code and name."""

    code: BenefitCode
    name: BenefitName
    name_zh: BenefitNameZh
    name_en: BenefitNameEn


class UpcomingRepair(Output):
    """A bad record that cannot be repaired yet, and the day it can."""

    record_id: RecordId
    record_type: RecordType
    name: RecordTitle
    name_zh: Annotated[
        str,
        msgspec.Meta(description="The record type's Chinese name", examples=["饮酒后驾驶机动车"]),
    ]
    name_en: Annotated[
        str,
        msgspec.Meta(
            description="The record type's English name", examples=["Driving after drinking"]
        ),
    ]
    repairable_from: Annotated[
        dt.date,
        msgspec.Meta(description="First day a repair may be applied for", examples=["2027-01-15"]),
    ]
    points: Annotated[
        int, msgspec.Meta(description="Points its repair would give back", examples=[30])
    ]


class Plan(Output):
    """The cheapest steps the rules allow today to a target grade, and what they unlock."""

    on: AsOf
    criterion: Annotated[
        str,
        msgspec.Meta(
            description="How the steps were chosen, in the request's language",
            examples=["步骤最少，其次用时最少（用时单位约等于市民花费的小时数）"],
        ),
    ]
    points: Annotated[int, msgspec.Meta(description="Credit points today", examples=[982])]
    grade: Grade
    target: Annotated[
        Grade | None, msgspec.Meta(description="The grade aimed at; null at the top band")
    ]
    points_needed: Annotated[
        int, msgspec.Meta(description="Points missing for the target", examples=[48])
    ]
    reachable: Annotated[
        bool,
        msgspec.Meta(
            description="True when the steps reach the target today (caps and repair dates"
            " allowing)",
            examples=[True],
        ),
    ]
    steps: Annotated[tuple[PlanStep, ...], msgspec.Meta(description="The steps, in order")]
    points_gained: Annotated[
        int, msgspec.Meta(description="Points the steps add together", examples=[50])
    ]
    effort: Annotated[
        int,
        msgspec.Meta(description="The steps' effort together (about hours)", examples=[8]),
    ]
    points_after: Annotated[
        int, msgspec.Meta(description="Points once every step is done", examples=[1032])
    ]
    grade_after: Grade
    unlocks: Annotated[
        tuple[UnlockedBenefit, ...],
        msgspec.Meta(description="Benefits held after the steps and not before"),
    ]
    lifts: Annotated[
        tuple[str, ...],
        msgspec.Meta(description="Codes of restriction measures the steps end", examples=[[]]),
    ]
    upcoming: Annotated[
        tuple[UpcomingRepair, ...],
        msgspec.Meta(description="Records whose repair opens later, with the day it opens"),
    ]
    caps_reset_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="When a yearly bonus cap that limits the plan resets; null if none does",
            examples=[None],
        ),
    ]
    text: Text
    text_zh: TextZh
    text_en: TextEn


# --- the public catalogue ------------------------------------------------------------------------


class Benefit(Output):
    """A convenience benefit (守信激励) and the rule that grants it."""

    code: BenefitCode
    name: BenefitName
    name_zh: BenefitNameZh
    name_en: BenefitNameEn
    description: Description
    description_zh: DescriptionZh
    description_en: DescriptionEn
    category: Category
    offered_by: OfferedBy
    offered_by_zh: OfferedByZh
    offered_by_en: OfferedByEn
    min_grade: MinGrade
    clean_years: CleanYears
    no_serious_record: NoSeriousRecord
    no_bad_record: NoBadRecord
    source: Source


class Measure(Output):
    """A restriction measure (失信惩戒措施) and the records that trigger it."""

    code: MeasureCode
    name: MeasureName
    name_zh: MeasureNameZh
    name_en: MeasureNameEn
    description: Description
    description_zh: DescriptionZh
    description_en: DescriptionEn
    kind: MeasureKind
    applied_by: AppliedBy
    applied_by_zh: AppliedByZh
    applied_by_en: AppliedByEn
    legal_basis: LegalBasis
    trigger_record_types: TriggerRecordTypes
    trigger_any_serious: TriggerAnySerious
    trigger_serious_domains: TriggerSeriousDomains
    source: Source


class BenefitCatalogView(Output):
    """The benefits and measures in force (守信激励和失信惩戒措施清单), with their rules."""

    version: BenefitsVersion
    effective_from: Annotated[
        dt.date,
        msgspec.Meta(description="The day this version took effect", examples=["2026-04-01"]),
    ]
    source: Source
    benefits: Annotated[tuple[Benefit, ...], msgspec.Meta(description="Every benefit")]
    measures: Annotated[tuple[Measure, ...], msgspec.Meta(description="Every restriction measure")]
