"""The card as the app shows it, its explanation, and the score history.

A text meant for a person comes in the request's language (``name``, ``text``: Accept-Language,
Chinese by default) and in both languages (``nameZh``/``nameEn``, ``textZh``/``textEn``), so an
app that switches language can do so without asking again. Codes (record types, domains, grades)
are for programs; every field carries a description and, where a value helps, a stable example,
and both become the OpenAPI document the mobile app is built from.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.schemas import Output

# --- shared field types -----------------------------------------------------------------------

GradeCode = Annotated[
    str,
    msgspec.Meta(
        description="A grade band's code (信用等级), highest first: AAA, AA, A, B, C, D",
        examples=["A"],
    ),
]
RulesVersion = Annotated[
    str,
    msgspec.Meta(
        description="Version of the scoring rules (积分规则) applied", examples=["2026.1"]
    ),
]
CatalogVersion = Annotated[
    str,
    msgspec.Meta(
        description="Version of the catalog (信用行为清单) the record was reported under",
        examples=["2026.1"],
    ),
]
RecordId = Annotated[int, msgspec.Meta(description="The record's id (信用记录)", examples=[58231])]
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
DomainCode = Annotated[
    str,
    msgspec.Meta(
        description="The code of the record type's domain (领域) in the catalog",
        examples=["traffic_safety"],
    ),
]
Polarity = Annotated[
    Literal["good", "bad"],
    msgspec.Meta(
        description="`good` (优良信息: adds points) or `bad` (失信信息: takes points)",
        examples=["bad"],
    ),
]
DepartmentCode = Annotated[
    str,
    msgspec.Meta(
        description="Code of the department that reported the record (数据报送单位)",
        examples=["city-traffic-police"],
    ),
]
Text = Annotated[
    str,
    msgspec.Meta(
        description="What it means, in the request's language (Accept-Language)",
        examples=["饮酒后驾驶机动车 -30"],
    ),
]
TextZh = Annotated[
    str, msgspec.Meta(description="The same text in Chinese", examples=["饮酒后驾驶机动车 -30"])
]
TextEn = Annotated[
    str,
    msgspec.Meta(description="The same text in English", examples=["Driving after drinking: -30"]),
]
RepairPath = Literal[
    "obligation_fulfilled", "training_report", "volunteer_service", "charitable_donation"
]
REPAIR_PATH_TEXT = (
    "`obligation_fulfilled` (主动履约, the obligation met, with proof), `training_report` (信用修复"
    "培训或信用报告), `volunteer_service` (志愿服务), `charitable_donation` (慈善捐助)"
)


# --- the card ---------------------------------------------------------------------------------


class Grade(Output):
    """A grade band (信用等级) of the rules in force: `minPoints <= points <= maxPoints`."""

    code: GradeCode
    name: Annotated[
        str,
        msgspec.Meta(
            description="The grade's name in the request's language (Accept-Language)",
            examples=["诚信良好"],
        ),
    ]
    name_zh: Annotated[
        str, msgspec.Meta(description="The grade's Chinese name", examples=["诚信良好"])
    ]
    name_en: Annotated[
        str, msgspec.Meta(description="The grade's English name", examples=["Good integrity"])
    ]
    colour: Annotated[
        str,
        msgspec.Meta(
            description="The colour the app paints the band in (`#RRGGBB`, readable on white)",
            examples=["#1565C0"],
        ),
    ]
    min_points: Annotated[
        int | None,
        msgspec.Meta(
            description="Lowest points of the band; null for the bottom band", examples=[960]
        ),
    ]
    max_points: Annotated[
        int | None,
        msgspec.Meta(
            description="Highest points of the band; null for the top band", examples=[1029]
        ),
    ]
    rank: Annotated[
        int,
        msgspec.Meta(description="0 for the top band, growing downwards", examples=[2]),
    ]


class Badge(Output):
    """A badge (徽章) earned: history and encouragement, never points."""

    code: Annotated[
        str,
        msgspec.Meta(description="The badge's code in the rules", examples=["volunteer_50h"]),
    ]
    name: Annotated[
        str,
        msgspec.Meta(
            description="The badge's name in the request's language (Accept-Language)",
            examples=["志愿服务50小时"],
        ),
    ]
    name_zh: Annotated[
        str, msgspec.Meta(description="The badge's Chinese name", examples=["志愿服务50小时"])
    ]
    name_en: Annotated[
        str, msgspec.Meta(description="The badge's English name", examples=["50 volunteer hours"])
    ]
    earned_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="The day its condition first held (Asia/Shanghai)", examples=["2026-09-08"]
        ),
    ]
    record_id: Annotated[
        int | None,
        msgspec.Meta(
            description="The record that completed it; null for badges earned by time (a clean"
            " year)",
            examples=[58764],
        ),
    ]


class PointsLine(Output):
    """Why one counting record moves the points: every point has a reason."""

    record_id: RecordId
    record_type: RecordType
    record_title: RecordTitle
    domain: DomainCode
    polarity: Polarity
    department: DepartmentCode
    catalog_version: CatalogVersion
    rules_version: RulesVersion
    occurred_on: Annotated[
        dt.date, msgspec.Meta(description="When the fact happened", examples=["2026-05-10"])
    ]
    display_until: Annotated[
        dt.date,
        msgspec.Meta(
            description="Last day of its display period (公示期): after it the record no longer"
            " counts or shows",
            examples=["2027-05-20"],
        ),
    ]
    quantity: Annotated[
        int,
        msgspec.Meta(
            description="How many units the record reports (hours, times, cases)", examples=[1]
        ),
    ]
    points: Annotated[
        int,
        msgspec.Meta(
            description="What it adds (+) or takes (-) now, after the yearly cap", examples=[-30]
        ),
    ]
    uncapped_points: Annotated[
        int,
        msgspec.Meta(description="What it would add without the yearly cap", examples=[-30]),
    ]
    capped: Annotated[
        bool,
        msgspec.Meta(
            description="True when the yearly bonus cap (年度加分上限) took part of it away",
            examples=[False],
        ),
    ]
    bonus_category: Annotated[
        str | None,
        msgspec.Meta(
            description="The yearly-cap category of a good record (e.g. `volunteer`); null for"
            " bad records",
            examples=[None],
        ),
    ]
    text: Text
    text_zh: TextZh
    text_en: TextEn


class RecordCounts(Output):
    """The citizen's records by how they stand today: total = counting + notCounting + suspended."""

    total: Annotated[int, msgspec.Meta(description="Every record known", examples=[2])]
    counting: Annotated[
        int, msgspec.Meta(description="Records that move the points today", examples=[2])
    ]
    counting_good: Annotated[
        int, msgspec.Meta(description="Good records (优良) that count", examples=[1])
    ]
    counting_bad: Annotated[
        int, msgspec.Meta(description="Bad records (失信) that count", examples=[1])
    ]
    not_counting: Annotated[
        int,
        msgspec.Meta(
            description="Records past their display period, repaired, revoked or not yet decided",
            examples=[0],
        ),
    ]
    suspended: Annotated[
        int,
        msgspec.Meta(
            description="Bad records whose penalty is withheld during an objection", examples=[0]
        ),
    ]


class CardView(Output):
    """The citizen's credit card (市民信用卡): points, grade, progress, badges, biggest reasons."""

    points: Annotated[
        int, msgspec.Meta(description="Credit points (诚信积分) today", examples=[982])
    ]
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
    progress: Annotated[
        float,
        msgspec.Meta(
            ge=0,
            le=1,
            description="How far through the current band towards the next (0 to 1); 1 at the"
            " top band",
            examples=[0.314],
        ),
    ]
    clean_three_years: Annotated[
        bool,
        msgspec.Meta(
            description="Three years with no bad record (连续三年无不良记录): unlocks the green"
            " channel and 容缺受理 at government counters",
            examples=[False],
        ),
    ]
    clean_since: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="Decision date of the latest bad record that breaks a clean period; null"
            " when there is none",
            examples=["2026-05-20"],
        ),
    ]
    badges: Annotated[
        tuple[Badge, ...], msgspec.Meta(description="Badges earned, in the order earned")
    ]
    top_up: Annotated[
        tuple[PointsLine, ...],
        msgspec.Meta(description="The (up to three) records adding the most, biggest first"),
    ]
    top_down: Annotated[
        tuple[PointsLine, ...],
        msgspec.Meta(description="The (up to three) records taking the most, biggest first"),
    ]
    record_counts: RecordCounts
    suspended_points: Annotated[
        int,
        msgspec.Meta(
            description="Penalties withheld while objections are verified (0 or negative)",
            examples=[0],
        ),
    ]
    benefits_teaser: Annotated[
        tuple[str, ...],
        msgspec.Meta(
            description="Codes of up to three benefits (守信激励) held, those needing the highest"
            " grade first; their names are in `GET /v1/me/benefits` and `GET /v1/public/benefits`",
            examples=[["car-park-pay-later", "library-deposit-waiver", "xin-yi-yi"]],
        ),
    ]
    rules_version: RulesVersion
    next_change_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The next day the card changes by itself (a record leaves display or"
            " starts to count); null when none is due",
            examples=["2027-05-20"],
        ),
    ]
    assessed_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When the card was computed (RFC 3339 date-time with its offset)",
            examples=["2026-11-29T08:00:00+08:00"],
        ),
    ]
    red_list: Annotated[
        bool,
        msgspec.Meta(
            description="Published on the red list (守信红名单) today: the app shows the mark;"
            " `GET /v1/me/lists` says why and until when",
            examples=[False],
        ),
    ] = False
    percentile: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=100)] | None,
        msgspec.Meta(
            description="Share of the city's scored citizens with fewer points, in whole percent"
            " (0-100), from the nightly statistics (02:00 Asia/Shanghai); null until the citizen"
            " is first ranked. It moves only with the nightly run, not with each record.",
            examples=[41],
        ),
    ] = None


# --- the explanation ----------------------------------------------------------------------------

NotCountingReason = Literal["display_period_over", "revoked", "repaired", "not_yet_decided"]


class NotCountingRecord(Output):
    """A record that does not count today, and why."""

    record_id: RecordId
    record_type: RecordType
    record_title: RecordTitle
    domain: DomainCode
    polarity: Polarity
    reason: Annotated[
        NotCountingReason,
        msgspec.Meta(
            description="Why: `display_period_over` (公示期届满), `revoked` (已撤销),"
            " `repaired` (已修复), `not_yet_decided` (decided on a later day: counts from then)",
            examples=["repaired"],
        ),
    ]
    reason_text: Annotated[
        str,
        msgspec.Meta(
            description="The reason in the request's language (Accept-Language)",
            examples=["已完成信用修复"],
        ),
    ]
    stopped_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The day it stopped counting (display end or repair); null when revoked"
            " or not yet decided",
            examples=["2026-11-20"],
        ),
    ]
    counts_from: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="For `not_yet_decided`: the day it starts to count; else null",
            examples=[None],
        ),
    ]


class SuspendedRecord(Output):
    """A bad record under objection (异议) whose penalty is withheld until the case is decided
    (联合惩戒措施在信息核实期间暂不执行)."""

    record_id: RecordId
    record_type: RecordType
    record_title: RecordTitle
    domain: DomainCode
    department: DepartmentCode
    catalog_version: CatalogVersion
    withheld_points: Annotated[
        int,
        msgspec.Meta(description="The penalty withheld (negative)", examples=[-30]),
    ]
    text: Text
    text_zh: TextZh
    text_en: TextEn


class CountdownView(Output):
    """The two dates on a bad record on display: repair possible from, and leaves display on."""

    record_id: RecordId
    record_type: RecordType
    record_title: RecordTitle
    repairable_from: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="First day a repair (信用修复) may be applied for; null when its type"
            " cannot be repaired",
            examples=["2026-11-20"],
        ),
    ]
    repair_possible_now: Annotated[
        bool,
        msgspec.Meta(
            description="True from `repairableFrom` on (today in Asia/Shanghai)", examples=[True]
        ),
    ]
    display_until: Annotated[
        dt.date,
        msgspec.Meta(
            description="Last day of display (公示期): after it the record stops counting and"
            " showing without anyone acting",
            examples=["2027-05-20"],
        ),
    ]
    repair_paths: Annotated[
        tuple[RepairPath, ...],
        msgspec.Meta(
            description=f"Repair paths its record type allows: {REPAIR_PATH_TEXT}",
            examples=[["training_report", "volunteer_service"]],
        ),
    ]


class DomainExplanation(Output):
    """The points one domain (领域) adds or takes, with the line of every record in it."""

    domain: DomainCode
    name: Annotated[
        str,
        msgspec.Meta(
            description="The domain's name in the request's language (Accept-Language)",
            examples=["交通安全"],
        ),
    ]
    name_zh: Annotated[
        str, msgspec.Meta(description="The domain's Chinese name", examples=["交通安全"])
    ]
    name_en: Annotated[
        str, msgspec.Meta(description="The domain's English name", examples=["Traffic safety"])
    ]
    points: Annotated[
        int, msgspec.Meta(description="The domain's records together", examples=[-30])
    ]
    lines: Annotated[
        list[PointsLine], msgspec.Meta(description="One line per counting record of the domain")
    ]


class Explanation(Output):
    """Every point with its reason (record, rule, department), grouped by domain."""

    base_points: Annotated[
        int,
        msgspec.Meta(
            description="Where every card starts (the rules' base points)", examples=[1000]
        ),
    ]
    points: Annotated[
        int,
        msgspec.Meta(description="Base points plus every domain's points", examples=[982]),
    ]
    grade: Grade
    rules_version: RulesVersion
    as_of: Annotated[
        dt.date,
        msgspec.Meta(
            description="The business day assessed (Asia/Shanghai)", examples=["2026-11-29"]
        ),
    ]
    domains: Annotated[
        list[DomainExplanation],
        msgspec.Meta(description="The domains with counting records, biggest effect first"),
    ]
    not_counting: Annotated[
        tuple[NotCountingRecord, ...],
        msgspec.Meta(description="Records that do not count today, and why"),
    ]
    suspended: Annotated[
        tuple[SuspendedRecord, ...],
        msgspec.Meta(description="Bad records whose penalty is withheld during an objection"),
    ]
    countdowns: Annotated[
        list[CountdownView],
        msgspec.Meta(description="Bad records on display: when repair opens, when they leave"),
    ]


# --- the history --------------------------------------------------------------------------------


class ScorePoint(Output):
    """One change of points or grade, with what caused it."""

    id: Annotated[int, msgspec.Meta(description="The history entry's id", examples=[9120])]
    points: Annotated[int, msgspec.Meta(description="Points after the change", examples=[982])]
    grade: GradeCode
    previous_points: Annotated[
        int | None,
        msgspec.Meta(description="Points before; null for the first card", examples=[1012]),
    ]
    previous_grade: Annotated[
        str | None,
        msgspec.Meta(description="Grade code before; null for the first card", examples=["A"]),
    ]
    reason: Annotated[
        str,
        msgspec.Meta(
            description="What moved the card: `first-assessment` (the first card),"
            " `records-changed` (a record was reported, corrected or revoked), `date-boundary`"
            " (a record left display or started to count), `full-rescore` (new rules),"
            " `objection-accepted` / `objection-upheld` / `objection-corrected` /"
            " `objection-revoked` / `objection-withdrawn` (异议), `repair-approved` (信用修复)",
            examples=["records-changed"],
        ),
    ]
    reason_text: Annotated[
        str,
        msgspec.Meta(
            description="The reason in the request's language (Accept-Language)",
            examples=["信用记录有变化"],
        ),
    ]
    rules_version: RulesVersion
    as_of: Annotated[
        dt.date,
        msgspec.Meta(
            description="The business day assessed (Asia/Shanghai)", examples=["2026-11-29"]
        ),
    ]
    at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When the change was written (RFC 3339 date-time with its offset)",
            examples=["2026-11-29T08:00:00+08:00"],
        ),
    ]
