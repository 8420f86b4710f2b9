"""The SQL of content drafts and of the stored versions as the office reads them."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.platform.rows import Connection, columns, rows_as


class DraftRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    version: str
    effective_from: dt.date
    body: str
    status: str
    drafted_by: int
    drafter: str  # the drafting officer's username
    drafted_at: dt.datetime
    decided_by: int | None
    decider: str | None
    decided_at: dt.datetime | None
    reason: str | None


class StoredRow(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    version: str
    effective_from: dt.date
    sha256: str
    published_by: str
    body: str


_DRAFT = (
    "SELECT d.id, d.kind, d.version, d.effective_from, d.body, d.status, d.drafted_by,"
    " o.username AS drafter, d.drafted_at, d.decided_by, c.username AS decider, d.decided_at,"
    " d.reason FROM content_draft d JOIN officer o ON o.id = d.drafted_by"
    " LEFT JOIN officer c ON c.id = d.decided_by"
)


async def insert_draft(
    conn: Connection,
    *,
    kind: str,
    version: str,
    effective_from: dt.date,
    body: str,
    sha256: str,
    drafted_by: int,
    drafted_at: dt.datetime,
) -> int:
    found: int = await conn.fetchval(
        "INSERT INTO content_draft (kind, version, effective_from, body, sha256, drafted_by,"
        " drafted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        kind,
        version,
        effective_from,
        body,
        sha256,
        drafted_by,
        drafted_at,
    )
    return found


async def draft(conn: Connection, draft_id: int, *, lock: bool = False) -> DraftRow | None:
    """One draft; ``lock`` holds it until the transaction ends (one decision at a time)."""
    query = f"{_DRAFT} WHERE d.id = $1" + (" FOR UPDATE OF d" if lock else "")
    rows = rows_as(DraftRow, await conn.fetch(query, draft_id))
    return rows[0] if rows else None


async def drafts(
    conn: Connection, *, kind: str | None, status: str | None, before_id: int | None, limit: int
) -> list[DraftRow]:
    """Newest first, ``limit`` rows at most, older than ``before_id`` when given."""
    query = (
        f"{_DRAFT} WHERE ($1::text IS NULL OR d.kind = $1) AND ($2::text IS NULL OR d.status = $2)"
        " AND ($3::bigint IS NULL OR d.id < $3) ORDER BY d.id DESC LIMIT $4"
    )
    return rows_as(DraftRow, await conn.fetch(query, kind, status, before_id, limit))


async def decide(
    conn: Connection, draft_id: int, *, status: str, by: int, at: dt.datetime, reason: str
) -> None:
    await conn.execute(
        "UPDATE content_draft SET status = $2, decided_by = $3, decided_at = $4, reason = $5"
        " WHERE id = $1",
        draft_id,
        status,
        by,
        at,
        reason,
    )


async def open_drafts(conn: Connection) -> dict[str, int]:
    """How many drafts wait, per kind."""
    rows = await conn.fetch(
        "SELECT kind, count(*) AS open FROM content_draft WHERE status = 'draft' GROUP BY kind"
    )
    return {row["kind"]: row["open"] for row in rows}


async def stored_versions(conn: Connection, kind: str) -> list[StoredRow]:
    """Every published version of ``kind``, newest effective date first."""
    query = (
        f"SELECT {columns(StoredRow)} FROM content_version WHERE kind = $1"
        " ORDER BY effective_from DESC, id DESC"
    )
    return rows_as(StoredRow, await conn.fetch(query, kind))
