"""Who acted on a case, as each reader sees it: departments and citizens see role words (市民,
信用办, the department's name), never internal ids of citizens or officers nor officer usernames;
the credit office sees ids and usernames as well, for oversight."""

from __future__ import annotations

import json
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform.calendar import add_working_days
from backend.repairs import service as repairs
from tests.api.objections.helpers import (
    OFFICER_PASSWORD,
    REASON,
    Citizen,
    citizen,
    days_ago,
    file_objection,
    officer,
    officer_principal,
    repair_body,
)
from tests.conftest import BusinessDate
from tests.factories import bearer

DRINK = "TRAFFIC-DRINK-DRIVING"
PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"
CITIZEN = "市民"
OFFICE = "信用办"
DEPARTMENT = "Department traffic"  # the name tests.factories gives department "traffic"
USERNAME = "officer.zhang"


async def _ids(db: Any) -> tuple[str, str, str]:
    citizen_id = await db.fetchval("SELECT id FROM citizen ORDER BY id LIMIT 1")
    officer_id = await db.fetchval("SELECT id FROM officer WHERE username = $1", USERNAME)
    department_id = await db.fetchval("SELECT id FROM api_client WHERE code = 'traffic'")
    return str(citizen_id), str(officer_id), str(department_id)


def _leaks(document: Any, ids: tuple[str, ...]) -> list[str]:
    """Every place in ``document`` that names an actor by id or an officer by username."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("actorId", "officerUsername", "citizenId", "officerId"):
                    found.append(f"{path}.{key}")
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")
        elif isinstance(node, str) and (
            node == USERNAME or any(node in (i, f"citizen:{i}", f"officer:{i}") for i in ids)
        ):
            found.append(f"{path}={node}")

    walk(document, "$")
    return found


async def _objection_through_every_actor(
    client: httpx.AsyncClient, who: Citizen, officer_headers: dict[str, str]
) -> int:
    """Filed by the citizen, accepted by the office, verified by the department."""
    objection_id: int = (await file_objection(client, who, who.records[0])).json()["objection"][
        "id"
    ]
    accepted = await client.post(
        f"/v1/officer/objections/{objection_id}/acceptance", headers=officer_headers, json=REASON
    )
    assert accepted.status_code == 200, accepted.text
    proposed = await client.post(
        f"/v1/department/objections/{objection_id}/proposal",
        headers=who.dept,
        json={"outcome": "upheld", "reason": "经核查，事实清楚"},
    )
    assert proposed.status_code == 200, proposed.text
    return objection_id


async def test_department_objection_views_name_roles_not_ids(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13939000001", [(DRINK, days_ago(20))])
    officer_headers = await officer(client, USERNAME)
    objection_id = await _objection_through_every_actor(client, who, officer_headers)
    ids = await _ids(db)

    case = await client.get(f"/v1/department/objections/{objection_id}", headers=who.dept)
    assert case.status_code == 200, case.text
    steps = case.json()["steps"]
    assert [(s["action"], s["actorKind"], s["actor"]) for s in steps] == [
        ("submit", "citizen", CITIZEN),
        ("accept", "officer", OFFICE),
        ("propose", "department", DEPARTMENT),
    ]
    assert _leaks(case.json(), ids) == []
    assert USERNAME not in case.text
    for status in ("open", "all", "verifying"):
        queue = await client.get(f"/v1/department/objections?status={status}", headers=who.dept)
        assert queue.status_code == 200 and queue.json()["items"], queue.text
        assert _leaks(queue.json(), ids) == [] and USERNAME not in queue.text


async def test_the_officer_view_keeps_ids_and_usernames(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13939000002", [(DRINK, days_ago(20))])
    officer_headers = await officer(client, USERNAME)
    objection_id = await _objection_through_every_actor(client, who, officer_headers)
    citizen_id, officer_id, department_id = await _ids(db)

    case = await client.get(f"/v1/officer/objections/{objection_id}", headers=officer_headers)
    assert case.status_code == 200, case.text
    steps = case.json()["steps"]
    assert [(s["actor"], s["actorId"], s.get("officerUsername")) for s in steps] == [
        (CITIZEN, citizen_id, None),
        (OFFICE, officer_id, USERNAME),
        (DEPARTMENT, department_id, None),
    ]


async def test_the_citizen_sees_roles_and_the_department_name(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13939000003", [(DRINK, days_ago(20))])
    officer_headers = await officer(client, USERNAME)
    objection_id = await _objection_through_every_actor(client, who, officer_headers)
    mine = await client.get(f"/v1/me/objections/{objection_id}", headers=who.headers)
    assert [s["actor"] for s in mine.json()["steps"]] == [CITIZEN, OFFICE, DEPARTMENT]
    assert _leaks(mine.json(), await _ids(db)) == [] and USERNAME not in mine.text


async def test_department_repair_views_name_roles_not_ids(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    who = await citizen(client, sms, "13939000004", [(PEDESTRIAN, days_ago(20))])
    await officer(client, USERNAME)
    applied = await client.post(
        "/v1/me/repair-applications", headers=who.headers, json=repair_body(who.records[0])
    )
    application_id = applied.json()["application"]["id"]
    # The office steps in on the overdue case; then the department decides.
    reply_due = await db.fetchval("SELECT reply_due_on FROM repair_application")
    officer_id = await db.fetchval("SELECT id FROM officer WHERE username = $1", USERNAME)
    by_office = officer_principal(officer_id)
    business_date(add_working_days(reply_due, 1))
    await repairs.accept(application_id, by_office, "督办受理")
    ids = await _ids(db)

    case = await client.get(f"/v1/department/repairs/{application_id}", headers=who.dept)
    assert case.status_code == 200, case.text
    assert [(s["actorKind"], s["actor"]) for s in case.json()["steps"]] == [
        ("citizen", CITIZEN),
        ("officer", OFFICE),
    ]
    assert _leaks(case.json(), ids) == [] and USERNAME not in case.text
    queue = await client.get("/v1/department/repairs?status=all", headers=who.dept)
    assert queue.json()["items"] and _leaks(queue.json(), ids) == []

    signed_in = await client.post(
        "/v1/auth/officer/sign-in", json={"username": USERNAME, "password": OFFICER_PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    officer_headers = bearer(signed_in.json())
    seen = await client.get(f"/v1/officer/repairs/{application_id}", headers=officer_headers)
    steps = seen.json()["steps"]
    assert [s["actorId"] for s in steps] == [ids[0], ids[1]]
    assert steps[1]["officerUsername"] == USERNAME
    assert json.dumps(steps).count(USERNAME) == 1
