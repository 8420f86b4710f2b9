"""Redis stops while a department reports records: the API still accepts them (the need to
re-score is in PostgreSQL, written with the records), and once Redis is back every card is scored
(the re-scoring that could not be enqueued is found by the minute sweep) and every record is told
to its citizen (the notice is written with the card, stating what the record moved)."""

from __future__ import annotations

from pathlib import Path

import httpx

from backend.platform.config import Settings
from backend.platform.database import connection
from tests import factories as f
from tests.fakes.redis_server import PrivateRedis
from tests.processes import service_env, start_api, start_worker, stop, wait_for_api, wait_until


async def _count(sql: str) -> int:
    async with connection() as conn:
        return int(await conn.fetchval(sql))


async def test_events_of_an_outage_are_delivered_when_redis_returns(
    app: object, settings: Settings, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    env = service_env(
        settings,
        database_url=settings.database_url or "",
        redis_url=private_redis.url,
        var=tmp_path,
    )
    api, base = start_api(env, tmp_path / "api.log")
    worker = None
    try:
        await wait_for_api(base)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            key = await f.department()
            private_redis.stop()
            numbers = [f.id_number() for _ in range(3)]
            batch = {"records": [f.record(n, f"outage-{i}") for i, n in enumerate(numbers)]}
            response = await http.post(
                "/v1/department/records:batch", headers={"X-Api-Key": key}, json=batch
            )
            assert response.status_code == 200, response.text
            assert response.json()["accepted"] == 3
        pending = "SELECT count(*) FROM outbox_event WHERE delivered_at IS NULL"
        # The batch's follow-up (its counters, events) waits for the worker's sweep.
        assert await _count("SELECT count(*) FROM ingest_follow_up") == 1
        assert await _count("SELECT count(*) FROM credit_card") == 0

        private_redis.start()
        worker = start_worker(env, tmp_path / "worker.log")

        async def delivered_and_scored() -> bool:
            notified = await _count("SELECT count(*) FROM notification")
            return notified == 3 and await _count("SELECT count(*) FROM credit_card") == 3

        await wait_until(delivered_and_scored)
        assert await _count(pending) == 0
        behind = "SELECT count(*) FROM citizen WHERE change_counter <> scored_counter"
        assert await _count(behind) == 0
        assert await _count("SELECT count(*) FROM ingest_follow_up") == 0
        told = "SELECT count(*) FROM notification WHERE kind = 'record.added'"
        assert await _count(told) == 3
    finally:
        stop(api, worker)
