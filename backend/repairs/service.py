"""Credit repair rules (信用修复): who may apply for what, and each transition.

The states, actions and stage deadlines are declared in ``backend.repairs.kind``.
The body that made the finding decides (谁认定、谁修复): the department that reported the
record. The credit office oversees: it sees every case and, once a case is overdue, may act in
the department's place. Deadlines in working days: the decision within
``repair_decide_working_days`` of acceptance, the citizen told within
``repair_notify_working_days`` of applying. Approval repairs the record at once: it stops
showing, being shared and counting, its restrictions are lifted, and the citizen is re-scored
(the engine then awards the "repair completed" badge). Repair is free and depends on nothing but
the rules: the record's minimum display period, its type's repair paths, and the signed credit
commitment (信用承诺书).

A record ends repaired or revoked, never both: only a standing (active) record is accepted or
approved, and approval waits while an objection against the record is open, since the objection
may still revoke or correct it; an objection that does so closes the open application.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import msgspec

from backend.cases.machine import (
    Change,
    Staff,
    check_staff_access,
    close_with_decision,
    filing_for,
    lock_case,
    open_record_changing_case,
    record_filing,
    record_transition,
    require_status,
    withdraw_case,
)
from backend.cases.store import LockedCase
from backend.identity.principals import OfficerPrincipal
from backend.platform.audit import Actor
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import transaction
from backend.platform.errors import Conflict, InvalidInput
from backend.platform.language import say
from backend.platform.rows import Connection
from backend.records import store as records_store
from backend.records.service import apply_repair
from backend.repairs import commitments, store, views
from backend.repairs.kind import DECIDE, REPAIR
from backend.repairs.rules import Eligibility, eligibility, open_cases
from backend.repairs.schemas import RepairDetail, RepairIn, RepairOut
from backend.repairs.store import LockedRepair
from backend.scoring.queue import rescore_now

# The input block each path needs, by its wire name.
PATH_BLOCKS = {
    "obligation_fulfilled": "obligationFulfilled",
    "training_report": "trainingReport",
    "volunteer_service": "volunteerService",
    "charitable_donation": "charitableDonation",
}
_DATE_FIELDS = ("fulfilled_on", "completed_on", "donated_on")
_RECORD_STATUS_WORDS = {
    "revoked": ("已被撤销", "revoked"),
    "repaired": ("已完成修复", "repaired"),
    "expired": ("已过公示期", "no longer shown"),
}


# --- applying -----------------------------------------------------------------------------------


async def apply(citizen_id: int, data: RepairIn, actor: Actor) -> RepairDetail:
    today = today_in_shanghai()
    commitment = _check_commitment(data, today)
    details = _check_details(data, today)
    try:
        async with transaction() as conn:
            filing = await filing_for(conn, REPAIR, data, citizen_id=citizen_id, today=today)
            record = filing.record
            objection, repair = await open_cases(conn, record.id)
            found = eligibility(record, today, open_objection=objection, open_repair=repair)
            _refuse_if_blocked(found, data.path)
            new_id = await store.insert_application(
                conn,
                filing,
                path=data.path,
                details=details,
                commitment=commitment,
                language=data.commitment.language,
            )
            payload = {"path": data.path}
            await record_filing(conn, REPAIR, new_id, filing=filing, actor=actor, payload=payload)
    except asyncpg.UniqueViolationError as exc:  # a concurrent application won the race
        raise Conflict(
            say(
                f"记录（编号 {data.record_id}）已有一件处理中的信用修复申请",
                f"record {data.record_id} already has an open repair application",
            ),
            field="recordId",
            code="repair-already-open",
        ) from exc
    return await views.citizen_detail(new_id, citizen_id)


def _refuse_if_blocked(found: Eligibility, path: str) -> None:
    if found.blocker is not None:
        extra = {"possibleFrom": found.possible_from.isoformat()} if found.possible_from else None
        raise Conflict(found.blocker.reason, field="recordId", code=found.blocker.code, extra=extra)
    if path not in found.paths:
        names = [views.path_name(code) for code in found.paths]
        raise InvalidInput(
            say(
                f"该记录只能通过以下方式修复：{'、'.join(names)}",
                f"this record can be repaired only by: {', '.join(names)}",
            ),
            field="path",
            code="repair-path-not-allowed",
            extra={"allowed": list(found.paths)},
        )


def _check_commitment(data: RepairIn, today: dt.date) -> commitments.Commitment:
    current = commitments.in_force(today)
    if not data.commitment.accepted:
        raise InvalidInput(
            say(
                "每一项信用修复都需要签署信用承诺书：请阅读并接受",
                "every repair needs the signed credit commitment (信用承诺书): accept it",
            ),
            field="commitment.accepted",
            code="commitment-required",
        )
    if data.commitment.version != current.version:
        raise Conflict(
            say(
                f"现行信用承诺书为 {current.version} 版，请阅读并接受该版本",
                f"the credit commitment in force is version {current.version}; read and accept it",
            ),
            field="commitment.version",
            code="commitment-outdated",
            extra={"currentVersion": current.version},
        )
    return current


def _check_details(data: RepairIn, today: dt.date) -> str:
    """Exactly the block of the chosen path, with no date in the future; returns its JSON."""
    wanted = PATH_BLOCKS[data.path]
    blocks = {
        "obligationFulfilled": data.obligation_fulfilled,
        "trainingReport": data.training_report,
        "volunteerService": data.volunteer_service,
        "charitableDonation": data.charitable_donation,
    }
    path_name = views.path_name(data.path)
    for name, block in blocks.items():
        if name != wanted and block is not None:
            raise InvalidInput(
                say(
                    f"所选修复方式为“{path_name}”，不应填写 {name}",
                    f"{name} does not belong to the chosen path ({path_name})",
                ),
                field=name,
            )
    chosen = blocks[wanted]
    if chosen is None:
        raise InvalidInput(
            say(
                f"修复方式“{path_name}”需要填写 {wanted}",
                f"the chosen path ({path_name}) needs the {wanted} details",
            ),
            field=wanted,
        )
    for field in _DATE_FIELDS:
        day = getattr(chosen, field, None)
        if day is not None and day > today:
            camel = field.split("_")[0] + field.split("_")[1].title()
            raise InvalidInput(
                say("不能晚于今天", "must not be in the future"), field=f"{wanted}.{camel}"
            )
    return msgspec.json.encode(chosen).decode()


# --- decisions ----------------------------------------------------------------------------------


async def _locked(
    conn: Connection, case_id: int, by: Staff, today: dt.date, action: str
) -> LockedRepair:
    """The locked case, if ``by`` may see it, it may take ``action`` now, and ``by`` is the
    department or an officer stepping in on an overdue case."""
    locked = await lock_case(conn, REPAIR, case_id, row_type=LockedRepair)
    row = check_staff_access(REPAIR, locked, by, case_id)
    require_status(REPAIR, row, action, by.actor)
    if isinstance(by, OfficerPrincipal) and not _lapsed(row, today):
        raise Conflict(
            say(
                "谁认定、谁修复：由作出认定的报送单位决定；信用办仅在案件逾期后代为办理",
                "the department that made the finding decides (谁认定、谁修复); the credit"
                " office acts in its place only once the case is overdue",
            ),
            code="department-decides",
            extra={"dueOn": row.due_on.isoformat() if row.due_on else None},
        )
    return row


def _lapsed(row: LockedCase, today: dt.date) -> bool:
    due = row.due_on
    return row.escalated_at is not None or (due is not None and due < today)


def _payload(row: LockedRepair) -> dict[str, Any]:
    return {"path": row.path}


async def accept(case_id: int, by: Staff, reason: str) -> RepairOut:
    today = today_in_shanghai()
    decide_due = DECIDE.due_after(today)
    async with transaction() as conn:
        row = await _locked(conn, case_id, by, today, "accept")
        _refuse_unless_record_stands(row)
        due = min(decide_due, row.reply_due_on)
        await store.mark_accepted(
            conn, case_id, accepted_on=today, decide_due_on=decide_due, due_on=due
        )
        change = Change("accept", "accepted", "accepted", by.actor, reason, due)
        await record_transition(conn, REPAIR, row, change, today, _payload(row))
    return await views.summary(case_id)


async def reject(case_id: int, by: Staff, reason: str) -> RepairOut:
    """不予受理: the application does not meet the conditions; the reason is sent."""
    return await _close(case_id, by, reason, "reject", "rejected")


async def deny(case_id: int, by: Staff, reason: str) -> RepairOut:
    """不予修复: accepted, checked, and refused with the reason."""
    return await _close(case_id, by, reason, "deny", "denied")


async def approve(case_id: int, by: Staff, reason: str) -> RepairOut:
    """准予修复: the record is repaired today and the card re-scored at once."""
    today = today_in_shanghai()
    async with transaction() as conn:
        row = await _locked(conn, case_id, by, today, "approve")
        _refuse_unless_record_stands(row)
        await _refuse_while_objection_open(conn, row)
        record = await records_store.referenced_record(conn, row.record)
        await apply_repair(conn, record, f"repair {case_id}: {reason}", by.actor, today)
        await _closed(conn, row, "approve", "approved", reason, by, today)
    await rescore_now(row.citizen, "repair-approved")
    return await views.summary(case_id)


def _refuse_unless_record_stands(row: LockedCase) -> None:
    """A revoked or repaired record cannot be repaired (again): the department rejects or
    denies instead. Applications an objection closed are already refused as closed."""
    status = row.record_status
    if status != "active":
        zh, en = _RECORD_STATUS_WORDS.get(status, (status, status))
        raise Conflict(
            say(
                f"记录（编号 {row.record}）{zh}，不能修复；请改为不予受理或不予修复",
                f"record {row.record} is {en}: it cannot be repaired; reject or deny the"
                " application instead",
            ),
            code=f"record-{status}",
            extra={"recordStatus": status},
        )


async def _refuse_while_objection_open(conn: Connection, row: LockedCase) -> None:
    """A record ends repaired or revoked, never both: while an objection may still revoke or
    correct it, the repair waits for the objection's result (the record's lock, held here, is
    what every objection change takes too)."""
    objection_id = await open_record_changing_case(conn, row.record)
    if objection_id is not None:
        raise Conflict(
            say(
                f"记录（编号 {row.record}）有处理中的异议申请（编号 {objection_id}），"
                "请等待异议处理结果后再准予修复",
                f"record {row.record} has an open objection ({objection_id}): wait for its"
                " result before approving the repair",
            ),
            code="objection-open",
            extra={"objectionId": objection_id},
        )


async def _close(case_id: int, by: Staff, reason: str, action: str, status: str) -> RepairOut:
    today = today_in_shanghai()
    async with transaction() as conn:
        row = await _locked(conn, case_id, by, today, action)
        await _closed(conn, row, action, status, reason, by, today)
    return await views.summary(case_id)


async def _closed(
    conn: Connection,
    row: LockedRepair,
    action: str,
    status: str,
    reason: str,
    by: Staff,
    today: dt.date,
) -> None:
    await close_with_decision(
        conn,
        REPAIR,
        row,
        action=action,
        status=status,
        reason=reason,
        actor=by.actor,
        today=today,
        payload=_payload(row),
    )


# --- withdrawal by the citizen ------------------------------------------------------------------


async def withdraw(case_id: int, citizen_id: int, reason: str | None) -> RepairDetail:
    """撤回: the citizen drops their own undecided application; its deadlines stop and the
    record stays as it is (the citizen may apply again later)."""
    today = today_in_shanghai()
    async with transaction() as conn:
        await withdraw_case(conn, REPAIR, case_id, citizen_id, reason, today)
    return await views.citizen_detail(case_id, citizen_id)
