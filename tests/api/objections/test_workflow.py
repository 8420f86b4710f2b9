"""The objection state machine through the department and officer endpoints: the right actor
for each transition, the record's penalty suspended and restored, corrections kept in history,
the single extension, the query log of staff looks, and atomicity of state + audit + outbox."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from backend.cases import machine as cases
from backend.identity.sms import MemorySmsSender
from backend.objections import service as objections
from backend.platform.calendar import add_working_days, today_in_shanghai
from backend.platform.errors import Conflict
from tests.api.objections.helpers import (
    REASON,
    Citizen,
    assert_problem,
    card_points,
    case_event,
    case_events,
    citizen,
    count,
    days_ago,
    department,
    department_principal,
    file_objection,
    officer,
)
from tests.conftest import BusinessDate

DRINK = "TRAFFIC-DRINK-DRIVING"  # general, -30 points


async def _filed(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str
) -> tuple[Citizen, int]:
    who = await citizen(client, sms, phone, [(DRINK, days_ago(20))])
    response = await file_objection(client, who, who.records[0])
    assert response.status_code == 201, response.text
    return who, response.json()["objection"]["id"]


def _url(objection_id: int, action: str, group: str = "department") -> str:
    return f"/v1/{group}/objections/{objection_id}/{action}"


async def test_accepting_suspends_the_penalty_and_starts_the_verify_deadline(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13931000001")
    assert await card_points(client, who.headers) == 970
    response = await client.post(_url(objection_id, "acceptance"), headers=who.dept, json=REASON)
    assert response.status_code == 200, response.text
    body = response.json()
    today = today_in_shanghai()
    assert body["status"] == "accepted" and body["acceptedOn"] == today.isoformat()
    assert body["verifyDueOn"] == add_working_days(today, 10).isoformat()
    assert body["deadline"]["stage"] == "verify" and body["deadline"]["workingDaysLeft"] == 10
    assert await db.fetchval("SELECT under_objection FROM record") is True
    assert await card_points(client, who.headers) == 1000  # at once, no worker ran
    card = (await client.get("/v1/me/card", headers=who.headers)).json()
    assert card["suspendedPoints"] == -30
    records = (await client.get("/v1/me/records", headers=who.headers)).json()["items"]
    assert records[0]["underObjection"] is True and records[0]["pointsEffect"] == 0
    event = await case_event(db, "accepted")
    assert '"reason": "材料齐全，予以受理"' in event["payload"]


async def test_each_transition_needs_the_right_actor_and_state(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13931000002")
    officer_headers = await officer(client)
    proposal = {"outcome": "revoked", "reason": "核查属实，撤销该记录"}
    # Propose before accepting: wrong state.
    early = await client.post(_url(objection_id, "proposal"), headers=who.dept, json=proposal)
    body = assert_problem(early, 409, "invalid-transition")
    assert body["extra"] == {"status": "submitted", "allowedFrom": ["accepted"]}
    # An officer accepts (the credit office may accept too); the department verifies.
    accepted = await client.post(
        _url(objection_id, "acceptance", "officer"), headers=officer_headers, json=REASON
    )
    assert accepted.status_code == 200, accepted.text
    decided_early = await client.post(
        _url(objection_id, "decision", "officer"), headers=officer_headers, json=proposal
    )
    assert_problem(decided_early, 409, "invalid-transition")
    proposed = await client.post(_url(objection_id, "proposal"), headers=who.dept, json=proposal)
    assert proposed.status_code == 200 and proposed.json()["status"] == "verifying"
    # Departments cannot decide: there is no such route for them.
    assert (
        await client.post(_url(objection_id, "decision"), headers=who.dept, json=proposal)
    ).status_code in (404, 405)
    decided = await client.post(
        _url(objection_id, "decision", "officer"), headers=officer_headers, json=proposal
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "revoked" and decided.json()["deadline"] is None
    actions = [
        r["action"]
        for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")
        if r["action"].startswith("objection.")
    ]
    assert actions == [
        "objection.submitted",
        "objection.accepted",
        "objection.verifying",
        "objection.revoked",
    ]
    assert ["objection." + s for s in await case_events(db, "objection")] == actions
    detail = (await client.get(f"/v1/me/objections/{objection_id}", headers=who.headers)).json()
    assert [(s["action"], s["actorKind"]) for s in detail["steps"]] == [
        ("submit", "citizen"),
        ("accept", "officer"),
        ("propose", "department"),
        ("decide", "officer"),
    ]


async def test_a_decision_by_another_department_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, objection_id = await _filed(client, sms, "13931000003")
    stranger = await department("stranger", ["domain:traffic_safety"])
    response = await client.post(
        _url(objection_id, "acceptance"), headers={"X-Api-Key": stranger}, json=REASON
    )
    assert_problem(response, 404, "objection-not-found")
    case = await client.get(
        f"/v1/department/objections/{objection_id}", headers={"X-Api-Key": stranger}
    )
    assert_problem(case, 404, "objection-not-found")
    queue = await client.get("/v1/department/objections", headers={"X-Api-Key": stranger})
    assert queue.json()["items"] == []
    assert await db.fetchval("SELECT status FROM objection") == "submitted"
    assert (
        await count(db, "SELECT count(*) FROM audit_log WHERE action = 'objection.accepted'") == 0
    )
    assert await count(db, "SELECT count(*) FROM query_log") == 0


async def test_a_decision_on_a_closed_case_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13931000004")
    rejected = await client.post(
        _url(objection_id, "rejection"), headers=who.dept, json={"reason": "不属于异议受理范围"}
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    again = await client.post(_url(objection_id, "acceptance"), headers=who.dept, json=REASON)
    body = assert_problem(again, 409, "case-closed")
    assert body["extra"] == {"status": "rejected"}
    assert await count(db, "SELECT count(*) FROM case_step") == 2
    stats = await db.fetchrow("SELECT * FROM department_case_stat")
    assert (stats["handled"], stats["on_time"], stats["late"]) == (1, 1, 0)


async def test_decisions_need_a_reason(client: httpx.AsyncClient, sms: MemorySmsSender) -> None:
    who, objection_id = await _filed(client, sms, "13931000005")
    for body in ({}, {"reason": "  "}):
        response = await client.post(_url(objection_id, "acceptance"), headers=who.dept, json=body)
        assert_problem(response, 422, "validation-failed", "reason")


async def test_upheld_restores_the_penalty(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _filed(client, sms, "13931000006")
    officer_headers = await officer(client)
    await client.post(_url(objection_id, "acceptance"), headers=who.dept, json=REASON)
    assert await card_points(client, who.headers) == 1000
    upheld = {"outcome": "upheld", "reason": "经核查，处罚事实清楚，维持原记录"}
    await client.post(_url(objection_id, "proposal"), headers=who.dept, json=upheld)
    decided = await client.post(
        _url(objection_id, "decision", "officer"), headers=officer_headers, json=upheld
    )
    assert decided.json()["status"] == "upheld"
    assert decided.json()["decisionReason"] == upheld["reason"]
    assert await db.fetchval("SELECT under_objection FROM record") is False
    assert await card_points(client, who.headers) == 970


async def test_corrected_applies_the_proposed_values_and_keeps_the_old_ones(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    key = await department("traffic", ["domain:traffic_safety"])
    who = await citizen(client, sms, "13931000007", [(DRINK, days_ago(20))], key=key)
    objection_id = (await file_objection(client, who, who.records[0])).json()["objection"]["id"]
    officer_headers = await officer(client)
    await client.post(_url(objection_id, "acceptance"), headers=who.dept, json=REASON)
    missing = await client.post(
        _url(objection_id, "proposal"),
        headers=who.dept,
        json={"outcome": "corrected", "reason": "类型认定有误"},
    )
    assert_problem(missing, 422, "validation-failed", "correction")
    outside = await client.post(
        _url(objection_id, "proposal"),
        headers=who.dept,
        json={
            "outcome": "corrected",
            "reason": "类型认定有误",
            "correction": {"recordType": "FOOD-TOXIC-HARMFUL"},
        },
    )
    assert_problem(outside, 422, "validation-failed", "recordType")
    proposal = {
        "outcome": "corrected",
        "reason": "应认定为行人闯红灯",
        "correction": {"recordType": "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"},
    }
    proposed = await client.post(_url(objection_id, "proposal"), headers=who.dept, json=proposal)
    assert proposed.status_code == 200, proposed.text
    case = (
        await client.get(f"/v1/officer/objections/{objection_id}", headers=officer_headers)
    ).json()
    assert case["proposal"] == {
        "outcome": "corrected",
        "reason": "应认定为行人闯红灯",
        "correction": {
            "recordType": "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN",
            "occurredOn": None,
            "decidedOn": None,
            "decisionDocumentNo": None,
            "evidenceSummary": None,
            "quantity": None,
        },
    }
    decided = await client.post(
        _url(objection_id, "decision", "officer"),
        headers=officer_headers,
        json={"outcome": "corrected", "reason": "同意部门核查意见，予以更正"},
    )
    assert decided.status_code == 200, decided.text
    record = (await client.get(f"/v1/department/records/{who.records[0]}", headers=who.dept)).json()
    assert record["record"]["recordType"] == "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"
    assert record["record"]["underObjection"] is False
    assert record["history"][0]["action"] == "corrected"
    assert record["history"][0]["before"]["recordType"] == DRINK
    assert record["history"][0]["reason"].startswith(f"objection {objection_id}:")
    assert await card_points(client, who.headers) == 995  # -5 instead of -30


async def test_one_extension_with_a_reason_before_the_deadline(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who, objection_id = await _filed(client, sms, "13931000008")
    accepted = await client.post(_url(objection_id, "acceptance"), headers=who.dept, json=REASON)
    verify_due = accepted.json()["verifyDueOn"]
    reason = {"reason": "涉及跨部门调取执法记录，案情复杂"}
    extended = await client.post(_url(objection_id, "extension"), headers=who.dept, json=reason)
    assert extended.status_code == 200, extended.text
    body = extended.json()
    assert body["extended"] is True and body["extensionReason"] == reason["reason"]
    assert body["verifyDueOn"] == add_working_days(date.fromisoformat(verify_due), 10).isoformat()
    assert body["deadline"]["workingDaysLeft"] == 20
    twice = await client.post(_url(objection_id, "extension"), headers=who.dept, json=reason)
    assert_problem(twice, 409, "already-extended")


async def test_a_lapsed_deadline_cannot_be_extended(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    who, objection_id = await _filed(client, sms, "13931000009")
    dept = await department_principal(who.key)
    accepted = await objections.accept(objection_id, dept, "受理")
    assert accepted.verify_due_on is not None
    business_date(add_working_days(accepted.verify_due_on, 1))
    with pytest.raises(Conflict) as refused:
        await objections.extend(objection_id, dept, "太复杂")
    assert refused.value.code == "deadline-passed"
    assert await db.fetchval("SELECT extended FROM objection") is False


async def test_staff_case_views_and_queues(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, first = await _filed(client, sms, "13931000010")
    more = await citizen(client, sms, "13931000011", [(DRINK, days_ago(3))], key=who.key)
    second = (await file_objection(client, more, more.records[0])).json()["objection"]["id"]
    await client.post(_url(second, "acceptance"), headers=who.dept, json=REASON)
    officer_headers = await officer(client)

    queue = (await client.get("/v1/department/objections", headers=who.dept)).json()
    assert [o["id"] for o in queue["items"]] == [first, second]  # earliest deadline first
    assert "citizenIdNumberMasked" not in queue["items"][0]
    accepted_only = await client.get("/v1/department/objections?status=accepted", headers=who.dept)
    assert [o["id"] for o in accepted_only.json()["items"]] == [second]
    paged = (await client.get("/v1/officer/objections?limit=1", headers=officer_headers)).json()
    assert [o["id"] for o in paged["items"]] == [first]
    rest = await client.get(
        f"/v1/officer/objections?limit=1&cursor={paged['nextCursor']}", headers=officer_headers
    )
    assert [o["id"] for o in rest.json()["items"]] == [second]
    by_dept = await client.get("/v1/officer/objections?department=other", headers=officer_headers)
    assert by_dept.json()["items"] == []
    assert await count(db, "SELECT count(*) FROM query_log") == 0  # queues show no one

    case = (await client.get(f"/v1/department/objections/{first}", headers=who.dept)).json()
    assert case["record"]["citizenIdNumberMasked"].startswith(who.number[:4])
    assert case["record"]["citizenIdNumberMasked"] != who.number
    assert case["steps"][0]["actor"] == "市民" and "actorId" not in case["steps"][0]
    await client.get(f"/v1/officer/objections/{first}", headers=officer_headers)
    looks = await db.fetch("SELECT actor_kind, organisation, basis FROM query_log ORDER BY id")
    assert [(r["actor_kind"], r["basis"]) for r in looks] == [
        ("department", f"objection {first}"),
        ("officer", f"objection {first}"),
    ]
    assert looks[0]["organisation"] == "Department traffic"
    citizen_view = await client.get("/v1/me/queries", headers=who.headers)
    if citizen_view.status_code == 200:  # the query-log endpoint belongs to another issue
        assert len(citizen_view.json()["items"]) == 2


async def test_state_audit_and_outbox_commit_together_or_not_at_all(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kill the transaction after the state UPDATE and the audit entry: nothing remains."""
    who, objection_id = await _filed(client, sms, "13931000012")
    counter = await db.fetchval("SELECT change_counter FROM citizen")
    audit_before = await count(db, "SELECT count(*) FROM audit_log")
    case_events = "SELECT count(*) FROM outbox_event WHERE kind = 'case.changed'"
    outbox_before = await count(db, case_events)

    async def broken_emit(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(cases, "emit", broken_emit)
    response = await client.post(_url(objection_id, "acceptance"), headers=who.dept, json=REASON)
    assert_problem(response, 500, "internal-error")
    assert await db.fetchval("SELECT status FROM objection") == "submitted"
    assert await db.fetchval("SELECT under_objection FROM record") is False
    assert await db.fetchval("SELECT change_counter FROM citizen") == counter
    assert await count(db, "SELECT count(*) FROM case_step") == 1
    assert await count(db, "SELECT count(*) FROM audit_log") == audit_before
    assert await count(db, "SELECT count(*) FROM outbox_event") == await count(
        db, "SELECT count(*) FROM outbox_event WHERE kind <> 'score.changed'"
    )  # no score change was announced either
    assert await count(db, case_events) == outbox_before
    assert await card_points(client, who.headers) == 970

    monkeypatch.undo()
    retried = await client.post(_url(objection_id, "acceptance"), headers=who.dept, json=REASON)
    assert retried.status_code == 200
    assert await count(db, "SELECT count(*) FROM audit_log") == audit_before + 1
    assert await count(db, case_events) == outbox_before + 1
    # the re-score that followed the commit announced the new points (penalty suspended)
    assert await count(db, "SELECT count(*) FROM outbox_event WHERE kind = 'score.changed'") == 1
