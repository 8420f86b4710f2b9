"""Corrections and revocations: a department fixes only its own records, with a reason, and the
old values stay in the record's history."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import asyncpg
import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from backend.records.catalog import display_until, load_catalogs, repairable_from
from tests import factories as f
from tests.api.records.helpers import (
    api_key,
    assert_problem,
    days_ago,
    days_ahead,
    post_batch,
    today,
)

SCOPES = ["domain:traffic_safety", "domain:volunteer_service"]


def _url(record_id: int, action: str | None = None) -> str:
    return f"/v1/department/records/{record_id}" + (f"/{action}" if action else "")


async def _one_record(
    client: httpx.AsyncClient, key: str, number: str, ref: str = "c-1", **extra: Any
) -> int:
    fields = {"occurredOn": days_ago(40), "decidedOn": days_ago(35), **extra}
    body = await post_batch(client, key, [f.record(number, ref, **fields)])
    assert body["items"][0]["status"] == "accepted", body
    record_id: int = body["items"][0]["recordId"]
    return record_id


async def _history_rows(db: asyncpg.Connection[Any], record_id: int) -> list[asyncpg.Record]:
    return await db.fetch("SELECT * FROM record_history WHERE record = $1 ORDER BY id", record_id)


async def _counter(db: asyncpg.Connection[Any], record_id: int) -> int:
    value: int = await db.fetchval(
        "SELECT c.change_counter FROM citizen c JOIN record r ON r.citizen = c.id WHERE r.id = $1",
        record_id,
    )
    return value


def _type(code: str) -> Any:
    record_type = load_catalogs().in_force(today()).get(code)
    assert record_type is not None
    return record_type


# --- corrections --------------------------------------------------------------------------------


async def test_a_correction_changes_the_record_and_keeps_the_old_values_in_history(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("police", SCOPES)
    number = f.id_number()
    record_id = await _one_record(client, key, number)
    original = (await client.get(_url(record_id), headers=api_key(key))).json()
    assert (original["version"], original["history"]) == (1, [])
    counter = await _counter(db, record_id)

    change = {
        "reason": "决定书日期录入错误，予以更正",
        "occurredOn": days_ago(41),
        "decidedOn": days_ago(30),
        "decisionDocumentNo": "公交决字〔2026〕更1号",
        "evidenceSummary": "更正后的证据摘要",
        "quantity": 2,
    }
    response = await client.post(_url(record_id, "correction"), headers=api_key(key), json=change)
    assert response.status_code == 200, response.text
    body = response.json()
    decided = today() - dt.timedelta(days=30)
    drink = _type("TRAFFIC-DRINK-DRIVING")
    assert body["version"] == 2
    record = body["record"]
    assert record["occurredOn"] == change["occurredOn"]
    assert record["decidedOn"] == change["decidedOn"]
    assert record["decisionDocumentNo"] == change["decisionDocumentNo"]
    assert record["evidenceSummary"] == change["evidenceSummary"]
    assert record["quantity"] == 2
    assert record["displayUntil"] == display_until(drink, decided).isoformat()
    assert record["repairPossibleFrom"] == str(repairable_from(drink, decided))
    assert record["updatedAt"] >= original["record"]["updatedAt"]
    assert record["reportedAt"] == original["record"]["reportedAt"]

    [entry] = body["history"]
    assert entry["action"] == "corrected"
    assert entry["reason"] == change["reason"]
    old = original["record"]
    before, after = entry["before"], entry["after"]
    # JSON is camelCase on the wire, history snapshots included.
    assert before == {
        "recordType": "TRAFFIC-DRINK-DRIVING",
        "occurredOn": old["occurredOn"],
        "decidedOn": old["decidedOn"],
        "decisionDocumentNo": old["decisionDocumentNo"],
        "evidenceSummary": old["evidenceSummary"],
        "quantity": 1,
        "status": "active",
    }
    assert after == {
        "recordType": "TRAFFIC-DRINK-DRIVING",
        "occurredOn": change["occurredOn"],
        "decidedOn": change["decidedOn"],
        "decisionDocumentNo": change["decisionDocumentNo"],
        "evidenceSummary": change["evidenceSummary"],
        "quantity": 2,
        "status": "active",
    }
    assert (await client.get(_url(record_id), headers=api_key(key))).json() == body

    row = await db.fetchrow("SELECT * FROM record WHERE id = $1", record_id)
    assert row is not None
    assert (row["version"], row["decided_on"], row["display_until"]) == (
        2,
        decided,
        display_until(drink, decided),
    )
    assert len(await _history_rows(db, record_id)) == 1
    assert await _counter(db, record_id) == counter + 1
    audit = await db.fetch(
        "SELECT * FROM audit_log WHERE action = 'record.corrected' AND object_id = $1",
        str(record_id),
    )
    assert len(audit) == 1
    assert audit[0]["object_type"] == "record" and audit[0]["actor_kind"] == "department"
    assert json.loads(audit[0]["before"])["decided_on"] == old["decidedOn"]
    assert json.loads(audit[0]["after"])["decided_on"] == change["decidedOn"]
    assert audit[0]["request_id"] == response.headers["x-request-id"]


async def test_a_correction_to_another_type_recomputes_severity_and_periods(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("police", SCOPES)
    record_id = await _one_record(client, key, f.id_number())
    response = await client.post(
        _url(record_id, "correction"),
        headers=api_key(key),
        json={"reason": "经复核应认定为醉酒驾驶", "recordType": "TRAFFIC-DRUNK-DRIVING"},
    )
    assert response.status_code == 200, response.text
    record = response.json()["record"]
    drunk = _type("TRAFFIC-DRUNK-DRIVING")
    decided = today() - dt.timedelta(days=35)
    assert (record["recordType"], record["severity"]) == ("TRAFFIC-DRUNK-DRIVING", "serious")
    assert record["titleZh"] == drunk.name_zh and record["legalBasis"] == drunk.legal_basis
    english = await client.get(_url(record_id), headers={**api_key(key), "Accept-Language": "en"})
    assert english.json()["record"]["title"] == drunk.name_en == record["titleEn"]
    assert record["displayUntil"] == display_until(drunk, decided).isoformat()
    assert record["repairPossibleFrom"] == str(repairable_from(drunk, decided))
    row = await db.fetchrow("SELECT severity, domain FROM record WHERE id = $1", record_id)
    assert row is not None
    assert (row["severity"], row["domain"]) == ("serious", "traffic_safety")


async def test_a_correction_without_a_usable_reason_is_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("police", SCOPES)
    record_id = await _one_record(client, key, f.id_number())
    url = _url(record_id, "correction")
    missing = await client.post(url, headers=api_key(key), json={"occurredOn": days_ago(41)})
    body = assert_problem(missing, 422, "validation-failed")
    assert "reason" in body["detail"]
    for reason in ("x", "", "   ", "\u0000\u0000"):
        response = await client.post(
            url, headers=api_key(key), json={"reason": reason, "occurredOn": days_ago(41)}
        )
        assert_problem(response, 422, "validation-failed", field="reason")
    row = await db.fetchrow("SELECT version, occurred_on FROM record WHERE id = $1", record_id)
    assert row is not None
    assert (row["version"], row["occurred_on"]) == (1, today() - dt.timedelta(days=40))
    assert await _history_rows(db, record_id) == []


async def test_a_correction_without_reason_names_the_field(client: httpx.AsyncClient) -> None:
    key = await f.department("police", SCOPES)
    record_id = await _one_record(client, key, f.id_number())
    response = await client.post(
        _url(record_id, "correction"), headers=api_key(key), json={"quantity": 2}
    )
    assert_problem(response, 422, "validation-failed", field="reason")


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"recordType": "TAX-ARREARS"}, "recordType", "不在本单位的报送范围内"),
        ({"recordType": "NO-SUCH-TYPE"}, "recordType", "中没有记录类型"),
        ({"recordType": "VOLUNTEER-SERVICE-HOURS"}, "recordType", "优良记录改为失信记录"),
        ({"occurredOn": days_ahead(1)}, "occurredOn", "不能晚于今天"),
        ({"decidedOn": days_ahead(1)}, "decidedOn", "不能晚于今天"),
        ({"decidedOn": days_ago(45)}, "decidedOn", "不能早于行为发生日期"),
        ({"occurredOn": days_ago(30)}, "decidedOn", "不能早于行为发生日期"),
        ({"quantity": 0}, "quantity", "不能小于 1"),
        ({"evidenceSummary": "a\u0000b"}, "evidenceSummary", "不能包含空字符"),
        ({"occurredOn": "2026-13-01"}, "occurredOn", "应为日期"),
        ({"status": "revoked"}, "status", "不是此请求接受的字段"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_an_invalid_correction_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    db: asyncpg.Connection[Any],
    change: dict[str, Any],
    field: str,
    says: str,
) -> None:
    key = await f.department("police", SCOPES)
    record_id = await _one_record(client, key, f.id_number())
    before = await db.fetchrow("SELECT * FROM record WHERE id = $1", record_id)
    response = await client.post(
        _url(record_id, "correction"), headers=api_key(key), json={"reason": "更正", **change}
    )
    body = assert_problem(response, 422, "validation-failed", field=field)
    assert says in body["detail"]
    assert await db.fetchrow("SELECT * FROM record WHERE id = $1", record_id) == before
    assert await _history_rows(db, record_id) == []


async def test_a_good_record_cannot_be_corrected_into_a_bad_one(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("volunteers", SCOPES)
    record_id = await _one_record(
        client, key, f.id_number(), record_type="VOLUNTEER-SERVICE-HOURS", quantity=8
    )
    response = await client.post(
        _url(record_id, "correction"),
        headers=api_key(key),
        json={"reason": "录错类型", "recordType": "TRAFFIC-DRINK-DRIVING"},
    )
    body = assert_problem(response, 422, "validation-failed", field="recordType")
    assert "请撤销后重新报送" in body["detail"]
    row = await db.fetchrow(
        "SELECT record_type, polarity, version FROM record WHERE id = $1", record_id
    )
    assert row is not None
    assert tuple(row) == ("VOLUNTEER-SERVICE-HOURS", "good", 1)
    same_polarity = await client.post(
        _url(record_id, "correction"),
        headers=api_key(key),
        json={"reason": "应为优秀志愿者", "recordType": "VOLUNTEER-OUTSTANDING", "quantity": 1},
    )
    assert same_polarity.status_code == 200, same_polarity.text
    assert same_polarity.json()["record"]["repairPossibleFrom"] is None


async def test_retrying_the_same_correction_adds_no_second_history_row(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("police", SCOPES)
    record_id = await _one_record(client, key, f.id_number())
    counter = await _counter(db, record_id)
    change = {"reason": "更正发生日期", "occurredOn": days_ago(38)}
    first = await client.post(_url(record_id, "correction"), headers=api_key(key), json=change)
    second = await client.post(_url(record_id, "correction"), headers=api_key(key), json=change)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.json()["version"] == 2
    assert len(await _history_rows(db, record_id)) == 1
    assert await _counter(db, record_id) == counter + 1
    audit = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'record.corrected' AND object_id = $1",
        str(record_id),
    )
    assert audit == 1


# --- revocations --------------------------------------------------------------------------------


async def test_revocation_hides_the_record_from_the_default_list_and_is_idempotent(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: asyncpg.Connection[Any]
) -> None:
    registrar = await f.registrar()
    key = await f.department("police", SCOPES)
    number = f.id_number()
    tokens = await f.citizen_tokens(
        client, sms, phone="13910000101", name="赵敏", number=number, registrar_key=registrar
    )
    record_id = await _one_record(client, key, number)
    kept = await _one_record(client, key, number, ref="c-2")
    counter = await _counter(db, record_id)

    async def listed(status: str | None = None) -> list[int]:
        query = f"?status={status}" if status else ""
        response = await client.get(f"/v1/me/records{query}", headers=f.bearer(tokens))
        assert response.status_code == 200, response.text
        return sorted(item["id"] for item in response.json()["items"])

    assert await listed() == sorted([record_id, kept])
    reason = {"reason": "原处罚决定已被依法撤销"}
    first = await client.post(_url(record_id, "revocation"), headers=api_key(key), json=reason)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["record"]["status"] == "revoked"
    assert body["version"] == 2
    [entry] = body["history"]
    assert (entry["action"], entry["reason"]) == ("revoked", reason["reason"])
    assert (entry["before"]["status"], entry["after"]["status"]) == ("active", "revoked")

    assert await listed() == [kept]
    assert await listed("active") == [kept]
    assert await listed("revoked") == [record_id]
    assert await listed("all") == sorted([record_id, kept])
    revoked_item = (
        await client.get("/v1/me/records?status=revoked", headers=f.bearer(tokens))
    ).json()["items"][0]
    assert revoked_item["status"] == "revoked"

    again = await client.post(_url(record_id, "revocation"), headers=api_key(key), json=reason)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2
    assert len(again.json()["history"]) == 1
    assert len(await _history_rows(db, record_id)) == 1
    assert await _counter(db, record_id) == counter + 1
    audit = await db.fetch(
        "SELECT * FROM audit_log WHERE action = 'record.revoked' AND object_id = $1",
        str(record_id),
    )
    assert len(audit) == 1
    assert json.loads(audit[0]["after"])["status"] == "revoked"


async def test_a_revocation_needs_a_reason(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("police", SCOPES)
    record_id = await _one_record(client, key, f.id_number())
    url = _url(record_id, "revocation")
    assert_problem(await client.post(url, headers=api_key(key), json={}), 422, "validation-failed")
    for reason in ("x", "  \n ", "a\u0000b"):
        response = await client.post(url, headers=api_key(key), json={"reason": reason})
        assert_problem(response, 422, "validation-failed", field="reason")
    assert await db.fetchval("SELECT status FROM record WHERE id = $1", record_id) == "active"


async def test_a_revoked_record_cannot_be_corrected(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("police", SCOPES)
    record_id = await _one_record(client, key, f.id_number())
    revoked = await client.post(
        _url(record_id, "revocation"), headers=api_key(key), json={"reason": "撤销"}
    )
    assert revoked.status_code == 200
    before = await db.fetchrow("SELECT * FROM record WHERE id = $1", record_id)
    response = await client.post(
        _url(record_id, "correction"),
        headers=api_key(key),
        json={"reason": "更正", "occurredOn": days_ago(39)},
    )
    body = assert_problem(response, 409, "record-revoked")
    assert body["detail"] == "已撤销的记录不能更正"
    assert await db.fetchrow("SELECT * FROM record WHERE id = $1", record_id) == before
    assert len(await _history_rows(db, record_id)) == 1


# --- another department's record ----------------------------------------------------------------


async def test_another_departments_record_is_not_found_and_stays_unchanged(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    owner = await f.department("owner", SCOPES)
    other = await f.department("other", SCOPES)
    record_id = await _one_record(client, owner, f.id_number())
    before = await db.fetchrow("SELECT * FROM record WHERE id = $1", record_id)
    audit_before = await db.fetchval("SELECT count(*) FROM audit_log")

    shown = await client.get(_url(record_id), headers=api_key(other))
    assert_problem(shown, 404, "not-found")
    corrected = await client.post(
        _url(record_id, "correction"),
        headers=api_key(other),
        json={"reason": "试图更正", "occurredOn": days_ago(39)},
    )
    assert_problem(corrected, 404, "not-found")
    revoked = await client.post(
        _url(record_id, "revocation"), headers=api_key(other), json={"reason": "试图撤销"}
    )
    assert_problem(revoked, 404, "not-found")
    missing = await client.get(_url(record_id + 1000), headers=api_key(other))
    # The other department's record is indistinguishable from one that does not exist.
    assert shown.json()["detail"].replace(str(record_id), "N") == missing.json()["detail"].replace(
        str(record_id + 1000), "N"
    )

    assert await db.fetchrow("SELECT * FROM record WHERE id = $1", record_id) == before
    assert await _history_rows(db, record_id) == []
    assert await db.fetchval("SELECT count(*) FROM audit_log") == audit_before
    mine = (await client.get(_url(record_id), headers=api_key(owner))).json()
    assert (mine["version"], mine["history"], mine["record"]["status"]) == (1, [], "active")


@pytest.mark.parametrize(
    "record_id", ["0", "-1", "9223372036854775807", "9223372036854775808", "99999999999999999999"]
)
async def test_record_ids_that_cannot_exist_are_not_found(
    client: httpx.AsyncClient, record_id: str
) -> None:
    """Ids beyond PostgreSQL bigint used to raise a 500 from asyncpg."""
    key = await f.department("police", SCOPES)
    url = f"/v1/department/records/{record_id}"
    assert_problem(await client.get(url, headers=api_key(key)), 404, "not-found")
    for action, body in (("correction", {"reason": "更正"}), ("revocation", {"reason": "撤销"})):
        response = await client.post(f"{url}/{action}", headers=api_key(key), json=body)
        assert_problem(response, 404, "not-found")


async def test_the_department_view_masks_the_citizens_id_number(client: httpx.AsyncClient) -> None:
    key = await f.department("police", SCOPES)
    number = f.id_number()
    record_id = await _one_record(client, key, number)
    body = (await client.get(_url(record_id), headers=api_key(key))).json()
    assert body["citizenIdNumberMasked"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in json.dumps(body)
    assert body["sourceReference"] == "c-1"
    assert body["record"]["department"] == {"code": "police", "name": "Department police"}
