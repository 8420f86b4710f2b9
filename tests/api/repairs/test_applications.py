"""Applying for credit repair (信用修复): the engine-side rules per record (possible now? from
when? which paths?), the signed credit commitment, and each refusal as a problem document with
nothing written. Repair is free: no fee or amount anywhere in the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform.calendar import add_working_days, today_in_shanghai
from backend.records.catalog import add_months
from tests.api.objections.helpers import (
    assert_problem,
    case_events,
    citizen,
    count,
    days_ago,
    department,
    file_objection,
    repair_body,
)

PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"  # minor, -5, repairable at once
DRINK = "TRAFFIC-DRINK-DRIVING"  # general, -30, repairable after 6 months
APPLY = "/v1/me/repair-applications"


async def _nothing_written(db: Any) -> None:
    assert await count(db, "SELECT count(*) FROM repair_application") == 0
    assert await case_events(db, "repair") == []
    assert await count(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'repair.%'") == 0


async def test_repair_options_per_record(client: httpx.AsyncClient, sms: MemorySmsSender) -> None:
    who = await citizen(
        client, sms, "13933000001", [(PEDESTRIAN, days_ago(20)), (DRINK, days_ago(20))]
    )
    now = (
        await client.get(f"/v1/me/records/{who.records[0]}/repair-options", headers=who.headers)
    ).json()
    assert now["possibleNow"] is True and now["repairable"] is True
    assert now["blockedBy"] is None and now["daysUntilPossible"] == 0
    assert [p["code"] for p in now["paths"]] == [
        "obligation_fulfilled",
        "training_report",
        "volunteer_service",
    ]
    assert now["paths"][2]["nameZh"] == "志愿服务"
    assert now["commitmentVersion"] == "2026.1"

    later = (
        await client.get(f"/v1/me/records/{who.records[1]}/repair-options", headers=who.headers)
    ).json()
    from_ = add_months(today_in_shanghai() - dt.timedelta(days=20), 6)
    assert later["possibleNow"] is False and later["possibleFrom"] == from_.isoformat()
    assert later["blockedBy"]["code"] == "repair-too-early"
    assert from_.isoformat() in later["blockedBy"]["reason"]
    assert later["daysUntilPossible"] == (from_ - today_in_shanghai()).days
    assert [p["code"] for p in later["paths"]] == ["training_report", "volunteer_service"]

    other = await citizen(client, sms, "13933000002", [], key=who.key)
    response = await client.get(
        f"/v1/me/records/{who.records[0]}/repair-options", headers=other.headers
    )
    assert_problem(response, 404, "record-not-found")


async def test_applying_too_early_is_refused_with_the_date(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13933000003", [(DRINK, days_ago(20))])
    response = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    body = assert_problem(response, 409, "repair-too-early", "recordId")
    possible_from = await db.fetchval("SELECT repairable_from FROM record")
    assert body["extra"] == {"possibleFrom": possible_from.isoformat()}
    assert possible_from.isoformat() in body["detail"]
    await _nothing_written(db)


async def test_only_a_path_the_record_type_allows(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13933000004", [(PEDESTRIAN, days_ago(20))])
    body = repair_body(who.records[0], "charitable_donation")
    problem = assert_problem(
        await client.post(APPLY, headers=who.headers, json=body),
        422,
        "repair-path-not-allowed",
        "path",
    )
    assert problem["extra"]["allowed"] == [
        "obligation_fulfilled",
        "training_report",
        "volunteer_service",
    ]
    unknown = repair_body(who.records[0]) | {"path": "pay_a_fee"}
    assert_problem(
        await client.post(APPLY, headers=who.headers, json=unknown),
        422,
        "validation-failed",
        "path",
    )
    await _nothing_written(db)


async def test_the_credit_commitment_is_required_and_must_be_current(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13933000005", [(PEDESTRIAN, days_ago(20))])
    text = (await client.get("/v1/me/repair-commitment", headers=who.headers)).json()
    assert text["version"] == "2026.1" and text["title"] == "信用承诺书"
    assert "免费" in text["body"] and len(text["sha256"]) == 64
    english = await client.get("/v1/me/repair-commitment?language=en", headers=who.headers)
    assert english.json()["title"] == "Credit commitment"

    not_signed = repair_body(who.records[0]) | {
        "commitment": {"version": "2026.1", "language": "zh-CN", "accepted": False}
    }
    assert_problem(
        await client.post(APPLY, headers=who.headers, json=not_signed),
        422,
        "commitment-required",
        "commitment.accepted",
    )
    missing = {k: v for k, v in repair_body(who.records[0]).items() if k != "commitment"}
    assert_problem(
        await client.post(APPLY, headers=who.headers, json=missing),
        422,
        "validation-failed",
        "commitment",
    )
    old = repair_body(who.records[0]) | {
        "commitment": {"version": "2025.1", "language": "zh-CN", "accepted": True}
    }
    body = assert_problem(
        await client.post(APPLY, headers=who.headers, json=old),
        409,
        "commitment-outdated",
        "commitment.version",
    )
    assert body["extra"] == {"currentVersion": "2026.1"}
    await _nothing_written(db)

    applied = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    assert applied.status_code == 201, applied.text
    row = await db.fetchrow("SELECT * FROM repair_application")
    assert (row["commitment_version"], row["commitment_language"]) == ("2026.1", "zh-CN")
    assert row["commitment_sha256"] == text["sha256"]
    assert row["commitment_accepted_at"] is not None


async def test_the_details_of_the_chosen_path_and_nothing_else(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13933000006", [(PEDESTRIAN, days_ago(20))])
    without = {k: v for k, v in repair_body(who.records[0]).items() if k != "trainingReport"}
    assert_problem(
        await client.post(APPLY, headers=who.headers, json=without),
        422,
        "validation-failed",
        "trainingReport",
    )
    both = repair_body(who.records[0]) | {
        "volunteerService": {"hours": 4, "organiser": "社区", "completedOn": days_ago(1)}
    }
    assert_problem(
        await client.post(APPLY, headers=who.headers, json=both),
        422,
        "validation-failed",
        "volunteerService",
    )
    future = repair_body(who.records[0], "volunteer_service")
    future["volunteerService"]["completedOn"] = "2099-01-01"
    assert_problem(
        await client.post(APPLY, headers=who.headers, json=future),
        422,
        "validation-failed",
        "volunteerService.completedOn",
    )
    zero = repair_body(who.records[0], "volunteer_service")
    zero["volunteerService"]["hours"] = 0
    assert_problem(
        await client.post(APPLY, headers=who.headers, json=zero),
        422,
        "validation-failed",
        "volunteerService.hours",
    )
    await _nothing_written(db)


async def test_records_that_cannot_be_repaired(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    key = await department(
        "mixed", ["domain:traffic_safety", "domain:food_drugs", "domain:volunteer_service"]
    )
    who = await citizen(
        client,
        sms,
        "13933000007",
        [
            ("FOOD-TOXIC-HARMFUL", days_ago(20)),
            ("VOLUNTEER-SERVICE-HOURS", days_ago(20)),
            (PEDESTRIAN, days_ago(20)),
            (PEDESTRIAN, days_ago(200)),
        ],
        key=key,
    )
    serious, good, pedestrian, expired = who.records
    for record_id, code in (
        (serious, "record-not-repairable"),
        (good, "record-not-bad"),
        (expired, "record-no-longer-shown"),
    ):
        response = await client.post(APPLY, headers=who.headers, json=repair_body(record_id))
        assert_problem(response, 409, code, "recordId")
    options = await client.get(f"/v1/me/records/{serious}/repair-options", headers=who.headers)
    assert options.json()["repairable"] is False and options.json()["paths"] == []

    # Under an open objection: wait for its result first.
    await file_objection(client, who, pedestrian)
    response = await client.post(APPLY, headers=who.headers, json=repair_body(pedestrian))
    assert_problem(response, 409, "objection-open")
    # Someone else's record.
    other = await citizen(client, sms, "13933000008", [], key=key)
    response = await client.post(APPLY, headers=other.headers, json=repair_body(pedestrian))
    assert_problem(response, 422, "record-not-found", "recordId")
    await _nothing_written(db)


async def test_one_open_application_per_record_with_deadlines(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await citizen(client, sms, "13933000009", [(PEDESTRIAN, days_ago(20))])
    first = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    assert first.status_code == 201, first.text
    application = first.json()["application"]
    today = today_in_shanghai()
    assert application["status"] == "submitted" and application["path"] == "training_report"
    assert application["replyDueOn"] == add_working_days(today, 10).isoformat()
    assert application["deadline"]["stage"] == "reply"
    assert application["deadline"]["workingDaysLeft"] == 10
    assert application["details"]["certificateNo"] == "XYPX-2026-0815"
    second = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    body = assert_problem(second, 409, "repair-already-open")
    assert str(application["id"]) in body["detail"]
    options = await client.get(
        f"/v1/me/records/{who.records[0]}/repair-options", headers=who.headers
    )
    assert options.json()["openApplicationId"] == application["id"]
    assert await count(db, "SELECT count(*) FROM repair_application") == 1
    listed = (await client.get(APPLY, headers=who.headers)).json()["items"]
    assert [a["id"] for a in listed] == [application["id"]]


async def test_repair_is_free_no_fee_or_amount_anywhere(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    prefixes = (
        "Repair",
        "Obligation",
        "Training",
        "Volunteer",
        "Charitable",
        "Commitment",
        "PathOption",
    )
    names = [name for name in schema["components"]["schemas"] if name.startswith(prefixes)]
    assert "RepairIn" in names and "RepairOut" in names
    for name in names:
        props = schema["components"]["schemas"][name].get("properties", {})
        assert not any(
            word in prop.lower() for prop in props for word in ("fee", "amount", "price", "pay")
        ), (name, list(props))
