"""Re-scoring end to end: records in → a real arq worker (burst mode) → card and history."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.records.catalog import add_months
from backend.records.jobs import follow_up_sweep
from backend.scoring import jobs, service
from backend.scoring.jobs import nightly_rescore, rescore_behind, rescore_citizen
from backend.scoring.queue import change_job_id
from backend.scoring.store import BEHIND_SQL, RESCORE_LOCK
from tests import factories as f
from tests.conftest import BusinessDate

RunWorker = Callable[[], Awaitable[int]]
BATCH = "/v1/department/records:batch"


def _days_ago(days: int) -> str:
    return (today_in_shanghai() - dt.timedelta(days=days)).isoformat()


async def test_records_to_card_through_the_worker(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker, db: Any
) -> None:
    key = await f.department("civic", ["domain:traffic_safety", "domain:volunteer_service"])
    number, headers = await f.signed_up(client, sms, "13920000001")
    batch = {
        "records": [
            f.record(number, "bad-1", occurredOn=_days_ago(30)),
            f.record(
                number, "good-1", "VOLUNTEER-SERVICE-HOURS", occurredOn=_days_ago(10), quantity=10
            ),
        ]
    }
    posted = (await client.post(BATCH, json=batch, headers={"X-Api-Key": key})).json()
    assert posted["accepted"] == 2
    assert await run_worker() >= 1

    card = (await client.get("/v1/me/card", headers=headers)).json()
    assert card["points"] == 1000 - 30 + 10
    assert card["grade"]["code"] == "A" and card["grade"]["nameZh"] == "诚信良好"
    assert card["nextGrade"]["code"] == "AA" and card["pointsToNextGrade"] == 1030 - 980
    assert card["topDown"][0]["recordId"] == posted["items"][0]["recordId"]
    explanation = (await client.get("/v1/me/card/explanation", headers=headers)).json()
    lines = {line["recordId"]: line for d in explanation["domains"] for line in d["lines"]}
    bad = lines[posted["items"][0]["recordId"]]
    assert bad["points"] == -30 and bad["department"] == "civic"
    assert bad["catalogVersion"] == "2026.1" and bad["rulesVersion"] == "2026.1"
    history = (await client.get("/v1/me/score-history", headers=headers)).json()["items"]
    assert [(h["points"], h["grade"], h["reason"]) for h in history] == [
        (980, "A", "first-assessment")
    ]
    records = (await client.get("/v1/me/records", headers=headers)).json()["items"]
    assert {
        r["sourceReference"] if "sourceReference" in r else r["id"]: r["pointsEffect"]
        for r in records
    } == {posted["items"][0]["recordId"]: -30, posted["items"][1]["recordId"]: 10}

    assessed_at = card["assessedAt"]
    again = (await client.post(BATCH, json=batch, headers={"X-Api-Key": key})).json()
    assert again["duplicate"] == 2
    await run_worker()
    assert (await client.get("/v1/me/card", headers=headers)).json()["assessedAt"] == assessed_at
    assert await db.fetchval("SELECT count(*) FROM score_history") == 1


async def test_nightly_rescores_only_citizens_whose_date_arrives(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    run_worker: RunWorker,
    db: Any,
    business_date: BusinessDate,
) -> None:
    key = await f.department("utilities", ["domain:utilities_consumption"])
    soon, soon_headers = await f.signed_up(client, sms, "13920000002")
    later, later_headers = await f.signed_up(client, sms, "13920000003")
    decided = today_in_shanghai() - dt.timedelta(days=80)
    await client.post(
        BATCH,
        headers={"X-Api-Key": key},
        json={
            "records": [
                f.record(soon, "late-1", "UTILITY-LATE-PAYMENT", occurredOn=decided.isoformat()),
                f.record(later, "late-2", "UTILITY-LATE-PAYMENT", occurredOn=_days_ago(5)),
            ]
        },
    )
    await run_worker()
    first = (await client.get("/v1/me/card", headers=soon_headers)).json()
    other = (await client.get("/v1/me/card", headers=later_headers)).json()
    assert first["points"] == other["points"] == 980
    leaves_display = add_months(decided, 3)
    assert first["nextChangeOn"] == leaves_display.isoformat()

    business_date(leaves_display)
    result = await nightly_rescore({})
    assert result == {"due": 1, "rulesVersion": 0, "behind": 0}
    assert await run_worker() == 1
    after = (await client.get("/v1/me/card", headers=soon_headers)).json()
    assert after["points"] == 1000
    history = (await client.get("/v1/me/score-history", headers=soon_headers)).json()["items"]
    assert [(h["points"], h["reason"]) for h in history] == [
        (1000, "date-boundary"),
        (980, "first-assessment"),
    ]
    assert (await client.get("/v1/me/card", headers=later_headers)).json() == other
    assert await db.fetchval("SELECT count(*) FROM score_history") == 3


async def test_two_concurrent_runs_write_one_history_row(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    key = await f.department()
    number, _ = await f.signed_up(client, sms, "13920000004")
    await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(number, "x")]})
    citizen_id = await db.fetchval("SELECT id FROM citizen")
    outcomes = await asyncio.gather(
        rescore_citizen({}, citizen_id), rescore_citizen({}, citizen_id)
    )
    assert sorted(outcomes) == ["changed", "unchanged"]
    assert await db.fetchval("SELECT count(*) FROM score_history") == 1
    assert await service.rescore(citizen_id) == service.Outcome.UNCHANGED


async def test_a_record_arriving_during_a_run_still_reaches_the_card(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    run_worker: RunWorker,
    db: Any,
    database_url: str,
) -> None:
    key = await f.department()
    number, headers = await f.signed_up(client, sms, "13920000005")
    await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(number, "a")]})
    assert await follow_up_sweep({}) == 1
    citizen_id = await db.fetchval("SELECT id FROM citizen")
    blocker = await asyncpg.connect(database_url)
    try:
        # Hold the re-scoring lock so the job stops between reading records and writing the card.
        await blocker.execute("SELECT pg_advisory_lock($1, $2)", RESCORE_LOCK, citizen_id)
        worker = asyncio.create_task(run_worker())
        await _until_waiting_on_lock(db)
        posted = await client.post(
            BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(number, "b")]}
        )
        assert posted.json()["accepted"] == 1
        await blocker.execute("SELECT pg_advisory_unlock($1, $2)", RESCORE_LOCK, citizen_id)
        await asyncio.wait_for(worker, 60)
    finally:
        await blocker.close()
    card = (await client.get("/v1/me/card", headers=headers)).json()
    assert card["points"] == 1000 - 30 - 30
    assert card["recordCounts"]["counting"] == 2


async def _until_waiting_on_lock(db: Any) -> None:
    for _ in range(200):
        waiting = await db.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the re-scoring job never reached the lock")


async def test_a_big_batch_is_one_enqueue_and_every_citizen_is_scored(
    client: httpx.AsyncClient, run_worker: RunWorker, db: Any
) -> None:
    key = await f.department()
    numbers = [f.id_number() for _ in range(30)]
    batch = {"records": [f.record(n, f"big-{i}") for i, n in enumerate(numbers)]}
    posted = await client.post(BATCH, headers={"X-Api-Key": key}, json=batch)
    assert posted.json()["accepted"] == 30
    await run_worker()  # rescore_many fans out; the same burst runs the per-citizen jobs
    assert await db.fetchval("SELECT count(*) FROM credit_card WHERE points = 970") == 30


async def _forget_queued_jobs() -> None:
    """As if Redis lost the queue: this session's queue and job keys are gone."""
    redis = runtime.current().redis
    namespace = runtime.current().settings.redis_namespace
    keys = [k async for k in redis.scan_iter(match=f"arq:*{namespace}*")]
    keys += [k async for k in redis.scan_iter(match=f"{namespace}:queue*")]
    if keys:
        await redis.delete(*keys)


async def _behind(db: Any) -> int:
    return int(
        await db.fetchval("SELECT count(*) FROM citizen WHERE change_counter <> scored_counter")
    )


async def test_the_sweep_rescores_citizens_whose_jobs_were_lost(
    client: httpx.AsyncClient, run_worker: RunWorker, db: Any
) -> None:
    key = await f.department()
    batch = {"records": [f.record(f.id_number(), f"lost-{i}") for i in range(3)]}
    await client.post(BATCH, headers={"X-Api-Key": key}, json=batch)
    assert await follow_up_sweep({}) == 1  # the batch's counters move (records.jobs)
    await _forget_queued_jobs()
    assert await _behind(db) == 3

    assert await rescore_behind({}) == 3
    assert await rescore_behind({}) == 3  # asked again: the same three jobs, not six
    queue = runtime.current().settings.redis_namespace + ":queue"
    assert await runtime.current().redis.zcard(queue) == 3
    assert await run_worker() == 3
    assert await db.fetchval("SELECT count(*) FROM credit_card WHERE points = 970") == 3
    assert await _behind(db) == 0
    assert await rescore_behind({}) == 0
    assert (await nightly_rescore({}))["behind"] == 0


async def test_the_sweep_pages_through_its_limit_in_id_order(
    client: httpx.AsyncClient, db: Any
) -> None:
    key = await f.department()
    batch = {"records": [f.record(f.id_number(), f"page-{i}") for i in range(5)]}
    await client.post(BATCH, headers={"X-Api-Key": key}, json=batch)
    assert await follow_up_sweep({}) == 1
    await _forget_queued_jobs()
    ids = [row[0] for row in await db.fetch("SELECT id FROM citizen ORDER BY id")]
    assert await jobs.enqueue_behind(limit=3, page=2) == 3
    queue = runtime.current().settings.redis_namespace + ":queue"
    queued = {j.decode() for j in await runtime.current().redis.zrange(queue, 0, -1)}
    assert queued == {change_job_id(cid, 1) for cid in ids[:3]}


async def test_the_sweep_query_reads_the_partial_index(db: Any) -> None:
    async with db.transaction():
        # The tables are tiny here; forbidding sequential scans shows the index can serve it.
        await db.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in await db.fetch("EXPLAIN " + BEHIND_SQL, 0, 1000))
    assert "citizen_behind_idx" in plan, plan


async def test_a_change_during_a_run_leaves_the_citizen_behind(
    client: httpx.AsyncClient, db: Any, database_url: str
) -> None:
    key = await f.department()
    number = f.id_number()
    await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(number, "a")]})
    assert await follow_up_sweep({}) == 1
    citizen_id = await db.fetchval("SELECT id FROM citizen")
    blocker = await asyncpg.connect(database_url)
    try:
        # The run reads counter 1 and the records, then waits for the lock to write the card.
        await blocker.execute("SELECT pg_advisory_lock($1, $2)", RESCORE_LOCK, citizen_id)
        run = asyncio.create_task(service.rescore(citizen_id))
        await _until_waiting_on_lock(db)
        await client.post(
            BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(number, "b")]}
        )
        assert await follow_up_sweep({}) == 1
        await blocker.execute("SELECT pg_advisory_unlock($1, $2)", RESCORE_LOCK, citizen_id)
        assert await asyncio.wait_for(run, 30) == service.Outcome.CHANGED
    finally:
        await blocker.close()
    counters = await db.fetchrow("SELECT change_counter, scored_counter FROM citizen")
    assert tuple(counters) == (2, 1)
    assert await rescore_behind({}) == 1
    assert await service.rescore(citizen_id) == service.Outcome.CHANGED
    assert await _behind(db) == 0
    assert await db.fetchval("SELECT points FROM credit_card") == 940


async def test_every_move_of_the_score_is_told_even_back_to_an_earlier_value(
    client: httpx.AsyncClient, db: Any
) -> None:
    key = await f.department("civic", ["domain:traffic_safety", "domain:volunteer_service"])
    number = f.id_number()

    async def add(ref: str, record_type: str = "TRAFFIC-DRINK-DRIVING", **extra: Any) -> int:
        body = {"records": [f.record(number, ref, record_type, occurredOn=_days_ago(20), **extra)]}
        posted = (await client.post(BATCH, headers={"X-Api-Key": key}, json=body)).json()
        return int(posted["items"][0]["recordId"])

    async def revoke(record_id: int) -> None:
        response = await client.post(
            f"/v1/department/records/{record_id}/revocation",
            headers={"X-Api-Key": key},
            json={"reason": "登记有误，依法撤销"},
        )
        assert response.status_code == 200, response.text

    async def points_after_rescore() -> int:
        await service.rescore(citizen_id)
        return int(await db.fetchval("SELECT points FROM credit_card"))

    await add("bad-1")
    citizen_id = await db.fetchval("SELECT id FROM citizen")
    await add("bad-2")
    seen = [await points_after_rescore()]
    hours = await add("hours-1", "VOLUNTEER-SERVICE-HOURS", quantity=5)
    seen.append(await points_after_rescore())
    await revoke(hours)
    seen.append(await points_after_rescore())
    await add("hours-2", "VOLUNTEER-SERVICE-HOURS", quantity=5)
    seen.append(await points_after_rescore())
    assert seen == [940, 945, 940, 945]

    told = await db.fetch(
        "SELECT payload, dedupe_key FROM outbox_event WHERE kind = 'score.changed' ORDER BY id"
    )
    payloads = [json.loads(row["payload"]) for row in told]
    assert [(p["previousPoints"], p["points"]) for p in payloads] == [
        (940, 945),
        (945, 940),
        (940, 945),
    ]
    assert [row["dedupe_key"] for row in told] == [
        f"score:{citizen_id}:r2",
        f"score:{citizen_id}:r3",
        f"score:{citizen_id}:r4",
    ]
    assert await db.fetchval("SELECT revision FROM credit_card") == 4
    assert await service.rescore(citizen_id) == service.Outcome.UNCHANGED  # nothing told twice
    assert await db.fetchval("SELECT count(*) FROM outbox_event WHERE kind = 'score.changed'") == 3
