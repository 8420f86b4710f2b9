"""Wire formats of the red and black lists: entries as officers review them, as the citizen
reads their own, each with its history, and as the public reads them, masked."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.identity.schemas import EXAMPLE_ID_NUMBER, EXAMPLE_ID_NUMBER_MASKED
from backend.platform.problem_texts import NO_NUL
from backend.platform.schemas import IdNumberText, Input, Output, PersonName

ListName = Literal["red", "black"]
EntryStatus = Literal["proposed", "published", "rejected", "ended"]
END_CAUSE_TEXT = (
    "`period-ended` (its publication period ended), `repaired` (信用修复), `revoked`,"
    " `display-ended` (the record's display period ended), `corrected` (the record no longer"
    " matches the rule), `grade-changed`, `removed` (by an officer, with a reason)"
)
LIST_TEXT = "`red` (守信红名单) or `black` (严重失信主体名单)"


class ListStepOut(Output):
    """One step of an entry's history."""

    action: Annotated[
        str,
        msgspec.Meta(
            description="`propose`, `approve`, `reject`, `remove` or `end`", examples=["approve"]
        ),
    ]
    from_status: Annotated[
        str | None, msgspec.Meta(description="Status before; null when proposed", examples=[None])
    ]
    to_status: Annotated[str, msgspec.Meta(description="Status after", examples=["published"])]
    actor_kind: Annotated[
        str, msgspec.Meta(description="`system` or `officer`", examples=["officer"])
    ]
    business_date: Annotated[
        dt.date, msgspec.Meta(description="Business day (Asia/Shanghai)", examples=["2026-11-29"])
    ]
    reason: Annotated[
        str | None, msgspec.Meta(description="Why, where given", examples=["经核查属实"])
    ]


class ListEntryReason(Output):
    """Why the person is on the list: the rule and, for a record rule, the record."""

    rule_code: Annotated[str, msgspec.Meta(description="The rule", examples=["black-serious"])]
    reason: Annotated[
        str,
        msgspec.Meta(
            description="The rule's reason in the request's language",
            examples=["存在严重失信行为记录"],
        ),
    ]
    record_id: Annotated[
        int | None, msgspec.Meta(description="The record behind it, if any", examples=[58231])
    ]
    record_type: Annotated[
        str | None,
        msgspec.Meta(description="The record's type", examples=["TRAFFIC-DRUNK-DRIVING"]),
    ]
    decision_document_no: Annotated[
        str | None,
        msgspec.Meta(
            description="The decision document number (决定书文号)",
            examples=["杭公交决字〔2026〕第0815号"],
        ),
    ]
    department: Annotated[
        str | None,
        msgspec.Meta(description="The deciding department", examples=["市公安局交通警察支队"]),
    ]
    rules_version: Annotated[
        str | None,
        msgspec.Meta(
            description="The version of the list rules whose rule `ruleCode` proposed the entry"
            " (art. 24: what decided it)",
            examples=["2026.1"],
        ),
    ] = None
    rule_source: Annotated[
        str | None,
        msgspec.Meta(
            description="The documents those list rules follow; null for a version no longer known",
            examples=["桂政发〔2018〕3号 三(三)5 (规范红黑名单产生和发布行为，建立健全退出机制)"],
        ),
    ] = None


class ListEntryOut(Output):
    """A list entry as an officer reviews it."""

    id: Annotated[int, msgspec.Meta(description="The entry's id", examples=[41])]
    list: Annotated[ListName, msgspec.Meta(description=LIST_TEXT, examples=["black"])]
    status: Annotated[
        EntryStatus,
        msgspec.Meta(
            description="`proposed` (waiting for review), `published`, `rejected` or `ended`",
            examples=["proposed"],
        ),
    ]
    citizen_name: Annotated[str, msgspec.Meta(description="The person's name", examples=["张三"])]
    id_number_masked: Annotated[
        str,
        msgspec.Meta(description="The person's masked ID number", examples=["3301**********123X"]),
    ]
    why: Annotated[ListEntryReason, msgspec.Meta(description="Why the person is on the list")]
    rules_version: Annotated[
        str,
        msgspec.Meta(description="The list rules version that proposed it", examples=["2026.1"]),
    ]
    proposed_on: Annotated[
        dt.date, msgspec.Meta(description="Day proposed", examples=["2026-11-29"])
    ]
    published_from: Annotated[
        dt.date | None,
        msgspec.Meta(description="First day published; null until approved", examples=[None]),
    ]
    published_until: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="First day no longer published (at the latest; it leaves earlier when"
            " its reason ends)",
            examples=[None],
        ),
    ]
    reviewed_by: Annotated[
        str | None, msgspec.Meta(description="Reviewing officer's username", examples=[None])
    ]
    review_reason: Annotated[
        str | None, msgspec.Meta(description="The review's reason", examples=[None])
    ]
    ended_on: Annotated[
        dt.date | None, msgspec.Meta(description="Day it ended; null if not", examples=[None])
    ]
    end_cause: Annotated[
        str | None,
        msgspec.Meta(description=f"Why it ended: {END_CAUSE_TEXT}", examples=[None]),
    ]


class ListEntryDetail(Output):
    """One entry with its whole history."""

    entry: Annotated[ListEntryOut, msgspec.Meta(description="The entry")]
    steps: Annotated[list[ListStepOut], msgspec.Meta(description="Every step, oldest first")]


class MyListEntry(Output):
    """One of the citizen's own list entries (published now or before), and why."""

    list: Annotated[ListName, msgspec.Meta(description=LIST_TEXT, examples=["red"])]
    on_list: Annotated[bool, msgspec.Meta(description="Published today", examples=[True])]
    why: Annotated[ListEntryReason, msgspec.Meta(description="Why")]
    published_from: Annotated[
        dt.date, msgspec.Meta(description="First day published", examples=["2026-11-29"])
    ]
    published_until: Annotated[
        dt.date,
        msgspec.Meta(
            description="Last day + 1 at the latest; it leaves earlier when its reason ends",
            examples=["2027-11-29"],
        ),
    ]
    ended_on: Annotated[
        dt.date | None, msgspec.Meta(description="Day it ended; null if not", examples=[None])
    ]
    end_cause: Annotated[
        str | None, msgspec.Meta(description=f"Why it ended: {END_CAUSE_TEXT}", examples=[None])
    ]


class ListDecisionIn(Input):
    """An officer's reason for approving, rejecting or removing an entry."""

    reason: Annotated[
        str,
        msgspec.Meta(
            min_length=2,
            max_length=1000,
            pattern=NO_NUL,
            description="Why (2 to 1,000 characters), kept in the entry's history",
            examples=["经核查，决定书已生效，予以公示"],
        ),
    ]


class PublicListEntry(Output):
    """An entry as the public reads it (公示): the person masked, why they are on the list, the
    decision behind it and the publication period. Every text comes in Chinese and English, so
    the answer is the same whatever the Accept-Language."""

    id: Annotated[int, msgspec.Meta(description="The entry's id", examples=[41])]
    list: Annotated[ListName, msgspec.Meta(description=LIST_TEXT, examples=["black"])]
    name_masked: Annotated[
        str,
        msgspec.Meta(
            description="The person's name with all but the first character masked",
            examples=["陈*"],
        ),
    ]
    id_number_masked: Annotated[
        str,
        msgspec.Meta(
            description="The person's ID number with the middle ten characters masked",
            examples=[EXAMPLE_ID_NUMBER_MASKED],
        ),
    ]
    rule_code: Annotated[
        str,
        msgspec.Meta(description="The list rule it was proposed by", examples=["black-serious"]),
    ]
    reason_zh: Annotated[
        str,
        msgspec.Meta(
            description="The rule's reason, in Chinese", examples=["存在严重失信行为记录"]
        ),
    ]
    reason_en: Annotated[
        str,
        msgspec.Meta(
            description="The rule's reason, in English", examples=["A record of serious dishonesty"]
        ),
    ]
    record_type: Annotated[
        str | None,
        msgspec.Meta(
            description="The record's type (catalog code); null for a grade rule's red entry",
            examples=["TRAFFIC-DRUNK-DRIVING"],
        ),
    ]
    record_type_zh: Annotated[
        str | None,
        msgspec.Meta(
            description="The record's type in Chinese; null for a grade rule's red entry",
            examples=["醉酒驾驶机动车"],
        ),
    ]
    record_type_en: Annotated[
        str | None,
        msgspec.Meta(
            description="The record's type in English; null for a grade rule's red entry",
            examples=["Driving while drunk"],
        ),
    ]
    domain: Annotated[
        str | None,
        msgspec.Meta(
            description="The record's domain (领域, a catalog code); null for a grade rule's"
            " red entry",
            examples=["traffic_safety"],
        ),
    ]
    domain_name_zh: Annotated[
        str | None,
        msgspec.Meta(description="The domain's name in Chinese", examples=["交通安全"]),
    ]
    domain_name_en: Annotated[
        str | None,
        msgspec.Meta(description="The domain's name in English", examples=["Traffic safety"]),
    ]
    decision_document_no: Annotated[
        str | None,
        msgspec.Meta(
            description="The decision document number (决定书文号); null for a grade rule's"
            " red entry",
            examples=["杭公交决字〔2026〕第0815号"],
        ),
    ]
    department: Annotated[
        str | None,
        msgspec.Meta(
            description="The deciding department's name (认定单位); null for a grade rule's"
            " red entry",
            examples=["市公安局交通警察支队"],
        ),
    ]
    decided_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The day the decision was made; null for a grade rule's red entry",
            examples=["2026-10-15"],
        ),
    ]
    legal_basis: Annotated[
        str,
        msgspec.Meta(
            description="The legal basis (认定依据): the catalog's for the record type; for a"
            " grade rule's red entry, the rule's reason",
            examples=[
                "《中华人民共和国道路交通安全法》第九十一条；"
                "《中华人民共和国刑法》第一百三十三条之一"
            ],
        ),
    ]
    published_from: Annotated[
        dt.date,
        msgspec.Meta(description="First day published (Asia/Shanghai)", examples=["2026-11-29"]),
    ]
    published_until: Annotated[
        dt.date,
        msgspec.Meta(
            description="First day no longer published: the end of the publication period or"
            " of the record's display period, whichever comes first. It leaves earlier if its"
            " reason ends (repair, revocation, correction)",
            examples=["2029-10-15"],
        ),
    ]


class PublicListLookup(Input):
    """Look one person up on both lists by full name and full ID number."""

    name: Annotated[
        PersonName,
        msgspec.Meta(
            description="The person's full name (姓名), exactly as registered; part of a name"
            " finds nothing",
            examples=["陈静"],
        ),
    ]
    id_number: Annotated[
        IdNumberText,
        msgspec.Meta(
            description="The person's full resident identity number (公民身份号码, GB 11643):"
            " 17 digits and a check digit or X",
            examples=[EXAMPLE_ID_NUMBER],
        ),
    ]
