"""Concurrent requests: overlapping batches and repeated corrections neither fail nor double up.

Two batches that name the same new citizens, or the same source references, in different
orders used to be able to deadlock in PostgreSQL, so one of them failed with a 500. Rows are now
written in one global order (citizens by blind index, records by source reference). The
lock-order tests below play the other batch from a second connection, step by step, so they do
not depend on timing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from backend.identity.service import encrypt_id_number, id_number_index
from backend.records.jobs import run_follow_ups
from tests import factories as f
from tests.api.records.helpers import BATCH, api_key, days_ago, post_batch


@pytest.fixture
async def other_batch(database_url: str) -> AsyncIterator[asyncpg.Connection[Any]]:
    """A second connection that plays a concurrent batch's transaction."""
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


async def _wait_until_blocked(db: asyncpg.Connection[Any], request: asyncio.Task[Any]) -> None:
    """Wait until some backend of this database waits on a lock (the app's batch)."""
    for _ in range(200):
        waiting = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        if waiting or request.done():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the batch never waited on the concurrent transaction's lock")


async def _insert_citizen(conn: asyncpg.Connection[Any], number: str, name: str = "张三") -> None:
    """A citizen as a concurrent batch creates it (by default under the name ``f.record`` uses,
    so the batch under test matches the name on file)."""
    await conn.execute(
        "INSERT INTO citizen (id_number_index, id_number_encrypted, name, created_at,"
        " change_counter) VALUES ($1, $2, $3, now(), 0)",
        id_number_index(number),
        encrypt_id_number(number),
        name,
    )


async def test_batches_creating_the_same_citizens_in_opposite_orders_do_not_deadlock(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], other_batch: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    low, high = sorted((f.id_number(), f.id_number()), key=id_number_index)
    # The other transaction creates `low` first, then `high` (blind-index order) ...
    tx = other_batch.transaction()
    await tx.start()
    await _insert_citizen(other_batch, low)
    # ... while this batch names them the other way round.
    request = asyncio.create_task(
        client.post(
            BATCH,
            headers=api_key(key),
            json={
                "records": [
                    f.record(high, "h-1", occurredOn=days_ago(2)),
                    f.record(low, "l-1", occurredOn=days_ago(2)),
                ]
            },
        )
    )
    await _wait_until_blocked(db, request)
    try:
        await asyncio.wait_for(_insert_citizen(other_batch, high), timeout=5)
    except asyncpg.exceptions.DeadlockDetectedError:
        await tx.rollback()
        raise
    await tx.commit()
    response = await request
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 2
    assert await db.fetchval("SELECT count(*) FROM citizen") == 2


async def test_batches_with_the_same_references_in_opposite_orders_do_not_deadlock(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], other_batch: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    await post_batch(client, key, [f.record(number, "seed", occurredOn=days_ago(3))])
    seed = await db.fetchrow("SELECT * FROM record WHERE source_reference = 'seed'")
    assert seed is not None

    async def insert_record(reference: str) -> None:
        await other_batch.execute(
            "INSERT INTO record (department, catalog_version, citizen, record_type, domain,"
            " polarity, severity, quantity, occurred_on, decided_on, decision_document_no,"
            " source_reference, evidence_summary, display_until, status, created_at, updated_at,"
            " version) SELECT department, catalog_version, citizen, record_type, domain,"
            " polarity, severity, quantity, occurred_on, decided_on, decision_document_no, $1,"
            " evidence_summary, display_until, status, now(), now(), 1 FROM record WHERE id = $2",
            reference,
            seed["id"],
        )

    tx = other_batch.transaction()
    await tx.start()
    await insert_record("ref-a")
    request = asyncio.create_task(
        client.post(
            BATCH,
            headers=api_key(key),
            json={
                "records": [
                    f.record(number, "ref-z", occurredOn=days_ago(2)),
                    f.record(number, "ref-a", occurredOn=days_ago(2)),
                ]
            },
        )
    )
    await _wait_until_blocked(db, request)
    try:
        await asyncio.wait_for(insert_record("ref-z"), timeout=5)
    except asyncpg.exceptions.DeadlockDetectedError:
        await tx.rollback()
        raise
    await tx.commit()
    response = await request
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    # The other batch stored both first: this one reports them as duplicates, with their ids.
    assert [i["status"] for i in items] == ["duplicate", "duplicate"]
    stored = await db.fetch("SELECT id, source_reference FROM record WHERE id <> $1", seed["id"])
    ids = {row["source_reference"]: row["id"] for row in stored}
    assert [i["recordId"] for i in items] == [ids["ref-z"], ids["ref-a"]]


async def test_overlapping_batches_from_one_department_store_each_reference_once(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    refs = [f"s-{i:04d}" for i in range(1000)]
    forward = [f.record(number, r, occurredOn=days_ago(2)) for r in refs]
    responses = await asyncio.gather(
        client.post(BATCH, headers=api_key(key), json={"records": forward}),
        client.post(BATCH, headers=api_key(key), json={"records": forward[::-1]}),
    )
    assert [r.status_code for r in responses] == [200, 200], [r.text[:300] for r in responses]
    first, second = (r.json() for r in responses)
    assert first["accepted"] + second["accepted"] == 1000
    assert first["duplicate"] + second["duplicate"] == 1000
    ids_first = {i["sourceReference"]: i["recordId"] for i in first["items"]}
    ids_second = {i["sourceReference"]: i["recordId"] for i in second["items"]}
    assert ids_first == ids_second
    assert await db.fetchval("SELECT count(*) FROM record") == 1000
    assert await db.fetchval("SELECT count(*) FROM citizen") == 1


async def test_batches_for_many_new_citizens_at_once_all_succeed(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    police = await f.department("police")
    transport = await f.department("transport")
    born = dt.date(1979, 5, 4)  # f.id_number gives 1,000 numbers per birth date
    numbers = [f.id_number(i, born=born) for i in range(1000)]
    forward = [f.record(n, f"f-{i}", occurredOn=days_ago(2)) for i, n in enumerate(numbers)]
    backward = [f.record(n, f"b-{i}", occurredOn=days_ago(2)) for i, n in enumerate(numbers[::-1])]
    responses = await asyncio.gather(
        client.post(BATCH, headers=api_key(police), json={"records": forward}),
        client.post(BATCH, headers=api_key(transport), json={"records": backward}),
    )
    assert [r.status_code for r in responses] == [200, 200], [r.text[:300] for r in responses]
    assert all(r.json()["accepted"] == 1000 for r in responses)
    assert await db.fetchval("SELECT count(*) FROM citizen") == 1000
    assert await db.fetchval("SELECT count(*) FROM record") == 2000
    assert await run_follow_ups() == 2  # each batch's counters and events (records.jobs)
    # Both follow-ups ran in one transaction: each citizen's counter moved once for the two.
    assert await db.fetchval("SELECT min(change_counter) FROM citizen") == 1
    assert await db.fetchval("SELECT count(*) FROM exchange_event") == 2000


async def test_the_same_correction_or_revocation_sent_at_once_is_applied_once(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    number = f.id_number()
    body = await post_batch(
        client,
        key,
        [
            f.record(number, "x-1", occurredOn=days_ago(9)),
            f.record(number, "x-2", occurredOn=days_ago(9)),
        ],
    )
    corrected, revoked = (item["recordId"] for item in body["items"])
    change = {"reason": "更正发生日期", "occurredOn": days_ago(10)}
    responses = await asyncio.gather(
        *(
            client.post(
                f"/v1/department/records/{corrected}/correction", headers=api_key(key), json=change
            )
            for _ in range(4)
        ),
        *(
            client.post(
                f"/v1/department/records/{revoked}/revocation",
                headers=api_key(key),
                json={"reason": "撤销"},
            )
            for _ in range(4)
        ),
    )
    assert [r.status_code for r in responses] == [200] * 8, [r.text[:300] for r in responses]
    history = await db.fetch("SELECT record, action FROM record_history ORDER BY record")
    assert [(h["record"], h["action"]) for h in history] == [
        (corrected, "corrected"),
        (revoked, "revoked"),
    ]
    versions = await db.fetch("SELECT id, version FROM record ORDER BY id")
    assert [v["version"] for v in versions] == [2, 2]
    assert await db.fetchval("SELECT change_counter FROM citizen") == 3
