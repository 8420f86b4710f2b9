"""A record names its citizen by ID number and name; the name must be the one on file for that
ID number (the population registry's, else the name first reported), or the item is rejected on
``citizenName``. Spelling variants (spaces, width, middle-dot look-alikes) are the same name."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from backend.identity.service import encrypt_id_number, id_number_index
from backend.records.service import NAME_MISMATCH
from tests import factories as f
from tests.api.records.helpers import BATCH, api_key, days_ago, post_batch

ZHANG_SAN = "330106199003071236"  # the outside tester's example


def _item(number: str, ref: str, name: str) -> dict[str, Any]:
    return f.record(number, ref, occurredOn=days_ago(3), citizenName=name)


def _outcomes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(item["status"], item["field"]) for item in body["items"]]


async def _records_of(db: asyncpg.Connection[Any], number: str) -> list[str]:
    rows = await db.fetch(
        "SELECT r.source_reference FROM record r JOIN citizen c ON c.id = r.citizen"
        " WHERE c.id_number_index = $1 ORDER BY r.source_reference",
        id_number_index(number),
    )
    return [row["source_reference"] for row in rows]


async def _citizen_name(db: asyncpg.Connection[Any], number: str) -> str | None:
    name: str | None = await db.fetchval(
        "SELECT name FROM citizen WHERE id_number_index = $1", id_number_index(number)
    )
    return name


async def test_a_record_under_another_name_than_the_registry_is_rejected_on_citizen_name(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    await f.register_person(client, await f.registrar(), ZHANG_SAN, "张三", "13900005001")
    other = f.id_number()
    body = await post_batch(
        client,
        await f.department(),
        [
            _item(ZHANG_SAN, "n-1", "李四"),
            _item(ZHANG_SAN, "n-2", "张三"),
            _item(other, "n-3", "王五"),
        ],
    )
    assert _outcomes(body) == [("rejected", "citizenName"), ("accepted", None), ("accepted", None)]
    rejected = body["items"][0]
    assert rejected["sourceReference"] == "n-1" and rejected["recordId"] is None
    assert rejected["reason"] == NAME_MISMATCH[0]
    assert "张三" not in rejected["reason"]  # the name on file is not disclosed
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert await _records_of(db, ZHANG_SAN) == ["n-2"]
    assert await _citizen_name(db, ZHANG_SAN) == "张三"


async def test_without_a_registry_entry_the_first_reported_name_is_the_one_on_file(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key, number = await f.department(), f.id_number()
    first = await post_batch(
        client,
        key,
        [
            _item(number, "p-1", "张三"),
            _item(number, "p-2", "李四"),  # same batch, same new citizen, another name
            _item(number, "p-3", " 张 三 "),
        ],
    )
    assert _outcomes(first) == [("accepted", None), ("rejected", "citizenName"), ("accepted", None)]
    later = await post_batch(
        client, key, [_item(number, "p-4", "李四"), _item(number, "p-5", "张三")]
    )
    assert _outcomes(later) == [("rejected", "citizenName"), ("accepted", None)]
    assert await _records_of(db, number) == ["p-1", "p-3", "p-5"]
    assert await _citizen_name(db, number) == "张三"


async def test_the_registry_name_wins_over_a_name_first_reported_with_a_typo(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key, number = await f.department(), f.id_number()
    typo = await post_batch(client, key, [_item(number, "t-1", "张叁丰")])
    assert typo["accepted"] == 1
    await f.register_person(client, await f.registrar(), number, "张三丰", "13900005002")
    after = await post_batch(
        client, key, [_item(number, "t-2", "张叁丰"), _item(number, "t-3", "张三丰")]
    )
    assert _outcomes(after) == [("rejected", "citizenName"), ("accepted", None)]


async def test_spelling_variants_match_and_a_new_citizen_gets_the_registry_spelling(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    number, unregistered = f.id_number(), f.id_number()
    await f.register_person(client, await f.registrar(), number, "阿依古丽·买买提", "13900005003")
    body = await post_batch(
        client,
        await f.department(),
        [
            _item(number, "v-1", "阿依古丽・买买提"),  # katakana middle dot
            _item(number, "v-2", " 阿依古丽 • 买买提\u3000"),  # bullet, spaces, ideographic space
            _item(number, "v-3", "阿依古丽买买提"),  # without the dot: another name
            _item(unregistered, "v-4", "  王\u200b五 "),
        ],
    )
    assert _outcomes(body) == [
        ("accepted", None),
        ("accepted", None),
        ("rejected", "citizenName"),
        ("accepted", None),
    ]
    assert await _citizen_name(db, number) == "阿依古丽·买买提"
    assert await _citizen_name(db, unregistered) == "王五"  # stored normalised


async def test_a_blank_name_is_rejected_per_item(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    body = await post_batch(
        client,
        await f.department(),
        [
            _item(f.id_number(), "b-1", " \u3000\u200b "),
            _item(f.id_number(), "b-2", "张三"),
        ],
    )
    assert _outcomes(body) == [("rejected", "citizenName"), ("accepted", None)]
    assert body["items"][0]["reason"] == "不能为空白"
    assert await db.fetchval("SELECT count(*) FROM citizen") == 1


async def test_a_batch_rejected_only_for_names_stores_nothing_and_creates_no_citizen(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    await f.register_person(client, await f.registrar(), ZHANG_SAN, "张三", "13900005004")
    body = await post_batch(client, await f.department(), [_item(ZHANG_SAN, "a-1", "李四")])
    assert _outcomes(body) == [("rejected", "citizenName")]
    assert await db.fetchval("SELECT count(*) FROM record") == 0
    assert await db.fetchval("SELECT count(*) FROM citizen") == 0
    assert await db.fetchval("SELECT count(*) FROM outbox_event") == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'record.ingest'") == 0


async def test_a_repeat_of_a_misnamed_item_in_the_same_batch_is_rejected_not_a_duplicate(
    client: httpx.AsyncClient,
) -> None:
    await f.register_person(client, await f.registrar(), ZHANG_SAN, "张三", "13900005005")
    body = await post_batch(
        client,
        await f.department(),
        [
            _item(ZHANG_SAN, "d-1", "李四"),
            _item(ZHANG_SAN, "d-1", "李四"),
        ],
    )
    assert _outcomes(body) == [("rejected", "citizenName"), ("rejected", "citizenName")]
    assert body["items"][1]["reason"] == NAME_MISMATCH[0]
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (0, 0, 2)


async def test_a_resubmitted_record_stays_a_duplicate_after_the_registry_changes_the_name(
    client: httpx.AsyncClient,
) -> None:
    key, number = await f.department(), f.id_number()
    first = await post_batch(client, key, [_item(number, "r-1", "张三")])
    # 改名: the registry now has the person under a new name.
    await f.register_person(client, await f.registrar(), number, "张珊", "13900005006")
    again = await post_batch(client, key, [_item(number, "r-1", "张三")])
    assert _outcomes(again) == [("duplicate", None)]
    assert again["items"][0]["recordId"] == first["items"][0]["recordId"]
    new = await post_batch(client, key, [_item(number, "r-2", "张三")])
    assert _outcomes(new) == [("rejected", "citizenName")]


@pytest.fixture
async def other_batch(database_url: str) -> AsyncIterator[asyncpg.Connection[Any]]:
    """A second connection that plays a concurrent batch's transaction."""
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


async def _wait_until_blocked(db: asyncpg.Connection[Any], request: asyncio.Task[Any]) -> None:
    for _ in range(200):
        waiting = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        if waiting or request.done():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the batch never waited on the concurrent transaction's lock")


async def test_a_batch_racing_another_that_first_reports_the_citizen_under_another_name(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], other_batch: asyncpg.Connection[Any]
) -> None:
    """Both batches see no name on file; the one that creates the citizen first sets it, and the
    other's items are checked again against it after the citizen row is settled."""
    key, number = await f.department(), f.id_number()
    tx = other_batch.transaction()
    await tx.start()
    await other_batch.execute(
        "INSERT INTO citizen (id_number_index, id_number_encrypted, name, created_at,"
        " change_counter) VALUES ($1, $2, '李四', now(), 0)",
        id_number_index(number),
        encrypt_id_number(number),
    )
    records = [_item(number, "c-1", "张三"), _item(f.id_number(), "c-2", "王五")]
    request = asyncio.create_task(
        client.post(BATCH, headers=api_key(key), json={"records": records})
    )
    await _wait_until_blocked(db, request)
    await tx.commit()
    response = await request
    assert response.status_code == 200, response.text
    assert _outcomes(response.json()) == [("rejected", "citizenName"), ("accepted", None)]
    assert await _records_of(db, number) == []
    assert await _citizen_name(db, number) == "李四"
