"""Where the domains are wired into a process: the one module above them that the app, the
worker, the command line and the tests start the runtime through.

It declares every kind of content (where its seed files are, how a domain builds and validates
it, where it is installed), imports the seed versions that are new, loads the content from
PostgreSQL (a content error stops the process at start-up, not on the first request) and keeps
it in step with later published versions (:mod:`backend.content.live`); it picks the senders
and the identity verifier, and installs the runtime. :mod:`backend.platform` keeps the generic
machinery (pools, clients, queue) and imports no domain; the domains' routes, tables and jobs
are listed in :mod:`backend.domains`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from backend.benefits.catalog import benefit_set_from_sources
from backend.checks.procedures import install_procedures, procedures_from_sources
from backend.content.benefits import install_benefit_set
from backend.content.calendar import calendars_from_sources, install_calendar
from backend.content.kinds import ContentKind, Source
from backend.content.live import LiveContent, bump_generations, install_live
from backend.content.seed import import_seed
from backend.identity.notices import install_notices, notices_from_sources
from backend.identity.sms import LogSmsSender, SmsSender
from backend.identity.sms_aliyun import AliyunSmsSender
from backend.identity.sms_tencent import TencentSmsSender
from backend.identity.verifier import RegistryIdentityVerifier
from backend.learning.content import install_learning, learning_from_sources, learning_seed
from backend.lists.rules import install_list_rules, list_rules_from_sources
from backend.notifications.push import PushSender, build_sender
from backend.notifications.templates import templates_from_sources
from backend.platform import runtime
from backend.platform.bootstrap import Connections, close_connections, open_connections
from backend.platform.config import Settings
from backend.records import service as records
from backend.records.catalog import catalogs_from_sources
from backend.records.integrity import install_integrity, integrity_from_sources
from backend.repairs.commitments import commitments_from_sources, install_commitments
from backend.repairs.termination import end_for_department
from backend.reports.content import install_reporting, reporting_from_sources
from backend.scoring.rules import rules_from_sources

log = logging.getLogger("backend.wiring")
_live: dict[int, LiveContent] = {}


def _on_runtime(attribute: str) -> Any:
    def install(value: Any) -> None:
        setattr(runtime.current(), attribute, value)

    return install


def _benefits(sources: Sequence[Source], built: Mapping[str, Any]) -> Any:
    return benefit_set_from_sources(sources, built["catalog"], built["rules"])


def _catalog(sources: Sequence[Source], built: Mapping[str, Any]) -> Any:
    """Record types marked for some occupational groups only name groups of the integrity
    content (of any of its versions)."""
    return catalogs_from_sources(sources, built["integrity"].group_codes())


def _standalone(name: str, header: str, build: Any, install: Any) -> ContentKind:
    """A kind built from its own sources alone."""
    return ContentKind(
        name=name, header=header, build=lambda sources, _: build(sources), install=install
    )


# Declaration order is build order: a kind comes after the kinds it depends on.
CONTENT_KINDS: tuple[ContentKind, ...] = (
    _standalone("calendar", "calendar", calendars_from_sources, install_calendar),
    ContentKind(
        name="integrity",
        header="integrity",
        build=integrity_from_sources,
        install=install_integrity,
    ),
    ContentKind(
        name="catalog",
        header="catalog",
        build=_catalog,
        install=_on_runtime("catalogs"),
        depends_on=("integrity",),
    ),
    _standalone("rules", "rules", rules_from_sources, _on_runtime("rules")),
    ContentKind(
        name="benefits",
        header="benefits",
        build=_benefits,
        install=install_benefit_set,
        depends_on=("catalog", "rules"),
    ),
    ContentKind(
        name="procedures",
        header="procedures",
        build=procedures_from_sources,
        install=install_procedures,
        depends_on=("catalog", "benefits"),
    ),
    _standalone("notifications", "notifications", templates_from_sources, _on_runtime("templates")),
    _standalone("commitments", "commitment", commitments_from_sources, install_commitments),
    _standalone("notices", "notices", notices_from_sources, install_notices),
    ContentKind(
        name="lists",
        header="lists",
        build=list_rules_from_sources,
        install=install_list_rules,
        depends_on=("catalog", "rules"),
    ),
    ContentKind(
        name="reporting",
        header="reporting",
        build=reporting_from_sources,
        install=install_reporting,
        depends_on=("catalog",),
    ),
    ContentKind(
        name="learning",
        header="learning",
        build=learning_from_sources,
        install=install_learning,
        depends_on=("catalog",),
        seed=learning_seed,
    ),
)


async def import_content_seed(settings: Settings, *, announce_with: Redis | None = None) -> int:
    """Import the files under ``content/`` whose (kind, version) is new; returns how many.
    With ``announce_with``, running processes are told (a migrate beside a running system)."""
    imported = await import_seed(CONTENT_KINDS, Path(settings.content_dir))
    for version in imported:
        log.info("content seed: imported %s version %s", version.kind, version.version)
    if imported and announce_with is not None:
        kinds = {version.kind for version in imported}
        await bump_generations(announce_with, settings.redis_namespace, kinds)
    return len(imported)


def build_sms_sender(settings: Settings) -> SmsSender:
    """The sender SMS_PROVIDER names (the settings have checked what it needs)."""
    if settings.sms_provider == "aliyun":
        return AliyunSmsSender(settings)
    if settings.sms_provider == "tencent":
        return TencentSmsSender(settings)
    return LogSmsSender()


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
    connections = await open_connections(settings, database_url, redis_url, redis=redis)
    await import_content_seed(settings)
    live = LiveContent(CONTENT_KINDS, redis=connections.redis, namespace=settings.redis_namespace)
    content = await live.load()
    rt = runtime.Runtime(
        settings=settings,
        redis=connections.redis,
        catalogs=content["catalog"],
        sms=sms if sms is not None else build_sms_sender(settings),
        verifier=RegistryIdentityVerifier(),
        rules=content["rules"],
        templates=content["notifications"],
        push=push or build_sender(settings),
        jwt_auth=jwt_auth,
        arq=connections.queue,
    )
    runtime.install(rt)
    live.install(content)
    install_live(live)
    live.start()
    _live[id(rt)] = live
    records.when_record_ended("repairs", end_for_department)
    latest = rt.catalogs.latest
    log.info("catalog %s loaded (%d record types)", latest.version, len(latest.record_types))
    return rt


async def stop_runtime(rt: runtime.Runtime) -> None:
    live = _live.pop(id(rt), None)
    if live is not None:
        await live.stop()
    await rt.push.aclose()
    await rt.sms.aclose()
    await close_connections(Connections(redis=rt.redis, queue=rt.arq))
