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
import dataclasses
import datetime as dt
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from arq.connections import RedisSettings
from arq.worker import Retry, Worker, get_kwargs
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from structlog.contextvars import bind_contextvars, clear_contextvars

from backend.domains import CRON_JOBS, JOBS
from backend.notifications.jobs import PUMP
from backend.notifications.pump import PushPump
from backend.platform.bootstrap import arq_redis_settings, default_redis_url, queue_name
from backend.platform.config import Settings, get_settings
from backend.platform.embedded import ensure_servers
from backend.platform.logs import configure_logging
from backend.platform.metrics import JOB_DURATION, JOB_RUNS, serve_worker_metrics
from backend.platform.redis import create_redis
from backend.platform.tracing import configure_tracing, job_span
from backend.wiring import start_runtime, stop_runtime

log = logging.getLogger("backend.worker")
_settings = get_settings()
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings", _settings)
    configure_logging(settings)
    configure_tracing(settings)
    serve_worker_metrics(settings, asyncio.get_running_loop())
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


HEARTBEAT_SECONDS = 10.0


def heartbeat_key(queue: str, host: str | None = None) -> str:
    """One key per host (a container's hostname is its id): the health check of a container
    asks about the worker in that container, not any worker of the deployment."""
    return f"{queue}:heartbeat:{host or socket.gethostname()}"


async def check_heartbeat(settings: Settings) -> tuple[int, str]:
    """``(0, when it beat)`` while this host's worker heartbeat is fresh, else ``(1, why)``."""
    key = heartbeat_key(queue_name(settings))
    redis = create_redis(default_redis_url(settings))
    try:
        beat = await redis.get(key)
    except REDIS_DOWN as exc:
        return 1, f"unhealthy: Redis unreachable ({type(exc).__name__}: {exc})"
    finally:
        await redis.aclose()
    if beat is None:
        return 1, f"unhealthy: no worker heartbeat in Redis ({key} missing or expired)"
    return 0, f"healthy: last heartbeat {beat.decode() if isinstance(beat, bytes) else beat}"


def _observed(name: str, coroutine: Callable[..., Awaitable[Any]]) -> Any:
    """``coroutine`` counted in ccc_jobs_total / ccc_job_duration_seconds, its lines carrying
    the job's name, inside a span when tracing is on."""

    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        bind_contextvars(job=name)
        outcome, started = "failed", time.perf_counter()
        try:
            with job_span(name):
                result = await coroutine(ctx, *args, **kwargs)
            outcome = "ok"
            return result
        except Retry:
            outcome = "retried"  # asked to run again later (a service away): not a failure yet
            raise
        finally:
            JOB_RUNS.labels(job=name, outcome=outcome).inc()
            JOB_DURATION.labels(job=name).observe(time.perf_counter() - started)

    return run


class ResilientWorker(Worker):
    """An arq worker that survives Redis restarts. A poll that cannot reach Redis is logged and
    tried again after a pause; redis-py opens fresh connections once Redis answers. Jobs queued
    in a Redis that comes back empty are gone: the minute sweeps (re-scoring, relay, push) find
    their work in PostgreSQL again. Pushes keep going meanwhile: they need no Redis."""

    redis_pause_max = 10.0

    def __init__(
        self, *args: Any, heartbeat_seconds: float = HEARTBEAT_SECONDS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._redis_pause = 0.5
        self.heartbeat_seconds = heartbeat_seconds
        self.heartbeat_key = heartbeat_key(self.queue_name)
        self._last_beat = 0.0
        # Copies, so a second worker in one process (tests) does not wrap them twice.
        self.functions = {
            name: dataclasses.replace(f, coroutine=_observed(name, f.coroutine))
            for name, f in self.functions.items()
        }

    async def run_job(self, job_id: str, score: int) -> None:
        # Each job runs in a task of its own: the id bound here is on its lines and arq's.
        clear_contextvars()
        bind_contextvars(job_id=job_id)
        await super().run_job(job_id, score)

    async def record_health(self) -> None:
        """arq's own health key, then our heartbeat: written every ``heartbeat_seconds`` from
        the poll loop, living three times as long, so a worker that stops polling (killed,
        stuck, Redis away) is reported by ``python -m backend worker-health`` soon after."""
        await super().record_health()
        now = time.monotonic()
        if now - self._last_beat < self.heartbeat_seconds:
            return
        self._last_beat = now
        beat = f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} pid={os.getpid()}"
        await self.pool.set(self.heartbeat_key, beat, px=int(self.heartbeat_seconds * 3000))

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
        # On SIGTERM arq cancels the running job tasks. One cancelled in arq's own Redis calls
        # (run_job's first pipeline, its shielded finish), not in the job body where arq catches
        # it, ends cancelled, and arq's close() awaits the tasks with a bare gather that re-raises
        # that before on_shutdown: the push pump was never stopped and the process exited (1)
        # mid-send, its claimed batch left to be reclaimed and sent twice. So wait for the job
        # tasks here, their cancellations returned rather than raised, and hand arq none.
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)  # arq's close() starts so; its second call is a no-op
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self.tasks.clear()
        try:
            if self._pool is not None:
                await self.pool.delete(self.heartbeat_key)  # stopped on purpose: not healthy
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
