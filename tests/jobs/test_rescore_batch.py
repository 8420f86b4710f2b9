"""The batch path of re-scoring (``scoring.batch``: rescore-all and the nightly's batch jobs)
against the per-citizen path (``service.rescore``): on a varied population both leave the same
cards, events, history rows and counters; a record arriving mid-batch is not lost; a batch run
twice changes nothing.

The per-citizen path runs first inside a transaction that is rolled back (the service's own
transactions become savepoints of it), so both paths start from the same state."""

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
from backend.platform.database import transaction
from backend.records.jobs import follow_up_sweep
from backend.scoring import batch, rescore_all, service
from backend.scoring.bulk import progress_key
from backend.scoring.jobs import nightly_rescore
from backend.scoring.queue import DAY_BATCH, change_job_id, rescore_citizens
from backend.scoring.service import Outcome
from backend.scoring.store import RESCORE_LOCK
from tests import factories as f
from tests.conftest import BusinessDate

RunWorker = Callable[[], Awaitable[int]]
BATCH = "/v1/department/records:batch"
SCOPES = ["domain:traffic_safety", "domain:volunteer_service", "domain:utilities_consumption"]
POPULATION = 24
Snapshot = dict[str, Any]


def _days_ago(days: int) -> str:
    return (today_in_shanghai() - dt.timedelta(days=days)).isoformat()


def _records_of(i: int, number: str) -> list[dict[str, Any]]:
    """Citizen ``i``: bad, good, capped and soon-leaving records in varied mixes."""
    records = []
    if i % 4 in (0, 3):
        records.append(f.record(number, f"bad-{i}", occurredOn=_days_ago(30)))
    if i % 4 in (1, 3):
        hours = {"quantity": i % 9 + 1, "occurredOn": _days_ago(10)}
        records.append(f.record(number, f"hours-{i}", "VOLUNTEER-SERVICE-HOURS", **hours))
    if i % 4 == 2 or i % 5 == 0:
        # Leaves display within the next fortnight: a date boundary for step two.
        late = {"occurredOn": _days_ago(80)}
        records.append(f.record(number, f"late-{i}", "UTILITY-LATE-PAYMENT", **late))
    return records


async def _population(client: httpx.AsyncClient, db: Any) -> tuple[str, list[str], list[int]]:
    key = await f.department("civic", SCOPES)
    numbers = [f.id_number() for _ in range(POPULATION)]
    body = {"records": [r for i, n in enumerate(numbers) for r in _records_of(i, n)]}
    posted = await client.post(BATCH, headers={"X-Api-Key": key}, json=body)
    assert posted.status_code == 200, posted.text
    ids = [row[0] for row in await db.fetch("SELECT id FROM citizen ORDER BY id")]
    assert len(ids) == POPULATION
    return key, numbers, ids


async def _snapshot(conn: Any) -> Snapshot:
    """Everything re-scoring writes, without the wall-clock times (``assessed_at``, ``at``)."""
    cards = [
        {**dict(row), "card_json": _without_time(row["card_json"])}
        for row in await conn.fetch(
            "SELECT citizen, points, grade, rules_version, clean_years_flag, as_of,"
            " next_change_on, scored_counter, fingerprint, assessment_json, card_json,"
            " percentile, red_list, revision FROM credit_card ORDER BY citizen"
        )
    ]
    queries = {
        "citizens": "SELECT id, change_counter, scored_counter FROM citizen ORDER BY id",
        "events": "SELECT citizen, kind, payload, dedupe_key FROM outbox_event"
        " ORDER BY citizen, kind, dedupe_key, payload::text",
        "dedupe": "SELECT citizen, dedupe_key FROM outbox_dedupe ORDER BY citizen, dedupe_key",
        "history": "SELECT citizen, points, grade, previous_points, previous_grade,"
        " rules_version, reason, as_of FROM score_history ORDER BY citizen, id",
    }
    snapshot: Snapshot = {"cards": cards}
    for name, sql in queries.items():
        snapshot[name] = [dict(row) for row in await conn.fetch(sql)]
    return snapshot


def _without_time(card_json: bytes) -> dict[str, Any]:
    card: dict[str, Any] = json.loads(card_json)
    card.pop("assessedAt")
    return card


class _RolledBack(Exception):
    pass


async def _per_citizen(ids: list[int], reason: str) -> tuple[dict[int, Outcome], Snapshot]:
    """What ``service.rescore``, one citizen after another, would leave; then undone."""
    outcomes: dict[int, Outcome] = {}
    try:
        async with transaction() as conn:
            for citizen in ids:
                outcomes[citizen] = await service.rescore(citizen, reason=reason)
            snapshot = await _snapshot(conn)
            raise _RolledBack
    except _RolledBack:
        pass
    return outcomes, snapshot


async def _step(db: Any, ids: list[int], reason: str) -> dict[int, Outcome]:
    """Re-score ``ids`` by the batch path and check it left what the per-citizen path would."""
    expected_outcomes, expected = await _per_citizen(ids, reason)
    outcomes = await batch.rescore_batch(ids, reason=reason)
    assert outcomes == expected_outcomes
    assert await _snapshot(db) == expected
    return outcomes


async def _quiz_badge(db: Any, citizen: int, day: dt.date) -> None:
    await db.execute(
        "INSERT INTO quiz_attempt (citizen, quiz_code, learning_version, correct, total, passed,"
        " earned_badge, badge_zh, badge_en, business_date, at)"
        " VALUES ($1, 'credit-basics', 'test', 5, 5, true, true, '信用小达人', 'Credit whiz', $2,"
        " now())",
        citizen,
        day,
    )


async def _red_listed(db: Any, citizen: int, day: dt.date) -> None:
    await db.execute(
        "INSERT INTO list_entry (citizen, list, rule_code, rules_version, status, proposed_on,"
        " publish_months, published_from, published_until)"
        " VALUES ($1, 'red', 'test', 'test', 'published', $2, 12, $2, $3)",
        citizen,
        day,
        day + dt.timedelta(days=365),
    )


async def test_the_batch_leaves_what_one_citizen_at_a_time_would(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    key, numbers, _ = await _population(client, db)
    await f.signed_up(client, sms, "13950000001")  # a citizen without records
    ids = [row[0] for row in await db.fetch("SELECT id FROM citizen ORDER BY id")]
    first = await _step(db, ids, "records-changed")
    assert set(first.values()) == {Outcome.CHANGED}  # every citizen's first card

    today = today_in_shanghai()
    for i, citizen in enumerate(ids):
        if i % 3 == 0:
            await _quiz_badge(db, citizen, today)
        if i % 6 == 1:
            await _red_listed(db, citizen, today)
    more = [f.record(n, f"more-{i}", occurredOn=_days_ago(3)) for i, n in enumerate(numbers)]
    posted = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": more[::7]})
    assert posted.status_code == 200, posted.text
    # Some records leave display by then; every other card holds, at a later date.
    later = business_date(15)
    second = await _step(db, ids, "date-boundary")
    assert set(second.values()) == {Outcome.CHANGED, Outcome.UNCHANGED}
    assert await db.fetchval("SELECT count(*) FROM credit_card WHERE as_of = $1", later) == len(ids)
    told = {row[0] for row in await db.fetch("SELECT DISTINCT kind FROM outbox_event")}
    assert {"score.changed", "badge.earned", "record.added"} <= told, told
    reasons = {row[0] for row in await db.fetch("SELECT DISTINCT reason FROM score_history")}
    assert reasons == {"first-assessment", "date-boundary"}

    business_date(14)  # a run on older data than the cards hold writes nothing
    assert set((await _step(db, ids, "date-boundary")).values()) == {Outcome.STALE}


async def test_rescore_all_leaves_what_one_citizen_at_a_time_would_and_resumes(
    client: httpx.AsyncClient, db: Any, business_date: BusinessDate
) -> None:
    _, _, ids = await _population(client, db)
    await batch.rescore_batch(ids[: POPULATION // 2], reason="records-changed")
    business_date(15)
    _, expected = await _per_citizen(ids, "full-rescore")
    seen: list[int] = []
    # Batches of 5: several read ahead of the write of the one before.
    assert await rescore_all.rescore_everyone(5, restart=True, on_progress=seen.append) == len(ids)
    assert seen == [5, 5, 5, 5, 4]
    assert await _snapshot(db) == expected

    rt = runtime.current()
    version = rt.rules.in_force(today_in_shanghai()).version
    await rt.redis.set(progress_key(version), str(ids[-3]))
    assert await rescore_all.rescore_everyone(5) == 2  # resumes after the saved citizen
    assert await rt.redis.get(progress_key(version)) is None
    assert await _snapshot(db) == expected  # and changed nothing


async def test_a_batch_run_twice_changes_nothing(
    client: httpx.AsyncClient, db: Any, business_date: BusinessDate
) -> None:
    _, _, ids = await _population(client, db)
    await rescore_citizens({}, ids, "records-changed")
    business_date(15)
    first = await rescore_citizens({}, ids, "date-boundary")
    assert first["changed"] and first["unchanged"]
    written = await db.fetch("SELECT citizen, assessed_at, revision FROM credit_card")
    before = await _snapshot(db)
    assert await rescore_citizens({}, ids, "date-boundary") == {"unchanged": len(ids)}
    assert await db.fetch("SELECT citizen, assessed_at, revision FROM credit_card") == written
    assert await _snapshot(db) == before


async def test_a_record_arriving_mid_batch_is_not_lost(
    client: httpx.AsyncClient, db: Any, run_worker: RunWorker, database_url: str
) -> None:
    key = await f.department("civic", SCOPES)
    numbers = [f.id_number() for _ in range(3)]
    body = {"records": [f.record(n, f"a-{i}") for i, n in enumerate(numbers)]}
    await client.post(BATCH, headers={"X-Api-Key": key}, json=body)
    assert await follow_up_sweep({}) == 1  # the batch's counters move (records.jobs)
    ids = [row[0] for row in await db.fetch("SELECT id FROM citizen ORDER BY id")]
    await batch.rescore_batch(ids, reason="records-changed")
    await _forget_queued_jobs()
    middle = await db.fetchval("SELECT citizen FROM record WHERE source_reference = 'a-1'")
    blocker = await asyncpg.connect(database_url)
    try:
        # The batch reads counters and records, then waits for this lock to write.
        await blocker.execute("SELECT pg_advisory_lock($1, $2)", RESCORE_LOCK, middle)
        run = asyncio.create_task(rescore_citizens({}, ids, "date-boundary"))
        await _until_waiting_on_lock(db)
        more = {"records": [f.record(numbers[1], "b-1")]}
        assert (await client.post(BATCH, headers={"X-Api-Key": key}, json=more)).status_code == 200
        assert await follow_up_sweep({}) == 1
        await _forget_queued_jobs()  # so only the batch's own follow-up can ask for the change
        await blocker.execute("SELECT pg_advisory_unlock($1, $2)", RESCORE_LOCK, middle)
        assert await asyncio.wait_for(run, 30) == {"unchanged": 3}
    finally:
        await blocker.close()
    counters = await db.fetchrow(
        "SELECT change_counter, scored_counter FROM citizen WHERE id = $1", middle
    )
    assert tuple(counters) == (2, 1)  # the card was written at the counter read: still behind
    queue = runtime.current().settings.redis_namespace + ":queue"
    queued = {j.decode() for j in await runtime.current().redis.zrange(queue, 0, -1)}
    assert queued == {change_job_id(middle, 2)}
    assert await run_worker() == 1
    assert await db.fetchval("SELECT points FROM credit_card WHERE citizen = $1", middle) == 940
    assert (
        await db.fetchval("SELECT count(*) FROM citizen WHERE change_counter <> scored_counter")
        == 0
    )


async def test_the_nightly_enqueues_one_job_per_batch_of_due_citizens_once(
    client: httpx.AsyncClient, db: Any, run_worker: RunWorker, business_date: BusinessDate
) -> None:
    await _population(client, db)
    await run_worker()
    due_day = business_date(15)
    due = await db.fetchval("SELECT count(*) FROM credit_card WHERE next_change_on <= $1", due_day)
    assert due > 0
    assert (await nightly_rescore({}))["due"] == due
    assert (await nightly_rescore({}))["due"] == due  # asked twice: the same jobs, queued once
    queue = runtime.current().settings.redis_namespace + ":queue"
    assert await runtime.current().redis.zcard(queue) == -(-due // DAY_BATCH)
    assert await run_worker() == -(-due // DAY_BATCH)
    history = await db.fetchval("SELECT count(*) FROM score_history WHERE reason = 'date-boundary'")
    assert history == due
    assert (await nightly_rescore({}))["due"] == 0


async def _forget_queued_jobs() -> None:
    """As if Redis lost the queue: this session's queue and job keys are gone."""
    redis = runtime.current().redis
    namespace = runtime.current().settings.redis_namespace
    keys = [k async for k in redis.scan_iter(match=f"arq:*{namespace}*")]
    keys += [k async for k in redis.scan_iter(match=f"{namespace}:queue*")]
    if keys:
        await redis.delete(*keys)


async def _until_waiting_on_lock(db: Any) -> None:
    for _ in range(200):
        waiting = await db.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the batch never reached the lock")
