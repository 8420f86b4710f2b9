"""The per-process services a request or job needs, installed once by the app or worker start-up.

Holds only handles (settings, clients, loaded content, the clock); no state another process needs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backend.platform.clock import SYSTEM_CLOCK, Clock, clock_from_settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from backend.platform.config import Settings
    from points_engine import RuleSet

log = logging.getLogger("backend.runtime")


@dataclass
class Runtime:
    settings: Settings
    redis: Redis
    # Domain services, installed by ``backend.wiring``; typed where they are used, since the
    # platform names no domain (records.catalog.CatalogSet, identity.sms.SmsSender,
    # identity.verifier.IdentityVerifier).
    catalogs: Any
    sms: Any
    verifier: Any
    rules: RuleSet
    templates: Any = None  # notification templates by event kind
    push: Any = None  # notifications.push.PushSender
    jwt_auth: Any = None
    arq: Any = None
    # Built from the settings (BUSINESS_DATE); tests move it through ``set_clock``.
    clock: Clock = field(init=False)

    def __post_init__(self) -> None:
        self.clock = clock_from_settings(self.settings)
        if self.clock is not SYSTEM_CLOCK:
            log.warning(
                "BUSINESS_DATE=%s: this process runs on %s (%s), not on the real date;"
                " for demos and acceptance tests only",
                self.settings.business_date,
                self.clock.today().isoformat(),
                self.clock.describe(),
            )


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("the runtime is not installed: start the app or worker first")
    return _current


def clock() -> Clock:
    """The process's clock: the installed runtime's, else (no app or worker started, e.g. a
    script or a unit test) the system clock."""
    return SYSTEM_CLOCK if _current is None else _current.clock


def set_clock(new: Clock) -> Clock:
    """Put the running process on ``new``; returns the clock it replaces (to restore it)."""
    rt = current()
    previous, rt.clock = rt.clock, new
    return previous
