"""The follow-up of an ingested batch (records.jobs): the request stores the records and one
follow-up row in its transaction; the job enqueued after it writes each record's exchange event
and moves each citizen's change counter once, then asks for re-scoring. Run by a real worker,
run twice, run by the sweep when its job is lost, and run first by a change to one of its
records, so the 'record.added' event holds the record as inserted and comes before the change's."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.records.jobs import follow_up_ingested, follow_up_sweep
from tests import factories as f
from tests.api.records.helpers import BATCH, api_key, days_ago

RunWorker = Callable[[], Awaitable[int]]


async def _state(db: Any) -> tuple[int, list[Any], list[int]]:
    pending = await db.fetchval("SELECT count(*) FROM ingest_follow_up")
    events = await db.fetch(
        "SELECT kind, subject, citizen, payload::text AS payload FROM exchange_event ORDER BY id"
    )
    counters = [r[0] for r in await db.fetch("SELECT change_counter FROM citizen ORDER BY id")]
    return pending, list(events), counters


async def _batch(client: httpx.AsyncClient, key: str, records: list[dict[str, Any]]) -> Any:
    response = await client.post(BATCH, headers=api_key(key), json={"records": records})
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_worker_writes_each_records_event_and_moves_each_counter_once(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker, db: Any
) -> None:
    key = await f.department("police")
    number, headers = await f.signed_up(client, sms, "13930000001")
    other = f.id_number(7)
    posted = await _batch(
        client,
        key,
        [
            f.record(number, "fu-1", occurredOn=days_ago(30)),
            f.record(number, "fu-2", occurredOn=days_ago(20)),
            f.record(other, "fu-3", occurredOn=days_ago(10)),
        ],
    )
    assert posted["accepted"] == 3
    # Answered before the follow-up ran: the records are stored, the rest is owed.
    pending, events, counters = await _state(db)
    assert (pending, events, counters) == (1, [], [0, 0])

    assert await run_worker() >= 2  # the follow-up, then the re-scoring it asked for
    pending, events, counters = await _state(db)
    ids = sorted(item["recordId"] for item in posted["items"])
    assert pending == 0
    assert [(e["kind"], e["subject"]) for e in events] == [("record.added", i) for i in ids]
    assert all(number not in e["payload"] and other not in e["payload"] for e in events)
    first = json.loads(events[0]["payload"])
    assert first["sourceReference"] == "fu-1" and first["status"] == "active"
    assert first["record_type"] == "TRAFFIC-DRINK-DRIVING"
    assert counters == [1, 1]  # once per citizen, not per record
    card = (await client.get("/v1/me/card", headers=headers)).json()
    assert card["points"] == 1000 - 30 - 30

    # Run again (arq may run a job twice): nothing more.
    assert await follow_up_ingested({}, 1) == 0
    assert await follow_up_sweep({}) == 0
    assert await _state(db) == (pending, events, counters)


async def test_the_sweep_runs_a_follow_up_whose_job_was_lost(
    client: httpx.AsyncClient, db: Any, redis: Any
) -> None:
    key = await f.department("police")
    await _batch(client, key, [f.record(f.id_number(1), "lost-1", occurredOn=days_ago(5))])
    await _batch(client, key, [f.record(f.id_number(2), "lost-2", occurredOn=days_ago(5))])
    assert (await _state(db))[0] == 2
    assert await follow_up_sweep({}) == 2
    pending, events, counters = await _state(db)
    assert (pending, len(events), counters) == (0, 2, [1, 1])


async def test_a_change_to_a_record_runs_its_batchs_follow_up_first(
    client: httpx.AsyncClient, run_worker: RunWorker, db: Any
) -> None:
    key = await f.department("police")
    number = f.id_number(3)
    posted = await _batch(
        client,
        key,
        [
            f.record(number, "ch-1", occurredOn=days_ago(30)),
            f.record(f.id_number(4), "ch-2", occurredOn=days_ago(30)),
        ],
    )
    first, second = (item["recordId"] for item in posted["items"])
    corrected = await client.post(
        f"/v1/department/records/{first}/correction",
        headers=api_key(key),
        json={"reason": "经复核应认定为醉酒驾驶", "recordType": "TRAFFIC-DRUNK-DRIVING"},
    )
    assert corrected.status_code == 200, corrected.text
    pending, events, counters = await _state(db)
    assert pending == 0  # run inside the correction's transaction
    assert [(e["kind"], e["subject"]) for e in events] == [
        ("record.added", first),
        ("record.added", second),
        ("record.corrected", first),
    ]
    # The added event holds the record as the department reported it, not as corrected.
    assert json.loads(events[0]["payload"])["record_type"] == "TRAFFIC-DRINK-DRIVING"
    assert json.loads(events[2]["payload"])["record_type"] == "TRAFFIC-DRUNK-DRIVING"
    # The corrected record's citizen: the batch's move, then the correction's; the other: one.
    by_record = (
        "SELECT c.change_counter FROM citizen c JOIN record r ON r.citizen = c.id WHERE r.id = $1"
    )
    assert (await db.fetchval(by_record, first), await db.fetchval(by_record, second)) == (2, 1)
    assert sorted(counters) == [1, 2]
    await run_worker()  # the batch's own job finds nothing left to do
    assert len((await _state(db))[1]) == 3
