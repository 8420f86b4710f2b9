"""End to end through the API, each path of the objection and repair issue: the card follows
every decision at once, without waiting for a worker."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform.calendar import today_in_shanghai
from tests.api.objections.helpers import (
    REASON,
    Citizen,
    assert_problem,
    card_points,
    case_events,
    citizen,
    days_ago,
    file_objection,
    officer,
    repair_body,
)

DRINK = "TRAFFIC-DRINK-DRIVING"  # general, -30, repair after 6 months
PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"  # minor, -5, repairable at once


async def _accepted_objection(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str
) -> tuple[Citizen, int, dict[str, str]]:
    who = await citizen(client, sms, phone, [(DRINK, days_ago(30))])
    assert await card_points(client, who.headers) == 970
    filed = await file_objection(client, who, who.records[0])
    objection_id = filed.json()["objection"]["id"]
    assert await card_points(client, who.headers) == 970  # filing alone suspends nothing
    accepted = await client.post(
        f"/v1/department/objections/{objection_id}/acceptance", headers=who.dept, json=REASON
    )
    assert accepted.status_code == 200, accepted.text
    assert await card_points(client, who.headers) == 1000  # penalty suspended at once
    return who, objection_id, await officer(client)


async def _propose_and_decide(
    client: httpx.AsyncClient,
    who: Citizen,
    objection_id: int,
    officer_headers: dict[str, str],
    outcome: str,
) -> dict[str, Any]:
    decision = {"outcome": outcome, "reason": f"核查意见：{outcome}"}
    proposed = await client.post(
        f"/v1/department/objections/{objection_id}/proposal", headers=who.dept, json=decision
    )
    assert proposed.status_code == 200, proposed.text
    decided = await client.post(
        f"/v1/officer/objections/{objection_id}/decision", headers=officer_headers, json=decision
    )
    assert decided.status_code == 200, decided.text
    body: dict[str, Any] = decided.json()
    return body


async def test_objection_accepted_then_revoked(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id, officer_headers = await _accepted_objection(client, sms, "13936000001")
    decided = await _propose_and_decide(client, who, objection_id, officer_headers, "revoked")
    assert decided["status"] == "revoked"
    assert await card_points(client, who.headers) == 1000  # the card stays up
    assert (await client.get("/v1/me/records", headers=who.headers)).json()["items"] == []
    revoked = (await client.get("/v1/me/records?status=revoked", headers=who.headers)).json()
    assert [r["id"] for r in revoked["items"]] == who.records
    mine = (await client.get(f"/v1/me/objections/{objection_id}", headers=who.headers)).json()
    assert mine["objection"]["decisionReason"] == "核查意见：revoked"
    assert await case_events(db, "objection") == ["submitted", "accepted", "verifying", "revoked"]


async def test_objection_accepted_then_upheld(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who, objection_id, officer_headers = await _accepted_objection(client, sms, "13936000002")
    decided = await _propose_and_decide(client, who, objection_id, officer_headers, "upheld")
    assert decided["status"] == "upheld"
    assert await card_points(client, who.headers) == 970  # the penalty is back
    records = (await client.get("/v1/me/records", headers=who.headers)).json()["items"]
    assert records[0]["underObjection"] is False and records[0]["pointsEffect"] == -30


async def test_repair_too_early_is_refused_with_the_date(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await citizen(client, sms, "13936000003", [(DRINK, days_ago(30))])
    options = (
        await client.get(f"/v1/me/records/{who.records[0]}/repair-options", headers=who.headers)
    ).json()
    assert options["possibleNow"] is False
    response = await client.post(
        "/v1/me/repair-applications",
        headers=who.headers,
        json=repair_body(who.records[0], "volunteer_service"),
    )
    body = assert_problem(response, 409, "repair-too-early")
    assert body["extra"]["possibleFrom"] == options["possibleFrom"]
    assert options["possibleFrom"] in body["detail"]


async def test_repair_approved_the_record_leaves_and_the_badge_arrives(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13936000004", [(PEDESTRIAN, days_ago(10))])
    assert await card_points(client, who.headers) == 995
    text = (await client.get("/v1/me/repair-commitment", headers=who.headers)).json()
    body = repair_body(who.records[0], "volunteer_service")
    body["commitment"] = {"version": text["version"], "language": "zh-CN", "accepted": True}
    applied = await client.post("/v1/me/repair-applications", headers=who.headers, json=body)
    assert applied.status_code == 201, applied.text
    application_id = applied.json()["application"]["id"]
    uploaded = await client.post(
        f"/v1/me/repair-applications/{application_id}/evidence",
        headers=who.headers,
        files=[("files", ("志愿服务证明.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))],
    )
    assert uploaded.status_code == 201, uploaded.text

    queue = (await client.get("/v1/department/repairs", headers=who.dept)).json()["items"]
    assert [a["id"] for a in queue] == [application_id]
    case = (await client.get(f"/v1/department/repairs/{application_id}", headers=who.dept)).json()
    assert [e["originalName"] for e in case["evidence"]] == ["志愿服务证明.pdf"]
    for action, reason in (("acceptance", "材料齐全"), ("approval", "志愿服务8小时，准予修复")):
        response = await client.post(
            f"/v1/department/repairs/{application_id}/{action}",
            headers=who.dept,
            json={"reason": reason},
        )
        assert response.status_code == 200, response.text

    assert await card_points(client, who.headers) == 1000
    card = (await client.get("/v1/me/card", headers=who.headers)).json()
    badge = next(b for b in card["badges"] if b["code"] == "repair_completed")
    assert badge["earnedOn"] == today_in_shanghai().isoformat()
    assert badge["recordId"] == who.records[0]
    assert (await client.get("/v1/me/records", headers=who.headers)).json()["items"] == []
    explanation = (await client.get("/v1/me/card/explanation", headers=who.headers)).json()
    assert [n["reason"] for n in explanation["notCounting"]] == ["repaired"]
    mine = (
        await client.get(f"/v1/me/repair-applications/{application_id}", headers=who.headers)
    ).json()
    assert mine["application"]["status"] == "approved"
    assert [s["action"] for s in mine["steps"]] == ["apply", "accept", "approve"]
    assert await case_events(db, "repair") == ["submitted", "accepted", "approved"]
