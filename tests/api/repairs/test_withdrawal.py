"""A citizen withdraws (撤回) their own undecided repair application: it closes with no deadline,
the step and its reason are in the history, the record stays as it is and can be applied for
again, and every refusal (twice, decided, someone else's, unknown) changes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from backend.cases.deadlines import check_deadlines
from backend.identity.sms import MemorySmsSender
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
    repair_body,
)

PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"  # minor, -5, repairable at once
APPLY = "/v1/me/repair-applications"


async def _applied(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str
) -> tuple[Citizen, int]:
    who = await citizen(client, sms, phone, [(PEDESTRIAN, days_ago(20))])
    response = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    assert response.status_code == 201, response.text
    return who, response.json()["application"]["id"]


def _withdrawal(application_id: int) -> str:
    return f"{APPLY}/{application_id}/withdrawal"


def _dept(application_id: int, action: str) -> str:
    return f"/v1/department/repairs/{application_id}/{action}"


async def test_withdrawing_an_application_closes_it_and_the_record_stays(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13937000001")
    reason = {"reason": "准备改走志愿服务途径"}
    response = await client.post(_withdrawal(application_id), headers=who.headers, json=reason)
    assert response.status_code == 200, response.text
    body = response.json()
    application = body["application"]
    assert application["status"] == "withdrawn" and application["deadline"] is None
    assert application["closedAt"] is not None and application["decidedOn"] is None
    last = body["steps"][-1]
    assert (last["action"], last["fromStatus"], last["toStatus"], last["reason"]) == (
        "withdraw",
        "submitted",
        "withdrawn",
        reason["reason"],
    )
    assert last["actor"] == "市民" and "actorId" not in last
    assert await db.fetchval("SELECT due_on FROM repair_application") is None
    assert await db.fetchval("SELECT status FROM record") == "active"
    assert await card_points(client, who.headers) == 995
    assert await case_events(db, "repair") == ["submitted"]
    receipt = await db.fetchrow("SELECT * FROM outbox_event WHERE kind = 'case.withdrawn'")
    assert receipt is not None and '"caseKind": "repair"' in receipt["payload"]
    audit = "SELECT count(*) FROM audit_log WHERE action = 'repair.withdrawn'"
    assert await count(db, audit) == 1
    # Options show the record repairable again, and a new application is taken.
    options = (
        await client.get(f"/v1/me/records/{who.records[0]}/repair-options", headers=who.headers)
    ).json()
    assert options["possibleNow"] is True and options["openApplicationId"] is None
    again = await client.post(
        APPLY, headers=who.headers, json=repair_body(who.records[0], "volunteer_service")
    )
    assert again.status_code == 201, again.text


async def test_an_accepted_application_can_be_withdrawn_and_not_approved_after(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13937000002")
    accepted = await client.post(_dept(application_id, "acceptance"), headers=who.dept, json=REASON)
    assert accepted.status_code == 200, accepted.text
    response = await client.post(_withdrawal(application_id), headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.json()["steps"][-1]["fromStatus"] == "accepted"
    for action in ("approval", "denial", "acceptance", "rejection"):
        refused = await client.post(_dept(application_id, action), headers=who.dept, json=REASON)
        assert assert_problem(refused, 409, "case-closed")["extra"] == {"status": "withdrawn"}
    assert await db.fetchval("SELECT status FROM record") == "active"
    assert await card_points(client, who.headers) == 995
    stats = await db.fetchrow("SELECT handled, on_time, late FROM department_case_stat")
    assert stats is None or tuple(stats) == (0, 0, 0)


async def test_withdrawing_twice_or_a_decided_application_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, first = await _applied(client, sms, "13937000003")
    assert (await client.post(_withdrawal(first), headers=who.headers)).status_code == 200
    twice = await client.post(_withdrawal(first), headers=who.headers)
    assert assert_problem(twice, 409, "case-closed")["extra"] == {"status": "withdrawn"}

    second = (
        await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    ).json()["application"]["id"]
    await client.post(_dept(second, "acceptance"), headers=who.dept, json=REASON)
    await client.post(_dept(second, "approval"), headers=who.dept, json={"reason": "准予修复"})
    decided = await client.post(_withdrawal(second), headers=who.headers)
    assert assert_problem(decided, 409, "case-closed")["extra"] == {"status": "approved"}
    assert await db.fetchval("SELECT status FROM record") == "repaired"
    audit = "SELECT count(*) FROM audit_log WHERE action = 'repair.withdrawn'"
    assert await count(db, audit) == 1


async def test_another_citizens_application_answers_like_an_unknown_one(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13937000004")
    other = await citizen(client, sms, "13937000005", [], key=who.key)
    foreign = await client.post(_withdrawal(application_id), headers=other.headers)
    unknown = await client.post(_withdrawal(application_id + 1000), headers=other.headers)
    bodies = [assert_problem(r, 404, "repair-not-found") for r in (foreign, unknown)]
    assert bodies[0]["detail"].replace(str(application_id), "N") == bodies[1]["detail"].replace(
        str(application_id + 1000), "N"
    )
    assert await db.fetchval("SELECT status FROM repair_application") == "submitted"
    assert await count(db, "SELECT count(*) FROM case_step") == 1
    bad = await client.post(_withdrawal(application_id), headers=who.headers, json={"reason": ""})
    assert_problem(bad, 422, "validation-failed", "reason")
    assert await db.fetchval("SELECT status FROM repair_application") == "submitted"


async def test_the_deadline_check_leaves_a_withdrawn_application_alone(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13937000006")
    reply_due = await db.fetchval("SELECT reply_due_on FROM repair_application")
    await client.post(_withdrawal(application_id), headers=who.headers)
    assert await check_deadlines(REPAIR, add_working_days(reply_due, 2)) == {
        "near": 0,
        "escalated": 0,
    }
    assert await db.fetchval("SELECT department_late FROM repair_application") is False
