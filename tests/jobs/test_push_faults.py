"""Push delivery under faults, against real worker processes and the fake FCM server: 0 lost
and 0 sent twice in each drill, except what a killed worker had in flight (bounded by
``push_in_flight`` and counted). The drills themselves are in ``push_drills.py``."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from arq import create_pool

from backend.platform.bootstrap import arq_redis_settings, queue_name
from backend.platform.config import Settings
from backend.worker import create_worker
from tests.fakes.fcm import FcmServer
from tests.fakes.proxy import TcpProxy
from tests.fakes.redis_server import private_redis_server
from tests.jobs import push_drills as drills
from tests.processes import service_env

CITIZENS = 100  # 110 devices


@pytest.fixture
def fcm_server() -> Iterator[FcmServer]:
    server = FcmServer()
    with server:
        yield server


@pytest.fixture
def setup(
    app: object, settings: Settings, fcm_server: FcmServer, tmp_path: Path
) -> Iterator[drills.DrillSetup]:
    env = service_env(
        settings,
        database_url=settings.database_url or "",
        redis_url=settings.redis_url or "",
        var=tmp_path,
    )
    drill = drills.DrillSetup(
        dsn=settings.database_url or "", env=env, fcm=fcm_server, citizens=CITIZENS
    )
    yield drill
    drill.stop_workers()


def _exactly_once(result: drills.DrillResult, citizens: int = CITIZENS) -> None:
    print(result.row(), result.facts)
    assert result.went_in == citizens + citizens // 10, result
    assert (result.lost, result.duplicated, result.expired) == (0, 0, 0), result
    assert result.facts["idleInTransaction"] == 0, result


async def test_fcm_503_burst_then_ok_delivers_each_once_and_leaves_nothing_open(
    setup: drills.DrillSetup,
) -> None:
    setup.citizens = 455  # 500 devices: 500 answers of 503, then 200
    result = await drills.fcm_5xx_burst(setup)
    _exactly_once(result, 455)
    # No retry inside firebase-admin keeps a connection: the pool never grows past one batch,
    # and nothing is left half-answered.
    assert result.facts["peakConnections"] <= setup.in_flight, result
    assert result.facts["busyRequests"] == 0, result
    assert result.facts["requests"] == 2 * result.went_in, result


async def test_quota_outage_is_waited_out_with_retry_after(setup: drills.DrillSetup) -> None:
    result = await drills.quota_outage(setup, seconds=5)
    _exactly_once(result)
    fake = setup.fcm.fake
    by_token: dict[str, list[float]] = {}
    for received in fake.received:
        by_token.setdefault(received.token, []).append(received.at)
    # Retry-After: 2 is honoured: no token is tried again sooner than 2 s after a 429.
    gaps = [b - a for times in by_token.values() for a, b in itertools.pairwise(times)]
    assert gaps and min(gaps) >= 1.9, min(gaps)


async def test_worker_stopped_mid_send_sends_nothing_twice(setup: drills.DrillSetup) -> None:
    try:
        result = await drills.slow_fcm_stopped(setup, stops=2)
        _exactly_once(result)
        assert result.counted == 0, result
        # Stopped gracefully: a worker that exits 1 died in a traceback, maybe mid-send.
        assert result.facts["exitCodes"] == [0, 0], result
    except Exception:
        print(setup.worker_logs())  # what the stopped workers did, also when the drill failed
        raise


async def test_stopping_runs_shutdown_although_a_job_task_ended_cancelled(
    app: object, settings: Settings
) -> None:
    """The drill above, made certain: SIGTERM cancels arq's job tasks, and one cancelled in
    arq's own Redis calls (not in the job body, where arq catches it) ends cancelled. arq's
    close() re-raised that before on_shutdown, so the push pump was never stopped and the
    worker exited mid-send (exit 1), its claimed batch left to be reclaimed and sent twice."""
    stopped: list[bool] = []

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        stopped.append(True)

    worker = create_worker(
        redis_settings=arq_redis_settings(settings.redis_url or ""),
        queue_name=queue_name(settings),
        cron_jobs=[],
        on_startup=None,
        on_shutdown=on_shutdown,
        handle_signals=False,  # close() cancels the job tasks, as the SIGTERM handler does
    )
    worker._pool = await create_pool(worker.redis_settings, default_queue_name=worker.queue_name)
    worker.tasks["in-arq-redis-call"] = asyncio.create_task(asyncio.sleep(3600))
    await asyncio.sleep(0)
    await worker.close()
    assert stopped == [True]


async def test_worker_killed_mid_send_resends_at_most_what_was_in_flight(
    setup: drills.DrillSetup,
) -> None:
    result = await drills.worker_killed(setup, kills=2)
    print(result.row(), result.facts)
    assert result.went_in == CITIZENS + CITIZENS // 10 and result.lost == 0, result
    # FCM had taken each killed batch: those, and nothing more, may go twice, all counted.
    assert 0 < result.duplicated <= 2 * setup.in_flight, result
    assert result.duplicated <= result.counted, result


async def test_two_workers_pruning_dead_tokens_never_deadlock(setup: drills.DrillSetup) -> None:
    result = await drills.concurrent_prunes(setup)
    print(result.row(), result.facts)
    assert result.lost == 0 and result.duplicated == 0, result
    assert result.facts["deadlocks"] == 0 and result.facts["deadDevicesLeft"] == 0, result


async def test_postgres_cut_mid_send_loses_and_repeats_nothing(setup: drills.DrillSetup) -> None:
    try:
        TcpProxy.to_url(setup.dsn)
    except ValueError:
        pytest.skip("PostgreSQL is not reached over TCP here (embedded server on a socket)")
    result = await drills.postgres_cut(setup, seconds=6)
    _exactly_once(result)
    assert result.counted == 0, result


async def test_redis_away_and_back_empty_pushes_go_on_and_worker_carries_on(
    setup: drills.DrillSetup,
) -> None:
    with private_redis_server() as redis:
        result = await drills.redis_restarted_empty(setup, redis, seconds=4)
    _exactly_once(result)
    assert result.facts["jobAfterwards"] is True, result
