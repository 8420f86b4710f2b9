"""Start and stop what every process needs: database pool, Redis, content, runtime."""

from __future__ import annotations

import logging
from pathlib import Path

from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis

from backend.benefits.catalog import benefit_set
from backend.identity.sms import LogSmsSender, SmsSender
from backend.identity.verifier import RegistryIdentityVerifier
from backend.notifications.push import PushSender, build_sender
from backend.notifications.templates import load_templates
from backend.platform import runtime
from backend.platform.config import Settings
from backend.platform.database import close_pool, configure_engine, open_pool
from backend.platform.embedded import EmbeddedServers, ensure_servers
from backend.platform.redis import create_redis, namespaced
from backend.records.catalog import load_catalogs
from backend.repairs.commitments import load_commitments
from backend.scoring.rules import load_rule_set

log = logging.getLogger("backend.bootstrap")


def queue_name(settings: Settings) -> str:
    return namespaced(settings.redis_namespace, "queue")


def arq_redis_settings(redis_url: str) -> RedisSettings:
    return RedisSettings.from_dsn(redis_url)


def default_redis_url(settings: Settings) -> str:
    """Where the app expects Redis: REDIS_URL, else the embedded server's socket under var/."""
    return settings.redis_url or f"unix://{Path(settings.var_dir) / 'redis.sock'}?db=0"


def resolve_services(settings: Settings) -> tuple[str, str, EmbeddedServers]:
    return ensure_servers(settings.database_url, settings.redis_url, settings.var_path)


async def start_runtime(
    settings: Settings,
    database_url: str,
    redis_url: str,
    *,
    sms: SmsSender | None = None,
    jwt_auth: object = None,
    redis: Redis | None = None,
    push: PushSender | None = None,
) -> runtime.Runtime:
    catalogs = load_catalogs(Path(settings.content_dir) / "catalog")
    rules = load_rule_set(Path(settings.content_dir) / "rules")
    templates = load_templates(Path(settings.content_dir) / "notifications")
    load_commitments(str(Path(settings.content_dir) / "commitments"))  # fail at start-up
    configure_engine(database_url)
    await open_pool(settings.db_pool_min, settings.db_pool_max)
    redis = redis if redis is not None else create_redis(redis_url)
    arq_pool = await create_pool(
        arq_redis_settings(redis_url), default_queue_name=queue_name(settings)
    )
    rt = runtime.Runtime(
        settings=settings,
        redis=redis,
        catalogs=catalogs,
        sms=sms or LogSmsSender(),
        verifier=RegistryIdentityVerifier(),
        rules=rules,
        templates=templates,
        push=push or build_sender(settings),
        jwt_auth=jwt_auth,
        arq=arq_pool,
    )
    runtime.install(rt)
    benefit_set()  # loads and validates content/benefits now, not on the first request
    log.info("catalog %s loaded (%d record types)", catalogs.latest.version,
             len(catalogs.latest.record_types))  # fmt: skip
    return rt


async def stop_runtime(rt: runtime.Runtime) -> None:
    await rt.push.aclose()
    await rt.arq.aclose()
    await rt.redis.aclose()
    await close_pool()
