"""A repair application ends (终止办理) when its record is revoked or corrected, by an
objection's decision or by the reporting department: one of the repair's effects, taken in the
transaction of the change that caused it."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from backend.cases import store
from backend.cases.machine import close_with_decision
from backend.platform.audit import Actor
from backend.platform.calendar import today_in_shanghai
from backend.platform.rows import Connection
from backend.repairs.kind import REPAIR

TERMINATED_EVENT = "repair.terminated"  # an objection revoked or corrected the record

_OUTCOME_WORDS = {
    "revoked": (
        "已被撤销，不再展示和计分，无需修复",
        "was revoked: it no longer shows or counts, so there is nothing to repair",
    ),
    "corrected": (
        "已被更正；如仍需修复，请针对更正后的记录重新申请",
        "was corrected; to repair it, apply again for the corrected record",
    ),
}


async def terminate_open_repairs(
    conn: Connection,
    *,
    record_id: int,
    outcome: str,
    cause: tuple[str, str],
    actor: Actor,
    today: dt.date,
) -> list[int]:
    """The record was revoked or corrected (by an objection's decision or by its department):
    its open repair applications end (终止办理) in the same transaction, with the reason and a
    notice to the citizen, and can no longer be accepted or approved. A revoked record never
    counted rightly, so there is nothing to repair; a corrected one is a different finding,
    with its own paths and dates, for which the citizen applies anew. ``cause`` says what
    happened, (Chinese, English). The caller holds the record's lock. Returns the ids closed."""
    rows = await store.locked_open_cases_of_record(conn, REPAIR, record_id)
    words_zh, words_en = _OUTCOME_WORDS[outcome]
    cause_zh, cause_en = cause
    reason = f"{cause_zh}，该记录{words_zh}。 {cause_en}, the record {words_en}."
    payload = {
        "causeZh": cause_zh,
        "causeEn": cause_en,
        "outcome": outcome,
        "outcomeZh": words_zh,
        "outcomeEn": words_en,
    }
    for row in rows:
        await close_with_decision(
            conn,
            REPAIR,
            row,
            action="terminate",
            status="terminated",
            reason=reason,
            actor=actor,
            today=today,
            payload=payload,
            notice=TERMINATED_EVENT,
        )
    return [row.id for row in rows]


def objection_cause(objection_id: int) -> tuple[str, str]:
    return f"异议（编号 {objection_id}）处理后", f"after objection #{objection_id}"


def department_cause(outcome: str, reason: str) -> tuple[str, str]:
    verb_zh, verb_en = ("撤销", "revoked") if outcome == "revoked" else ("更正", "corrected")
    return (
        f"报送单位以“{reason}”为由{verb_zh}了该记录",
        f"the reporting department {verb_en} it ({reason})",
    )


async def end_for_department(
    conn: Connection,
    *,
    record_id: int,
    outcome: Literal["revoked", "corrected"],
    reason: str,
    actor: Actor,
) -> list[int]:
    """The department revoked or corrected the record itself: its open applications end."""
    return await terminate_open_repairs(
        conn,
        record_id=record_id,
        outcome=outcome,
        cause=department_cause(outcome, reason),
        actor=actor,
        today=today_in_shanghai(),
    )
