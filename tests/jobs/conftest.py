"""Fixtures for job tests: a real arq worker in burst mode on the test queue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from arq.worker import Worker

from backend.platform.bootstrap import arq_redis_settings, queue_name
from backend.platform.config import Settings
from backend.worker import WorkerSettings

RunWorker = Callable[[], Awaitable[int]]


def _worker(settings: Settings) -> Worker:
    return Worker(
        functions=WorkerSettings.functions,
        redis_settings=arq_redis_settings(settings.redis_url or ""),
        queue_name=queue_name(settings),
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )


@pytest.fixture
async def run_worker(app: object, settings: Settings) -> AsyncIterator[RunWorker]:
    """Runs a real arq worker in burst mode until the queue is empty; returns jobs completed."""
    workers: list[Worker] = []

    async def run() -> int:
        worker = _worker(settings)
        workers.append(worker)
        await worker.main()
        return worker.jobs_complete

    yield run
    for worker in workers:
        await worker.close()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection[Any]]:
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()
