"""The SQL of repair applications (信用修复申请): the application's own columns on top of the
case rows of ``backend.cases.store``, applying, and acceptance. Every function takes the
connection its caller opened; the service decides the transactions."""

from __future__ import annotations

import datetime as dt

from backend.cases.store import CaseRow, LockedCase, NewCase
from backend.platform.rows import Connection
from backend.repairs.commitments import Commitment


class LockedRepair(LockedCase, frozen=True, kw_only=True):
    """An application locked for a change: what its rules read besides the case's
    bookkeeping."""

    path: str
    reply_due_on: dt.date


class RepairRow(CaseRow, frozen=True, kw_only=True):
    """An application as a page reads it."""

    path: str
    details: str  # JSON of the path's block
    commitment_version: str
    commitment_language: str
    commitment_accepted_at: dt.datetime
    applied_on: dt.date
    reply_due_on: dt.date
    decide_due_on: dt.date | None


async def insert_application(
    conn: Connection,
    filing: NewCase,
    *,
    path: str,
    details: str,
    commitment: Commitment,
    language: str,
) -> int:
    """A new application, submitted, with the path's ``details`` (JSON) and the commitment
    accepted now in ``language`` (its version and the digest of the text shown): its first
    deadline is the reply's. Raises ``asyncpg.UniqueViolationError`` when the record already has
    an open one."""
    new_id: int = await conn.fetchval(
        "INSERT INTO repair_application (record, citizen, department, path, statement,"
        " details, commitment_version, commitment_language, commitment_sha256,"
        " commitment_accepted_at, status, applied_on, reply_due_on, due_on, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, now(),"
        " 'submitted', $10, $11, $11, now(), now()) RETURNING id",
        filing.record.id,
        filing.record.citizen,
        filing.record.department,
        path,
        filing.statement,
        details,
        commitment.version,
        language,
        commitment.sha256(language),
        filing.on,
        filing.due_on,
    )
    return new_id


async def mark_accepted(
    conn: Connection,
    application_id: int,
    *,
    accepted_on: dt.date,
    decide_due_on: dt.date,
    due_on: dt.date,
) -> None:
    """Accepted: the decision's deadline, and the stage's (the earlier of it and the reply's)."""
    await conn.execute(
        "UPDATE repair_application SET status = 'accepted', accepted_on = $2,"
        " decide_due_on = $3, due_on = $4, updated_at = now() WHERE id = $1",
        application_id,
        accepted_on,
        decide_due_on,
        due_on,
    )
