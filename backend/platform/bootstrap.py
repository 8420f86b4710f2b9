"""Generic start-up machinery every process shares: where the services are, the database pool,
the Redis client and the job queue. Which domains and content a process loads is decided above
the domains, in :mod:`backend.wiring`; nothing here imports a domain."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis

from backend.platform.config import Settings
from backend.platform.database import close_pool, configure_engine, open_pool
from backend.platform.embedded import EmbeddedServers, ensure_servers
from backend.platform.redis import create_redis, namespaced


def queue_name(settings: Settings) -> str:
    return namespaced(settings.redis_namespace, "queue")


def arq_redis_settings(redis_url: str) -> RedisSettings:
    return RedisSettings.from_dsn(redis_url)


def default_redis_url(settings: Settings) -> str:
    """Where the app expects Redis: REDIS_URL, else the embedded server's socket under var/."""
    return settings.redis_url or f"unix://{Path(settings.var_dir) / 'redis.sock'}?db=0"


def resolve_services(settings: Settings) -> tuple[str, str, EmbeddedServers]:
    return ensure_servers(settings.database_url, settings.redis_url, settings.var_path)


@dataclass(frozen=True)
class Connections:
    """The open clients of one process: Redis and the job queue (the database pool is
    module-level in :mod:`backend.platform.database`)."""

    redis: Redis
    queue: Any  # arq's pool, used only through backend.platform.queue


async def open_connections(
    settings: Settings, database_url: str, redis_url: str, *, redis: Redis | None = None
) -> Connections:
    configure_engine(database_url)
    await open_pool(settings.db_pool_min, settings.db_pool_max)
    redis = redis if redis is not None else create_redis(redis_url)
    queue = await create_pool(
        arq_redis_settings(redis_url), default_queue_name=queue_name(settings)
    )
    return Connections(redis=redis, queue=queue)


async def close_connections(connections: Connections) -> None:
    await connections.queue.aclose()
    await connections.redis.aclose()
    await close_pool()
