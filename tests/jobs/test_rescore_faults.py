"""Re-scoring that cannot be lost, against real processes: the queue vanishes with Redis, or
PostgreSQL goes away under a running fan-out job; afterwards every card equals a fresh
assessment of the citizen's records.

Each test also acts as the worker's supervisor: the worker rides out a Redis outage, but one that
exits anyway (Redis away at its start, say) is started again, as compose or Kubernetes would.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from arq.jobs import Job
from redis.asyncio import Redis

from backend.platform import runtime
from backend.platform.config import Settings
from backend.records.jobs import run_follow_ups
from tests import factories as f
from tests.fakes.proxy import TcpProxy
from tests.fakes.redis_server import PrivateRedis
from tests.jobs.rescore_drills import BATCH, SCOPES, Supervisor, records, wrong_cards
from tests.processes import (
    service_env,
    start_api,
    stop,
    wait_for_api,
    wait_until,
)


async def test_queue_lost_with_redis_every_card_still_right(
    client: httpx.AsyncClient, settings: Settings, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    key = await f.department("civic", SCOPES)
    env = service_env(
        settings,
        database_url=settings.database_url or "",
        redis_url=private_redis.url,
        var=tmp_path,
    )
    api, base = start_api(env, tmp_path / "api.log")
    worker = Supervisor(env, tmp_path / "worker.log")
    queue = f"{settings.redis_namespace}:queue"
    try:
        await wait_for_api(base)

        async def worker_ready() -> bool:
            return bool(private_redis.server.exists(f"{queue}:health-check"))

        await wait_until(worker_ready)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def post(first: int, count: int) -> None:
                batch = {"records": records(first, count, "q")}
                posted = await http.post(BATCH, headers={"X-Api-Key": key}, json=batch)
                assert posted.status_code == 200, posted.text

            await post(0, 10)  # jobs enqueued directly
            await post(10, 20)

            async def first_scored() -> bool:
                return not (await wrong_cards())[1]

            await wait_until(first_scored)
            # A stalled worker (SIGSTOP) leaves the next jobs in the queue when Redis goes.
            worker.pause()
            await post(30, 50)  # one rescore_many job fans out
            await post(80, 10)
        queued_at_outage = private_redis.server.zcard(queue)
        private_redis.stop()
        private_redis.wipe()
        worker.resume()  # the worker runs into the outage
        ingested, behind_at_outage = await wrong_cards()
        await asyncio.sleep(2)
        private_redis.start()
        assert private_redis.server.zcard(queue) == 0  # the queue is gone

        async def all_right() -> bool:
            worker.watch()
            return not (await wrong_cards())[1]

        await wait_until(all_right, seconds=90, interval=0.5)
        ingested, wrong = await wrong_cards()
        print(
            f"\ncitizens in={ingested} queued jobs at outage={queued_at_outage} citizens behind"
            f" at outage={len(behind_at_outage)} out={ingested - len(wrong)} lost={len(wrong)}"
            f" worker restarts={worker.restarts}"
        )
        assert (ingested, len(behind_at_outage), wrong) == (90, 60, [])
    finally:
        stop(api)
        worker.stop()


async def test_postgres_away_under_rescore_many_is_retried_then_right(
    client: httpx.AsyncClient, settings: Settings, pg_proxy: TcpProxy, tmp_path: Path
) -> None:
    key = await f.department("civic", SCOPES)
    env = service_env(
        settings, database_url=pg_proxy.url, redis_url=settings.redis_url or "", var=tmp_path
    )
    worker = Supervisor(env, tmp_path / "worker.log")
    redis: Redis = runtime.current().redis
    queue = f"{settings.redis_namespace}:queue"
    try:

        async def worker_ready() -> bool:
            return bool(await redis.exists(f"{queue}:health-check"))

        await wait_until(worker_ready)
        pg_proxy.cut()
        # Through the in-process API (its own database connection): 30 citizens, one fan-out.
        batch = {"records": records(0, 30, "pg")}
        posted = await client.post(BATCH, headers={"X-Api-Key": key}, json=batch)
        assert posted.status_code == 200, posted.text
        # The batch's follow-up, in process too: it moves the counters and queues the fan-out
        # (the worker's try of the same follow-up fails on PostgreSQL, then finds it done).
        assert await run_follow_ups() == 1
        job = await _queued_job(redis, queue, "rescore_many")

        async def failed_once() -> bool:
            tried = await redis.get(f"arq:retry:{job.job_id}")
            in_progress = await redis.exists(f"arq:in-progress:{job.job_id}")
            return tried is not None and int(tried) >= 1 and not in_progress

        await wait_until(failed_once, seconds=20)
        assert (await wrong_cards())[1], "nothing can be scored while PostgreSQL is away"
        pg_proxy.restore()

        async def all_right() -> bool:
            worker.watch()
            return not (await wrong_cards())[1]

        await wait_until(all_right, seconds=40, interval=0.5)
        result = await job.result_info()
        assert result is not None and result.success and result.result == 30
        assert result.job_try >= 2  # the first try raised; arq ran it again
        print(f"\nrescore_many tries={result.job_try}, worker restarts={worker.restarts}")
    finally:
        worker.stop()


async def _queued_job(redis: Redis, queue: str, function: str) -> Job:
    for job_id in await redis.zrange(queue, 0, -1):
        job = Job(job_id.decode(), redis, _queue_name=queue)  # type: ignore[arg-type]
        info = await job.info()
        if info is not None and info.function == function:
            return job
    raise AssertionError(f"no {function} job queued")
