"""A department that revokes or corrects its own record ends the record's open repair
applications (终止办理), like an objection that does so: with its reason, a step, an audit entry
and a notice to the citizen, all in the transaction of the change."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.notifications.relay import relay_all
from tests.api.objections.helpers import (
    REASON,
    Citizen,
    assert_problem,
    case_events,
    citizen,
    days_ago,
    repair_body,
)

PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"  # minor, repairable at once
APPLY = "/v1/me/repair-applications"


async def _applied(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str
) -> tuple[Citizen, int]:
    who = await citizen(client, sms, phone, [(PEDESTRIAN, days_ago(20))])
    response = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    assert response.status_code == 201, response.text
    return who, response.json()["application"]["id"]


def _record(who: Citizen, action: str) -> str:
    return f"/v1/department/records/{who.records[0]}/{action}"


async def test_revoking_a_record_ends_its_open_repair_with_a_notice(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13939000001")
    revoked = await client.post(
        _record(who, "revocation"), headers=who.dept, json={"reason": "当事人身份被冒用"}
    )
    assert revoked.status_code == 200, revoked.text
    detail = (await client.get(f"{APPLY}/{application_id}", headers=who.headers)).json()
    application = detail["application"]
    assert application["status"] == "terminated" and application["deadline"] is None
    assert application["closedAt"] is not None and application["decidedOn"] is not None
    assert application["decisionReason"].startswith("报送单位以“当事人身份被冒用”为由撤销了该记录")
    assert "the reporting department revoked it" in application["decisionReason"]
    last = detail["steps"][-1]
    assert (last["action"], last["fromStatus"], last["toStatus"], last["actorKind"]) == (
        "terminate",
        "submitted",
        "terminated",
        "department",
    )
    # The citizen hears it in a notice of its own, in their language (no case.changed).
    assert await case_events(db, "repair") == ["submitted"]
    kinds = await db.fetch("SELECT kind FROM outbox_event WHERE kind = 'repair.terminated'")
    assert len(kinds) == 1
    await relay_all()
    inbox = (await client.get("/v1/me/notifications", headers=who.headers)).json()["items"]
    assert any(
        f"（编号 {application_id}）已终止办理" in n["body"] and "报送单位" in n["body"]
        for n in inbox
    ), inbox
    audit = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE object_type = 'repair'"
        " AND action = 'repair.terminated'"
    )
    assert audit == 1
    # Closed for good; not counted against the department as a case it handled.
    for action in ("acceptance", "approval"):
        refused = await client.post(
            f"/v1/department/repairs/{application_id}/{action}", headers=who.dept, json=REASON
        )
        assert_problem(refused, 409, "case-closed")
    assert await db.fetchval("SELECT handled FROM department_case_stat") in (None, 0)
    # Revoking again changes nothing more.
    again = await client.post(_record(who, "revocation"), headers=who.dept, json={"reason": "再次"})
    assert again.status_code == 200
    assert await case_events(db, "repair") == ["submitted"]


async def test_correcting_a_record_ends_its_accepted_repair_and_a_new_one_is_taken(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13939000002")
    accepted = await client.post(
        f"/v1/department/repairs/{application_id}/acceptance", headers=who.dept, json=REASON
    )
    assert accepted.status_code == 200, accepted.text
    change = {"reason": "决定书文号登记有误", "decisionDocumentNo": "杭公交决字〔2026〕第88号"}
    corrected = await client.post(_record(who, "correction"), headers=who.dept, json=change)
    assert corrected.status_code == 200, corrected.text
    row = await db.fetchrow("SELECT status, decision_reason FROM repair_application")
    assert row["status"] == "terminated"
    assert row["decision_reason"].startswith("报送单位以“决定书文号登记有误”为由更正了该记录")
    assert (
        await db.fetchval("SELECT count(*) FROM outbox_event WHERE kind = 'repair.terminated'") == 1
    )
    # The same correction sent again changes nothing, and ends nothing.
    again = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    assert again.status_code == 201, again.text
    retry = await client.post(_record(who, "correction"), headers=who.dept, json=change)
    assert retry.status_code == 200
    statuses = await db.fetch("SELECT status FROM repair_application ORDER BY id")
    assert [r["status"] for r in statuses] == ["terminated", "submitted"]


async def test_a_refused_correction_leaves_the_repair_open(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, _ = await _applied(client, sms, "13939000003")
    refused = await client.post(
        _record(who, "correction"),
        headers=who.dept,
        json={"reason": "改为志愿服务", "recordType": "VOLUNTEER-SERVICE-HOURS"},
    )
    assert refused.status_code == 422, refused.text
    assert await db.fetchval("SELECT status FROM repair_application") == "submitted"
    assert await case_events(db, "repair") == ["submitted"]
