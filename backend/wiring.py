"""Where the domains are wired into a process: the one module above them that the app, the
worker, the command line and the tests start the runtime through.

It loads and validates every kind of content (a content error stops the process at start-up,
not on the first request), picks the senders and the identity verifier, and installs the
runtime. :mod:`backend.platform` keeps the generic machinery (pools, clients, queue) and
imports no domain; the domains' routes, tables and jobs are listed in :mod:`backend.domains`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from redis.asyncio import Redis

from backend.benefits.catalog import load_benefit_set
from backend.content.benefits import install_benefit_set
from backend.identity.sms import LogSmsSender, SmsSender
from backend.identity.verifier import RegistryIdentityVerifier
from backend.notifications.push import PushSender, build_sender
from backend.notifications.templates import load_templates
from backend.platform import runtime
from backend.platform.bootstrap import Connections, close_connections, open_connections
from backend.platform.config import Settings
from backend.records import service as records
from backend.records.catalog import load_catalogs
from backend.repairs.commitments import load_commitments
from backend.repairs.termination import end_for_department
from backend.scoring.rules import load_rule_set

log = logging.getLogger("backend.wiring")


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
    content = Path(settings.content_dir)
    catalogs = load_catalogs(content / "catalog")
    rules = load_rule_set(content / "rules")
    templates = load_templates(content / "notifications")
    load_commitments(str(content / "commitments"))  # fail at start-up
    install_benefit_set(load_benefit_set(content / "benefits", catalogs, rules))
    connections = await open_connections(settings, database_url, redis_url, redis=redis)
    rt = runtime.Runtime(
        settings=settings,
        redis=connections.redis,
        catalogs=catalogs,
        sms=sms or LogSmsSender(),
        verifier=RegistryIdentityVerifier(),
        rules=rules,
        templates=templates,
        push=push or build_sender(settings),
        jwt_auth=jwt_auth,
        arq=connections.queue,
    )
    runtime.install(rt)
    records.when_record_ended("repairs", end_for_department)
    latest = catalogs.latest
    log.info("catalog %s loaded (%d record types)", latest.version, len(latest.record_types))
    return rt


async def stop_runtime(rt: runtime.Runtime) -> None:
    await rt.push.aclose()
    await close_connections(Connections(redis=rt.redis, queue=rt.arq))
