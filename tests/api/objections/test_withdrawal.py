"""A citizen withdraws (撤回) their own undecided objection: the case closes with no deadline, the
step and its reason are in the history, a suspended penalty applies again at once, and every
refusal (twice, decided, someone else's, unknown, a bad reason) is a problem document that
changes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from backend.cases.deadlines import check_deadlines
from backend.identity.sms import MemorySmsSender
from backend.notifications.relay import relay_all
from backend.objections.kind import OBJECTION
from backend.platform.calendar import add_working_days, today_in_shanghai
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
)

DRINK = "TRAFFIC-DRINK-DRIVING"  # general, -30 points


async def _filed(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str
) -> tuple[Citizen, int]:
    who = await citizen(client, sms, phone, [(DRINK, days_ago(20))])
    response = await file_objection(client, who, who.records[0])
    assert response.status_code == 201, response.text
    return who, response.json()["objection"]["id"]


def _withdrawal(objection_id: int) -> str:
    return f"/v1/me/objections/{objection_id}/withdrawal"


def _dept(objection_id: int, action: str) -> str:
    return f"/v1/department/objections/{objection_id}/{action}"


async def _withdrawn_events(db: Any) -> list[Any]:
    return list(
        await db.fetch("SELECT * FROM outbox_event WHERE kind = 'case.withdrawn' ORDER BY id")
    )


async def test_withdrawing_a_submitted_objection_closes_it_with_the_reason(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13936000001")
    reason = {"reason": "已与执法部门沟通清楚，不再申请异议"}
    response = await client.post(_withdrawal(objection_id), headers=who.headers, json=reason)
    assert response.status_code == 200, response.text
    body = response.json()
    objection = body["objection"]
    assert objection["status"] == "withdrawn"
    assert objection["deadline"] is None and objection["closedAt"] is not None
    assert objection["decidedOn"] is None and objection["decisionReason"] is None
    last = body["steps"][-1]
    assert (last["action"], last["fromStatus"], last["toStatus"]) == (
        "withdraw",
        "submitted",
        "withdrawn",
    )
    assert last["actorKind"] == "citizen" and last["reason"] == reason["reason"]
    assert last["dueOn"] is None and "actorId" not in last
    assert await db.fetchval("SELECT due_on FROM objection") is None
    actions = [r["action"] for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-1] == "objection.withdrawn"
    # A receipt (its own notice kind), not another case.changed event.
    assert await case_events(db, "objection") == ["submitted"]
    receipts = await _withdrawn_events(db)
    assert len(receipts) == 1 and '"caseKindZh": "异议申请"' in receipts[0]["payload"]
    assert await relay_all() >= 1
    inbox = (await client.get("/v1/me/notifications", headers=who.headers)).json()["items"]
    receipt = next(n for n in inbox if n["title"] == "异议申请已撤回")
    assert f"（编号 {objection_id}）" in receipt["body"] and "期限不再计算" in receipt["body"]
    # The department's queue no longer holds it; a withdrawn filter finds it.
    queue = (await client.get("/v1/department/objections", headers=who.dept)).json()
    assert queue["items"] == []
    withdrawn = await client.get("/v1/department/objections?status=withdrawn", headers=who.dept)
    assert [o["id"] for o in withdrawn.json()["items"]] == [objection_id]
    # The record can be disputed again.
    again = await file_objection(client, who, who.records[0])
    assert again.status_code == 201, again.text


async def test_withdrawing_an_accepted_objection_restores_the_penalty_at_once(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13936000002")
    accepted = await client.post(_dept(objection_id, "acceptance"), headers=who.dept, json=REASON)
    assert accepted.status_code == 200, accepted.text
    assert await card_points(client, who.headers) == 1000  # suspended while under review
    counter = await db.fetchval("SELECT change_counter FROM citizen")
    response = await client.post(_withdrawal(objection_id), headers=who.headers)  # no body
    assert response.status_code == 200, response.text
    last = response.json()["steps"][-1]
    assert (last["fromStatus"], last["toStatus"], last["reason"]) == ("accepted", "withdrawn", None)
    assert await db.fetchval("SELECT under_objection FROM record") is False
    assert await db.fetchval("SELECT change_counter FROM citizen") == counter + 1
    assert await card_points(client, who.headers) == 970  # at once, no worker ran
    records = (await client.get("/v1/me/records", headers=who.headers)).json()["items"]
    assert records[0]["underObjection"] is False and records[0]["pointsEffect"] == -30
    # The withdrawal is not a case the department handled (政务诚信 counts decisions only).
    stats = await db.fetchrow("SELECT handled, on_time, late FROM department_case_stat")
    assert stats is None or tuple(stats) == (0, 0, 0)


async def test_a_verified_objection_can_still_be_withdrawn_and_not_decided_after(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13936000003")
    officer_headers = await officer(client)
    await client.post(_dept(objection_id, "acceptance"), headers=who.dept, json=REASON)
    proposal = {"outcome": "revoked", "reason": "核查属实，撤销该记录"}
    proposed = await client.post(_dept(objection_id, "proposal"), headers=who.dept, json=proposal)
    assert proposed.json()["status"] == "verifying"
    response = await client.post(_withdrawal(objection_id), headers=who.headers, json={})
    assert response.status_code == 200, response.text
    assert response.json()["objection"]["status"] == "withdrawn"
    decided = await client.post(
        f"/v1/officer/objections/{objection_id}/decision", headers=officer_headers, json=proposal
    )
    assert_problem(decided, 409, "case-closed")
    assert await db.fetchval("SELECT status FROM record") == "active"
    assert await db.fetchval("SELECT under_objection FROM record") is False


async def test_staff_cannot_act_on_a_withdrawn_objection(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13936000004")
    await client.post(_withdrawal(objection_id), headers=who.headers)
    steps = await count(db, "SELECT count(*) FROM case_step")
    for action in ("acceptance", "rejection", "extension"):
        response = await client.post(_dept(objection_id, action), headers=who.dept, json=REASON)
        body = assert_problem(response, 409, "case-closed")
        assert body["extra"] == {"status": "withdrawn"}
    assert await count(db, "SELECT count(*) FROM case_step") == steps
    assert await db.fetchval("SELECT under_objection FROM record") is False


async def test_withdrawing_twice_or_after_the_decision_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, first = await _filed(client, sms, "13936000005")
    assert (await client.post(_withdrawal(first), headers=who.headers)).status_code == 200
    twice = await client.post(_withdrawal(first), headers=who.headers, json={"reason": "再撤一次"})
    assert assert_problem(twice, 409, "case-closed")["extra"] == {"status": "withdrawn"}

    second = (await file_objection(client, who, who.records[0])).json()["objection"]["id"]
    await client.post(_dept(second, "rejection"), headers=who.dept, json={"reason": "不予受理"})
    decided = await client.post(_withdrawal(second), headers=who.headers)
    assert assert_problem(decided, 409, "case-closed")["extra"] == {"status": "rejected"}
    assert await db.fetchval("SELECT status FROM objection WHERE id = $1", second) == "rejected"
    assert len(await _withdrawn_events(db)) == 1
    audit = "SELECT count(*) FROM audit_log WHERE action = 'objection.withdrawn'"
    assert await count(db, audit) == 1


async def test_another_citizens_objection_answers_like_an_unknown_one(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13936000006")
    other = await citizen(client, sms, "13936000007", [], key=who.key)
    foreign = await client.post(_withdrawal(objection_id), headers=other.headers)
    unknown = await client.post(_withdrawal(objection_id + 1000), headers=other.headers)
    huge = await client.post(_withdrawal(2**63), headers=other.headers)
    bodies = [assert_problem(r, 404, "objection-not-found") for r in (foreign, unknown)]
    assert bodies[0]["detail"].replace(str(objection_id), "N") == bodies[1]["detail"].replace(
        str(objection_id + 1000), "N"
    )
    assert huge.status_code in (400, 404, 422), huge.text
    assert await db.fetchval("SELECT status FROM objection") == "submitted"
    assert await count(db, "SELECT count(*) FROM case_step") == 1
    # Departments and the unauthenticated cannot use the citizen's route.
    assert (await client.post(_withdrawal(objection_id), headers=who.dept)).status_code == 401
    assert (await client.post(_withdrawal(objection_id))).status_code == 401


async def test_a_withdrawal_reason_is_checked(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13936000008")
    for body in ({"reason": " "}, {"reason": "x" * 1001}, {"reason": 5}, {"why": "不想要了"}):
        response = await client.post(_withdrawal(objection_id), headers=who.headers, json=body)
        assert response.status_code in (400, 422), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    bad = await client.post(_withdrawal(objection_id), headers=who.headers, json={"reason": " "})
    assert_problem(bad, 422, "validation-failed", "reason")
    assert await db.fetchval("SELECT status FROM objection") == "submitted"


async def test_the_deadline_check_leaves_a_withdrawn_objection_alone(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13936000009")
    accept_due = await db.fetchval("SELECT accept_due_on FROM objection")
    await client.post(_withdrawal(objection_id), headers=who.headers)
    late = add_working_days(accept_due, 3)
    assert await check_deadlines(OBJECTION, late) == {"near": 0, "escalated": 0}
    assert await check_deadlines(OBJECTION, today_in_shanghai()) == {"near": 0, "escalated": 0}
    assert await db.fetchval("SELECT department_late FROM objection") is False
    assert await case_events(db, "objection") == ["submitted"]
