"""What objection (异议) and repair (信用修复) cases share: the steps of a case, the transition
record (step + audit + outbox in the caller's transaction), deadlines in working days, the
per-department handling statistic (政务诚信), the hourly deadline check, staff access and the
query log of staff looks, and re-scoring right after a decision.

Both case tables have the same bookkeeping columns (``citizen``, ``department``, ``record``,
``status``, ``due_on``, ``near_flagged_for``, ``escalated_for``, ``escalated_at``,
``department_late``), so these functions work on either, named by a :class:`CaseKind`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from backend.identity.principals import ClientPrincipal, OfficerPrincipal
from backend.notifications.outbox import emit
from backend.objections.schemas import CaseCounts, DepartmentStatistics, StepOut
from backend.platform import runtime
from backend.platform.audit import SYSTEM, Actor, write_audit
from backend.platform.calendar import add_working_days, today_in_shanghai, working_days_between
from backend.platform.database import connection
from backend.platform.engine import DB
from backend.platform.errors import Conflict, InvalidInput, NotFound
from backend.platform.language import say
from backend.platform.query_log import write_query_log
from backend.records.schemas import DepartmentRef
from backend.scoring.queue import enqueue_rescore
from backend.scoring.service import rescore

log = logging.getLogger("backend.cases")
Staff = ClientPrincipal | OfficerPrincipal
CREDIT_OFFICE = "信用办 (credit office)"  # the organisation named in query logs (stored text)
# Who acted on a case, by role, as a reader sees it (zh-CN, en).
ROLE_WORDS = {
    "citizen": ("市民", "Citizen"), "officer": ("信用办", "Credit office"),
    "department": ("报送单位", "Reporting department"), "system": ("系统", "System"),
}  # fmt: skip
# Case statuses in plain words for problem details (zh-CN, en).
STATUS_WORDS = {
    "submitted": ("已提交", "submitted"), "accepted": ("已受理", "accepted"),
    "rejected": ("不予受理", "rejected"), "verifying": ("核查完毕待决定", "verified"),
    "upheld": ("维持原记录", "upheld"), "corrected": ("已更正", "corrected"),
    "revoked": ("已撤销", "revoked"), "withdrawn": ("已撤回", "withdrawn"),
    "approved": ("准予修复", "approved"), "denied": ("不予修复", "denied"),
    "terminated": ("已终止办理", "terminated"),
}  # fmt: skip
# What a transition does, for "cannot be ... now" (zh-CN, en).
ACTION_WORDS = {
    "accepted": ("受理", "accepted"), "rejected": ("不予受理", "rejected"),
    "extended": ("延期", "extended"), "proposed": ("提交核查意见", "given a proposal"),
    "decided": ("作出决定", "decided"), "withdrawn": ("撤回", "withdrawn"),
    "approved": ("准予修复", "approved"), "denied": ("不予修复", "denied"),
}  # fmt: skip
Audience = Literal["citizen", "department", "officer"]  # who reads a case's steps
FAR_FUTURE = dt.date(9999, 12, 31)  # sort key of closed cases, which have no deadline
CASE_EVENT = "case.changed"  # the outbox kind of case events (see emit_event)
WITHDRAWN_EVENT = "case.withdrawn"  # the citizen withdrew their own case (a receipt)
TERMINATED_EVENT = "repair.terminated"  # an objection revoked or corrected the record
CASE_KIND_NAMES = {
    "objection": ("异议申请", "objection"),
    "repair": ("信用修复申请", "repair application"),
}


@dataclass(frozen=True)
class CaseKind:
    name: str  # objection | repair (also the audit object type and the event prefix)
    table: str
    open_statuses: tuple[str, ...]
    department_turn: frozenset[str]  # statuses in which the department must act next
    not_found_code: str

    def is_open(self, status: str) -> bool:
        return status in self.open_statuses


OBJECTION = CaseKind(
    "objection", "objection", ("submitted", "accepted", "verifying"),
    frozenset({"submitted", "accepted"}), "objection-not-found",
)  # fmt: skip
REPAIR = CaseKind(
    "repair", "repair_application", ("submitted", "accepted"),
    frozenset({"submitted", "accepted"}), "repair-not-found",
)  # fmt: skip
KINDS = {kind.name: kind for kind in (OBJECTION, REPAIR)}
_MAX_ID = 2**63 - 1


# --- reading and access -------------------------------------------------------------------------


def kind_words(kind: CaseKind) -> tuple[str, str]:
    return CASE_KIND_NAMES[kind.name]


def status_words(status: str) -> str:
    zh, en = STATUS_WORDS.get(status, (status, status))
    return say(zh, en)


def not_found(kind: CaseKind, case_id: int) -> NotFound:
    zh, en = kind_words(kind)
    return NotFound(
        say(f"找不到您可查看的{zh}（编号 {case_id}）", f"{en} {case_id} is not one you may see"),
        code=kind.not_found_code,
    )


def record_not_yours(record_id: int) -> InvalidInput:
    """A body names a record that is not the citizen's: 422 on ``recordId`` (the operation's
    own URL exists, so not 404), and someone else's record reads exactly like a missing one."""
    return InvalidInput(
        say(f"记录（编号 {record_id}）不是您的信用记录",
            f"record {record_id} is not one of your records"),
        field="recordId", code="record-not-found",
    )  # fmt: skip


def check_staff_access(kind: CaseKind, row: Any, by: Staff, case_id: int) -> None:
    """Officers see every case; a department only the cases against its own records (another
    department's case is reported exactly like a missing one)."""
    if row is None or (isinstance(by, ClientPrincipal) and row["department"] != by.client_id):
        raise not_found(kind, case_id)


_LOCK_SQL = (
    "SELECT c.*, r.status AS record_status, r.record_type, r.catalog_version FROM {table} c"
    " JOIN record r ON r.id = c.record WHERE c.id = $1 FOR UPDATE OF c, r{skip}"
)
_CASE_SQL = (
    "SELECT c.*, r.status AS record_status, r.record_type, r.catalog_version FROM {table} c"
    " JOIN record r ON r.id = c.record WHERE c.id = $1 FOR UPDATE OF c"
)


async def lock_case(conn: Any, kind: CaseKind, case_id: int) -> Any:
    """The case row (with its record's status, type and catalog version) and the record row,
    both locked for the rest of the transaction.

    The record is locked first, then the case, on every path that changes a case: an objection
    decision closes the record's open repair applications while holding the record, so a repair
    decision taking the two locks the other way round could deadlock with it."""
    if not 1 <= case_id <= _MAX_ID:
        return None
    record_id = await conn.fetchval(f"SELECT record FROM {kind.table} WHERE id = $1", case_id)
    if record_id is None:
        return None
    await conn.execute("SELECT 1 FROM record WHERE id = $1 FOR UPDATE", record_id)
    return await conn.fetchrow(_CASE_SQL.format(table=kind.table), case_id)


def require_status(kind: CaseKind, row: Any, allowed: tuple[str, ...], action: str) -> None:
    """``action`` is a key of ``ACTION_WORDS`` (the past participle: accepted, extended, ...)."""
    status = row["status"]
    zh, en = kind_words(kind)
    if not kind.is_open(status):
        raise Conflict(
            say(f"该{zh}（编号 {row['id']}）已办结（{status_words(status)}），不能再更改",
                f"{en} {row['id']} is closed ({status_words(status)}); it cannot be changed"
                " any more"),
            code="case-closed", extra={"status": status},
        )  # fmt: skip
    if status not in allowed:
        act_zh, act_en = ACTION_WORDS.get(action, (action, action))
        when = say("或".join(status_words(s) for s in allowed),
                   " or ".join(status_words(s) for s in allowed))  # fmt: skip
        raise Conflict(
            say(f"该{zh}（编号 {row['id']}）当前为“{status_words(status)}”，现在不能{act_zh}"
                f"（仅在“{when}”时可以）",
                f"{en} {row['id']} is {status_words(status)}: it cannot be {act_en} now (only"
                f" when {when})"),
            code="invalid-transition", extra={"status": status, "allowedFrom": list(allowed)},
        )  # fmt: skip


async def department_principal(conn: Any, department_id: int) -> ClientPrincipal:
    row = await conn.fetchrow(
        "SELECT id, kind, code, name, scopes FROM api_client WHERE id = $1", department_id
    )
    return ClientPrincipal(
        client_id=row["id"], kind=row["kind"], code=row["code"], name=row["name"],
        scopes=frozenset(row["scopes"]),
    )  # fmt: skip


async def log_staff_look(
    conn: Any, citizen_id: int, by: Staff, *, seen: str, purpose: str, basis: str
) -> None:
    """Every look by a department or an officer goes to the citizen's query log (查询日志)."""
    organisation = by.name if isinstance(by, ClientPrincipal) else CREDIT_OFFICE
    await write_query_log(
        citizen_id, by.actor, organisation, seen=seen, purpose=purpose, basis=basis, conn=conn
    )


_STEPS_SQL = (
    "SELECT s.*, d.name AS department_name, o.username AS officer_username FROM case_step s"
    " LEFT JOIN api_client d ON s.actor_kind = 'department' AND d.id::text = s.actor_id"
    " LEFT JOIN officer o ON s.actor_kind = 'officer' AND o.id::text = s.actor_id"
    " WHERE s.case_kind = $1 AND s.case_id = $2 ORDER BY s.id"
)


def actor_word(actor_kind: str, department_name: str | None) -> str:
    """Who acted, by role and in the request's language: a department by its name, the credit
    office as one body (信用办), a citizen as 市民, never by an internal id."""
    if actor_kind == "department" and department_name:
        return department_name
    zh, en = ROLE_WORDS.get(actor_kind, (actor_kind, actor_kind))
    return say(zh, en)


async def steps(conn: Any, kind: CaseKind, case_id: int, *, audience: Audience) -> list[StepOut]:
    """The case history. Only the credit office (``audience="officer"``) sees who acted by id
    and which officer acted by username: citizens and departments see role words."""
    rows = await conn.fetch(_STEPS_SQL, kind.name, case_id)
    officer = audience == "officer"
    return [
        StepOut(
            action=r["action"], from_status=r["from_status"], to_status=r["to_status"],
            actor_kind=r["actor_kind"], actor=actor_word(r["actor_kind"], r["department_name"]),
            reason=r["reason"], due_on=r["due_on"], business_date=r["business_date"], at=r["at"],
            actor_id=r["actor_id"] if officer else None,
            officer_username=r["officer_username"] if officer else None,
        )
        for r in rows
    ]  # fmt: skip


def audience_of(by: Staff) -> Audience:
    return "officer" if isinstance(by, OfficerPrincipal) else "department"


def working_days_left(due_on: dt.date, today: dt.date) -> int:
    """0 on the due day, positive before it, negative (working days past) after it."""
    return working_days_between(today, due_on)


# --- transitions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One state change: what the step, the audit entry and the outbox event say."""

    action: str  # accept, reject, extend, propose, upheld, ...
    event: str  # the event and audit suffix: accepted, rejected, extended, ...
    to_status: str
    actor: Actor
    reason: str | None
    due_on: dt.date | None  # the deadline after the change (None once closed)
    closes: bool = False  # a decision that closes the case: counted as handled (政务诚信)
    notice: str = CASE_EVENT  # the outbox kind telling the citizen


async def record_transition(
    conn: Any,
    kind: CaseKind,
    row: Any,
    change: Transition,
    today: dt.date,
    payload: dict[str, Any],
    *,
    created: bool = False,
) -> None:
    """Step, statistics, audit entry and outbox event of a state change, in the caller's
    transaction. ``row`` is the case as it was before the change (the caller has already
    updated it), or the new row when ``created``."""
    lapsed = False if created else await note_department_lapse(conn, kind, row, today)
    if change.closes:
        await _bump_stat(conn, row["department"], kind, handled=1,
                         on_time=0 if (row["department_late"] or lapsed) else 1)  # fmt: skip
    from_status = None if created else row["status"]
    await add_step(conn, kind, row["id"], change, from_status, today)
    before = None if created else {"status": row["status"], "dueOn": row["due_on"]}
    after = {"status": change.to_status, "dueOn": change.due_on, "reason": change.reason}
    await write_audit(
        change.actor, f"{kind.name}.{change.event}", kind.name, row["id"], before=before,
        after=after,
    )  # fmt: skip
    due = change.due_on.isoformat() if change.due_on else None
    body = {**payload, "status": change.to_status, "dueOn": due, "reason": change.reason}
    await emit_event(conn, kind, row, change.event, body, notice=change.notice)


async def add_step(
    conn: Any, kind: CaseKind, case_id: int, change: Transition, from_status: str | None,
    today: dt.date,
) -> None:  # fmt: skip
    await conn.execute(
        "INSERT INTO case_step (case_kind, case_id, action, from_status, to_status, actor_kind,"
        " actor_id, reason, due_on, business_date, at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())",
        kind.name, case_id, change.action, from_status, change.to_status, change.actor.kind,
        change.actor.id, change.reason, change.due_on, today,
    )  # fmt: skip


async def emit_event(
    conn: Any, kind: CaseKind, row: Any, state: str, payload: dict[str, Any], key: str = "",
    *, notice: str = CASE_EVENT,
) -> None:  # fmt: skip
    """One outbox event for the case's citizen: ``case.changed`` for objection and repair
    changes (``backend.notifications.events.CaseChanged``), or the ``notice`` kind with its own
    template (a withdrawal, a repair closed by an objection). ``state`` is the new status or
    what happened (``extended``, ``deadline.near``, ``escalated``); the dedupe key names the
    case, the state and ``key`` (a deadline, for the hourly check)."""
    title_zh, _ = record_titles(row["record_type"], row["catalog_version"])
    body = {
        "caseKind": kind.name, "caseId": row["id"], "state": state, "recordTitle": title_zh,
        "recordId": row["record"], "recordType": row["record_type"], **payload,
    }  # fmt: skip
    dedupe = f"{kind.name}:{row['id']}:{state}{key}"
    await emit(conn, row["citizen"], notice, body, dedupe_key=dedupe)


async def rescore_now(citizen_id: int, reason: str) -> None:
    """Re-score right after the decision committed, so the card moves at once; if that fails a job
    is queued, and should that fail too the minute sweep finds the citizen behind (the change
    counter moved) and re-scores them."""
    try:
        await rescore(citizen_id, reason=reason)
    except Exception:
        log.warning("re-scoring citizen %s after %s failed", citizen_id, reason, exc_info=True)
        await enqueue_rescore([citizen_id])


async def bump_change_counter(conn: Any, citizen_id: int) -> None:
    await conn.execute(
        "UPDATE citizen SET change_counter = change_counter + 1 WHERE id = $1", citizen_id
    )


# --- closing without a decision ------------------------------------------------------------------


async def withdraw_case(
    conn: Any, kind: CaseKind, case_id: int, citizen_id: int, reason: str | None, today: dt.date
) -> Any:
    """The citizen withdraws (撤回) their own undecided case, in the caller's transaction: it
    closes with no deadline left, the step and audit entry say so, and the citizen gets a
    receipt. Returns the case row as it was before. Another citizen's case answers exactly
    like an unknown one."""
    row = await lock_case(conn, kind, case_id)
    if row is None or row["citizen"] != citizen_id:
        raise not_found(kind, case_id)
    require_status(kind, row, kind.open_statuses, "withdrawn")
    await conn.execute(
        f"UPDATE {kind.table} SET status = 'withdrawn', due_on = NULL, closed_at = now(),"
        " updated_at = now() WHERE id = $1",
        case_id,
    )
    actor = Actor("citizen", str(citizen_id))
    change = Transition(
        "withdraw", "withdrawn", "withdrawn", actor, reason, None, notice=WITHDRAWN_EVENT
    )
    name_zh, name_en = CASE_KIND_NAMES[kind.name]
    payload = {"caseKindZh": name_zh, "caseKindEn": name_en}
    await record_transition(conn, kind, row, change, today, payload)
    return row


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
    conn: Any,
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
    rows = await conn.fetch(
        "SELECT c.*, r.status AS record_status, r.record_type, r.catalog_version"
        " FROM repair_application c JOIN record r ON r.id = c.record WHERE c.record = $1"
        f" AND c.status IN ({_in_list(REPAIR.open_statuses)}) ORDER BY c.id FOR UPDATE OF c",
        record_id,
    )
    words_zh, words_en = _OUTCOME_WORDS[outcome]
    cause_zh, cause_en = cause
    reason = f"{cause_zh}，该记录{words_zh}。 {cause_en}, the record {words_en}."
    for row in rows:
        await conn.execute(
            "UPDATE repair_application SET status = 'terminated', decision_reason = $2,"
            " decided_on = $3, due_on = NULL, closed_at = now(), updated_at = now()"
            " WHERE id = $1",
            row["id"], reason, today,
        )  # fmt: skip
        change = Transition(
            "terminate", "terminated", "terminated", actor, reason, None,
            notice=TERMINATED_EVENT,
        )  # fmt: skip
        payload = {"causeZh": cause_zh, "causeEn": cause_en, "outcome": outcome,
                   "outcomeZh": words_zh, "outcomeEn": words_en}  # fmt: skip
        await record_transition(conn, REPAIR, row, change, today, payload)
    return [row["id"] for row in rows]


def objection_cause(objection_id: int) -> tuple[str, str]:
    return f"异议（编号 {objection_id}）处理后", f"after objection #{objection_id}"


def department_cause(outcome: str, reason: str) -> tuple[str, str]:
    verb_zh, verb_en = ("撤销", "revoked") if outcome == "revoked" else ("更正", "corrected")
    return (
        f"报送单位以“{reason}”为由{verb_zh}了该记录",
        f"the reporting department {verb_en} it ({reason})",
    )


def _in_list(statuses: tuple[str, ...]) -> str:
    return ", ".join(f"'{s}'" for s in statuses)


# --- deadlines and statistics -------------------------------------------------------------------


async def note_department_lapse(conn: Any, kind: CaseKind, row: Any, today: dt.date) -> bool:
    """If it was the department's turn and the current deadline has passed, count the case as
    late against the department, once per case. Returns True if this call counted it."""
    due = row["due_on"]
    if row["department_late"] or row["status"] not in kind.department_turn:
        return False
    if due is None or due >= today:
        return False
    await conn.execute(f"UPDATE {kind.table} SET department_late = true WHERE id = $1", row["id"])
    await _bump_stat(conn, row["department"], kind, late=1)
    return True


async def _bump_stat(
    conn: Any, department_id: int, kind: CaseKind, *, handled: int = 0, on_time: int = 0,
    late: int = 0,
) -> None:  # fmt: skip
    await conn.execute(
        "INSERT INTO department_case_stat (department, case_kind, handled, on_time, late,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, now())"
        " ON CONFLICT (department, case_kind) DO UPDATE SET"
        " handled = department_case_stat.handled + EXCLUDED.handled,"
        " on_time = department_case_stat.on_time + EXCLUDED.on_time,"
        " late = department_case_stat.late + EXCLUDED.late, updated_at = now()",
        department_id, kind.name, handled, on_time, late,
    )  # fmt: skip


async def check_deadlines(kind: CaseKind, today: dt.date) -> dict[str, int]:
    """The hourly check: flag cases due within one working day (an outbox event once per case
    and deadline) and escalate overdue ones to the credit office (once per deadline), counting
    the lapse against the department whose turn it was."""
    horizon = add_working_days(today, 1)
    near = await _candidates(
        f"SELECT id FROM {kind.table} WHERE due_on BETWEEN $1 AND $2"
        " AND near_flagged_for IS DISTINCT FROM due_on ORDER BY due_on, id",
        today,
        horizon,
    )
    flagged = sum([await _flag_near(kind, case_id, today, horizon) for case_id in near])
    overdue = await _candidates(
        f"SELECT id FROM {kind.table} WHERE due_on < $1"
        " AND escalated_for IS DISTINCT FROM due_on ORDER BY due_on, id",
        today,
    )
    escalated = sum([await _escalate(kind, case_id, today) for case_id in overdue])
    if flagged or escalated:
        log.info("%s deadlines on %s: %d near, %d escalated", kind.name, today, flagged, escalated)
    return {"near": flagged, "escalated": escalated}


async def _candidates(sql: str, *args: Any) -> list[int]:
    async with connection() as conn:
        return [row["id"] for row in await conn.fetch(sql, *args)]


async def _locked_for_check(conn: Any, kind: CaseKind, case_id: int) -> Any:
    """Like :func:`lock_case`, but a case another transaction holds is left for the next run."""
    return await conn.fetchrow(_LOCK_SQL.format(table=kind.table, skip=" SKIP LOCKED"), case_id)


async def _flag_near(kind: CaseKind, case_id: int, today: dt.date, horizon: dt.date) -> int:
    async with DB.transaction(), connection() as conn:
        row = await _locked_for_check(conn, kind, case_id)
        due = row["due_on"] if row else None
        if due is None or not today <= due <= horizon or row["near_flagged_for"] == due:
            return 0
        await conn.execute(
            f"UPDATE {kind.table} SET near_flagged_for = due_on WHERE id = $1", case_id
        )
        payload = {"status": row["status"], "dueOn": due.isoformat(),
                   "workingDaysLeft": working_days_left(due, today)}  # fmt: skip
        await emit_event(conn, kind, row, "deadline.near", payload, key=f":{due.isoformat()}")
    return 1


async def _escalate(kind: CaseKind, case_id: int, today: dt.date) -> int:
    async with DB.transaction(), connection() as conn:
        row = await _locked_for_check(conn, kind, case_id)
        due = row["due_on"] if row else None
        if due is None or due >= today or row["escalated_for"] == due:
            return 0
        await note_department_lapse(conn, kind, row, today)
        await conn.execute(
            f"UPDATE {kind.table} SET escalated_for = due_on, escalated_at = now() WHERE id = $1",
            case_id,
        )
        responsible = "department" if row["status"] in kind.department_turn else "credit_office"
        after = {"status": row["status"], "dueOn": due, "responsible": responsible}
        await write_audit(SYSTEM, f"{kind.name}.escalated", kind.name, case_id, after=after)
        payload = {"status": row["status"], "dueOn": due.isoformat(), "responsible": responsible}
        await emit_event(conn, kind, row, "escalated", payload, key=f":{due.isoformat()}")
    return 1


async def department_statistics() -> list[DepartmentStatistics]:
    async with connection() as conn:
        rows = await conn.fetch(_STATISTICS_SQL, today_in_shanghai())
    by_department: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = by_department.setdefault(
            r["department"], {"ref": DepartmentRef(code=r["code"], name=r["name"])}
        )
        entry[r["case_kind"]] = CaseCounts(
            handled=r["handled"], on_time=r["on_time"], late=r["late"], open=r["open"],
            overdue=r["overdue"],
        )  # fmt: skip
    empty = CaseCounts(handled=0, on_time=0, late=0, open=0, overdue=0)
    return [
        DepartmentStatistics(
            department=e["ref"], objections=e.get("objection", empty),
            repairs=e.get("repair", empty),
        )
        for _, e in sorted(by_department.items(), key=lambda item: item[1]["ref"].code)
    ]  # fmt: skip


_OPEN_COUNTS = (
    "SELECT department, '{kind}' AS case_kind, count(*) AS open,"
    " count(*) FILTER (WHERE due_on < $1) AS overdue FROM {table}"
    " WHERE status IN ({statuses}) GROUP BY department"
)
_LIVE = " UNION ALL ".join(
    _OPEN_COUNTS.format(
        kind=k.name, table=k.table, statuses=", ".join(f"'{s}'" for s in k.open_statuses)
    )
    for k in KINDS.values()
)
_STATISTICS_SQL = (
    f"WITH live AS ({_LIVE}), keys AS (SELECT department, case_kind FROM department_case_stat"
    " UNION SELECT department, case_kind FROM live)"
    " SELECT k.department, k.case_kind, d.code, d.name,"
    " coalesce(s.handled, 0) AS handled, coalesce(s.on_time, 0) AS on_time,"
    " coalesce(s.late, 0) AS late, coalesce(l.open, 0) AS open,"
    " coalesce(l.overdue, 0) AS overdue"
    " FROM keys k JOIN api_client d ON d.id = k.department"
    " LEFT JOIN department_case_stat s ON s.department = k.department"
    " AND s.case_kind = k.case_kind"
    " LEFT JOIN live l ON l.department = k.department AND l.case_kind = k.case_kind"
)


# --- listing ------------------------------------------------------------------------------------


def record_titles(record_type: str, catalog_version: str) -> tuple[str, str]:
    """The record type's (zh, en) names in the catalog version the record was reported under."""
    catalogs = runtime.current().catalogs
    catalog = catalogs.by_version(catalog_version) or catalogs.latest
    entry = catalog.get(record_type)
    if entry is None:  # a type no catalog knows any more: say what it is, not its code
        return "信用记录", "Credit record"
    return entry.name_zh, entry.name_en


def record_title(record_type: str, catalog_version: str) -> str:
    """The record type's name in the request's language."""
    return say(*record_titles(record_type, catalog_version))


@dataclass(frozen=True)
class QueueFilter:
    """Filters of a staff work queue; the queue is sorted by deadline (closed cases last)."""

    status: str = "open"  # open | closed | all | one status
    overdue: bool | None = None
    escalated: bool | None = None
    department_id: int | None = None  # a department sees only its own cases
    department_code: str | None = None  # an officer may pick one department


def queue_sql(
    kind: CaseKind, select: str, f: QueueFilter, today: dt.date, after: Any, limit: int
) -> tuple[str, list[Any]]:
    """``select`` names the case table ``c`` and the department ``d``."""
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = [_status_condition(kind, f.status, arg)]
    if f.department_id is not None:
        where.append(f"c.department = {arg(f.department_id)}")
    if f.department_code is not None:
        where.append(f"d.code = {arg(f.department_code)}")
    if f.overdue is not None:
        where.append(f"{'' if f.overdue else 'NOT '}coalesce(c.due_on < {arg(today)}, false)")
    if f.escalated is not None:
        where.append(f"c.escalated_at IS {'NOT ' if f.escalated else ''}NULL")
    key = f"coalesce(c.due_on, DATE '{FAR_FUTURE.isoformat()}')"
    if after is not None:
        where.append(f"({key}, c.id) > ({arg(after[0])}::date, {arg(after[1])})")
    sql = f"{select} WHERE {' AND '.join(where)} ORDER BY {key}, c.id LIMIT {arg(limit + 1)}"
    return sql, args


def _status_condition(kind: CaseKind, status: str, arg: Callable[[Any], str]) -> str:
    open_list = ", ".join(f"'{s}'" for s in kind.open_statuses)
    if status == "open":
        return f"c.status IN ({open_list})"
    if status == "closed":
        return f"c.status NOT IN ({open_list})"
    if status == "all":
        return "true"
    return f"c.status = {arg(status)}"


def queue_key(due_on: dt.date | None, case_id: int) -> tuple[str, int]:
    return ((due_on or FAR_FUTURE).isoformat(), case_id)
