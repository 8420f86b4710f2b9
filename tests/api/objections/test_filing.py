"""A citizen files an objection (异议) against one of their own records: one open objection per
record, only records that still stand, and every refusal a problem document with nothing
written."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from backend.platform.calendar import add_working_days, today_in_shanghai
from tests.api.objections.helpers import (
    REASON,
    assert_problem,
    case_event,
    case_events,
    citizen,
    count,
    days_ago,
    file_objection,
)

DRINK = "TRAFFIC-DRINK-DRIVING"


async def _nothing_written(db: Any) -> None:
    assert await count(db, "SELECT count(*) FROM objection") == 0
    assert await count(db, "SELECT count(*) FROM case_step") == 0
    assert await case_events(db) == []
    assert await count(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'objection.%'") == 0


async def test_filing_shows_the_accept_deadline_in_working_days(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13930000001", [(DRINK, days_ago(20))])
    response = await file_objection(client, who, who.records[0])
    assert response.status_code == 201, response.text
    body = response.json()
    objection = body["objection"]
    today = today_in_shanghai()
    due = add_working_days(today, 2)
    assert objection["status"] == "submitted"
    assert objection["recordId"] == who.records[0]
    assert objection["recordTitleZh"] == "饮酒后驾驶机动车"
    assert objection["department"]["code"] == "traffic"
    assert objection["filedOn"] == today.isoformat()
    assert objection["acceptDueOn"] == due.isoformat()
    assert objection["deadline"] == {
        "stage": "accept",
        "dueOn": due.isoformat(),
        "workingDaysLeft": 2,
        "overdue": False,
        "near": False,
    }
    assert [s["action"] for s in body["steps"]] == ["submit"]
    assert body["steps"][0]["actorKind"] == "citizen" and "actorId" not in body["steps"][0]
    assert body["evidence"] == []
    event = await case_event(db, "submitted")
    assert event["citizen"] == await db.fetchval("SELECT id FROM citizen")
    assert event["dedupe_key"] == f"objection:{objection['id']}:submitted"
    payload = json.loads(event["payload"])
    assert payload["caseKind"] == "objection" and payload["caseId"] == objection["id"]
    assert payload["recordTitle"] == "饮酒后驾驶机动车" and payload["dueOn"] == due.isoformat()
    assert (
        await count(db, "SELECT count(*) FROM audit_log WHERE action = 'objection.submitted'") == 1
    )
    # Filing alone does not suspend anything.
    assert await db.fetchval("SELECT under_objection FROM record") is False


async def test_someone_elses_record_is_reported_like_a_missing_one(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    owner = await citizen(client, sms, "13930000002", [(DRINK, days_ago(20))])
    other = await citizen(client, sms, "13930000003", [], key=owner.key)
    response = await file_objection(client, other, owner.records[0])
    # 422, not 404: the operation's own URL exists; the body names a record that is not yours.
    body = assert_problem(response, 422, "record-not-found", "recordId")
    missing = await file_objection(client, other, 999_999)
    unknown = assert_problem(missing, 422, "record-not-found", "recordId")
    assert unknown["title"] == body["title"]
    assert unknown["detail"].replace("999999", "N") == body["detail"].replace(
        str(owner.records[0]), "N"
    )
    await _nothing_written(db)


async def test_a_revoked_record_cannot_be_disputed(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13930000004", [(DRINK, days_ago(20))])
    revoked = await client.post(
        f"/v1/department/records/{who.records[0]}/revocation",
        headers=who.dept,
        json={"reason": "录入错误，撤销"},
    )
    assert revoked.status_code == 200, revoked.text
    assert_problem(await file_objection(client, who, who.records[0]), 409, "record-revoked")
    await _nothing_written(db)


async def test_one_open_objection_per_record(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13930000005", [(DRINK, days_ago(20))])
    first = await file_objection(client, who, who.records[0])
    assert first.status_code == 201
    second = await file_objection(client, who, who.records[0], reasonCategory="procedure")
    body = assert_problem(second, 409, "objection-already-open", "recordId")
    assert body["extra"]["objectionId"] == first.json()["objection"]["id"]
    assert await count(db, "SELECT count(*) FROM objection") == 1
    assert await case_events(db) == ["submitted"]

    # Once the first is closed, the citizen may object again.
    objection_id = first.json()["objection"]["id"]
    rejected = await client.post(
        f"/v1/department/objections/{objection_id}/rejection",
        headers=who.dept,
        json={"reason": "未提供任何证明材料"},
    )
    assert rejected.status_code == 200, rejected.text
    again = await file_objection(client, who, who.records[0])
    assert again.status_code == 201, again.text


async def test_the_database_refuses_a_second_open_objection_too(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    """The partial unique index backs the check against concurrent filings."""
    who = await citizen(client, sms, "13930000006", [(DRINK, days_ago(20))])
    assert (await file_objection(client, who, who.records[0])).status_code == 201
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(
            "INSERT INTO objection (record, citizen, department, reason_category, statement,"
            " status, filed_on, accept_due_on, created_at, updated_at)"
            " SELECT record, citizen, department, 'other', 'x', 'accepted', filed_on,"
            " accept_due_on, now(), now() FROM objection"
        )


async def test_bad_input_is_a_field_problem(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13930000007", [(DRINK, days_ago(20))])
    unknown = await file_objection(client, who, who.records[0], reasonCategory="dislike")
    assert_problem(unknown, 422, "validation-failed", "reasonCategory")
    blank = await file_objection(client, who, who.records[0], statement="   ")
    assert_problem(blank, 422, "validation-failed", "statement")
    extra = await file_objection(client, who, who.records[0], fee=10)
    assert_problem(extra, 422, "validation-failed", "fee")
    await _nothing_written(db)


async def test_citizens_see_only_their_own_objections(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await citizen(client, sms, "13930000008", [(DRINK, days_ago(20)), (DRINK, days_ago(9))])
    other = await citizen(client, sms, "13930000009", [], key=who.key)
    ids = [
        (await file_objection(client, who, record)).json()["objection"]["id"]
        for record in who.records
    ]
    listed = (await client.get("/v1/me/objections?limit=1", headers=who.headers)).json()
    assert [o["id"] for o in listed["items"]] == [ids[1]]
    page2 = await client.get(
        f"/v1/me/objections?limit=1&cursor={listed['nextCursor']}", headers=who.headers
    )
    assert [o["id"] for o in page2.json()["items"]] == [ids[0]]
    await client.post(
        f"/v1/department/objections/{ids[0]}/rejection", headers=who.dept, json=REASON
    )
    closed = (await client.get("/v1/me/objections?status=closed", headers=who.headers)).json()
    assert [o["id"] for o in closed["items"]] == [ids[0]]
    assert closed["items"][0]["deadline"] is None
    assert closed["items"][0]["decisionReason"] == REASON["reason"]
    assert (await client.get("/v1/me/objections", headers=other.headers)).json()["items"] == []
    assert_problem(
        await client.get(f"/v1/me/objections/{ids[0]}", headers=other.headers),
        404,
        "objection-not-found",
    )


async def test_concurrent_filings_make_one_objection(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13930000010", [(DRINK, days_ago(20))])
    responses = await asyncio.gather(
        *(file_objection(client, who, who.records[0]) for _ in range(3))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    assert await count(db, "SELECT count(*) FROM objection") == 1
