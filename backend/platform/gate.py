"""The rate limit, the session check and a route's cached value in one Redis round trip.

Every router's requests pass a gate before their handler runs. In one server-side script call
(``EVALSHA``) it:

- for a signed-in caller whose session the router checks here (``SessionCheck``): answers
  whether the session is listed as signed out, and whether that list is complete (after a
  Redis wipe it is not: then the session check's own slow path rebuilds it, see
  ``backend.identity.revocation``);
- counts the request in the caller's fixed window (``INCR``, expiring with the window, the
  window starting at the caller's first request, as Litestar's limiter did) and answers the
  count and the seconds left;
- for a route that names one (``PREFETCH`` in its ``opt``: a function of the scope giving a
  key), GETs that key, and leaves the value in the scope for the handler (``prefetched``).

Then: 401 for a signed-out session (not counted), 429 with ``RateLimit-*`` headers over the
limit (``Retry-After`` is added from ``RateLimit-Reset`` where problems are rendered, and the
refusal counted in ``ccc_rate_limit_refusals_total{bucket}``), else the request goes on with
the ``RateLimit-*`` headers on its answer. A preflight (OPTIONS) is never counted. While Redis
is away the gate fails open: no limit, no session check (the refresh token is still checked in
PostgreSQL), no prefetched value (the handler reads as it would without the gate).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol, cast

from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.platform.metrics import RATE_LIMIT_REFUSALS

log = logging.getLogger("backend.gate")
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)

# A route handler's (or router's) ``opt``: the gate checks the session, so the authentication
# middleware must not check it again (set by ``gate_opt``; never set it without the gate).
SESSION_CHECKED_BY_GATE: Final = "ccc_session_checked_by_gate"
# A route handler's ``opt``: ``Callable[[Scope], str | None]``, the Redis key whose value the
# handler needs (read in the gate's round trip, see ``prefetched``).
PREFETCH: Final = "ccc_prefetch"
_PREFETCHED: Final = "ccc.prefetched"  # scope key: (key, value or None)
_DECIDED: Final = "ccc.gate_outcome"  # scope key: an Outcome taken in front of the app

# KEYS: the counter, then (when ARGV[3] is 1) the signed-out session's key and the list's
# completeness marker, then (when ARGV[4] is 1) the key to read.
# ARGV: the limit, the window in seconds, check the session (0/1), read a key (0/1).
# Returns {state, count, seconds left in the window, value}: state 0 counted, 1 the session
# is signed out, 2 the list of signed-out sessions is incomplete (nothing counted for 1 and 2).
SCRIPT: Final = b"""
if ARGV[3] == '1' then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {1, 0, 0, false} end
  if redis.call('EXISTS', KEYS[3]) == 0 then return {2, 0, 0, false} end
end
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[2])
  redis.call('EXPIRE', KEYS[1], ttl)
end
local value = false
if ARGV[4] == '1' and count <= tonumber(ARGV[1]) then value = redis.call('GET', KEYS[#KEYS]) end
return {0, count, ttl, value}
"""
SCRIPT_SHA: Final = hashlib.sha1(SCRIPT, usedforsecurity=False).hexdigest()
COUNTED, REVOKED, INCOMPLETE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the gate decided for one request: ``state`` None when Redis was away (fail open),
    else ``COUNTED`` (with the count, the window's seconds left and the prefetched ``read``
    key's value, None when Redis has no such key) or ``REVOKED``."""

    state: int | None
    limit: int
    count: int = 0
    ttl: int = 0
    read: str | None = None
    value: bytes | None = None

    @property
    def within_limit(self) -> bool:
        return self.count <= self.limit


def hand_over(scope: Scope, outcome: Outcome) -> None:
    """Leave the gate's decision in the scope for the gate the request meets next (one
    round trip, one count: see ``GateMiddleware.__call__``)."""
    cast("dict[str, Any]", scope)[_DECIDED] = outcome


class SessionCheck(Protocol):
    """The caller's session, as the authentication layer knows it."""

    def session_keys(self, scope: Scope) -> tuple[str, str] | None:
        """(the key listing this session as signed out, the list's completeness marker), or
        None when the request has no session to check (no user, an API key)."""

    async def revoked_slow(self, redis: Redis, scope: Scope) -> bool:
        """Whether the session is signed out, when the list was incomplete (rebuilds it)."""

    def refusal(self) -> Exception:
        """What a signed-out session's request raises (a 401 problem)."""


def prefetched(scope: Scope | Mapping[str, Any], key: str) -> tuple[bool, bytes | None]:
    """(whether the gate read ``key`` in its round trip, the value: None when Redis has no such
    key). Not read: Redis away, the route named another key, or no gate."""
    found: tuple[str, bytes | None] | None = cast("Mapping[str, Any]", scope).get(_PREFETCHED)
    if found is None or found[0] != key:
        return False, None
    value: bytes | None = found[1]
    return True, value


async def run_script(redis: Redis, keys: list[str], args: list[int]) -> list[Any]:
    """EVALSHA, loading the script once when the server does not know it (a new or wiped
    server: ``SCRIPT FLUSH`` or a restart)."""
    command = ("EVALSHA", SCRIPT_SHA, len(keys), *keys, *args)
    try:
        result: list[Any] = await redis.execute_command(*command)  # type: ignore[no-untyped-call]
    except NoScriptError:
        await redis.execute_command("SCRIPT", "LOAD", SCRIPT)  # type: ignore[no-untyped-call]
        result = await redis.execute_command(*command)  # type: ignore[no-untyped-call]
    return result


class GateMiddleware:
    """One bucket's limit (``per_minute`` requests a minute per caller, the caller named by
    ``identify``) with the session check and the route's prefetch, in one round trip."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        bucket: str,
        per_minute: int,
        identify: Callable[[Scope], str],
        counter_key: Callable[[str], str],
        sessions: SessionCheck | None = None,
        redis: Redis,
    ) -> None:
        self.app = app
        self.bucket = bucket
        self.limit = per_minute
        self.window = 60
        self.identify = identify
        self.counter_key = counter_key
        self.sessions = sessions
        self.redis = redis
        self._refused = RATE_LIMIT_REFUSALS.labels(bucket=bucket)
        self._policy = f"{per_minute}; w={self.window}".encode()
        self._limit_header = str(per_minute).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http = cast("dict[str, Any]", scope)
        if http["type"] != "http" or http["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        # A short path in front of the application (``backend.scoring.hotpath``) may already
        # have passed this request through this very gate: it is not counted twice.
        outcome: Outcome | None = http.pop(_DECIDED, None)
        if outcome is None:
            opt = http["route_handler"].opt
            prefetch: Callable[[Scope], str | None] | None = opt.get(PREFETCH)
            outcome = await self.decide(
                scope,
                check_session=bool(opt.get(SESSION_CHECKED_BY_GATE)),
                read=prefetch(scope) if prefetch is not None else None,
            )
        if outcome.state is None:
            await self.app(scope, receive, send)
            return
        if outcome.state == REVOKED:
            assert self.sessions is not None
            raise self.sessions.refusal()
        if outcome.read is not None and outcome.within_limit:
            http[_PREFETCHED] = (outcome.read, outcome.value)
        if not outcome.within_limit:
            self._refused.inc()
            headers = {k.decode(): v.decode() for k, v in self.headers(outcome)}
            raise TooManyRequestsException(headers=headers)
        await self.app(scope, receive, _with_headers(send, self.headers(outcome)))

    async def decide(self, scope: Scope, *, check_session: bool, read: str | None) -> Outcome:
        """The gate's round trip for a request whose caller is known (``scope["user"]``):
        never raises; a signed-out session is ``REVOKED``, Redis away is ``state=None``."""
        session = None
        if self.sessions is not None and check_session:
            session = self.sessions.session_keys(scope)
        keys = [self.counter_key(self.identify(scope))]
        if session is not None:
            keys.extend(session)
        if read is not None:
            keys.append(read)
        args = [self.limit, self.window, int(session is not None), int(read is not None)]
        redis = self.redis
        try:
            state, count, ttl, value = await run_script(redis, keys, args)
            if state == INCOMPLETE:
                assert self.sessions is not None
                if await self.sessions.revoked_slow(redis, scope):
                    return Outcome(state=REVOKED, limit=self.limit)
                del keys[1:3]
                args[2] = 0
                state, count, ttl, value = await run_script(redis, keys, args)
        except _DOWN:
            log.warning("Redis unavailable: %s limit and session not checked", self.bucket)
            return Outcome(state=None, limit=self.limit)
        if state == REVOKED:
            return Outcome(state=REVOKED, limit=self.limit)
        return Outcome(
            state=COUNTED, limit=self.limit, count=int(count), ttl=int(ttl), read=read, value=value
        )

    def headers(self, outcome: Outcome) -> list[tuple[bytes, bytes]]:
        """The ``RateLimit-*`` headers of a counted request."""
        return [
            (b"ratelimit-policy", self._policy),
            (b"ratelimit-limit", self._limit_header),
            (b"ratelimit-remaining", b"%d" % max(self.limit - outcome.count, 0)),
            (b"ratelimit-reset", b"%d" % max(outcome.ttl, 0)),
        ]


def _with_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *headers]
        await send(message)

    return wrapped


def gate_opt(*, sessions: bool) -> dict[str, Any]:
    """The ``opt`` of a router whose gate checks the session."""
    return {SESSION_CHECKED_BY_GATE: True} if sessions else {}
