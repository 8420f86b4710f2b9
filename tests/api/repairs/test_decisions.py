"""Repair decisions by the body that made the finding (谁认定、谁修复), officer oversight of
overdue cases, approval repairing the record at once, and refusals that change nothing."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform.calendar import add_working_days, today_in_shanghai
from backend.repairs import service as repairs
from tests.api.objections.helpers import (
    REASON,
    Citizen,
    assert_problem,
    card_points,
    case_events,
    citizen,
    count,
    days_ago,
    department,
    department_principal,
    officer,
    officer_principal,
    repair_body,
)
from tests.conftest import BusinessDate

PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"  # minor, -5, repairable at once


async def _applied(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str
) -> tuple[Citizen, int]:
    who = await citizen(client, sms, phone, [(PEDESTRIAN, days_ago(20))])
    response = await client.post(
        "/v1/me/repair-applications", headers=who.headers, json=repair_body(who.records[0])
    )
    assert response.status_code == 201, response.text
    return who, response.json()["application"]["id"]


def _url(application_id: int, action: str, group: str = "department") -> str:
    return f"/v1/{group}/repairs/{application_id}/{action}"


async def test_approval_repairs_the_record_at_once(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13934000001")
    assert await card_points(client, who.headers) == 995
    accepted = await client.post(_url(application_id, "acceptance"), headers=who.dept, json=REASON)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    today = today_in_shanghai()
    decide_due = add_working_days(today, 3)
    assert body["status"] == "accepted" and body["decideDueOn"] == decide_due.isoformat()
    assert body["deadline"] == {
        "stage": "decide",
        "dueOn": decide_due.isoformat(),
        "workingDaysLeft": 3,
        "overdue": False,
        "near": False,
    }
    approved = await client.post(
        _url(application_id, "approval"), headers=who.dept, json={"reason": "培训结业，准予修复"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["deadline"] is None
    record = await db.fetchrow("SELECT status, repaired_on, version FROM record")
    assert (record["status"], record["repaired_on"], record["version"]) == ("repaired", today, 2)
    assert await card_points(client, who.headers) == 1000
    card = (await client.get("/v1/me/card", headers=who.headers)).json()
    assert "repair_completed" in {b["code"] for b in card["badges"]}
    active = (await client.get("/v1/me/records", headers=who.headers)).json()["items"]
    assert active == []
    everything = (await client.get("/v1/me/records?status=all", headers=who.headers)).json()
    assert everything["items"][0]["status"] == "repaired"
    assert everything["items"][0]["repairedOn"] == today.isoformat()
    history = (
        await client.get(f"/v1/department/records/{who.records[0]}", headers=who.dept)
    ).json()["history"]
    assert history[0]["action"] == "repaired" and history[0]["after"]["status"] == "repaired"
    assert await case_events(db, "repair") == ["submitted", "accepted", "approved"]
    stats = await db.fetchrow("SELECT * FROM department_case_stat")
    assert (stats["case_kind"], stats["handled"], stats["on_time"], stats["late"]) == (
        "repair",
        1,
        1,
        0,
    )


async def test_rejection_and_denial_keep_the_record(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, first = await _applied(client, sms, "13934000002")
    rejected = await client.post(
        _url(first, "rejection"), headers=who.dept, json={"reason": "未提交培训结业证书"}
    )
    assert rejected.json()["status"] == "rejected"
    detail = (await client.get(f"/v1/me/repair-applications/{first}", headers=who.headers)).json()
    assert detail["application"]["decisionReason"] == "未提交培训结业证书"
    second = (
        await client.post(
            "/v1/me/repair-applications", headers=who.headers, json=repair_body(who.records[0])
        )
    ).json()["application"]["id"]
    await client.post(_url(second, "acceptance"), headers=who.dept, json=REASON)
    denied = await client.post(
        _url(second, "denial"), headers=who.dept, json={"reason": "证书编号核实不符"}
    )
    assert denied.json()["status"] == "denied"
    assert await db.fetchval("SELECT status FROM record") == "active"
    assert await card_points(client, who.headers) == 995


async def test_wrong_department_wrong_state_and_closed_case(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13934000003")
    stranger = {"X-Api-Key": await department("stranger")}
    assert_problem(
        await client.post(_url(application_id, "acceptance"), headers=stranger, json=REASON),
        404,
        "repair-not-found",
    )
    assert_problem(
        await client.post(_url(application_id, "approval"), headers=who.dept, json=REASON),
        409,
        "invalid-transition",
    )
    await client.post(_url(application_id, "rejection"), headers=who.dept, json=REASON)
    for action in ("acceptance", "approval", "denial", "rejection"):
        response = await client.post(_url(application_id, action), headers=who.dept, json=REASON)
        assert_problem(response, 409, "case-closed")
    assert await count(db, "SELECT count(*) FROM case_step") == 2
    assert await db.fetchval("SELECT status FROM record") == "active"


async def test_the_officer_steps_in_only_once_a_case_is_overdue(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    who, application_id = await _applied(client, sms, "13934000004")
    officer_headers = await officer(client)
    early = await client.post(
        _url(application_id, "acceptance", "officer"), headers=officer_headers, json=REASON
    )
    body = assert_problem(early, 409, "department-decides")
    reply_due = await db.fetchval("SELECT reply_due_on FROM repair_application")
    assert body["extra"] == {"dueOn": reply_due.isoformat()}
    # The department let the reply deadline pass: the officer acts in its place.
    business_date(add_working_days(reply_due, 1))
    officer_id = await db.fetchval("SELECT id FROM officer")
    accepted = await repairs.accept(application_id, officer_principal(officer_id), "信用办督办受理")
    assert accepted.status == "accepted"
    assert accepted.deadline is not None and accepted.deadline.due_on == reply_due  # min of both
    stats = await db.fetchrow("SELECT handled, on_time, late FROM department_case_stat")
    assert tuple(stats) == (0, 0, 1)  # the lapse counts against the department, once
    dept = await department_principal(who.key)
    approved = await repairs.approve(application_id, dept, "准予修复")
    assert approved.status == "approved"
    stats = await db.fetchrow("SELECT handled, on_time, late FROM department_case_stat")
    assert tuple(stats) == (1, 0, 1)
    steps = await db.fetch("SELECT action, actor_kind FROM case_step ORDER BY id")
    assert [(s["action"], s["actor_kind"]) for s in steps] == [
        ("apply", "citizen"),
        ("accept", "officer"),
        ("approve", "department"),
    ]


async def test_staff_views_of_a_repair_case(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, application_id = await _applied(client, sms, "13934000005")
    officer_headers = await officer(client)
    queue = (await client.get("/v1/department/repairs", headers=who.dept)).json()
    assert [a["id"] for a in queue["items"]] == [application_id]
    overdue = await client.get("/v1/officer/repairs?overdue=true", headers=officer_headers)
    assert overdue.json()["items"] == []
    case = await client.get(f"/v1/officer/repairs/{application_id}", headers=officer_headers)
    assert case.status_code == 200, case.text
    assert case.json()["application"]["commitmentVersion"] == "2026.1"
    assert case.json()["record"]["record"]["recordType"] == PEDESTRIAN
    assert await count(db, "SELECT count(*) FROM query_log WHERE actor_kind = 'officer'") == 1
