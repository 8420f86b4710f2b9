"""``python -m backend worker-health`` (the container's health check): 0 while the worker on
this host writes its heartbeat, 1 with a one-line reason once it stopped or was killed."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from backend.platform.bootstrap import arq_redis_settings, queue_name
from backend.platform.config import REPO_ROOT, Settings
from backend.worker import create_worker
from tests.processes import service_env, start_worker, stop


@pytest.fixture
def env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        **service_env(
            settings,
            database_url=settings.database_url or "",
            redis_url=settings.redis_url or "",
            var=tmp_path,
        ),
        "WORKER_METRICS_PORT": "0",
    }


async def health(env: dict[str, str]) -> tuple[int, str]:
    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "backend", "worker-health"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return run.returncode, run.stdout.strip()


async def wait_for(env: dict[str, str], code: int, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        got, line = await health(env)
        if got == code:
            return line
        if time.monotonic() > deadline:
            raise AssertionError(f"worker-health still answers {got}: {line}")
        await asyncio.sleep(0.3)


async def test_a_running_worker_is_healthy_and_a_stopped_one_is_not(
    app: object, env: dict[str, str], tmp_path: Path
) -> None:
    code, line = await health(env)
    assert code == 1 and line.startswith("unhealthy:") and "\n" not in line
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        line = await wait_for(env, 0, 60)
        assert line.startswith("healthy: last heartbeat")
    finally:
        stop(worker)
    # Stopped on purpose: the heartbeat is taken away at once.
    assert (await health(env))[0] == 1


async def test_a_killed_worker_is_unhealthy_once_its_heartbeat_expires(
    app: object, settings: Settings, env: dict[str, str], redis: Redis
) -> None:
    worker = create_worker(
        redis_settings=arq_redis_settings(settings.redis_url or ""),
        queue_name=queue_name(settings),
        cron_jobs=[],
        on_startup=None,
        on_shutdown=None,
        poll_delay=0.05,
        handle_signals=False,
        heartbeat_seconds=0.5,
    )
    running = asyncio.create_task(worker.main())
    try:
        await wait_for(env, 0, 30)
        # Killed: no shutdown, no clean-up; only the heartbeat's expiry (3 beats) tells.
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        assert await redis.exists(worker.heartbeat_key)  # nothing took it away: it expires
        line = await wait_for(env, 1, 10)
        assert "heartbeat" in line and "missing or expired" in line
    finally:
        running.cancel()
        await worker.pool.close(close_connection_pool=True)
