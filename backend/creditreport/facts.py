"""What a report states: the citizen's own public credit information on the day it is made,
gathered from the same services the app reads (no second computation of anything)."""

from __future__ import annotations

import datetime as dt

import msgspec


class RecordLine(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    department: str
    decided_on: dt.date
    display_until: dt.date
    legal_basis: str
    polarity: str
    points: int


class CaseLine(msgspec.Struct, frozen=True, kw_only=True):
    kind: str  # 异议 / 信用修复
    case_id: int
    record_title: str
    status: str
    decided_on: dt.date | None
    reason: str | None


class MeasureLine(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    kind: str
    legal_basis: str
    ends_on: dt.date | None


class QuerySummary(msgspec.Struct, frozen=True, kw_only=True):
    organisation: str
    looks: int
    last: dt.date


class ReportFacts(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the PDF states, in order. Its canonical JSON is hashed and signed."""

    number: str
    short_code: str
    made_at: dt.datetime
    name: str
    id_number: str  # shown in full only to the citizen themselves (the masked form otherwise)
    points: int
    grade: str
    grade_name: str
    rules_version: str
    records: tuple[RecordLine, ...]
    cases: tuple[CaseLine, ...]
    red_list: bool
    black_list: bool
    measures: tuple[MeasureLine, ...]
    queries: tuple[QuerySummary, ...]
    check_url: str
