"""Wire formats for record batches, corrections and the citizen's record list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from backend.identity.schemas import EXAMPLE_ID_NUMBER, EXAMPLE_ID_NUMBER_MASKED
from backend.platform.problem_texts import NO_NUL, described_pattern
from backend.platform.schemas import IdNumberText, Input, Output

# PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database. The
# patterns are both Python and ECMAScript regular expressions (no ``\Z``), so that clients and
# linters can use them too; without MULTILINE, ``$`` past a final newline changes nothing here.
_NO_NUL = NO_NUL
# A reason must say something: not only whitespace.
_NOT_BLANK = r"^(?=[^\x00]*$)\s*\S"
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_NO_NUL)]
Reason = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=1000,
        pattern=described_pattern(
            _NOT_BLANK, "不能为空白，且不能包含空字符", "must not be blank or contain NUL"
        ),
        description="Why, in words the citizen will read (2 to 1,000 characters)",
        examples=["处罚决定书被复议机关撤销（杭复决字〔2026〕17号）"],
    ),
]
Summary = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=_NO_NUL)]
TypeCode = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=60,
        pattern=_NO_NUL,
        description="Record type code from the catalog in force (信用行为清单)",
        examples=["TRAFFIC-DRINK-DRIVING"],
    ),
]
CitizenName = Annotated[str, msgspec.Meta(min_length=1, max_length=30, pattern=_NO_NUL)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=10_000)]

DecisionDocumentNo = Annotated[
    ShortText,
    msgspec.Meta(
        description="Number of the decision document (决定书文号)",
        examples=["杭公交决字〔2026〕第0815号"],
    ),
]
EvidenceSummary = Annotated[
    Summary,
    msgspec.Meta(
        description="What the record rests on, in a sentence or two (证据摘要)",
        examples=["2026年9月1日22时在文三路被查获饮酒后驾驶小型汽车，呼气酒精含量45mg/100ml"],
    ),
]
OccurredOn = Annotated[
    dt.date,
    msgspec.Meta(description="The day the behaviour took place", examples=["2026-09-01"]),
]
DecidedOn = Annotated[
    dt.date,
    msgspec.Meta(
        description="The day of the decision; display periods run from it",
        examples=["2026-09-05"],
    ),
]
RecordQuantity = Annotated[
    Quantity,
    msgspec.Meta(
        description="Units of the record type's unit (hours of volunteer service, cases): the"
        " points are per unit",
        examples=[1],
    ),
]


class RecordIn(Input):
    """One record in a batch (信用记录), about one citizen, of one catalog record type."""

    citizen_id_number: Annotated[
        IdNumberText,
        msgspec.Meta(
            description="The citizen's resident identity number (公民身份号码, GB 11643)",
            examples=[EXAMPLE_ID_NUMBER],
        ),
    ]
    citizen_name: Annotated[
        CitizenName,
        msgspec.Meta(
            description="The citizen's name; must match the name on file for the ID number",
            examples=["陈静"],
        ),
    ]
    record_type: TypeCode
    occurred_on: OccurredOn
    decision_document_no: DecisionDocumentNo
    source_reference: Annotated[
        ShortText,
        msgspec.Meta(
            description="The department's own id for this record, unique per department:"
            " sending it again is answered as a duplicate and changes nothing",
            examples=["HZJJ-2026-0009152"],
        ),
    ]
    evidence_summary: EvidenceSummary
    decided_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The day of the decision; `occurredOn` if left out. Display periods"
            " run from it",
            examples=["2026-09-05"],
        ),
    ] = None
    quantity: RecordQuantity = 1
    occupational_group: Annotated[
        Annotated[str, msgspec.Meta(max_length=60, pattern=_NO_NUL)] | None,
        msgspec.Meta(
            description="The subject's key occupational group (重点职业人群) from the list in"
            " force (content `integrity`): its code (`physician`) or its Chinese name (`医师`);"
            " the code is stored. Leave out (or empty) when none applies. A record type the"
            " catalog marks for some groups only needs one of them. Anything else is rejected"
            " on `occupationalGroup`",
            examples=["physician"],
        ),
    ] = None
    report_id: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)] | None,
        msgspec.Meta(
            description="The report (举报) this record follows from: one routed to this"
            " department and decided `substantiated`, about this person where the report named"
            " an ID number; otherwise the item is rejected on `reportId`",
            examples=[None],
        ),
    ] = None


class RecordBatch(Input):
    """Up to 1,000 records. Each item is checked on its own, so a bad item is rejected with its
    reason while the good ones are accepted."""

    records: Annotated[
        list[RecordIn],
        msgspec.Meta(
            min_length=1,
            description="The records, 1 to 1,000 (more answers 413 `batch-too-large`)",
        ),
    ]


class RecordBatchWire(Input):
    """A batch as it is read: the items stay raw JSON values, so that each is checked against
    RecordIn on its own (``RecordBatch`` is what the OpenAPI document shows)."""

    records: Annotated[list[Any], msgspec.Meta(min_length=1)]


class BatchItemResult(Output):
    """What became of one item of a batch, by its position."""

    index: Annotated[
        int, msgspec.Meta(description="Position of the item in the batch, from 0", examples=[0])
    ]
    source_reference: Annotated[
        str | None,
        msgspec.Meta(
            description="The item's `sourceReference`, when it had one",
            examples=["HZJJ-2026-0009152"],
        ),
    ]
    status: Annotated[
        Literal["accepted", "duplicate", "rejected"],
        msgspec.Meta(
            description="`accepted`: stored as a new record; `duplicate`: this department"
            " already reported this `sourceReference` (nothing changed); `rejected`: not"
            " stored, see `field` and `reason`"
        ),
    ]
    record_id: Annotated[
        int | None,
        msgspec.Meta(
            description="The record's id, for accepted items and duplicates", examples=[52817]
        ),
    ] = None
    field: Annotated[
        str | None,
        msgspec.Meta(description="The item's field that was refused", examples=["recordType"]),
    ] = None
    reason: Annotated[
        str | None,
        msgspec.Meta(
            description="Why the item was refused, in the request's language (Accept-Language)",
            examples=["不在本单位的报送范围内"],
        ),
    ] = None


class BatchResult(Output):
    """The outcome of a batch: counts, and one result per item in the order sent."""

    accepted: Annotated[
        int, msgspec.Meta(description="Items stored as new records", examples=[997])
    ]
    duplicate: Annotated[
        int, msgspec.Meta(description="Items already reported before", examples=[2])
    ]
    rejected: Annotated[int, msgspec.Meta(description="Items refused", examples=[1])]
    items: Annotated[
        list[BatchItemResult], msgspec.Meta(description="One result per item, in order")
    ]


class RecordCorrection(Input):
    """New values for an existing record; the old ones are kept in its history. Fields left out
    keep their values."""

    reason: Reason
    record_type: Annotated[
        TypeCode | None,
        msgspec.Meta(description="New record type, of the same polarity (good or bad)"),
    ] = None
    occurred_on: Annotated[
        dt.date | None,
        msgspec.Meta(description="New day of the behaviour", examples=["2026-08-30"]),
    ] = None
    decided_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="New day of the decision; the display period moves with it",
            examples=["2026-09-05"],
        ),
    ] = None
    decision_document_no: Annotated[
        ShortText | None,
        msgspec.Meta(
            description="New decision document number", examples=["杭公交决字〔2026〕第0816号"]
        ),
    ] = None
    evidence_summary: Annotated[
        Summary | None,
        msgspec.Meta(
            description="New evidence summary",
            examples=["经复核，呼气酒精含量为25mg/100ml"],
        ),
    ] = None
    quantity: Annotated[
        Quantity | None, msgspec.Meta(description="New number of units", examples=[8])
    ] = None


class RecordRevocation(Input):
    """Why a record is withdrawn: it stops counting and showing at once."""

    reason: Reason


class DepartmentRef(Output):
    """A reporting department (数据报送单位)."""

    code: Annotated[
        str, msgspec.Meta(description="The department's code", examples=["hz-traffic-police"])
    ]
    name: Annotated[
        str,
        msgspec.Meta(description="The department's name", examples=["杭州市公安局交通警察支队"]),
    ]


RecordStatusOut = Literal["active", "expired", "revoked", "repaired"]


class RecordOut(Output):
    """One credit record (信用记录) with its catalog names, display period and countdowns."""

    id: Annotated[int, msgspec.Meta(description="The record's id", examples=[52817])]
    record_type: Annotated[
        str,
        msgspec.Meta(
            description="Catalog record type code (for programs; show `title`)",
            examples=["TRAFFIC-DRINK-DRIVING"],
        ),
    ]
    title: Annotated[
        str,
        msgspec.Meta(
            description="The record type's name in the request's language (Accept-Language)",
            examples=["饮酒后驾驶机动车"],
        ),
    ]
    title_zh: Annotated[
        str,
        msgspec.Meta(description="The record type's Chinese name", examples=["饮酒后驾驶机动车"]),
    ]
    title_en: Annotated[
        str,
        msgspec.Meta(
            description="The record type's English name", examples=["Driving after drinking"]
        ),
    ]
    domain: Annotated[
        str,
        msgspec.Meta(
            description="Catalog domain code (for programs and the `domain` filter)",
            examples=["traffic_safety"],
        ),
    ]
    domain_name: Annotated[
        str,
        msgspec.Meta(
            description="The domain's name in the request's language", examples=["交通安全"]
        ),
    ]
    domain_name_zh: Annotated[
        str, msgspec.Meta(description="The domain's Chinese name", examples=["交通安全"])
    ]
    polarity: Annotated[
        str,
        msgspec.Meta(description="`good` (优良信息) or `bad` (失信信息)", examples=["bad"]),
    ]
    severity: Annotated[
        str | None,
        msgspec.Meta(
            description="For bad records: `minor` (轻微), `general` (一般) or `serious` (严重);"
            " null for good records",
            examples=["general"],
        ),
    ]
    quantity: Annotated[
        int, msgspec.Meta(description="Units of the record type's unit", examples=[1])
    ]
    occurred_on: OccurredOn
    decided_on: DecidedOn
    decision_document_no: Annotated[
        str,
        msgspec.Meta(
            description="Decision document number", examples=["杭公交决字〔2026〕第0815号"]
        ),
    ]
    evidence_summary: Annotated[
        str,
        msgspec.Meta(
            description="What the record rests on",
            examples=["2026年9月1日22时在文三路被查获饮酒后驾驶小型汽车"],
        ),
    ]
    legal_basis: Annotated[
        str,
        msgspec.Meta(
            description="The law or rule behind the record type (设定依据)",
            examples=["《中华人民共和国道路交通安全法》第九十一条"],
        ),
    ]
    department: Annotated[
        DepartmentRef, msgspec.Meta(description="The department that reported the record")
    ]
    status: Annotated[
        RecordStatusOut,
        msgspec.Meta(
            description="`active`: shown and counting; `expired`: its display period (公示期)"
            " has ended; `revoked`: withdrawn by the department or after an objection;"
            " `repaired`: credit repair (信用修复) was approved",
            examples=["active"],
        ),
    ]
    display_until: Annotated[
        dt.date,
        msgspec.Meta(
            description="The first day the record no longer shows or counts (end of 公示期)",
            examples=["2027-09-05"],
        ),
    ]
    repair_possible_from: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="For bad records: the first day repair may be applied for; null if"
            " the record type allows no repair or the record is good",
            examples=["2027-03-05"],
        ),
    ]
    catalog_version: Annotated[
        str,
        msgspec.Meta(
            description="Catalog version the record was reported under", examples=["2026.1"]
        ),
    ]
    reported_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When the department reported it", examples=["2026-09-06T02:10:00Z"]
        ),
    ]
    updated_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When it last changed", examples=["2026-09-06T02:10:00Z"]),
    ]
    points_effect: Annotated[
        int | None,
        msgspec.Meta(
            description="Points this record moves on the citizen's card now (0 when it does"
            " not count); in the citizen's list only",
            examples=[-30],
        ),
    ] = None
    under_objection: Annotated[
        bool,
        msgspec.Meta(
            description="An accepted objection (异议) is being verified: the penalty is"
            " suspended until it is decided"
        ),
    ] = False
    repaired_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The day credit repair (信用修复) was approved", examples=["2027-04-02"]
        ),
    ] = None


class HistoryEntry(Output):
    """One change to a record: what it was before and after, who changed it and why."""

    action: Annotated[
        str,
        msgspec.Meta(description="`corrected`, `revoked` or `repaired`", examples=["corrected"]),
    ]
    reason: Annotated[
        str,
        msgspec.Meta(description="Why, as given", examples=["经复核，呼气酒精含量为25mg/100ml"]),
    ]
    before: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="The changed fields' values before (camelCase names)",
            examples=[{"recordType": "TRAFFIC-DRINK-DRIVING", "status": "active"}],
        ),
    ]
    after: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="The values after",
            examples=[{"recordType": "TRAFFIC-DRINK-DRIVING", "status": "revoked"}],
        ),
    ]
    at: Annotated[dt.datetime, msgspec.Meta(description="When", examples=["2026-09-20T06:30:00Z"])]


class DepartmentRecordOut(Output):
    """One of the department's own records, with its history (ID number masked)."""

    record: Annotated[RecordOut, msgspec.Meta(description="The record as it stands")]
    citizen_id_number_masked: Annotated[
        str,
        msgspec.Meta(
            description="The citizen's ID number, masked", examples=[EXAMPLE_ID_NUMBER_MASKED]
        ),
    ]
    source_reference: Annotated[
        str,
        msgspec.Meta(
            description="The department's own id for the record", examples=["HZJJ-2026-0009152"]
        ),
    ]
    version: Annotated[
        int, msgspec.Meta(description="Starts at 1, one up per change", examples=[2])
    ]
    occupational_group: Annotated[
        str | None,
        msgspec.Meta(
            description="The code of the subject's key occupational group (重点职业人群), or null",
            examples=["physician"],
        ),
    ]
    reported_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="The business day (Asia/Shanghai) the department reported the record",
            examples=["2026-09-08"],
        ),
    ]
    reported_late: Annotated[
        bool,
        msgspec.Meta(
            description="Reported more than the limit in force that day (content `integrity`,"
            " default 7 working days) after `decidedOn`: counted against the department"
            " (政务诚信)",
            examples=[False],
        ),
    ]
    history: Annotated[list[HistoryEntry], msgspec.Meta(description="Changes, oldest first")]
