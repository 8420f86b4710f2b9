"""Wire formats for record batches, corrections and the citizen's record list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from backend.platform.schemas import IdNumberText, Input, Output

# PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
_NO_NUL = r"^[^\x00]*\Z"
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_NO_NUL)]
# A reason must say something: not only whitespace.
Reason = Annotated[
    str, msgspec.Meta(min_length=2, max_length=1000, pattern=r"^(?=[^\x00]*\Z)\s*\S")
]
Summary = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=_NO_NUL)]
TypeCode = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=_NO_NUL)]
CitizenName = Annotated[str, msgspec.Meta(min_length=1, max_length=30, pattern=_NO_NUL)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=10_000)]


class RecordIn(Input):
    """One record in a batch (信用记录)."""

    citizen_id_number: IdNumberText
    citizen_name: CitizenName
    record_type: TypeCode
    occurred_on: dt.date
    decision_document_no: ShortText
    source_reference: ShortText
    evidence_summary: Summary
    decided_on: dt.date | None = None
    quantity: Quantity = 1
    occupational_group: Annotated[str, msgspec.Meta(max_length=60, pattern=_NO_NUL)] | None = None


class RecordBatch(Input):
    """Up to 1,000 records. Each item is checked on its own (see RecordIn for its fields), so a
    bad item is rejected with its reason while the good ones are accepted."""

    records: Annotated[
        list[Any],
        msgspec.Meta(min_length=1, description="items shaped like RecordIn"),
    ]


class BatchItemResult(Output):
    index: int
    source_reference: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    record_id: int | None = None
    field: str | None = None
    reason: str | None = None


class BatchResult(Output):
    accepted: int
    duplicate: int
    rejected: int
    items: list[BatchItemResult]


class RecordCorrection(Input):
    """New values for an existing record; the old ones are kept in its history."""

    reason: Reason
    record_type: TypeCode | None = None
    occurred_on: dt.date | None = None
    decided_on: dt.date | None = None
    decision_document_no: ShortText | None = None
    evidence_summary: Summary | None = None
    quantity: Quantity | None = None


class RecordRevocation(Input):
    reason: Reason


class DepartmentRef(Output):
    code: str
    name: str


class RecordOut(Output):
    id: int
    record_type: str
    title_zh: str
    title_en: str
    domain: str
    domain_name_zh: str
    polarity: str
    severity: str | None
    quantity: int
    occurred_on: dt.date
    decided_on: dt.date
    decision_document_no: str
    evidence_summary: str
    legal_basis: str
    department: DepartmentRef
    status: Literal["active", "expired", "revoked", "repaired"]
    display_until: dt.date
    repair_possible_from: dt.date | None
    catalog_version: str
    reported_at: dt.datetime
    updated_at: dt.datetime
    points_effect: int | None = None
    under_objection: bool = False  # an accepted objection is being verified: penalty suspended
    repaired_on: dt.date | None = None  # 信用修复: the day the repair was approved


class HistoryEntry(Output):
    action: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    at: dt.datetime


class DepartmentRecordOut(Output):
    record: RecordOut
    citizen_id_number_masked: str
    source_reference: str
    version: int
    history: list[HistoryEntry]
