"""The fault drills at a city district's size: 1,000 citizens, 1,100 devices, real worker
processes, the fake FCM server, PostgreSQL and Redis. Prints, per drill, what went in, what
came out, what was lost and what was sent twice (and how many re-sends our side counted).

    .venv/bin/python benchmarks/drill_faults.py --citizens 1000

Push drills: FCM 503 for every first attempt then OK; FCM 429 with Retry-After for a while;
a slow FCM with the worker stopped mid-send; the worker killed mid-send after FCM took the
batch; two workers with one token in five dead; PostgreSQL cut mid-send; Redis stopped and
back empty. Re-scoring drills: Redis flushed with re-scoring queued; PostgreSQL cut while
``rescore_many`` runs. Baseline in the same run: the same deliveries with nothing broken.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._server import bench_database
from tests.fakes.fcm import FcmServer
from tests.fakes.proxy import TcpProxy
from tests.fakes.redis_server import private_redis_server
from tests.jobs import push_drills as drills

PUSH_TABLES = "outbox_event, notification, push_delivery, push_device"


async def _reset(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"TRUNCATE {PUSH_TABLES} RESTART IDENTITY")
    finally:
        await conn.close()


Drill = Callable[[drills.DrillSetup], Awaitable[drills.DrillResult | None]]


async def _nothing_broken(setup: drills.DrillSetup) -> drills.DrillResult:
    async def nothing() -> None:
        return None

    return await drills._run(setup, "baseline (no fault)", nothing)


async def _redis_outage(setup: drills.DrillSetup) -> drills.DrillResult:
    with private_redis_server() as redis:
        return await drills.redis_restarted_empty(setup, redis, seconds=10)


async def _postgres_cut(setup: drills.DrillSetup) -> drills.DrillResult | None:
    try:
        TcpProxy.to_url(setup.dsn)
    except ValueError:
        print("PostgreSQL cut: skipped (the embedded server listens on a socket; set"
              " TEST_DATABASE_URL to a TCP server)")  # fmt: skip
        return None
    return await drills.postgres_cut(setup, seconds=10)


PUSH_DRILLS: list[Drill] = [
    _nothing_broken,
    drills.fcm_5xx_burst,
    lambda s: drills.quota_outage(s, seconds=30),
    lambda s: drills.slow_fcm_stopped(s, stops=5),
    lambda s: drills.worker_killed(s, kills=2),
    drills.concurrent_prunes,
    _postgres_cut,
    _redis_outage,
]


async def _push_drills(dsn: str, env: dict[str, str], citizens: int) -> list[drills.DrillResult]:
    results = []
    for drill in PUSH_DRILLS:
        await _reset(dsn)
        server = FcmServer()
        with server:
            setup = drills.DrillSetup(
                dsn=dsn, env=env, fcm=server, citizens=citizens, in_flight=100, timeout=300
            )
            try:
                result = await drill(setup)
            finally:
                setup.stop_workers()
        if result is not None:
            print(result.row(), flush=True)
            results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=1000)
    args = parser.parse_args()
    started = time.perf_counter()
    with bench_database() as (dsn, env):
        results = asyncio.run(_push_drills(dsn, env, args.citizens))
    lost = sum(r.lost for r in results)
    twice = sum(r.duplicated for r in results)
    counted = sum(r.counted for r in results)
    print(
        f"all drills: lost {lost}, sent twice {twice} (our side counted {counted} possible),"
        f" {time.perf_counter() - started:.0f} s"
    )
    baseline = results[0].seconds
    for r in results[1:]:
        print(f"  {r.name:<28} took {r.seconds / baseline:5.1f}x the no-fault baseline")


if __name__ == "__main__":
    main()
