"""The SQL of a credit check: the facts of the records behind the measures it answers."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.platform.rows import Connection, rows_as


class RecordFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What a department may read of a record behind a measure, where its scopes cover it."""

    id: int
    record_type: str
    domain: str
    occurred_on: dt.date
    decided_on: dt.date
    display_until: dt.date
    decision_document_no: str
    department: str


async def records_of(conn: Connection, citizen: int, record_ids: list[int]) -> list[RecordFacts]:
    """The citizen's records with these ids (a record of another citizen is never read)."""
    rows = await conn.fetch(
        "SELECT r.id, r.record_type, r.domain, r.occurred_on, r.decided_on, r.display_until,"
        " r.decision_document_no, d.name AS department"
        " FROM record r JOIN api_client d ON d.id = r.department"
        " WHERE r.citizen = $1 AND r.id = ANY($2::bigint[]) ORDER BY r.id",
        citizen,
        record_ids,
    )
    return rows_as(RecordFacts, rows)
