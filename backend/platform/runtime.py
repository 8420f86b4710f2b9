"""The per-process services a request or job needs, installed once by the app or worker start-up.

Holds only handles (settings, clients, loaded content); no state another process needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from backend.identity.sms import SmsSender
    from backend.identity.verifier import IdentityVerifier
    from backend.platform.config import Settings
    from backend.records.catalog import CatalogSet
    from points_engine import RuleSet


@dataclass
class Runtime:
    settings: Settings
    redis: Redis
    catalogs: CatalogSet
    sms: SmsSender
    verifier: IdentityVerifier
    rules: RuleSet
    templates: Any = None  # notification templates by event kind
    push: Any = None  # notifications.push.PushSender
    jwt_auth: Any = None
    arq: Any = None


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("the runtime is not installed: start the app or worker first")
    return _current
