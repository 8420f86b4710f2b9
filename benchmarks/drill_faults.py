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
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.platform.config import load_settings
from backend.wiring import start_runtime, stop_runtime
from benchmarks._server import bench_database
from tests import factories as f
from tests.fakes.fcm import FcmServer
from tests.fakes.proxy import TcpProxy
from tests.fakes.redis_server import private_redis_server
from tests.jobs import push_drills as drills
from tests.jobs import rescore_drills as rescore
from tests.processes import start_api, stop, wait_for_api, wait_until

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
        print(
            "PostgreSQL cut: skipped (the embedded server listens on a socket; set"
            " TEST_DATABASE_URL to a TCP server)"
        )
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


# --- re-scoring ---------------------------------------------------------------------------------


async def _post(base: str, key: str, first: int, count: int, tag: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        for start in range(first, first + count, 100):
            batch = {"records": rescore.records(start, min(100, first + count - start), tag)}
            posted = await http.post(rescore.BATCH, headers={"X-Api-Key": key}, json=batch)
            assert posted.status_code == 200, posted.text


async def _all_right(worker: rescore.Supervisor, seconds: float) -> tuple[int, list[int]]:
    async def right() -> bool:
        worker.watch()
        return not (await rescore.wrong_cards())[1]

    with contextlib.suppress(AssertionError):  # what is still wrong is counted as lost
        await wait_until(right, seconds=seconds, interval=1.0)
    return await rescore.wrong_cards()


async def _rescore_redis_wiped(env: dict[str, str], citizens: int, var: Path) -> drills.DrillResult:
    """Half the citizens scored; the worker stalls with the other half queued; Redis stops and
    comes back empty. The minute sweep must put every card right."""
    key = await f.department("drill-civic", rescore.SCOPES)
    started = time.monotonic()
    with private_redis_server() as redis:
        run_env = {**env, "REDIS_URL": redis.url}
        api, base = start_api(run_env, var / "api.log")
        worker = rescore.Supervisor(run_env, var / "worker.log")
        try:
            await wait_for_api(base)
            half = citizens // 2
            await _post(base, key, 0, half, "w")
            await _all_right(worker, 120)
            worker.pause()
            await _post(base, key, half, citizens - half, "w")
            redis.stop()
            redis.wipe()
            worker.resume()
            await asyncio.sleep(2)
            redis.start()
            ingested, wrong = await _all_right(worker, 180)
        finally:
            stop(api)
            worker.stop()
    return drills.DrillResult(
        name="re-score: Redis back empty",
        went_in=ingested,
        came_out=ingested - len(wrong),
        lost=len(wrong),
        duplicated=0,
        counted=0,
        expired=0,
        seconds=time.monotonic() - started,
        facts={"workerRestarts": worker.restarts},
    )


async def _rescore_postgres_cut(
    env: dict[str, str], dsn: str, citizens: int, var: Path
) -> drills.DrillResult | None:
    """The worker loses PostgreSQL for 10 s while the fan-out jobs of 1,000 citizens run."""
    try:
        proxy = TcpProxy.to_url(dsn)
    except ValueError:
        return None
    key = await f.department("drill-pg", rescore.SCOPES)
    started = time.monotonic()
    with proxy:
        api, base = start_api(env, var / "api-pg.log")
        worker = rescore.Supervisor({**env, "DATABASE_URL": proxy.url}, var / "worker-pg.log")
        try:
            await wait_for_api(base)
            proxy.cut()
            await _post(base, key, 10_000, citizens, "p")
            await asyncio.sleep(10)
            proxy.restore()
            ingested, wrong = await _all_right(worker, 180)
        finally:
            stop(api)
            worker.stop()
    return drills.DrillResult(
        name="re-score: PostgreSQL cut 10 s",
        went_in=ingested,
        came_out=ingested - len(wrong),
        lost=len(wrong),
        duplicated=0,
        counted=0,
        expired=0,
        seconds=time.monotonic() - started,
        facts={"workerRestarts": worker.restarts},
    )


async def _rescore_drills(dsn: str, env: dict[str, str], citizens: int) -> list[drills.DrillResult]:
    settings = load_settings()
    rt = await start_runtime(settings, dsn, env["REDIS_URL"])
    var = Path(env["VAR_DIR"])
    results = []
    try:
        results.append(await _rescore_redis_wiped(env, citizens, var))
        print(results[-1].row(), flush=True)
        cut = await _rescore_postgres_cut(env, dsn, citizens, var)
        if cut is not None:
            results.append(cut)
            print(cut.row(), flush=True)
    finally:
        await stop_runtime(rt)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=1000)
    parser.add_argument("--only", choices=["push", "rescore"], help="run one drill set")
    args = parser.parse_args()
    started = time.perf_counter()
    with bench_database() as (dsn, env):
        results = []
        if args.only != "rescore":
            results += asyncio.run(_push_drills(dsn, env, args.citizens))
        if args.only != "push":
            results += asyncio.run(_rescore_drills(dsn, env, args.citizens))
    lost = sum(r.lost for r in results)
    twice = sum(r.duplicated for r in results)
    counted = sum(r.counted for r in results)
    print(
        f"all drills: lost {lost}, sent twice {twice} (our side counted {counted} possible),"
        f" {time.perf_counter() - started:.0f} s"
    )
    if args.only != "rescore":
        baseline = results[0].seconds
        for r in results[1 : len(PUSH_DRILLS)]:
            print(f"  {r.name:<28} took {r.seconds / baseline:5.1f}x the no-fault baseline")


if __name__ == "__main__":
    main()
