"""Repair and objection on the same record: a record ends repaired or revoked, never both.

An objection that revokes or corrects the record closes its open repair applications in the
same transaction (status ``terminated``, with the reason and a notice to the citizen), after
which no one can accept or approve them; a repair is not approved while an objection may still
revoke the record; a revoked record is never accepted or approved for repair."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest

from backend.cases import machine as cases
from backend.cases.deadlines import check_deadlines
from backend.identity.sms import MemorySmsSender
from backend.notifications.relay import relay_all
from backend.platform.calendar import add_working_days
from backend.repairs.kind import REPAIR
from tests.api.objections.helpers import (
    REASON,
    Citizen,
    assert_problem,
    card_points,
    case_events,
    citizen,
    count,
    days_ago,
    file_objection,
    officer,
    repair_body,
)

PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"  # minor, -5, repairable at once
APPLY = "/v1/me/repair-applications"
REVOKE = {"outcome": "revoked", "reason": "核查属实，系他人冒用身份，撤销该记录"}


async def _applied(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str
) -> tuple[Citizen, int]:
    who = await citizen(client, sms, phone, [(PEDESTRIAN, days_ago(20))])
    response = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    assert response.status_code == 201, response.text
    return who, response.json()["application"]["id"]


def _repair(application_id: int, action: str, group: str = "department") -> str:
    return f"/v1/{group}/repairs/{application_id}/{action}"


def _objection(objection_id: int, action: str, group: str = "department") -> str:
    return f"/v1/{group}/objections/{objection_id}/{action}"


async def _verified_objection(
    client: httpx.AsyncClient, who: Citizen, proposal: dict[str, Any]
) -> int:
    """An objection against the citizen's first record, accepted and verified with
    ``proposal``: it waits for the credit office's decision."""
    filed = await file_objection(client, who, who.records[0])
    assert filed.status_code == 201, filed.text
    objection_id: int = filed.json()["objection"]["id"]
    accepted = await client.post(
        _objection(objection_id, "acceptance"), headers=who.dept, json=REASON
    )
    assert accepted.status_code == 200, accepted.text
    proposed = await client.post(
        _objection(objection_id, "proposal"), headers=who.dept, json=proposal
    )
    assert proposed.status_code == 200, proposed.text
    return objection_id


async def _decide(
    client: httpx.AsyncClient, headers: dict[str, str], objection_id: int, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        _objection(objection_id, "decision", "officer"), headers=headers, json=body
    )


async def test_a_revoking_objection_closes_the_open_repair_with_a_notice(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13938000001")
    officer_headers = await officer(client)
    objection_id = await _verified_objection(client, who, REVOKE)
    decided = await _decide(client, officer_headers, objection_id, REVOKE)
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "revoked"

    detail = (await client.get(f"{APPLY}/{application_id}", headers=who.headers)).json()
    application = detail["application"]
    assert application["status"] == "terminated" and application["deadline"] is None
    assert application["closedAt"] is not None and application["decidedOn"] is not None
    assert f"异议（编号 {objection_id}）" in application["decisionReason"]
    assert "revoked" in application["decisionReason"]
    last = detail["steps"][-1]
    assert (last["action"], last["fromStatus"], last["toStatus"]) == (
        "terminate",
        "submitted",
        "terminated",
    )
    assert last["actorKind"] == "officer" and last["actor"] == "信用办"
    assert await db.fetchval("SELECT due_on FROM repair_application") is None
    # The citizen is told, through the outbox, in a notice of its own.
    notices = await db.fetch("SELECT * FROM outbox_event WHERE kind = 'repair.terminated'")
    assert len(notices) == 1 and notices[0]["citizen"] == await db.fetchval(
        "SELECT id FROM citizen"
    )
    assert f"异议（编号 {objection_id}）处理后" in notices[0]["payload"]
    assert '"outcome": "revoked"' in notices[0]["payload"]
    assert await case_events(db, "repair") == ["submitted"]  # no case.changed for the close
    assert await relay_all() >= 1
    inbox = (await client.get("/v1/me/notifications", headers=who.headers)).json()["items"]
    told = next(n for n in inbox if n["title"] == "信用修复申请已终止办理")
    assert f"（编号 {application_id}）" in told["body"] and "已被撤销" in told["body"]
    audit = "SELECT count(*) FROM audit_log WHERE action = 'repair.terminated'"
    assert await count(db, audit) == 1

    # No one can take it up again: the department, nor the office on an overdue case.
    for action in ("acceptance", "approval", "rejection", "denial"):
        refused = await client.post(_repair(application_id, action), headers=who.dept, json=REASON)
        assert assert_problem(refused, 409, "case-closed")["extra"] == {"status": "terminated"}
    withdrawn = await client.post(f"{APPLY}/{application_id}/withdrawal", headers=who.headers)
    assert_problem(withdrawn, 409, "case-closed")
    record = await db.fetchrow("SELECT status, repaired_on FROM record")
    assert (record["status"], record["repaired_on"]) == ("revoked", None)
    assert await card_points(client, who.headers) == 1000
    reply_due = await db.fetchval("SELECT reply_due_on FROM repair_application")
    late = add_working_days(reply_due, 2)
    assert await check_deadlines(REPAIR, late) == {"near": 0, "escalated": 0}
    # Not a case the department decided: its promptness statistic is untouched.
    repair_stats = await db.fetchrow(
        "SELECT handled, late FROM department_case_stat WHERE case_kind = 'repair'"
    )
    assert repair_stats is None or tuple(repair_stats) == (0, 0)
    # Department and officer queues show it closed, not open.
    queue = (await client.get("/v1/department/repairs", headers=who.dept)).json()
    assert queue["items"] == []
    closed = await client.get("/v1/department/repairs?status=terminated", headers=who.dept)
    assert [a["id"] for a in closed.json()["items"]] == [application_id]


async def test_a_correcting_objection_closes_an_accepted_repair_and_a_new_one_is_taken(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13938000002")
    officer_headers = await officer(client)
    accepted = await client.post(
        _repair(application_id, "acceptance"), headers=who.dept, json=REASON
    )
    assert accepted.status_code == 200, accepted.text
    proposal = {
        "outcome": "corrected",
        "reason": "决定书文号登记有误",
        "correction": {"decisionDocumentNo": "杭公交决字〔2026〕第 88 号"},
    }
    objection_id = await _verified_objection(client, who, proposal)
    decided = await _decide(
        client, officer_headers, objection_id, {"outcome": "corrected", "reason": "予以更正"}
    )
    assert decided.status_code == 200, decided.text
    row = await db.fetchrow("SELECT status, decision_reason FROM repair_application")
    assert row["status"] == "terminated" and "corrected" in row["decision_reason"]
    notice = await db.fetchrow("SELECT payload FROM outbox_event WHERE kind = 'repair.terminated'")
    assert '"outcome": "corrected"' in notice["payload"]
    approve = await client.post(_repair(application_id, "approval"), headers=who.dept, json=REASON)
    assert_problem(approve, 409, "case-closed")
    assert await db.fetchval("SELECT status FROM record") == "active"
    # The corrected record is a finding of its own: the citizen applies anew.
    again = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    assert again.status_code == 201, again.text


async def test_an_upheld_objection_leaves_the_repair_open(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13938000003")
    officer_headers = await officer(client)
    upheld = {"outcome": "upheld", "reason": "经核查，处罚事实清楚，维持原记录"}
    objection_id = await _verified_objection(client, who, upheld)
    assert (await _decide(client, officer_headers, objection_id, upheld)).status_code == 200
    assert await db.fetchval("SELECT status FROM repair_application") == "submitted"
    assert (
        await count(db, "SELECT count(*) FROM outbox_event WHERE kind = 'repair.terminated'") == 0
    )
    await client.post(_repair(application_id, "acceptance"), headers=who.dept, json=REASON)
    approved = await client.post(
        _repair(application_id, "approval"), headers=who.dept, json={"reason": "准予修复"}
    )
    assert approved.status_code == 200, approved.text
    assert await db.fetchval("SELECT status FROM record") == "repaired"


async def test_a_repair_is_not_approved_while_an_objection_may_revoke_the_record(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13938000004")
    officer_headers = await officer(client)
    accepted = await client.post(
        _repair(application_id, "acceptance"), headers=who.dept, json=REASON
    )
    assert accepted.status_code == 200, accepted.text
    filed = await file_objection(client, who, who.records[0])
    objection_id = filed.json()["objection"]["id"]
    refused = await client.post(_repair(application_id, "approval"), headers=who.dept, json=REASON)
    body = assert_problem(refused, 409, "objection-open")
    assert body["extra"] == {"objectionId": objection_id}
    assert await db.fetchval("SELECT status FROM record") == "active"
    assert await db.fetchval("SELECT status FROM repair_application") == "accepted"
    # The objection then revokes the record: the repair closes, never approved.
    await client.post(_objection(objection_id, "acceptance"), headers=who.dept, json=REASON)
    await client.post(_objection(objection_id, "proposal"), headers=who.dept, json=REVOKE)
    assert (await _decide(client, officer_headers, objection_id, REVOKE)).status_code == 200
    record = await db.fetchrow("SELECT status, repaired_on FROM record")
    assert (record["status"], record["repaired_on"]) == ("revoked", None)
    assert await db.fetchval("SELECT status FROM repair_application") == "terminated"


async def test_a_revoked_record_is_never_accepted_or_approved_for_repair(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    """The department revoked the record itself (not through an objection)."""
    who, submitted = await _applied(client, sms, "13938000005")
    other = await citizen(client, sms, "13938000006", [(PEDESTRIAN, days_ago(15))], key=who.key)
    accepted = (
        await client.post(APPLY, headers=other.headers, json=repair_body(other.records[0]))
    ).json()["application"]["id"]
    await client.post(_repair(accepted, "acceptance"), headers=who.dept, json=REASON)
    for record_id in (who.records[0], other.records[0]):
        revoked = await client.post(
            f"/v1/department/records/{record_id}/revocation",
            headers=who.dept,
            json={"reason": "处罚决定已被行政复议撤销"},
        )
        assert revoked.status_code == 200, revoked.text
    # The revocation itself ended both applications; nothing can accept or approve them now.
    statuses = await db.fetch("SELECT status FROM repair_application")
    assert {row["status"] for row in statuses} == {"terminated"}
    accept = await client.post(_repair(submitted, "acceptance"), headers=who.dept, json=REASON)
    assert_problem(accept, 409, "case-closed")
    approve = await client.post(_repair(accepted, "approval"), headers=who.dept, json=REASON)
    assert_problem(approve, 409, "case-closed")
    assert await count(db, "SELECT count(*) FROM record WHERE repaired_on IS NOT NULL") == 0


async def test_an_objection_does_not_revoke_a_record_repaired_meanwhile(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    """Guard for a record repaired outside the objection's view (approval waits for open
    objections, so only an older path can get here): it ends repaired, not also revoked."""
    who = await citizen(client, sms, "13938000007", [(PEDESTRIAN, days_ago(20))])
    officer_headers = await officer(client)
    objection_id = await _verified_objection(client, who, REVOKE)
    await db.execute("UPDATE record SET status = 'repaired', repaired_on = current_date")
    refused = await _decide(client, officer_headers, objection_id, REVOKE)
    assert_problem(refused, 409, "record-repaired", "outcome")
    assert await db.fetchval("SELECT status FROM record") == "repaired"
    assert await db.fetchval("SELECT status FROM objection") == "verifying"
    upheld = {"outcome": "upheld", "reason": "记录已修复，维持并结案"}
    assert (await _decide(client, officer_headers, objection_id, upheld)).status_code == 200


async def test_the_department_cannot_revoke_or_correct_a_repaired_record(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13938000008")
    for action in ("acceptance", "approval"):
        done = await client.post(_repair(application_id, action), headers=who.dept, json=REASON)
        assert done.status_code == 200, done.text
    assert await db.fetchval("SELECT status FROM record") == "repaired"
    record = f"/v1/department/records/{who.records[0]}"
    revoked = await client.post(
        f"{record}/revocation", headers=who.dept, json={"reason": "处罚决定已被撤销"}
    )
    assert assert_problem(revoked, 409, "record-repaired")["extra"] == {"recordStatus": "repaired"}
    change = {"reason": "文号有误", "decisionDocumentNo": "杭公交决字〔2026〕第99号"}
    corrected = await client.post(f"{record}/correction", headers=who.dept, json=change)
    assert_problem(corrected, 409, "record-repaired")
    row = await db.fetchrow("SELECT status, repaired_on FROM record")
    assert row["status"] == "repaired" and row["repaired_on"] is not None


async def test_closing_the_repairs_commits_with_the_decision_or_not_at_all(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    who, application_id = await _applied(client, sms, "13938000008")
    officer_headers = await officer(client)
    objection_id = await _verified_objection(client, who, REVOKE)
    real_emit = cases.emit

    async def broken_for_terminations(
        conn: Any, citizen_id: int, kind: str, *a: Any, **kw: Any
    ) -> None:
        if kind == "repair.terminated":
            raise RuntimeError("outbox unavailable")
        await real_emit(conn, citizen_id, kind, *a, **kw)

    monkeypatch.setattr(cases, "emit", broken_for_terminations)
    failed = await _decide(client, officer_headers, objection_id, REVOKE)
    assert_problem(failed, 500, "internal-error")
    assert await db.fetchval("SELECT status FROM objection") == "verifying"
    assert await db.fetchval("SELECT status FROM record") == "active"
    assert await db.fetchval("SELECT status FROM repair_application") == "submitted"
    assert await db.fetchval("SELECT due_on FROM repair_application") is not None
    assert await count(db, "SELECT count(*) FROM audit_log WHERE action LIKE '%.revoked'") == 0
    monkeypatch.undo()
    assert (await _decide(client, officer_headers, objection_id, REVOKE)).status_code == 200
    assert await db.fetchval("SELECT status FROM repair_application") == "terminated"
    assert application_id == await db.fetchval("SELECT id FROM repair_application")


async def _waiting_for_a_lock(db: Any) -> bool:
    """Whether a session of this test database waits for a lock (within about two seconds)."""
    for _ in range(40):
        waiting = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        if waiting:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_repair_decision_takes_the_record_lock_before_the_case(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, database_url: str
) -> None:
    """An objection decision holds the record, then closes the repairs; a repair decision
    holding its case while it waits for the record would deadlock with it."""
    who, application_id = await _applied(client, sms, "13938000009")
    await client.post(_repair(application_id, "acceptance"), headers=who.dept, json=REASON)
    holder = await asyncpg.connect(database_url)
    try:
        held = holder.transaction()
        await held.start()
        await holder.execute("SELECT 1 FROM record WHERE id = $1 FOR UPDATE", who.records[0])
        approval = asyncio.create_task(
            client.post(_repair(application_id, "approval"), headers=who.dept, json=REASON)
        )
        assert await _waiting_for_a_lock(db)
        # While it waits for the record, the application itself is free to lock.
        free = await db.fetchval(
            "SELECT id FROM repair_application WHERE id = $1 FOR UPDATE NOWAIT", application_id
        )
        assert free == application_id
        await held.rollback()
        response = await approval
        assert response.status_code == 200, response.text
    finally:
        await holder.close()
