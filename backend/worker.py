"""arq worker settings: ``arq backend.worker.WorkerSettings`` (``--check`` reports health).

The worker opens the same database pool, Redis client and content as the API. URLs come from
DATABASE_URL / REDIS_URL; without them it uses the embedded servers under ./var/ that
``make run`` starts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from arq.connections import RedisSettings

from backend.domains import CRON_JOBS, JOBS
from backend.platform.bootstrap import (
    arq_redis_settings,
    default_redis_url,
    queue_name,
    start_runtime,
    stop_runtime,
)
from backend.platform.config import Settings, get_settings
from backend.platform.embedded import ensure_servers
from backend.platform.requestid import configure_logging

_settings = get_settings()


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings", _settings)
    configure_logging(settings.log_level)
    database_url, redis_url, embedded = ensure_servers(
        settings.database_url, default_redis_url(settings), settings.var_path
    )
    ctx["embedded"] = embedded
    ctx["runtime"] = await start_runtime(settings, database_url, redis_url)


async def shutdown(ctx: dict[str, Any]) -> None:
    if "runtime" in ctx:
        await stop_runtime(ctx["runtime"])
    if "embedded" in ctx:
        ctx["embedded"].stop()


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
