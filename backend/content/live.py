"""Content as the running process holds it, kept in step with PostgreSQL without a restart.

Propagation is by **polling a generation counter** in Redis, not pub/sub: publishing a version
bumps ``<ns>:content:generation`` (a hash, one counter per kind, ``HINCRBY``) and every API and
worker process reads it every :data:`POLL_SECONDS` (one ``HGETALL``, well under a
millisecond). Why not pub/sub: a message is fire-and-forget, so a process that is starting,
reconnecting or briefly cut from Redis misses it and runs on old content until restarted;
a counter is state, so the next successful poll sees any change it missed, and a counter
lost with Redis (flush, failover) reads as a change and triggers a harmless reload. Polling
also needs no extra connection per process. The price, a delay of up to two seconds, is well
inside "within seconds".

**The table is the truth, the counter only the fast path.** A version published while Redis is
away is stored but never announced, and a counter that does not move tells nobody. So every
:data:`FINGERPRINT_SECONDS` each process also reads a fingerprint of ``content_version`` (per
kind: how many versions, the highest id; one aggregate over a few dozen rows) and reloads the
kinds whose fingerprint moved. We chose this over having the publisher retry the bump: a retry
either holds the officer's request for as long as Redis is away or, in the background, dies with
the process, while the fingerprint needs nothing to survive and also catches a version written
by any other path (a migrate, a hand-inserted row, a deletion; stored versions are never
updated in place, so an UPDATE is not looked for). Thirty seconds keeps the extra load
to one small query per process per half-minute, for the rare case the counter missed.

A changed kind is re-read from PostgreSQL with the kinds that depend on it (benefits on the
catalog and the rules), every set is validated by the same checkers as at start-up, and only
then are all of them installed, in one synchronous step (no ``await`` in between), so no
request ever sees the new rules with the old benefits. A version that fails validation is
logged and the process keeps what it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from backend.content import store
from backend.content.installed import Installed
from backend.content.kinds import ContentKind, sources_of
from backend.content.store import Fingerprint, StoredVersion, stored_fingerprints
from backend.platform.errors import unavailable_service
from backend.platform.redis import namespaced

log = logging.getLogger("backend.content")
POLL_SECONDS = 2.0
FINGERPRINT_SECONDS = 30.0
STEP_TIMEOUT_SECONDS = 10.0  # one poll or table check

NO_VERSIONS: Fingerprint = (0, 0)


def generation_key(namespace: str) -> str:
    return namespaced(namespace, "content", "generation")


class LiveContent:
    """The kinds of content of this process: loaded from PostgreSQL, refreshed on change."""

    def __init__(
        self,
        kinds: Sequence[ContentKind],
        *,
        redis: Redis,
        namespace: str,
        poll_seconds: float = POLL_SECONDS,
        fingerprint_seconds: float = FINGERPRINT_SECONDS,
    ) -> None:
        self.kinds = {kind.name: kind for kind in kinds}
        self.redis = redis
        self.key = generation_key(namespace)
        self.poll_seconds = poll_seconds
        self.fingerprint_seconds = fingerprint_seconds
        self.versions: dict[str, list[StoredVersion]] = {}
        self.built: dict[str, Any] = {}
        self.seen: dict[str, int] = {}
        self.fingerprints: dict[str, Fingerprint] = {}
        self._task: asyncio.Task[None] | None = None

    # --- loading ------------------------------------------------------------------------------

    def build(
        self, versions: Mapping[str, Sequence[StoredVersion]], kinds: Collection[str]
    ) -> dict[str, Any]:
        """Build ``kinds`` (in declaration order) from ``versions``, the rest from what is
        installed; raises the kind's error naming the version, the entry and the field."""
        built = dict(self.built)
        for name, kind in self.kinds.items():
            if name in kinds:
                built[name] = kind.build(sources_of(versions[name]), built)
        return {name: built[name] for name in kinds}

    def affected(self, changed: Collection[str]) -> list[str]:
        """The changed kinds and every kind depending on one of them, in declaration order."""
        result: set[str] = set(changed)
        for name, kind in self.kinds.items():
            if result.intersection(kind.depends_on):
                result.add(name)
        return [name for name in self.kinds if name in result]

    def install(self, built: Mapping[str, Any]) -> None:
        """Swap the built sets in; synchronous, so atomic for every request and job."""
        for name, value in built.items():
            self.kinds[name].install(value)
        self.built.update(built)

    async def generations(self) -> dict[str, int]:
        raw = await self.redis.hgetall(self.key)  # type: ignore[misc]
        return {key.decode(): int(value) for key, value in raw.items()}

    async def load(self) -> dict[str, Any]:
        """Start-up: every kind from PostgreSQL, built and validated (an error stops the
        process here); the caller installs the result once the runtime exists."""
        try:
            self.seen = await self.generations()
        except (RedisError, OSError):
            self.seen = {}  # Redis away at start: the first poll that reaches it reloads
        # Read before the versions: one stored in between shows as a change at the next check.
        self.fingerprints = await stored_fingerprints()
        rows = await store.versions_of(self.kinds)
        empty = [name for name, found in rows.items() if not found]
        if empty:
            raise RuntimeError(
                f"no stored version of {', '.join(empty)}: run `python -m backend migrate`"
            )
        self.versions = rows
        return self.build(rows, list(self.kinds))

    async def refresh(self) -> list[str]:
        """Reload the kinds whose counter moved; returns the kinds installed anew."""
        generations = await self.generations()
        changed = [k for k in self.kinds if generations.get(k, 0) != self.seen.get(k, 0)]
        if not changed:
            return []
        self.seen = {**self.seen, **{k: generations.get(k, 0) for k in changed}}
        return await self.reload(changed, await stored_fingerprints())

    async def refresh_from_table(self) -> list[str]:
        """Reload the kinds whose stored versions changed without their counter moving (a
        version published while Redis was away); returns the kinds installed anew."""
        fingerprints = await stored_fingerprints()
        changed = [
            k
            for k in self.kinds
            if fingerprints.get(k, NO_VERSIONS) != self.fingerprints.get(k, NO_VERSIONS)
        ]
        if not changed:
            return []
        log.info("content %s changed in PostgreSQL without an announcement", ", ".join(changed))
        return await self.reload(changed, fingerprints)

    async def reload(
        self, changed: Collection[str], fingerprints: Mapping[str, Fingerprint]
    ) -> list[str]:
        """Re-read ``changed`` and install it with the kinds depending on it. Once the versions
        are read, ``fingerprints`` (read before them) count as seen even if the new content does
        not validate, so a bad version is reported once, not at every check."""
        rows = await store.versions_of(changed)
        self.fingerprints = {
            **self.fingerprints,
            **{k: fingerprints.get(k, NO_VERSIONS) for k in changed},
        }
        if any(not rows[k] for k in changed):
            log.warning("content %s: no stored version; keeping what this process has", changed)
            return []
        versions = {**self.versions, **rows}
        affected = self.affected(changed)
        try:
            built = self.build(versions, affected)
        except Exception:
            log.exception("content %s changed but does not validate; keeping the old", changed)
            return []
        self.versions = versions
        self.install(built)
        log.info("content reloaded: %s", ", ".join(affected))
        return affected

    # --- polling ------------------------------------------------------------------------------

    async def _poll(self) -> None:
        """Every ``poll_seconds`` the counter; every ``fingerprint_seconds`` (read afresh each
        round, so a test may shorten it on a running process) the table as well, on its own,
        so it still runs while Redis is away."""
        failing: set[str] = set()
        table_checked = time.monotonic()
        while True:
            await asyncio.sleep(self.poll_seconds)
            await self._attempt("poll", self.refresh, failing)
            if time.monotonic() - table_checked >= self.fingerprint_seconds:
                table_checked = time.monotonic()
                await self._attempt("table check", self.refresh_from_table, failing)

    @staticmethod
    async def _attempt(
        what: str, step: Callable[[], Awaitable[list[str]]], failing: set[str]
    ) -> None:
        try:
            # Bounded, so a server that stops answering (rather than refusing) cannot hold the
            # loop and starve the table check that exists for exactly that case.
            await asyncio.wait_for(step(), STEP_TIMEOUT_SECONDS)
        except Exception as exc:
            if not _is_outage(exc):
                log.exception("content %s failed; retrying", what)
            elif what not in failing:  # once per outage, not every two seconds
                log.warning("content %s: %s unavailable (%s); retrying", what, _service(exc), exc)
                failing.add(what)
            return
        failing.discard(what)

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll(), name="content-poll")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _is_outage(exc: Exception) -> bool:
    return (
        isinstance(exc, RedisError | OSError | TimeoutError) or unavailable_service(exc) is not None
    )


def _service(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return f"a server (no answer within {STEP_TIMEOUT_SECONDS:.0f} s)"
    return "Redis" if isinstance(exc, RedisError) else unavailable_service(exc) or "a server"


_current: Installed[LiveContent] = Installed("the live content")
install_live = _current.install
live_content = _current.get


async def bump_generations(redis: Redis, namespace: str, kinds: Collection[str]) -> None:
    """Tell every process that these kinds changed (after the change is committed)."""
    key = generation_key(namespace)
    for kind in kinds:
        await redis.hincrby(key, kind, 1)  # type: ignore[misc]
