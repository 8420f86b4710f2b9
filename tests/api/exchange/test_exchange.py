"""The exchange with the provincial platform: every record added, corrected, revoked or repaired
and every list entry published or ended writes its event in the transaction of the change (a
change rolled back writes none, a payload never holds an ID number); batches go out signed, in
id order, answered per item; rejections are kept with their reason and never sent again; a
platform that is down, fails or times out loses nothing and, deduplicating by event id,
acknowledges each event once; the office sees it all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backend.exchange import delivery
from backend.identity.sms import MemorySmsSender
from backend.lists import service as lists
from backend.platform import runtime
from backend.platform.audit import Actor
from backend.platform.database import connection, transaction
from backend.records import store as record_store
from backend.records.jobs import run_follow_ups
from backend.records.service import apply_revocation
from tests import factories as f
from tests.api.objections.helpers import citizen, days_ago, officer, repair_body
from tests.fakes.provincial import ProvincialPlatform

SECRET = "provincial-test-secret"
DEBTOR = "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR"
ENTRIES = "/v1/officer/lists/entries"


@pytest.fixture
def platform() -> Iterator[ProvincialPlatform]:
    server = ProvincialPlatform(secret=SECRET).start()
    yield server
    if server.hold is not None:
        server.hold.set()
    server.stop()


async def _events(db: Any) -> list[Any]:
    return list(
        await db.fetch(
            "SELECT id, kind, subject, citizen, payload::text AS payload, status, attempts,"
            " rejection_reason, next_attempt_at > now() AS backing_off"
            " FROM exchange_event ORDER BY id"
        )
    )


async def _send(platform: ProvincialPlatform, **extra: Any) -> dict[str, int]:
    return await delivery.send_pending(endpoint=platform.url, secret=SECRET, **extra)


async def _time_passes(db: Any) -> None:
    """The backoff has elapsed."""
    await db.execute("UPDATE exchange_event SET next_attempt_at = now()")


async def _records(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str, n: int) -> Any:
    items = [("TRAFFIC-DRINK-DRIVING", days_ago(20 + i)) for i in range(n)]
    return await citizen(client, sms, phone, items)


async def test_records_added_corrected_and_revoked_write_their_events(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await _records(client, sms, "13960000001", 2)
    first, second = who.records
    corrected = await client.post(
        f"/v1/department/records/{first}/correction",
        headers=who.dept,
        json={"reason": "经复核应认定为醉酒驾驶", "recordType": "TRAFFIC-DRUNK-DRIVING"},
    )
    assert corrected.status_code == 200, corrected.text
    revoked = await client.post(
        f"/v1/department/records/{second}/revocation", headers=who.dept, json={"reason": "撤销"}
    )
    assert revoked.status_code == 200, revoked.text
    events = await _events(db)
    assert [(e["kind"], e["subject"]) for e in events] == [
        ("record.added", min(first, second)),
        ("record.added", max(first, second)),
        ("record.corrected", first),
        ("record.revoked", second),
    ]
    assert all(e["status"] == "pending" for e in events)
    assert all(who.number not in e["payload"] for e in events)  # never an ID number
    assert json.loads(events[2]["payload"])["record_type"] == "TRAFFIC-DRUNK-DRIVING"
    # a resubmitted batch is a duplicate: no new record, no new event
    again = await client.post(
        "/v1/department/records:batch",
        headers=who.dept,
        json={"records": [f.record(who.number, f"{who.number[-6:]}-0-TRAFFIC-DRINK-DRIVING")]},
    )
    assert again.json()["duplicate"] == 1
    assert len(await _events(db)) == 4


async def test_a_change_rolled_back_writes_no_event(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who = await _records(client, sms, "13960000002", 1)
    before = len(await _events(db))
    with pytest.raises(RuntimeError):
        async with transaction() as conn:
            row = await record_store.record_for_update(conn, who.records[0])
            assert row is not None
            assert await apply_revocation(conn, row, "撤销", Actor("system", "test"))
            assert await conn.fetchval("SELECT count(*) FROM exchange_event") == before + 1
            raise RuntimeError("the change fails after its event was written")
    assert len(await _events(db)) == before
    async with connection() as conn:
        assert (await record_store.record_for_update(conn, who.records[0])).status == "active"  # type: ignore[union-attr]


async def test_a_repair_writes_record_repaired(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    court = await f.department("court", ["domain:judicial_litigation"])
    who = await citizen(client, sms, "13960000003", [(DEBTOR, days_ago(400))], key=court)
    applied = await client.post(
        "/v1/me/repair-applications",
        headers=who.headers,
        json=repair_body(who.records[0], "obligation_fulfilled"),
    )
    assert applied.status_code == 201, applied.text
    case = applied.json()["application"]["id"]
    reason = {"reason": "已履行判决义务"}
    for step in ("acceptance", "approval"):
        done = await client.post(
            f"/v1/department/repairs/{case}/{step}", headers={"X-Api-Key": court}, json=reason
        )
        assert done.status_code == 200, done.text
    kinds = [(e["kind"], e["subject"]) for e in await _events(db)]
    assert kinds == [("record.added", who.records[0]), ("record.repaired", who.records[0])]
    assert json.loads((await _events(db))[1]["payload"])["status"] == "repaired"


async def test_a_list_entry_published_and_removed_writes_entered_and_exited(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    today = runtime.clock().today().isoformat()
    key = await f.department("traffic", ["domain:traffic_safety"])
    number, _ = await f.signed_up(client, sms, "13960000004")
    item = f.record(number, "s-1", "TRAFFIC-DRUNK-DRIVING", occurredOn=today, decidedOn=today)
    posted = await client.post(
        "/v1/department/records:batch", headers={"X-Api-Key": key}, json={"records": [item]}
    )
    assert posted.json()["accepted"] == 1
    assert await run_follow_ups() == 1  # the record's event (records.jobs)
    assert await lists.propose() == 1
    assert [e["kind"] for e in await _events(db)] == ["record.added"]  # a proposal is not news
    boss = await officer(client)
    [proposed] = (await client.get(f"{ENTRIES}?status=proposed", headers=boss)).json()["items"]
    entry = proposed["id"]
    approved = await client.post(
        f"{ENTRIES}/{entry}/approval", headers=boss, json={"reason": "决定书已生效"}
    )
    assert approved.status_code == 200, approved.text
    removed = await client.post(
        f"{ENTRIES}/{entry}/removal", headers=boss, json={"reason": "经复核移出名单"}
    )
    assert removed.status_code == 200, removed.text
    events = await _events(db)
    assert [(e["kind"], e["subject"]) for e in events][1:] == [
        ("list.entered", entry),
        ("list.exited", entry),
    ]
    assert json.loads(events[2]["payload"])["cause"] == "removed"
    assert all(number not in e["payload"] for e in events)


async def test_batches_are_signed_in_order_and_acknowledged_per_item(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, platform: ProvincialPlatform
) -> None:
    who = await _records(client, sms, "13960000005", 5)
    sent = await _send(platform, batch_size=2)
    assert sent == {
        "batches": 3,
        "acknowledged": 5,
        "rejected": 0,
        "retried": 0,
        "failed_batches": 0,
    }
    ids = [e["id"] for e in await _events(db)]
    assert platform.acknowledged == ids
    assert [b.ids for b in platform.batches] == [ids[:2], ids[2:4], ids[4:]]
    assert all(b.signed and b.batch_id for b in platform.batches)
    event = platform.batches[0].events[0]
    assert event["kind"] == "record.added" and event["person"]["idNumber"] == who.number
    assert event["payload"]["record_type"] == "TRAFFIC-DRINK-DRIVING"
    assert {e["status"] for e in await _events(db)} == {"acknowledged"}
    assert (await _send(platform))["batches"] == 0  # nothing left: nothing sent again


async def test_a_wrong_secret_is_refused_and_retried(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, platform: ProvincialPlatform
) -> None:
    await _records(client, sms, "13960000006", 1)
    sent = await delivery.send_pending(endpoint=platform.url, secret="wrong")
    assert sent["failed_batches"] == 1 and platform.batches[0].signed is False
    [event] = await _events(db)
    assert event["status"] == "pending" and event["backing_off"]
    assert platform.acknowledged == []


async def test_partial_rejections_are_kept_and_missing_items_sent_again(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, platform: ProvincialPlatform
) -> None:
    await _records(client, sms, "13960000007", 4)
    ids = [e["id"] for e in await _events(db)]
    platform.reject[ids[1]] = "统一社会信用代码与姓名不一致"
    platform.unanswered.add(ids[2])
    sent = await _send(platform)
    assert (sent["acknowledged"], sent["rejected"], sent["retried"]) == (2, 1, 1)
    events = {e["id"]: e for e in await _events(db)}
    assert events[ids[1]]["status"] == "rejected"
    assert events[ids[1]]["rejection_reason"] == "统一社会信用代码与姓名不一致"
    assert events[ids[2]]["status"] == "pending" and events[ids[2]]["backing_off"]
    assert (await _send(platform))["batches"] == 0  # the oldest unanswered backs off
    await _time_passes(db)
    assert (await _send(platform))["acknowledged"] == 1
    assert platform.batches[-1].ids == [ids[2]]  # the rejected one is never sent again
    assert platform.acknowledged == [ids[0], ids[3], ids[2]]
    assert {e["status"] for e in await _events(db)} == {"acknowledged", "rejected"}


async def test_a_platform_down_then_failing_then_up_acknowledges_each_event_once(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, platform: ProvincialPlatform
) -> None:
    await _records(client, sms, "13960000008", 3)
    platform.go_down()
    down = await _send(platform)
    assert (down["failed_batches"], down["retried"]) == (1, 3)
    events = await _events(db)
    assert all(e["status"] == "pending" and e["backing_off"] for e in events)
    assert all(e["attempts"] == 1 for e in events)
    platform.come_back()
    platform.fail_next(1, 503)
    await _time_passes(db)
    assert (await _send(platform))["failed_batches"] == 1
    await _time_passes(db)
    assert (await _send(platform))["acknowledged"] == 3
    assert platform.acknowledged == [e["id"] for e in events]
    assert all(e["attempts"] == 3 for e in await _events(db))  # refused, 503, accepted


async def test_a_timed_out_batch_is_sent_again_and_deduplicated(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, platform: ProvincialPlatform
) -> None:
    import threading

    await _records(client, sms, "13960000009", 2)
    platform.hold = threading.Event()
    timed_out = await _send(platform, timeout_seconds=0.5)
    assert timed_out["failed_batches"] == 1
    platform.hold.set()  # the platform answers late, to a sender that gave up
    await _wait_for(lambda: len(platform.acknowledged) == 2)
    platform.hold = None
    await _time_passes(db)
    assert (await _send(platform))["acknowledged"] == 2
    ids = [e["id"] for e in await _events(db)]
    assert [b.ids for b in platform.batches] == [ids, ids]  # the same batch twice
    assert platform.acknowledged == ids  # each once


async def _wait_for(check: Any) -> None:
    import asyncio

    for _ in range(100):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_the_office_sees_the_exchange(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, platform: ProvincialPlatform
) -> None:
    boss = await officer(client)
    empty = (await client.get("/v1/officer/exchange", headers=boss)).json()
    assert empty["pending"] == 0 and empty["oldestUnacknowledgedAt"] is None
    assert empty["endpointConfigured"] is False and empty["lastBatchAt"] is None
    await _records(client, sms, "13960000010", 3)
    waiting = (await client.get("/v1/officer/exchange", headers=boss)).json()
    assert (waiting["pending"], waiting["acknowledged"]) == (3, 0)
    assert waiting["oldestUnacknowledgedAgeSeconds"] >= 0
    ids = [e["id"] for e in await _events(db)]
    platform.reject[ids[0]] = "记录类型不在省级目录中"
    platform.fail_next(1)
    await _send(platform)
    failing = (await client.get("/v1/officer/exchange", headers=boss)).json()
    assert (failing["pending"], failing["retrying"], failing["lastError"]) == (3, 3, "HTTP 500")
    await _time_passes(db)
    await _send(platform)
    done = (await client.get("/v1/officer/exchange", headers=boss)).json()
    assert (done["pending"], done["sent"], done["acknowledged"], done["rejected"]) == (0, 0, 2, 1)
    assert done["oldestUnacknowledgedAt"] is None and done["lastBatchAt"] is not None
    [rejection] = done["latestRejections"]
    assert rejection["eventId"] == ids[0] and rejection["reason"] == "记录类型不在省级目录中"
    assert rejection["kind"] == "record.added"
    citizen_headers = (await f.signed_up(client, sms, "13960000011"))[1]
    assert (await client.get("/v1/officer/exchange", headers=citizen_headers)).status_code in (
        401,
        403,
    )
