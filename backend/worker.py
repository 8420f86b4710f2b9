"""The worker: arq jobs and crons, plus the push sender running beside them.

``python -m backend worker`` runs :class:`ResilientWorker` with :class:`WorkerSettings`; it rides
out Redis outages (waits and reconnects) instead of exiting. ``arq backend.worker.WorkerSettings``
still works (plain arq, which exits when Redis goes away: run it under a restarting
supervisor), and ``arq --check backend.worker.WorkerSettings`` reports health.

The worker opens the same database pool, Redis client and content as the API. URLs come from
DATABASE_URL / REDIS_URL; without them it uses the embedded servers under ./var/ that
``make run`` starts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, ClassVar

from arq.connections import RedisSettings
from arq.worker import Worker, get_kwargs
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.domains import CRON_JOBS, JOBS
from backend.notifications.jobs import PUMP
from backend.notifications.pump import PushPump
from backend.platform.bootstrap import arq_redis_settings, default_redis_url, queue_name
from backend.platform.config import Settings, get_settings
from backend.platform.embedded import ensure_servers
from backend.platform.requestid import configure_logging
from backend.wiring import start_runtime, stop_runtime

log = logging.getLogger("backend.worker")
_settings = get_settings()
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings", _settings)
    configure_logging(settings.log_level)
    database_url, redis_url, embedded = ensure_servers(
        settings.database_url, default_redis_url(settings), settings.var_path
    )
    ctx["embedded"] = embedded
    ctx["runtime"] = await start_runtime(settings, database_url, redis_url)
    if ctx.get("push", True):
        pump = PushPump()
        pump.start()
        ctx[PUMP] = pump


async def shutdown(ctx: dict[str, Any]) -> None:
    if (pump := ctx.pop(PUMP, None)) is not None:
        await pump.stop()  # lets the batch in flight finish and be recorded
    if "runtime" in ctx:
        await stop_runtime(ctx.pop("runtime"))
    if "embedded" in ctx:
        ctx.pop("embedded").stop()


class WorkerSettings:
    functions: ClassVar[list[Any]] = JOBS
    # Cron times are business times in Asia/Shanghai (UTC+8 all year, no daylight saving).
    timezone = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
    cron_jobs: ClassVar[list[Any]] = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings: RedisSettings = arq_redis_settings(default_redis_url(_settings))
    queue_name: str = queue_name(_settings)
    health_check_key: str = queue_name + ":health-check"
    max_tries = 5
    job_timeout = 300
    keep_result = 60


class ResilientWorker(Worker):
    """An arq worker that survives Redis restarts. A poll that cannot reach Redis is logged and
    tried again after a pause; redis-py opens fresh connections once Redis answers. Jobs queued
    in a Redis that comes back empty are gone: the minute sweeps (re-scoring, relay, push) find
    their work in PostgreSQL again. Pushes keep going meanwhile: they need no Redis."""

    redis_pause_max = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_pause = 0.5

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_DOWN as exc:
            log.warning("Redis unreachable (%s); polling again in %.1f s", exc, self._redis_pause)
            await asyncio.sleep(self._redis_pause)
            self._redis_pause = min(self._redis_pause * 2, self.redis_pause_max)
        else:
            self._redis_pause = 0.5

    async def close(self) -> None:
        try:
            await super().close()
        except REDIS_DOWN:
            # arq deletes its health key before calling on_shutdown: do the shutdown anyway.
            log.warning("Redis unreachable while stopping; closing the rest")
            if self.on_shutdown:
                await self.on_shutdown(self.ctx)


def create_worker(**overrides: Any) -> ResilientWorker:
    settings: Any = WorkerSettings
    return ResilientWorker(**{**get_kwargs(settings), **overrides})


def run() -> None:
    """Run the worker until SIGINT/SIGTERM (``python -m backend worker``)."""
    create_worker().run()
