"""A record batch costs a fixed handful of statements whatever its size, and the set-based path
gives every item the result the item-by-item rules give: new, repeated, resubmitted, invalid and
misnamed items side by side, with the exchange events, change counters and audit entry of the
records it stored and of no other."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from backend.identity.service import id_number_index
from backend.platform import database
from backend.records import service
from backend.records.jobs import run_follow_ups
from tests import factories as f
from tests.api.records.helpers import BATCH, api_key, days_ago, post_batch

# Besides BEGIN and COMMIT: the look-up of references and citizens, the insert of the new
# citizens, the insert of the records with their exchange events, counters and audit entries.
MAX_STATEMENTS_NEW = 3
# The look-up alone: a batch of resubmissions stores nothing.
MAX_STATEMENTS_RESUBMITTED = 1
# What asyncpg sends the first time a connection prepares a statement with types it has not
# met yet (its type introspection); once per connection, not per batch.
_INTROSPECTION = ("typeinfo_tree", "current_setting('jit')", "set_config('jit'")


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the batch's transaction sends, in order (asyncpg's BEGIN and COMMIT do
    not pass its query loggers)."""
    sent: list[str] = []
    opened = database.transaction

    def log(record: Any) -> None:
        if not any(marker in record.query for marker in _INTROSPECTION):
            sent.append(record.query)

    @asynccontextmanager
    async def counted() -> AsyncIterator[Any]:
        async with opened() as conn:
            conn.add_query_logger(log)
            try:
                yield conn
            finally:
                conn.remove_query_logger(log)

    monkeypatch.setattr(service, "transaction", counted)  # what ingest_batch opens
    yield sent


async def test_a_batch_of_1000_records_is_a_fixed_handful_of_statements(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], statements: list[str]
) -> None:
    key = await f.department()
    numbers = [f.id_number() for _ in range(250)]  # 250 new citizens, 4 records each
    records = [f.record(numbers[n % 250], f"s-{n}", occurredOn=days_ago(5)) for n in range(1000)]
    body = await post_batch(client, key, records)
    assert body["accepted"] == 1000, body["items"][:3]
    assert len(statements) <= MAX_STATEMENTS_NEW, statements
    assert await db.fetchval("SELECT count(*) FROM record") == 1000
    assert await db.fetchval("SELECT count(*) FROM exchange_event") == 1000
    assert await db.fetchval("SELECT count(*) FROM citizen WHERE change_counter = 1") == 250

    statements.clear()
    again = await post_batch(client, key, records)
    assert again["duplicate"] == 1000
    assert [i["recordId"] for i in again["items"]] == [i["recordId"] for i in body["items"]]
    assert len(statements) <= MAX_STATEMENTS_RESUBMITTED, statements
    assert await db.fetchval("SELECT count(*) FROM record") == 1000
    assert await db.fetchval("SELECT count(*) FROM exchange_event") == 1000
    assert await db.fetchval("SELECT max(change_counter) FROM citizen") == 1
    audit = await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'record.ingest'")
    assert audit == 1


async def test_a_mixed_batch_answers_each_item_as_the_rules_say(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department()
    alice, bob, carol = f.id_number(), f.id_number(), f.id_number()
    first = await post_batch(client, key, [f.record(alice, "m-old", occurredOn=days_ago(9))])
    old_id = first["items"][0]["recordId"]
    bad_checksum = bob[:-1] + ("0" if bob[-1] != "0" else "1")
    response = await client.post(
        BATCH,
        headers={**api_key(key), "Accept-Language": "en"},
        json={
            "records": [
                f.record(alice, "m-1", occurredOn=days_ago(3)),  # new, known citizen
                f.record(alice, "m-old", occurredOn=days_ago(9)),  # resubmitted
                f.record(bob, "m-2", occurredOn=days_ago(2)),  # new citizen
                f.record(bob, "m-1", occurredOn=days_ago(3)),  # repeat within the batch
                f.record(bad_checksum, "m-3"),  # invalid ID number
                f.record(carol, "m-4", occurredOn="2026-13-01"),  # invalid date
                f.record(carol, "m-5", record_type="TAX-ARREARS"),  # outside the scopes
                f.record(alice, "m-6", citizenName="李四"),  # not the name on file
                f.record(alice, "m-6", citizenName="李四"),  # its repeat: rejected alike
                {"sourceReference": "m-7"},  # fields missing
                f.record(carol, "m-8", occurredOn=days_ago(1)),  # new citizen
            ]
        },
    )
    assert response.status_code == 200, response.text
    await run_follow_ups()  # as the worker does: the events and counters (records.jobs)
    body = response.json()
    outcome = [
        (i["index"], i["sourceReference"], i["status"], i.get("field")) for i in body["items"]
    ]
    assert outcome == [
        (0, "m-1", "accepted", None),
        (1, "m-old", "duplicate", None),
        (2, "m-2", "accepted", None),
        (3, "m-1", "duplicate", None),
        (4, "m-3", "rejected", "citizenIdNumber"),
        (5, "m-4", "rejected", "occurredOn"),
        (6, "m-5", "rejected", "recordType"),
        (7, "m-6", "rejected", "citizenName"),
        (8, "m-6", "rejected", "citizenName"),
        (9, "m-7", "rejected", outcome[9][3]),
        (10, "m-8", "accepted", None),
    ]
    assert outcome[9][3]  # a missing field is named
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (3, 2, 6)
    items = body["items"]
    assert items[1]["recordId"] == old_id
    assert items[3]["recordId"] == items[0]["recordId"]
    assert all(items[i].get("recordId") is None for i in range(4, 10))
    assert all(items[i]["reason"] for i in range(4, 10))
    new_ids = sorted(items[i]["recordId"] for i in (0, 2, 10))

    events = await db.fetch(
        "SELECT subject, citizen, payload FROM exchange_event WHERE kind = 'record.added'"
        " ORDER BY subject"
    )
    assert [e["subject"] for e in events] == sorted([old_id, *new_ids])
    added = {e["subject"]: e for e in events}
    payload = _json(added[items[2]["recordId"]]["payload"])
    assert payload == {
        "department": payload["department"],
        "sourceReference": "m-2",
        "record_type": "TRAFFIC-DRINK-DRIVING",
        "occurred_on": days_ago(2),
        "decided_on": days_ago(2),
        "quantity": 1,
        "decision_document_no": "公交决字〔2026〕m-2号",
        "evidence_summary": "测试记录",
        "status": "active",
    }
    counters = {
        row["id_number_index"]: row["change_counter"]
        for row in await db.fetch("SELECT id_number_index, change_counter FROM citizen")
    }
    assert counters == {
        id_number_index(alice): 2,
        id_number_index(bob): 1,
        id_number_index(carol): 1,
    }
    audit = await db.fetch(
        "SELECT object_id, after FROM audit_log WHERE action = 'record.ingest' ORDER BY id"
    )
    assert len(audit) == 2
    assert audit[1]["object_id"] == str(new_ids[0])
    assert _json(audit[1]["after"]) == {"accepted": new_ids}


async def test_a_batch_of_only_rejected_items_opens_no_transaction(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], statements: list[str]
) -> None:
    key = await f.department()
    body = await post_batch(client, key, [f.record(f.id_number(), "x-1", occurredOn="soon")])
    assert body["rejected"] == 1
    assert statements == []
    assert await db.fetchval("SELECT count(*) FROM citizen") == 0


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
