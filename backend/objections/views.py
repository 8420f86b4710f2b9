"""Read models of objections: the citizen's list and detail, the staff queues and case view.

A staff queue lists case facts and deadlines, not who the citizen is; opening a case shows the
citizen's masked ID number, the record and the evidence, and is written to the query log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec

from backend.objections import evidence
from backend.objections.cases import (
    OBJECTION,
    QueueFilter,
    Staff,
    audience_of,
    check_staff_access,
    department_principal,
    log_staff_look,
    not_found,
    queue_key,
    queue_sql,
    record_titles,
    steps,
    working_days_left,
)
from backend.objections.schemas import (
    Deadline,
    ObjectionCase,
    ObjectionDetail,
    ObjectionOut,
    Proposal,
    ProposedCorrection,
)
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.engine import DB
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.records.schemas import DepartmentRef
from backend.records.service import department_record

_SELECT = (
    "SELECT c.*, r.record_type, r.catalog_version, d.code AS department_code,"
    " d.name AS department_name FROM objection c JOIN record r ON r.id = c.record"
    " JOIN api_client d ON d.id = c.department"
)
_MAX_ID = 2**63 - 1


def deadline(row: Any, today: dt.date) -> Deadline | None:
    due = row["due_on"]
    if due is None:
        return None
    left = working_days_left(due, today)
    stage: Literal["accept", "verify"] = "accept" if row["status"] == "submitted" else "verify"
    return Deadline(
        stage=stage, due_on=due, working_days_left=left, overdue=due < today,
        near=due >= today and left <= 1,
    )  # fmt: skip


def objection_out(row: Any, today: dt.date) -> ObjectionOut:
    title_zh, title_en = record_titles(row["record_type"], row["catalog_version"])
    return ObjectionOut(
        id=row["id"], record_id=row["record"], record_type=row["record_type"],
        record_title=say(title_zh, title_en), record_title_zh=title_zh, record_title_en=title_en,
        department=DepartmentRef(code=row["department_code"], name=row["department_name"]),
        reason_category=row["reason_category"], statement=row["statement"],
        status=row["status"], filed_on=row["filed_on"], accept_due_on=row["accept_due_on"],
        accepted_on=row["accepted_on"], verify_due_on=row["verify_due_on"],
        extended=row["extended"], extension_reason=row["extension_reason"],
        decision_reason=row["decision_reason"], decided_on=row["decided_on"],
        deadline=deadline(row, today), escalated=row["escalated_at"] is not None,
        created_at=row["created_at"], updated_at=row["updated_at"], closed_at=row["closed_at"],
    )  # fmt: skip


async def _fetch(conn: Any, case_id: int) -> Any:
    if not 1 <= case_id <= _MAX_ID:
        return None
    return await conn.fetchrow(f"{_SELECT} WHERE c.id = $1", case_id)


async def summary(case_id: int, *, today: dt.date | None = None) -> ObjectionOut:
    async with connection() as conn:
        row = await _fetch(conn, case_id)
    return objection_out(row, today or today_in_shanghai())


# --- the citizen --------------------------------------------------------------------------------


async def citizen_list(
    citizen_id: int,
    status: Literal["open", "closed", "all"],
    cursor: str | None,
    limit: int,
    *,
    today: dt.date | None = None,
) -> Page[ObjectionOut]:
    """The citizen's objections, newest first."""
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    condition = {
        "open": "c.status IN ('submitted', 'accepted', 'verifying')",
        "closed": "c.status NOT IN ('submitted', 'accepted', 'verifying')",
        "all": "true",
    }[status]
    async with connection() as conn:
        rows = await conn.fetch(
            f"{_SELECT} WHERE c.citizen = $1 AND {condition}"
            " AND ($2::bigint IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3",
            citizen_id,
            after[0] if after else None,
            limit + 1,
        )
    day = today or today_in_shanghai()
    return page_of([objection_out(r, day) for r in rows], limit, lambda o: (o.id,))


async def citizen_detail(
    case_id: int, citizen_id: int, *, today: dt.date | None = None
) -> ObjectionDetail:
    async with connection() as conn:
        row = await _fetch(conn, case_id)
        if row is None or row["citizen"] != citizen_id:
            raise not_found(OBJECTION, case_id)
        files = await evidence.list_for_case(conn, OBJECTION, case_id)
        timeline = await steps(conn, OBJECTION, case_id, audience="citizen")
    return ObjectionDetail(
        objection=objection_out(row, today or today_in_shanghai()), evidence=files, steps=timeline
    )


# --- departments and officers -------------------------------------------------------------------


async def staff_queue(
    f: QueueFilter, cursor: str | None, limit: int, *, today: dt.date | None = None
) -> Page[ObjectionOut]:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[dt.date, int])
    day = today or today_in_shanghai()
    sql, args = queue_sql(OBJECTION, _SELECT, f, day, after, limit)
    async with connection() as conn:
        rows = await conn.fetch(sql, *args)
    items = [objection_out(r, day) for r in rows]
    return page_of(
        items, limit, lambda o: queue_key(o.deadline.due_on if o.deadline else None, o.id)
    )


async def staff_case(case_id: int, by: Staff, *, today: dt.date | None = None) -> ObjectionCase:
    """One case with the record and the evidence; the look goes to the citizen's query log."""
    day = today or today_in_shanghai()
    async with DB.transaction(), connection() as conn:
        row = await _fetch(conn, case_id)
        check_staff_access(OBJECTION, row, by, case_id)
        files = await evidence.list_for_case(conn, OBJECTION, case_id)
        timeline = await steps(conn, OBJECTION, case_id, audience=audience_of(by))
        await log_staff_look(
            conn, row["citizen"], by,
            seen=f"objection {case_id} with record {row['record']} ({row['record_type']}),"
                 f" the statement and {len(files)} evidence file(s)",
            purpose=f"handling objection {case_id} (异议处理)", basis=f"objection {case_id}",
        )  # fmt: skip
        owner = await department_principal(conn, row["department"])
    record = await department_record(row["record"], owner)
    proposal = None
    if row["proposed_outcome"] is not None:
        correction = row["proposed_correction"]
        proposal = Proposal(
            outcome=row["proposed_outcome"], reason=row["proposal_reason"],
            correction=(
                msgspec.json.decode(correction, type=ProposedCorrection) if correction else None
            ),
        )  # fmt: skip
    return ObjectionCase(
        objection=objection_out(row, day), record=record, proposal=proposal,
        department_late=row["department_late"], evidence=files, steps=timeline,
    )  # fmt: skip
