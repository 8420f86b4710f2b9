"""Objection rules (异议处理): filing, and each transition by the actor allowed to make it.

Deadlines are working days (工作日) from the day of each transition: accept within
``objection_accept_working_days`` of filing, verify and decide within
``objection_verify_working_days`` of acceptance, extendable once by
``objection_extension_working_days``. From acceptance until the decision the record's penalty is
suspended (联合惩戒措施在信息核实期间暂不执行) and the citizen is re-scored at once, as after each
decision and after a withdrawal that lifts the suspension. A revoked or corrected record closes
its open repair applications in the same transaction (``repairs.termination``). The states,
actions and stage deadlines are declared (and drawn) in ``backend.objections.kind``. Each
transition writes its step, audit entry and outbox event in its own transaction, on the business
date of the runtime clock (``today_in_shanghai``).
"""

from __future__ import annotations

import asyncpg
import msgspec

from backend.cases.machine import (
    Change,
    Staff,
    check_staff_access,
    close_with_decision,
    department_principal,
    filing_for,
    lock_case,
    open_case_id,
    record_filing,
    record_transition,
    require_status,
    withdraw_case,
)
from backend.cases.store import CaseRecord, LockedCase
from backend.identity.principals import ClientPrincipal, OfficerPrincipal
from backend.objections import store, views
from backend.objections.kind import OBJECTION, VERIFY
from backend.objections.schemas import (
    ObjectionDetail,
    ObjectionIn,
    ObjectionOut,
    OfficerDecisionIn,
    ProposalIn,
    ProposedCorrection,
)
from backend.objections.store import LockedObjection
from backend.platform import runtime
from backend.platform.audit import Actor
from backend.platform.calendar import add_working_days, today_in_shanghai
from backend.platform.database import transaction
from backend.platform.errors import Conflict, InvalidInput
from backend.platform.language import say
from backend.platform.rows import Connection
from backend.records import store as records_store
from backend.records.service import apply_correction, apply_revocation, check_correction
from backend.repairs.termination import objection_cause, terminate_open_repairs
from backend.scoring.queue import rescore_now

# --- filing -------------------------------------------------------------------------------------


async def file_objection(citizen_id: int, data: ObjectionIn, actor: Actor) -> ObjectionDetail:
    """One open objection per record, against the citizen's own record that still stands."""
    today = today_in_shanghai()
    try:
        async with transaction() as conn:
            filing = await filing_for(conn, OBJECTION, data, citizen_id=citizen_id, today=today)
            _refuse_unless_standing(filing.record)
            open_id = await open_case_id(conn, OBJECTION, filing.record.id)
            if open_id is not None:
                raise _already_open(filing.record.id, open_id)
            new_id = await store.insert_objection(conn, filing, data.reason_category)
            await record_filing(conn, OBJECTION, new_id, filing=filing, actor=actor)
    except asyncpg.UniqueViolationError as exc:  # a concurrent filing won the race
        raise _already_open(data.record_id, None) from exc
    return await views.citizen_detail(new_id, citizen_id)


def _refuse_unless_standing(record: CaseRecord) -> None:
    """A revoked or repaired record takes no objection."""
    record_id = record.id
    if record.status == "revoked":
        raise Conflict(
            say(
                f"记录（编号 {record_id}）已被撤销，不再展示和计分",
                f"record {record_id} has been revoked: it no longer counts or shows",
            ),
            field="recordId",
            code="record-revoked",
        )
    if record.status == "repaired":
        raise Conflict(
            say(
                f"记录（编号 {record_id}）已完成信用修复，不再展示和计分",
                f"record {record_id} has been repaired: it no longer counts or shows",
            ),
            field="recordId",
            code="record-repaired",
        )


def _already_open(record_id: int, objection_id: int | None) -> Conflict:
    return Conflict(
        say(
            f"记录（编号 {record_id}）已有一件处理中的异议申请，请等待处理结果",
            f"record {record_id} already has an open objection; wait for its result",
        ),
        field="recordId",
        code="objection-already-open",
        extra={"objectionId": objection_id} if objection_id else None,
    )


# --- transitions by departments and officers ----------------------------------------------------


async def _locked(conn: Connection, case_id: int, by: Staff) -> LockedObjection:
    row = await lock_case(conn, OBJECTION, case_id, row_type=LockedObjection)
    return check_staff_access(OBJECTION, row, by, case_id)


async def _set_under_objection(conn: Connection, row: LockedCase, flag: bool) -> None:
    """Suspend (True) or restore (False) the record's penalty; the card follows."""
    await store.set_under_objection(conn, row.record, flag)
    await records_store.bump_change_counters(conn, [row.citizen])


async def accept(case_id: int, by: Staff, reason: str) -> ObjectionOut:
    """受理: the verification deadline starts and the penalty is suspended at once."""
    today = today_in_shanghai()
    due = VERIFY.due_after(today)
    async with transaction() as conn:
        row = await _locked(conn, case_id, by)
        require_status(OBJECTION, row, "accept", by.actor)
        await store.mark_accepted(conn, case_id, accepted_on=today, verify_due_on=due)
        await _set_under_objection(conn, row, True)
        change = Change("accept", "accepted", "accepted", by.actor, reason, due)
        await record_transition(conn, OBJECTION, row, change, today, {})
    await rescore_now(row.citizen, "objection-accepted")
    return await views.summary(case_id)


async def reject(case_id: int, by: Staff, reason: str) -> ObjectionOut:
    """不予受理, with the reason the citizen reads. The record stays as it is."""
    today = today_in_shanghai()
    async with transaction() as conn:
        row = await _locked(conn, case_id, by)
        require_status(OBJECTION, row, "reject", by.actor)
        await close_with_decision(
            conn,
            OBJECTION,
            row,
            action="reject",
            status="rejected",
            reason=reason,
            actor=by.actor,
            today=today,
        )
    return await views.summary(case_id)


async def extend(case_id: int, by: Staff, reason: str) -> ObjectionOut:
    """One extension of the verification deadline for a complex case, before it passes."""
    today = today_in_shanghai()
    days = runtime.current().settings.objection_extension_working_days
    async with transaction() as conn:
        row = await _locked(conn, case_id, by)
        require_status(OBJECTION, row, "extend", by.actor)
        if row.extended:
            raise Conflict(
                say(
                    f"异议申请（编号 {case_id}）已延期过一次，不能再次延期",
                    f"objection {case_id} has already been extended once; it cannot be extended"
                    " again",
                ),
                code="already-extended",
            )
        verify_due = row.verify_due_on
        assert verify_due is not None, "set on acceptance, and only accepted cases extend"
        if today > verify_due:
            lapsed = verify_due.isoformat()
            raise Conflict(
                say(
                    f"核查期限 {lapsed} 已过，逾期的期限不能延期",
                    f"the verification deadline {lapsed} has passed; a lapsed deadline cannot"
                    " be extended",
                ),
                code="deadline-passed",
                extra={"dueOn": lapsed},
            )
        due = add_working_days(verify_due, days)
        await store.mark_extended(conn, case_id, reason=reason, verify_due_on=due)
        change = Change("extend", "extended", row.status, by.actor, reason, due)
        await record_transition(conn, OBJECTION, row, change, today, {})
    return await views.summary(case_id)


async def propose(case_id: int, client: ClientPrincipal, data: ProposalIn) -> ObjectionOut:
    """The owning department reports its verification (核查) and proposes the outcome; a
    proposed correction is checked now, against the department's scopes."""
    today = today_in_shanghai()
    _check_proposal(data)
    async with transaction() as conn:
        row = await _locked(conn, case_id, client)
        require_status(OBJECTION, row, "propose", client.actor)
        correction = None
        if data.correction is not None:
            record = await records_store.referenced_record(conn, row.record)
            check_correction(record, data.correction.as_record_correction(data.reason), client)
            correction = msgspec.json.encode(data.correction).decode()
        await store.record_proposal(
            conn, case_id, outcome=data.outcome, reason=data.reason, correction=correction
        )
        change = Change("propose", "verifying", "verifying", client.actor, data.reason, row.due_on)
        payload = {"proposedOutcome": data.outcome}
        await record_transition(conn, OBJECTION, row, change, today, payload)
    return await views.summary(case_id)


def _check_proposal(data: ProposalIn) -> None:
    if data.outcome == "corrected" and data.correction is None:
        raise InvalidInput(
            say("建议更正时须给出更正后的内容", "a proposed correction needs the new values"),
            field="correction",
        )
    if data.outcome != "corrected" and data.correction is not None:
        raise InvalidInput(
            say(
                "只有建议更正（corrected）时才附更正内容",
                "only a 'corrected' outcome carries new values",
            ),
            field="correction",
        )
    if data.correction is not None and not any(msgspec.structs.astuple(data.correction)):
        raise InvalidInput(
            say("请至少给出一项要更正的内容", "name at least one value to correct"),
            field="correction",
        )


async def decide(case_id: int, officer: OfficerPrincipal, data: OfficerDecisionIn) -> ObjectionOut:
    """The credit office decides: upheld restores the penalty, corrected applies the proposed
    values (old ones kept in history), revoked stops the record counting and showing."""
    today = today_in_shanghai()
    async with transaction() as conn:
        row = await _locked(conn, case_id, officer)
        require_status(OBJECTION, row, "decide", officer.actor)
        if data.outcome != "upheld":
            _refuse_if_repaired(row, data.outcome)
            await terminate_open_repairs(
                conn,
                record_id=row.record,
                outcome=data.outcome,
                cause=objection_cause(case_id),
                actor=officer.actor,
                today=today,
            )
        await _apply_outcome(conn, row, data, officer.actor)
        await _set_under_objection(conn, row, False)
        await close_with_decision(
            conn,
            OBJECTION,
            row,
            action="decide",
            status=data.outcome,
            reason=data.reason,
            actor=officer.actor,
            today=today,
        )
    await rescore_now(row.citizen, f"objection-{data.outcome}")
    return await views.summary(case_id)


def _refuse_if_repaired(row: LockedCase, outcome: str) -> None:
    """A record ends repaired or revoked, never both. A repair cannot be approved while an
    objection is open and a repaired record takes no new objection, so this guards only
    against a record repaired some other way while the objection was open."""
    if row.record_status == "repaired":
        words_zh = {"revoked": "撤销", "corrected": "更正"}.get(outcome, outcome)
        raise Conflict(
            say(
                f"记录（编号 {row.record}）已在此期间完成信用修复，不再展示和计分，"
                f"不能再{words_zh}；请决定维持（upheld）",
                f"record {row.record} has been repaired meanwhile: it no longer counts or"
                f" shows, so it cannot be {outcome} any more; decide upheld",
            ),
            field="outcome",
            code="record-repaired",
        )


async def _apply_outcome(
    conn: Connection, row: LockedObjection, data: OfficerDecisionIn, actor: Actor
) -> None:
    if data.outcome == "upheld":
        return
    record = await records_store.referenced_record(conn, row.record)
    history_reason = f"objection {row.id}: {data.reason}"
    if data.outcome == "revoked":
        await apply_revocation(conn, record, history_reason, actor)
        return
    if row.proposed_correction is None:
        raise Conflict(
            say(
                "报送单位没有提出更正内容：请决定维持或撤销，或等待其提出更正建议",
                "the department proposed no new values: decide upheld or revoked, or wait for"
                " a corrected proposal",
            ),
            field="outcome",
            code="no-correction-proposed",
        )
    proposed = msgspec.json.decode(row.proposed_correction, type=ProposedCorrection)
    department = await department_principal(conn, row.department)
    await apply_correction(
        conn, record, proposed.as_record_correction(history_reason), department, actor
    )


# --- withdrawal by the citizen ------------------------------------------------------------------


async def withdraw(case_id: int, citizen_id: int, reason: str | None) -> ObjectionDetail:
    """撤回: the citizen drops their own undecided objection. Its deadline stops; a penalty
    suspended since acceptance applies again and the card is re-scored at once."""
    today = today_in_shanghai()
    async with transaction() as conn:
        row = await withdraw_case(conn, OBJECTION, case_id, citizen_id, reason, today)
        suspended = row.status in ("accepted", "verifying")
        if suspended:
            await _set_under_objection(conn, row, False)
    if suspended:
        await rescore_now(citizen_id, "objection-withdrawn")
    return await views.citizen_detail(case_id, citizen_id)
