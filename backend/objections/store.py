"""The SQL of objections (异议): the objection's own columns on top of the case rows of
``backend.cases.store``, filing, the changes of its own steps, and the record's suspended
penalty. Every function takes the connection its caller opened; the service decides the
transactions."""

from __future__ import annotations

import datetime as dt

from backend.cases.store import CaseRow, LockedCase, NewCase
from backend.objections.schemas import Outcome
from backend.platform.rows import Connection


class LockedObjection(LockedCase, frozen=True, kw_only=True):
    """An objection locked for a change: what its rules read besides the case's bookkeeping."""

    extended: bool
    verify_due_on: dt.date | None
    proposed_correction: str | None  # JSON of a ``ProposedCorrection``


class ObjectionRow(CaseRow, frozen=True, kw_only=True):
    """An objection as a page reads it."""

    reason_category: str
    filed_on: dt.date
    accept_due_on: dt.date
    verify_due_on: dt.date | None
    extended: bool
    extension_reason: str | None
    proposed_outcome: Outcome | None
    proposal_reason: str | None
    proposed_correction: str | None  # JSON of a ``ProposedCorrection``


async def insert_objection(conn: Connection, filing: NewCase, reason_category: str) -> int:
    """A new objection, submitted: its first deadline is the acceptance's. Raises
    ``asyncpg.UniqueViolationError`` when the record already has an open one."""
    new_id: int = await conn.fetchval(
        "INSERT INTO objection (record, citizen, department, reason_category, statement,"
        " status, filed_on, accept_due_on, due_on, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $7, now(), now()) RETURNING id",
        filing.record.id,
        filing.record.citizen,
        filing.record.department,
        reason_category,
        filing.statement,
        filing.on,
        filing.due_on,
    )
    return new_id


async def mark_accepted(
    conn: Connection, objection_id: int, *, accepted_on: dt.date, verify_due_on: dt.date
) -> None:
    await conn.execute(
        "UPDATE objection SET status = 'accepted', accepted_on = $2, verify_due_on = $3,"
        " due_on = $3, updated_at = now() WHERE id = $1",
        objection_id,
        accepted_on,
        verify_due_on,
    )


async def mark_extended(
    conn: Connection, objection_id: int, *, reason: str, verify_due_on: dt.date
) -> None:
    await conn.execute(
        "UPDATE objection SET extended = true, extension_reason = $2, verify_due_on = $3,"
        " due_on = $3, updated_at = now() WHERE id = $1",
        objection_id,
        reason,
        verify_due_on,
    )


async def record_proposal(
    conn: Connection,
    objection_id: int,
    *,
    outcome: Outcome,
    reason: str,
    correction: str | None,
) -> None:
    """The department's verification and proposed outcome (``correction``: JSON, or None)."""
    await conn.execute(
        "UPDATE objection SET status = 'verifying', proposed_outcome = $2,"
        " proposal_reason = $3, proposed_correction = $4::jsonb, updated_at = now()"
        " WHERE id = $1",
        objection_id,
        outcome,
        reason,
        correction,
    )


async def set_under_objection(conn: Connection, record_id: int, flag: bool) -> None:
    await conn.execute(
        "UPDATE record SET under_objection = $2, updated_at = now() WHERE id = $1",
        record_id,
        flag,
    )
