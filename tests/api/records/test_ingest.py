"""Record batches: idempotent per source reference, per-item results, scopes, sizes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import asyncpg
import httpx
import pytest

from backend.identity.service import decrypt_id_number, id_number_index
from backend.records.catalog import display_until, load_catalogs, repairable_from
from tests import factories as f
from tests.api.records.helpers import (
    BATCH,
    PROBLEM,
    api_key,
    assert_problem,
    days_ago,
    days_ahead,
    post_batch,
    today,
)


async def test_batch_accepts_good_items_and_rejects_bad_ones(client: httpx.AsyncClient) -> None:
    key = await f.department()
    number = f.id_number()
    bad_checksum = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = await client.post(
        "/v1/department/records:batch",
        headers={"X-Api-Key": key},
        json={
            "records": [
                f.record(number, "r-1"),
                f.record(bad_checksum, "r-2"),
                f.record(number, "r-3", record_type="NO-SUCH-TYPE"),
                f.record(number, "r-4", record_type="TAX-ARREARS"),
                f.record(number, "r-5", occurredOn="not-a-date"),
                f.record(number, "r-1"),
            ]
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    statuses = [item["status"] for item in body["items"]]
    assert statuses == ["accepted", "rejected", "rejected", "rejected", "rejected", "duplicate"]
    assert body["items"][1]["field"] == "citizenIdNumber"
    assert body["items"][1]["reason"] == "身份证号无效：校验码不正确（GB 11643）"
    assert "中没有记录类型" in body["items"][2]["reason"]
    assert "不在本单位的报送范围内" in body["items"][3]["reason"]
    assert body["items"][4]["field"] == "occurredOn"
    assert body["items"][5]["recordId"] == body["items"][0]["recordId"]

    again = await client.post(
        "/v1/department/records:batch",
        headers={"X-Api-Key": key},
        json={"records": [f.record(number, "r-1")]},
    )
    assert again.json()["items"][0] == {
        "index": 0,
        "sourceReference": "r-1",
        "status": "duplicate",
        "recordId": body["items"][0]["recordId"],
        "field": None,
        "reason": None,
    }


# --- whole-request refusals ---------------------------------------------------------------------


async def _counts(db: asyncpg.Connection[Any]) -> tuple[int, int]:
    records = await db.fetchval("SELECT count(*) FROM record")
    citizens = await db.fetchval("SELECT count(*) FROM citizen")
    return records, citizens


async def test_oversized_batch_is_refused_whole_and_stores_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    records = [f.record(number, f"big-{i}", occurredOn=days_ago(10)) for i in range(1001)]
    response = await client.post(BATCH, headers=api_key(key), json={"records": records})
    body = assert_problem(response, 413, "batch-too-large", field="records")
    assert "1000" in body["detail"] and "1001" in body["detail"]
    assert await _counts(db) == (0, 0)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'record.ingest'") == 0


async def test_a_batch_of_1000_records_for_one_citizen_is_accepted_in_one_request(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    records = [f.record(number, f"k-{i:04d}", occurredOn=days_ago(i % 300)) for i in range(1000)]
    body = await post_batch(client, key, records)
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (1000, 0, 0)
    assert [item["index"] for item in body["items"]] == list(range(1000))
    assert len({item["recordId"] for item in body["items"]}) == 1000
    assert await _counts(db) == (1000, 1)
    assert await db.fetchval("SELECT change_counter FROM citizen") == 1


async def test_an_empty_records_list_is_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    response = await client.post(BATCH, headers=api_key(key), json={"records": []})
    assert_problem(response, 422, "validation-failed", field="records")
    assert await _counts(db) == (0, 0)


@pytest.mark.parametrize(
    "content",
    [b'{"records": [', b"not json at all", b'{"records": [}]}', b"", b"\xff\xfe{}"],
    ids=["truncated", "text", "broken", "empty", "bad-utf8"],
)
async def test_a_malformed_body_is_a_problem_not_a_server_error(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], content: bytes
) -> None:
    key = await f.department()
    response = await client.post(
        BATCH, headers={**api_key(key), "Content-Type": "application/json"}, content=content
    )
    assert response.status_code in (400, 422), response.text
    code = "bad-request" if response.status_code == 400 else "validation-failed"
    body = assert_problem(response, response.status_code, code)
    if response.status_code == 400:
        assert body["detail"].startswith("请求体不是有效的 JSON"), body
    assert await _counts(db) == (0, 0)


@pytest.mark.parametrize("payload", [[1, 2], "records", 42, None, True], ids=repr)
async def test_a_body_that_is_not_an_object_is_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], payload: Any
) -> None:
    key = await f.department()
    for language, says in (("zh-CN", "body: 应为对象"), ("en", "body: must be an object")):
        response = await client.post(
            BATCH,
            headers={
                **api_key(key),
                "Content-Type": "application/json",
                "Accept-Language": language,
            },
            content=json.dumps(payload).encode(),
        )
        body = assert_problem(response, 422, "validation-failed", field="body")
        assert body["detail"].startswith(says), body
    assert await _counts(db) == (0, 0)


async def test_an_unknown_top_level_field_refuses_the_whole_batch(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    response = await client.post(
        BATCH,
        headers=api_key(key),
        json={"records": [f.record(number, "u-1", occurredOn=days_ago(3))], "dryRun": True},
    )
    body = assert_problem(response, 422, "validation-failed", field="dryRun")
    assert "dryRun" in body["detail"]
    assert await _counts(db) == (0, 0)


async def test_a_missing_top_level_field_is_named(client: httpx.AsyncClient) -> None:
    key = await f.department()
    response = await client.post(BATCH, headers=api_key(key), json={})
    assert_problem(response, 422, "validation-failed", field="records")


async def test_an_absent_body_gets_a_readable_reason(client: httpx.AsyncClient) -> None:
    key = await f.department()
    response = await client.post(BATCH, headers=api_key(key))
    body = assert_problem(response, 422, "validation-failed")
    assert "'data'" not in body["detail"]


async def test_an_item_that_is_not_an_object_is_rejected_alone(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    response = await client.post(
        BATCH,
        headers=api_key(key),
        json={"records": [f.record(number, "ok", occurredOn=days_ago(3)), "not-a-record"]},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["status"] for i in items] == ["accepted", "rejected"]
    assert items[1]["field"] == "record" and items[1]["reason"] == "应为对象，收到的是文本"
    assert await _counts(db) == (1, 1)


@pytest.mark.parametrize(
    "headers", [{}, {"X-Api-Key": "dep_bad_key"}, {"Authorization": "Bearer x"}], ids=repr
)
async def test_batches_need_a_department_api_key(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], headers: dict[str, str]
) -> None:
    await f.department()
    number = f.id_number()
    response = await client.post(
        BATCH, headers=headers, json={"records": [f.record(number, "x", occurredOn=days_ago(3))]}
    )
    assert_problem(response, 401, response.json()["type"].removeprefix(PROBLEM))
    assert await _counts(db) == (0, 0)


# --- per-item rejections ------------------------------------------------------------------------


async def test_record_types_outside_the_departments_scopes_are_rejected_per_item(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("traffic", ["domain:traffic_safety"])
    number = f.id_number()
    body = await post_batch(
        client,
        key,
        [
            f.record(number, "s-1", record_type="TAX-ARREARS", occurredOn=days_ago(5)),
            f.record(number, "s-2", record_type="TRAFFIC-DRUNK-DRIVING", occurredOn=days_ago(5)),
            f.record(number, "s-3", record_type="VOLUNTEER-SERVICE-HOURS", occurredOn=days_ago(5)),
        ],
    )
    assert (body["accepted"], body["rejected"]) == (1, 2)
    for item, code in ((body["items"][0], "TAX-ARREARS"), (body["items"][2], "VOLUNTEER")):
        assert item["status"] == "rejected"
        assert item["field"] == "recordType"
        assert "不在本单位的报送范围内" in item["reason"] and code in item["reason"]
        assert item["recordId"] is None
    assert body["items"][0]["sourceReference"] == "s-1"
    assert body["items"][1]["status"] == "accepted"
    assert await db.fetchval("SELECT array_agg(source_reference) FROM record") == ["s-2"]


async def test_a_record_scope_allows_exactly_one_type_and_a_domain_scope_the_whole_domain(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    narrow = await f.department("narrow", ["record:TRAFFIC-DRINK-DRIVING"])
    wide = await f.department("wide", ["domain:traffic_safety"])
    number = f.id_number()
    types = ["TRAFFIC-DRINK-DRIVING", "TRAFFIC-UNLICENSED-DRIVING", "TRAFFIC-DRUNK-DRIVING"]
    records = [
        f.record(number, f"t-{i}", record_type=t, occurredOn=days_ago(5))
        for i, t in enumerate(types)
    ]
    narrow_body = await post_batch(client, narrow, records)
    assert [i["status"] for i in narrow_body["items"]] == ["accepted", "rejected", "rejected"]
    assert all("不在本单位的报送范围内" in i["reason"] for i in narrow_body["items"][1:])
    wide_body = await post_batch(client, wide, records)
    assert [i["status"] for i in wide_body["items"]] == ["accepted"] * 3
    other_domain = await post_batch(
        client, narrow, [f.record(number, "t-9", record_type="TAX-ARREARS", occurredOn=days_ago(5))]
    )
    assert other_domain["items"][0]["status"] == "rejected"
    assert await db.fetchval("SELECT count(*) FROM record") == 4


async def test_dates_in_the_future_or_out_of_order_are_rejected(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    body = await post_batch(
        client,
        key,
        language="en",  # a department may read the reasons in English
        records=[
            f.record(number, "d-1", occurredOn=days_ahead(1)),
            f.record(number, "d-2", occurredOn=days_ago(5), decidedOn=days_ahead(1)),
            f.record(number, "d-3", occurredOn=days_ago(5), decidedOn=days_ago(6)),
            f.record(number, "d-4", occurredOn=days_ago(5), decidedOn=days_ago(5)),
            f.record(number, "d-5", occurredOn=days_ago(0)),
            f.record(number, "d-6", occurredOn=days_ago(9), decidedOn=days_ago(2)),
            f.record(number, "d-7", occurredOn="2026-02-30"),
        ],
    )
    items = body["items"]
    assert [i["status"] for i in items] == ["rejected"] * 3 + ["accepted"] * 3 + ["rejected"]
    assert (items[0]["field"], items[0]["reason"]) == ("occurredOn", "is in the future")
    assert (items[1]["field"], items[1]["reason"]) == ("decidedOn", "is in the future")
    assert (items[2]["field"], items[2]["reason"]) == ("decidedOn", "is before occurredOn")
    assert items[6]["field"] == "occurredOn"
    stored = await db.fetch("SELECT source_reference, occurred_on, decided_on FROM record")
    decided = {r["source_reference"]: (r["occurred_on"], r["decided_on"]) for r in stored}
    assert decided["d-5"][0] == decided["d-5"][1] == today()  # decidedOn defaults to occurredOn
    assert decided["d-6"][1] - decided["d-6"][0] == dt.timedelta(days=7)


async def test_item_field_errors_are_rejected_with_a_reason_naming_the_field(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    missing = f.record(number, "m-1", occurredOn=days_ago(2))
    del missing["citizenName"]
    body = await post_batch(
        client,
        key,
        [
            missing,
            f.record(number, "m-2", occurredOn=days_ago(2), colour="red"),
            f.record(number, "m-3", occurredOn=days_ago(2), quantity=0),
            f.record(number, "m-4", occurredOn=days_ago(2), sourceReference="x" * 101),
            f.record(number, "m-5", occurredOn=days_ago(2), evidenceSummary=""),
            f.record(number, "m-6", occurredOn=days_ago(2)),
        ],
    )
    items = body["items"]
    assert [i["status"] for i in items] == ["rejected"] * 5 + ["accepted"]
    assert (items[0]["field"], items[0]["reason"]) == ("citizenName", "必填")
    assert (items[1]["field"], items[1]["reason"]) == ("colour", "不是此请求接受的字段")
    assert items[2]["field"] == "quantity"
    assert items[3]["field"] == "sourceReference" and items[3]["sourceReference"] == "x" * 101
    assert items[4]["field"] == "evidenceSummary"
    assert await db.fetchval("SELECT count(*) FROM record") == 1


async def test_text_with_nul_characters_is_rejected_per_item_not_a_server_error(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    """PostgreSQL text cannot hold NUL: such an item used to fail the whole batch with a 500."""
    key = await f.department()
    number = f.id_number()
    body = await post_batch(
        client,
        key,
        [
            f.record(number, "z-1", occurredOn=days_ago(2), evidenceSummary="a\u0000b"),
            f.record(number, "z-\u00002", occurredOn=days_ago(2), decisionDocumentNo="公字2号"),
            f.record(f.id_number(), "z-3", occurredOn=days_ago(2), citizenName="\u0000"),
            f.record(number, "z-4", occurredOn=days_ago(2), decisionDocumentNo="\u0000"),
            f.record(number, "z-5", occurredOn=days_ago(2), occupationalGroup="\u0000"),
            f.record(number, "z-6", occurredOn=days_ago(2)),
        ],
    )
    fields = [i["field"] for i in body["items"][:5]]
    assert fields == [
        "evidenceSummary",
        "sourceReference",
        "citizenName",
        "decisionDocumentNo",
        "occupationalGroup",
    ]
    assert [i["status"] for i in body["items"]] == ["rejected"] * 5 + ["accepted"]
    assert await _counts(db) == (1, 1)


# --- idempotency, citizens and stored values ----------------------------------------------------


async def test_the_same_source_reference_from_two_departments_is_two_records(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    police = await f.department("police", ["domain:traffic_safety"])
    transport = await f.department("transport", ["domain:traffic_safety"])
    number = f.id_number()
    record = f.record(number, "2026-0001", occurredOn=days_ago(4))
    first = (await post_batch(client, police, [record]))["items"][0]
    second = (await post_batch(client, transport, [record]))["items"][0]
    assert first["status"] == second["status"] == "accepted"
    assert first["recordId"] != second["recordId"]
    rows = await db.fetch(
        "SELECT r.id, d.code FROM record r JOIN api_client d ON d.id = r.department ORDER BY r.id"
    )
    assert [(r["id"], r["code"]) for r in rows] == [
        (first["recordId"], "police"),
        (second["recordId"], "transport"),
    ]
    again = (await post_batch(client, transport, [record]))["items"][0]
    assert (again["status"], again["recordId"]) == ("duplicate", second["recordId"])


async def test_resubmission_is_a_duplicate_with_the_same_id_and_changes_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    records = [f.record(number, f"r-{i}", occurredOn=days_ago(i + 1)) for i in range(3)]
    first = await post_batch(client, key, records)
    before = await db.fetch("SELECT * FROM record ORDER BY id")
    counter = await db.fetchval("SELECT change_counter FROM citizen")

    changed = [{**records[0], "evidenceSummary": "不同的内容"}, *records[1:]]
    second = await post_batch(client, key, changed)
    assert (second["accepted"], second["duplicate"], second["rejected"]) == (0, 3, 0)
    assert [i["recordId"] for i in second["items"]] == [i["recordId"] for i in first["items"]]
    assert all(i["status"] == "duplicate" for i in second["items"])
    assert await db.fetch("SELECT * FROM record ORDER BY id") == before
    assert await db.fetchval("SELECT change_counter FROM citizen") == counter
    ingests = await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'record.ingest'")
    assert ingests == 1

    mixed = await post_batch(
        client, key, [records[2], f.record(number, "r-new", occurredOn=days_ago(1)), records[2]]
    )
    assert [i["status"] for i in mixed["items"]] == ["duplicate", "accepted", "duplicate"]
    assert mixed["items"][0]["recordId"] == mixed["items"][2]["recordId"]
    assert mixed["items"][0]["recordId"] == first["items"][2]["recordId"]
    assert await db.fetchval("SELECT count(*) FROM record") == 4


def _id_ending_in_x() -> str:
    born = dt.date(1975, 3, 9)
    return next(n for s in range(1, 1000) if (n := f.id_number(s, born=born)).endswith("X"))


async def test_citizens_are_created_once_per_id_number_encrypted_with_a_blind_index(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    alice, bob = _id_ending_in_x(), f.id_number()
    await post_batch(
        client,
        key,
        [
            f.record(alice, "c-1", occurredOn=days_ago(9)),
            f.record(alice.lower(), "c-2", occurredOn=days_ago(8)),
            f.record(bob, "c-3", occurredOn=days_ago(7)),
        ],
    )
    await post_batch(client, key, [f.record(alice.lower(), "c-4", occurredOn=days_ago(6))])
    citizens = await db.fetch("SELECT * FROM citizen ORDER BY id")
    assert len(citizens) == 2
    by_index = {row["id_number_index"]: row for row in citizens}
    assert set(by_index) == {id_number_index(alice), id_number_index(bob)}
    for number in (alice, bob):
        row = by_index[id_number_index(number)]
        assert number.encode() not in bytes(row["id_number_encrypted"])
        assert number not in row["id_number_index"]
        assert decrypt_id_number(bytes(row["id_number_encrypted"])) == number
    per_citizen = await db.fetch(
        "SELECT citizen, count(*) AS n FROM record GROUP BY citizen ORDER BY citizen"
    )
    alice_id = by_index[id_number_index(alice)]["id"]
    assert {r["citizen"]: r["n"] for r in per_citizen}[alice_id] == 3


async def test_change_counter_moves_once_per_batch_that_changes_a_citizens_records(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    alice, bob = f.id_number(), f.id_number()

    async def counters() -> dict[str, int]:
        rows = await db.fetch("SELECT id_number_index, change_counter FROM citizen")
        values = {row["id_number_index"]: row["change_counter"] for row in rows}
        return {
            "alice": values.get(id_number_index(alice), -1),
            "bob": values.get(id_number_index(bob), -1),
        }

    await post_batch(
        client,
        key,
        [
            f.record(alice, "cc-1", occurredOn=days_ago(3)),
            f.record(alice, "cc-2", occurredOn=days_ago(2)),
            f.record(bob, "cc-3", occurredOn=days_ago(2)),
        ],
    )
    assert await counters() == {"alice": 1, "bob": 1}
    await post_batch(client, key, [f.record(alice, "cc-1", occurredOn=days_ago(3))])
    assert await counters() == {"alice": 1, "bob": 1}  # duplicate only: no change
    await post_batch(
        client,
        key,
        [
            f.record(alice, "cc-4", occurredOn=days_ago(1)),
            f.record(bob, "cc-5", occurredOn=days_ahead(3)),  # rejected
        ],
    )
    assert await counters() == {"alice": 2, "bob": 1}


_PERIOD_CASES = [
    ("VOLUNTEER-SERVICE-HOURS", "2026-03-10"),
    ("TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN", "2026-08-31"),  # + 3 months clamps to 30 Nov
    ("HEALTH-SMOKING-BAN-VIOLATION", "2026-01-31"),  # + 1 month clamps to 28 Feb
    ("FIRE-EXIT-OBSTRUCTION", "2026-05-15"),
    ("TRAFFIC-DRINK-DRIVING", "2026-02-28"),
    ("TRAFFIC-DRUNK-DRIVING", "2024-02-29"),  # leap day
    ("FOOD-TOXIC-HARMFUL", "2026-06-01"),  # serious, no repair path
]


async def test_display_until_and_repairable_from_come_from_the_catalog(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("multi", [f"record:{code}" for code, _ in _PERIOD_CASES])
    number = f.id_number()
    catalog = load_catalogs().in_force(today())
    records = [
        f.record(number, f"p-{i}", record_type=code, occurredOn=decided, quantity=2)
        for i, (code, decided) in enumerate(_PERIOD_CASES)
    ]
    body = await post_batch(client, key, records)
    assert body["accepted"] == len(_PERIOD_CASES), body
    for item, (code, decided) in zip(body["items"], _PERIOD_CASES, strict=True):
        record_type = catalog.get(code)
        assert record_type is not None
        decided_on = dt.date.fromisoformat(decided)
        expected_until = display_until(record_type, decided_on)
        expected_repair = repairable_from(record_type, decided_on)
        row = await db.fetchrow("SELECT * FROM record WHERE id = $1", item["recordId"])
        assert row is not None
        assert row["display_until"] == expected_until, code
        assert row["repairable_from"] == expected_repair, code
        assert (row["domain"], row["polarity"], row["severity"]) == (
            record_type.domain,
            record_type.polarity,
            record_type.severity,
        )
        assert (row["catalog_version"], row["status"], row["version"]) == (
            catalog.version,
            "active",
            1,
        )
        assert row["quantity"] == 2
        shown = await client.get(f"/v1/department/records/{item['recordId']}", headers=api_key(key))
        assert shown.status_code == 200, shown.text
        out = shown.json()["record"]
        assert out["displayUntil"] == expected_until.isoformat()
        assert out["repairPossibleFrom"] == (expected_repair and expected_repair.isoformat())
        assert out["status"] == ("active" if expected_until > today() else "expired")
        assert out["legalBasis"] == record_type.legal_basis
    by_code = {c: i for i, (c, _) in enumerate(_PERIOD_CASES)}
    rows = {r["record_type"]: r for r in await db.fetch("SELECT * FROM record")}
    assert rows["TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"]["display_until"] == dt.date(2026, 11, 30)
    assert rows["HEALTH-SMOKING-BAN-VIOLATION"]["display_until"] == dt.date(2026, 2, 28)
    assert rows["FOOD-TOXIC-HARMFUL"]["repairable_from"] is None
    assert rows["VOLUNTEER-SERVICE-HOURS"]["repairable_from"] is None
    assert len(by_code) == len(rows)


async def test_an_audit_log_row_is_written_for_each_ingest_that_stores_records(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    response = await client.post(
        BATCH,
        headers=api_key(key),
        json={
            "records": [
                f.record(number, "a-1", occurredOn=days_ago(3)),
                f.record(number, "a-2", occurredOn=days_ago(2)),
                f.record(number, "a-3", record_type="NOPE", occurredOn=days_ago(2)),
            ]
        },
    )
    ids = sorted(i["recordId"] for i in response.json()["items"] if i["status"] == "accepted")
    client_id = await db.fetchval("SELECT id FROM api_client WHERE code = 'dept-a'")
    rows = await db.fetch("SELECT * FROM audit_log WHERE action = 'record.ingest'")
    assert len(rows) == 1
    row = rows[0]
    assert (row["actor_kind"], row["actor_id"]) == ("department", str(client_id))
    assert row["object_type"] == "record_batch"
    assert row["object_id"] == str(ids[0])
    assert json.loads(row["after"])["accepted"] == ids
    assert row["request_id"] == response.headers["x-request-id"]
    await post_batch(client, key, [f.record(number, "a-1", occurredOn=days_ago(3))])
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'record.ingest'") == 1


async def test_the_document_shows_batch_items_as_record_in(client: httpx.AsyncClient) -> None:
    """Items are read raw (to reject them one by one) but documented as what they must be."""
    document = (await client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    items = schemas["RecordBatch"]["properties"]["records"]["items"]
    assert items == {"$ref": "#/components/schemas/RecordIn"}
    record_in = schemas["RecordIn"]
    assert record_in["additionalProperties"] is False
    assert set(record_in["required"]) >= {"citizenIdNumber", "recordType", "sourceReference"}
    assert all(p.get("description") for p in record_in["properties"].values())
    assert "RecordBatchWire" not in schemas
    operation = document["paths"]["/v1/department/records:batch"]["post"]
    assert operation["operationId"] == "ingestRecords"
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RecordBatch"
    }
    assert "413" in operation["responses"]
