"""Deadlines of cases in working days (工作日, Asia/Shanghai): the deadline a reader sees, and
the hourly check that flags cases due within one working day and escalates overdue ones to the
credit office (督办), counting the lapse against the department whose turn it was (政务诚信).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Literal, cast

from backend.cases import store
from backend.cases.kinds import CaseKind
from backend.cases.machine import emit_event, locked_row_type, note_department_lapse
from backend.cases.schemas import Deadline
from backend.cases.store import CaseState, LockedState
from backend.platform.audit import SYSTEM, write_audit
from backend.platform.calendar import add_working_days, today_in_shanghai, working_days_between
from backend.platform.database import connection, transaction
from backend.platform.queue import JobFunction, scheduled

log = logging.getLogger("backend.cases")
StageName = Literal["accept", "verify", "reply", "decide"]


def working_days_left(due_on: dt.date, today: dt.date) -> int:
    """0 on the due day, positive before it, negative (working days past) after it."""
    return working_days_between(today, due_on)


def deadline(kind: CaseKind, row: CaseState, today: dt.date) -> Deadline | None:
    """The deadline of the case's current stage (the kind declares the stage of each state);
    None once closed."""
    due = row.due_on
    stage = kind.state(row.status).stage
    if due is None or stage is None:
        return None
    left = working_days_left(due, today)
    return Deadline(
        stage=cast(StageName, stage.name),
        due_on=due,
        working_days_left=left,
        overdue=due < today,
        near=due >= today and left <= 1,
    )


async def check_deadlines(kind: CaseKind, today: dt.date) -> dict[str, int]:
    """The hourly check: flag cases due within one working day (an outbox event once per case
    and deadline) and escalate overdue ones to the credit office (once per deadline), counting
    the lapse against the department whose turn it was."""
    horizon = add_working_days(today, 1)
    async with connection() as conn:
        near = await store.cases_due_between(conn, kind, today, horizon)
    flagged = sum([await _flag_near(kind, case_id, today, horizon) for case_id in near])
    async with connection() as conn:
        overdue = await store.cases_overdue(conn, kind, today)
    escalated = sum([await _escalate(kind, case_id, today) for case_id in overdue])
    if flagged or escalated:
        log.info("%s deadlines on %s: %d near, %d escalated", kind.name, today, flagged, escalated)
    return {"near": flagged, "escalated": escalated}


def deadline_jobs(kind: CaseKind, *, minute: int) -> tuple[JobFunction, Any]:
    """The hourly deadline check of ``kind`` as a worker job named ``check_<kind>_deadlines``
    (the name arq knows it by) and its schedule, at ``minute`` past every hour (the kinds run at
    different minutes so their checks do not compete). It runs on the runtime clock's date."""

    async def check(ctx: dict[str, Any]) -> dict[str, int]:
        return await check_deadlines(kind, today_in_shanghai())

    check.__name__ = check.__qualname__ = f"check_{kind.name}_deadlines"
    check.__doc__ = f"The hourly check of {kind.name} deadlines, on today's business date."
    return check, scheduled(check, minute={minute}, run_at_startup=False, unique=True)


async def _locked(conn: Any, kind: CaseKind, case_id: int) -> LockedState | None:
    # Unlike ``machine.lock_case``, a case another transaction holds is left for the next run.
    row_type = locked_row_type(kind)
    row = await store.locked_case_unless_busy(conn, kind, case_id, row_type=row_type)
    return cast(LockedState | None, row)


async def _flag_near(kind: CaseKind, case_id: int, today: dt.date, horizon: dt.date) -> int:
    async with transaction() as conn:
        # Unlike ``machine.lock_case``, a case another transaction holds is left for the next run.
        row = await _locked(conn, kind, case_id)
        if row is None or row.due_on is None:
            return 0
        due = row.due_on
        if not today <= due <= horizon or row.near_flagged_for == due:
            return 0
        await store.mark_near_flagged(conn, kind, case_id)
        payload = {
            "status": row.status,
            "dueOn": due.isoformat(),
            "workingDaysLeft": working_days_left(due, today),
        }
        await emit_event(conn, kind, row, "deadline.near", payload, key=f":{due.isoformat()}")
    return 1


async def _escalate(kind: CaseKind, case_id: int, today: dt.date) -> int:
    async with transaction() as conn:
        row = await _locked(conn, kind, case_id)
        if row is None or row.due_on is None:
            return 0
        due = row.due_on
        if due >= today or row.escalated_for == due:
            return 0
        await note_department_lapse(conn, kind, row, today)
        await store.mark_escalated(conn, kind, case_id)
        responsible = "department" if row.status in kind.department_turn else "credit_office"
        after = {"status": row.status, "dueOn": due, "responsible": responsible}
        await write_audit(conn, SYSTEM, f"{kind.name}.escalated", kind.name, case_id, after=after)
        payload = {"status": row.status, "dueOn": due.isoformat(), "responsible": responsible}
        await emit_event(conn, kind, row, "escalated", payload, key=f":{due.isoformat()}")
    return 1
