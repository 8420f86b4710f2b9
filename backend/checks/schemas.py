"""Wire formats of a department's credit check in one of its procedures (应查必查): the request,
and the answer that holds what the procedure needs and no more.

Texts meant for a person come in the request's language (``name``, ``recordTitle``:
Accept-Language, Chinese by default) and in both languages (``…Zh``/``…En``); codes are for
programs. Every field is described, with a stable example.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from backend.benefits.schemas import GradeRef, LegalBasis, MeasureCode, MeasureKind
from backend.identity.schemas import EXAMPLE_ID_NUMBER
from backend.platform.problem_texts import NOT_BLANK, described_pattern
from backend.platform.schemas import IdNumberText, Input, Output, PersonName
from backend.scoring.schemas import DomainCode, RecordTitle, RecordType

PROCEDURE_PATTERN = described_pattern(
    r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
    "应为小写字母、数字和连字符组成的事项代码",
    "must be a procedure code: lowercase words joined by dashes",
)

ProcedureCode = Annotated[
    str,
    msgspec.Meta(
        description="The procedure's code in the procedures list (应查必查事项, content"
        " `procedures`); the department's API key needs the scope `procedure:<code>`",
        examples=["civil-service-exam"],
    ),
]


class CreditCheckIn(Input):
    """A credit check of one person in one of the department's procedures."""

    id_number: Annotated[
        IdNumberText,
        msgspec.Meta(
            description="The person's full resident identity number (公民身份号码, GB 11643): 17"
            " digits and a check digit or X",
            examples=[EXAMPLE_ID_NUMBER],
        ),
    ]
    name: Annotated[
        PersonName,
        msgspec.Meta(
            description="The person's full name (姓名); it must be the name on file for the ID"
            " number (the population registry's, else the name first reported), as for"
            " records",
            examples=["陈静"],
        ),
    ]
    procedure: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=60,
            pattern=PROCEDURE_PATTERN,
            description="The procedure the check is for (应查必查事项): `settle` (城市落户),"
            " `title-assessment` (职称评定), `honours` (表彰评优), `civil-service-exam`"
            " (人事考试录用), `government-procurement` (政府采购), `fiscal-subsidy` (财政资金"
            "补助), `bidding` (招标投标), `enterprise-head` (担任企业负责人), as the procedures"
            " version in force lists them; the department's API key needs the scope"
            " `procedure:<code>`",
            examples=["civil-service-exam"],
        ),
    ]
    matter_reference: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=100,
            pattern=NOT_BLANK,
            description="The department's own reference of the case or matter the check is"
            " for (1 to 100 characters): the citizen reads it in their query log",
            examples=["衢人社考录〔2026〕第0312号"],
        ),
    ]


class ProcedureRef(Output):
    """A procedure by code and names."""

    code: ProcedureCode
    name: Annotated[
        str,
        msgspec.Meta(
            description="The procedure's name in the request's language (Accept-Language)",
            examples=["人事考试录用"],
        ),
    ]
    name_zh: Annotated[
        str, msgspec.Meta(description="The procedure's Chinese name", examples=["人事考试录用"])
    ]
    name_en: Annotated[
        str,
        msgspec.Meta(
            description="The procedure's English name",
            examples=["Civil-service examination and recruitment"],
        ),
    ]


class CheckedRecord(Output):
    """A record behind a measure, shown because the procedure may see its domain and the
    department's scopes cover it."""

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
    domain: DomainCode
    occurred_on: Annotated[
        dt.date, msgspec.Meta(description="When the fact happened", examples=["2026-10-30"])
    ]
    decided_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="The day of the decision; the display period runs from it",
            examples=["2026-10-30"],
        ),
    ]
    display_until: Annotated[
        dt.date,
        msgspec.Meta(
            description="The day its display period (公示期) ends; it no longer counts from then",
            examples=["2029-10-30"],
        ),
    ]
    decision_document_no: Annotated[
        str,
        msgspec.Meta(
            description="Number of the decision document (决定书文号)",
            examples=["（2026）浙0802执1234号"],
        ),
    ]
    department: Annotated[
        str,
        msgspec.Meta(
            description="The name of the department that reported it (数据报送单位)",
            examples=["衢州市柯城区人民法院"],
        ),
    ]


class CheckedMeasure(Output):
    """A restriction measure (失信惩戒措施) in force on the person that applies to the
    procedure."""

    code: MeasureCode
    name: Annotated[
        str,
        msgspec.Meta(
            description="The measure's name in the request's language (Accept-Language)",
            examples=["不得录用为公务员"],
        ),
    ]
    name_zh: Annotated[
        str, msgspec.Meta(description="The measure's Chinese name", examples=["不得录用为公务员"])
    ]
    name_en: Annotated[
        str,
        msgspec.Meta(
            description="The measure's English name",
            examples=["Excluded from civil-service recruitment"],
        ),
    ]
    kind: MeasureKind
    legal_basis: LegalBasis
    ends_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="The day it ends at the latest (the last display end of its records);"
            " a repair, revocation or correction ends it sooner",
            examples=["2029-10-30"],
        ),
    ]
    records: Annotated[
        tuple[CheckedRecord, ...],
        msgspec.Meta(
            description="The records behind it that this department may see: the procedure"
            " lists their domain and the department's scopes (`domain:<d>` or"
            " `record:<TYPE>`) cover them",
            examples=[[]],
        ),
    ]
    records_withheld: Annotated[
        int,
        msgspec.Meta(
            description="How many other records are behind it, outside the procedure's domains"
            " or the department's scopes: counted, never shown",
            examples=[1],
        ),
    ]


class CreditCheckAnswer(Output):
    """What one procedure needs to know of a person's credit, and no more: the grade band
    (never the points), the red and black lists today, the measures in force that apply to the
    procedure, and the records behind them the department may see."""

    procedure: ProcedureRef
    matter_reference: Annotated[
        str,
        msgspec.Meta(
            description="The department's matter reference, as sent and as logged",
            examples=["衢人社考录〔2026〕第0312号"],
        ),
    ]
    procedures_version: Annotated[
        str,
        msgspec.Meta(
            description="Version of the procedures list (content `procedures`) applied",
            examples=["2026.1"],
        ),
    ]
    checked_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When the check was made and logged (UTC)",
            examples=["2026-11-30T02:15:00Z"],
        ),
    ]
    as_of: Annotated[
        dt.date,
        msgspec.Meta(
            description="The business day evaluated (Asia/Shanghai)", examples=["2026-11-30"]
        ),
    ]
    on_file: Annotated[
        bool,
        msgspec.Meta(
            description="False when the platform holds no credit information about this ID"
            " number (no department ever reported a record about the person and the person"
            " never signed up): then `grade` is null, both lists false and `measures` empty;"
            " with no citizen to log it against, the check is kept in the office's audit log",
            examples=[True],
        ),
    ]
    grade: Annotated[
        GradeRef | None,
        msgspec.Meta(
            description="The person's grade band (信用等级) today by code and names, never the"
            " points; null when not on file"
        ),
    ]
    on_red_list: Annotated[
        bool,
        msgspec.Meta(description="Published on the red list (守信红名单) today", examples=[False]),
    ]
    on_black_list: Annotated[
        bool,
        msgspec.Meta(
            description="Published on the serious-dishonesty list (严重失信主体名单) today",
            examples=[True],
        ),
    ]
    measures: Annotated[
        tuple[CheckedMeasure, ...],
        msgspec.Meta(
            description="The restriction measures in force on the person that this procedure"
            " applies (its list in the procedures content), in the measures list's order;"
            " measures that do not apply to the procedure are not told. A record under an"
            " accepted objection triggers none while it is verified"
        ),
    ]
