"""Helpers shared by the objection, repair, deadline and end-to-end tests: a citizen with
records reported by a department, an officer, principals for calling services with an injected
business date, and problem-document assertions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import httpx

from backend.identity import service as identity
from backend.identity.principals import ClientPrincipal, OfficerPrincipal
from backend.identity.sms import MemorySmsSender
from backend.platform.audit import Actor
from backend.platform.calendar import today_in_shanghai
from backend.records.jobs import run_follow_ups
from tests import factories as f
from tests.api.records.helpers import assert_problem

__all__ = ["assert_problem"]

BATCH = "/v1/department/records:batch"
OFFICER_PASSWORD = "correct horse battery staple"
REASON = {"reason": "材料齐全，予以受理"}
TRAFFIC = ["domain:traffic_safety"]


@dataclass
class Citizen:
    number: str
    headers: dict[str, str]
    key: str  # the reporting department's API key
    records: list[int] = field(default_factory=list)

    @property
    def dept(self) -> dict[str, str]:
        return {"X-Api-Key": self.key}


def days_ago(days: int) -> str:
    return (today_in_shanghai() - dt.timedelta(days=days)).isoformat()


async def department(code: str = "traffic", scopes: list[str] | None = None) -> str:
    return await f.department(code, scopes or TRAFFIC)


async def report(
    client: httpx.AsyncClient, key: str, number: str, items: list[tuple[str, str]]
) -> list[int]:
    """Report (record type, occurred on) items for ``number``; returns the record ids."""
    records = [
        f.record(number, f"{number[-6:]}-{i}-{code}", code, occurredOn=day)
        for i, (code, day) in enumerate(items)
    ]
    response = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": records})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == len(items), body
    await run_follow_ups()  # as the worker does: the events and counters (records.jobs)
    return [item["recordId"] for item in body["items"]]


async def citizen(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    phone: str,
    items: list[tuple[str, str]],
    *,
    key: str | None = None,
) -> Citizen:
    """A signed-up citizen with records from one department (made if ``key`` is None)."""
    key = key or await department()
    number, headers = await f.signed_up(client, sms, phone)
    ids = await report(client, key, number, items) if items else []
    return Citizen(number, headers, key, ids)


async def officer(client: httpx.AsyncClient, username: str = "officer1") -> dict[str, str]:
    await identity.create_officer(username, OFFICER_PASSWORD, "信用办审核员", ["officer"])
    response = await client.post(
        "/v1/auth/officer/sign-in", json={"username": username, "password": OFFICER_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return f.bearer(response.json())


async def department_principal(key: str) -> ClientPrincipal:
    return await identity.authenticate_api_key(key, "department")


def officer_principal(officer_id: int = 1) -> OfficerPrincipal:
    return OfficerPrincipal(officer_id, "officer1", ("officer",), "session")


def citizen_actor(citizen_id: int) -> Actor:
    return Actor("citizen", str(citizen_id))


async def card_points(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    response = await client.get("/v1/me/card", headers=headers)
    assert response.status_code == 200, response.text
    points: int = response.json()["points"]
    return points


async def file_objection(
    client: httpx.AsyncClient, who: Citizen, record_id: int, **extra: Any
) -> httpx.Response:
    body = {
        "recordId": record_id,
        "reasonCategory": "facts_incorrect",
        "statement": "当天我不在现场，车辆已于事发前出售，附过户证明。",
        **extra,
    }
    return await client.post("/v1/me/objections", headers=who.headers, json=body)


def commitment(version: str = "2026.1", accepted: bool = True) -> dict[str, Any]:
    return {"version": version, "language": "zh-CN", "accepted": accepted}


def repair_body(record_id: int, path: str = "training_report", **extra: Any) -> dict[str, Any]:
    blocks: dict[str, dict[str, Any]] = {
        "training_report": {
            "trainingReport": {
                "kind": "training",
                "provider": "市信用协会",
                "completedOn": days_ago(3),
                "certificateNo": "XYPX-2026-0815",
            }
        },
        "volunteer_service": {
            "volunteerService": {
                "hours": 8,
                "organiser": "西湖区志愿者协会",
                "completedOn": days_ago(2),
            }
        },
        "obligation_fulfilled": {
            "obligationFulfilled": {"fulfilledOn": days_ago(5), "proof": "缴款凭证 No. 20261101"}
        },
        "charitable_donation": {
            "charitableDonation": {
                "recipient": "市慈善总会",
                "receiptNo": "CS-2026-77",
                "donatedOn": days_ago(4),
            }
        },
    }
    return {
        "recordId": record_id,
        "path": path,
        "statement": "已参加信用修复培训并结业，今后严格遵守交通法规。",
        "commitment": commitment(),
        **blocks[path],
        **extra,
    }


async def count(db: Any, sql: str, *args: Any) -> int:
    value: int = await db.fetchval(sql, *args)
    return value


async def case_events(db: Any, case_kind: str | None = None) -> list[str]:
    """The states of the ``case.changed`` outbox events, oldest first (optionally one kind)."""
    rows = await db.fetch(
        "SELECT payload->>'state' AS state FROM outbox_event WHERE kind = 'case.changed'"
        " AND ($1::text IS NULL OR payload->>'caseKind' = $1) ORDER BY id",
        case_kind,
    )
    return [row["state"] for row in rows]


async def case_event(db: Any, state: str) -> Any:
    """The one ``case.changed`` outbox event with this state."""
    rows = await db.fetch(
        "SELECT * FROM outbox_event WHERE kind = 'case.changed' AND payload->>'state' = $1", state
    )
    assert len(rows) == 1, rows
    return rows[0]
