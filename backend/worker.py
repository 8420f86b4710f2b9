"""arq worker settings: ``arq backend.worker.WorkerSettings`` (``--check`` reports health).

The worker opens the same database pool, Redis client and content as the API. URLs come from
DATABASE_URL / REDIS_URL; without them it uses the embedded servers under ./var/ that
``make run`` starts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from arq import cron, func
from arq.connections import RedisSettings

from backend.identity.jobs import purge_expired_credentials
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
from backend.scoring.jobs import nightly_rescore, rescore_citizen

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
    functions: ClassVar[list[Any]] = [
        purge_expired_credentials,
        # keep_result=0: a finished re-score must not block its job id (see scoring.queue).
        func(rescore_citizen, keep_result=0, max_tries=8),
        nightly_rescore,
    ]
    # Cron times are business times in Asia/Shanghai (UTC+8 all year, no daylight saving).
    timezone = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
    cron_jobs: ClassVar[list[Any]] = [
        cron(nightly_rescore, hour={0}, minute={5}, run_at_startup=False, unique=True),
        cron(purge_expired_credentials, hour={3}, minute={30}, run_at_startup=False),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings: RedisSettings = arq_redis_settings(default_redis_url(_settings))
    queue_name: str = queue_name(_settings)
    health_check_key: str = queue_name + ":health-check"
    max_tries = 5
    job_timeout = 300
    keep_result = 60
