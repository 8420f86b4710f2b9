"""``Idempotency-Key`` on the POSTs that create something: two taps make one thing.

Follows the IETF draft (draft-ietf-httpapi-idempotency-key-header): the first request with a
key runs and, when it succeeds (2xx), its response is kept for IDEMPOTENCY_KEY_RETENTION_HOURS
(default 24); the same key from the
same principal on the same path answers that response again (``Idempotent-Replayed: true``) and
creates nothing. The same key with a different JSON body answers 422; while the first request
is still running, 409 with ``Retry-After``. A failed request (4xx/5xx) keeps nothing, so a
corrected retry with the same key runs.

Kept in Redis, where the key's TTL is the retention (issue 18, PRIVACY.md): Redis removes it,
no job has to. While Redis is away the request runs without the guarantee (logged): a citizen
can still act, at the risk of a duplicate that the write paths' own uniqueness rules bound.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any, cast

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.platform.errors import PROBLEM_MEDIA_TYPE, TYPE_PREFIX, Problem
from backend.platform.language import say
from backend.platform.problem_texts import title_for
from backend.platform.redis import namespaced
from backend.platform.requestid import current_request_id

log = logging.getLogger("backend.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Longer than any create takes; a crashed request frees its key after this.
IN_FLIGHT_SECONDS = 60
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")
_REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# Headers that describe this exchange rather than the created thing are not replayed.
_NOT_REPLAYED = {b"x-request-id", b"date", b"server", b"content-length"}
_NOT_REPLAYED_PREFIX = b"ratelimit-"

OwnerOf = Callable[[Scope], str | None]


class _Stored(msgspec.Struct):
    fingerprint: str
    status: int = 0
    headers: list[tuple[bytes, bytes]] = []
    body: bytes = b""


class IdempotencyMiddleware:
    """ASGI middleware for a router whose principals are known (``owner_of`` names one)."""

    def __init__(self, app: ASGIApp, owner_of: OwnerOf) -> None:
        self.app = app
        self.owner_of = owner_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER.lower().encode())
        owner = self.owner_of(scope)
        method = cast("dict[str, Any]", scope).get("method")
        if method != "POST" or key is None or owner is None:
            await self.app(scope, receive, send)
            return
        if not KEY_PATTERN.match(key):
            detail = say("应为 8 到 128 个字母、数字或 ._:-", "use 8-128 letters, digits or ._:-")
            await _send_problem(
                send,
                scope,
                status=422,
                code="validation-failed",
                field=HEADER,
                detail=f"{HEADER}: {detail}",
            )
            return
        body, receive = await _read_body(receive)
        fingerprint = _fingerprint(scope, body)
        redis = scope["litestar_app"].state.redis
        settings = scope["litestar_app"].state.settings
        digest = hashlib.sha256(f"{scope['path']}\n{key}".encode()).hexdigest()
        slot = namespaced(settings.redis_namespace, "idem", owner, digest)
        try:
            claimed = await redis.set(
                slot, msgspec.msgpack.encode(_Stored(fingerprint)), nx=True, ex=IN_FLIGHT_SECONDS
            )
            stored = None if claimed else await redis.get(slot)
        except _REDIS_DOWN:
            log.warning("Redis unavailable: %s not checked on %s", HEADER, scope["path"])
            await self.app(scope, receive, send)
            return
        if not claimed:
            await _answer_again(send, scope, stored, fingerprint)
            return
        await self._run_and_keep(scope, receive, send, slot, fingerprint)

    async def _run_and_keep(
        self, scope: Scope, receive: Receive, send: Send, slot: str, fingerprint: str
    ) -> None:
        outcome = _Stored(fingerprint)

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome.status = message["status"]
                outcome.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                outcome.body += message.get("body", b"")
            await send(message)

        redis = scope["litestar_app"].state.redis
        try:
            await self.app(scope, receive, capture)
        finally:
            try:
                if 200 <= outcome.status < 300:
                    keep = scope["litestar_app"].state.settings.idempotency_key_retention_hours
                    await redis.set(slot, msgspec.msgpack.encode(outcome), ex=keep * 3600)
                else:
                    await redis.delete(slot)
            except _REDIS_DOWN:
                log.warning("Redis unavailable: %s outcome not kept", HEADER)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1").strip()
    return None


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body (already size-limited by the route) and hand it on unchanged."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, cast("Receive", replay)


def _fingerprint(scope: Scope, body: bytes) -> str:
    # Multipart boundaries change from one attempt to the next: only JSON bodies are compared.
    content_type = _header(scope, b"content-type") or ""
    if "json" not in content_type:
        return ""
    return hashlib.sha256(body).hexdigest()


async def _answer_again(send: Send, scope: Scope, stored: bytes | None, fingerprint: str) -> None:
    previous = msgspec.msgpack.decode(stored, type=_Stored) if stored else None
    if previous is not None and previous.fingerprint and previous.fingerprint != fingerprint:
        detail = say("该键已用于内容不同的请求，请换一个新键", "it was used with a different body")
        await _send_problem(
            send,
            scope,
            status=422,
            code="idempotency-key-reused",
            field=HEADER,
            detail=f"{HEADER}: {detail}",
        )
        return
    if previous is None or previous.status == 0:
        detail = say("请稍后重试以获取其结果", "retry in a moment to get its answer")
        await _send_problem(
            send,
            scope,
            status=409,
            code="request-in-progress",
            detail=detail,
            headers=[(b"retry-after", b"1")],
        )
        return
    headers = [
        (k, v)
        for k, v in previous.headers
        if k.lower() not in _NOT_REPLAYED and not k.lower().startswith(_NOT_REPLAYED_PREFIX)
    ]
    headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
    await _send(send, previous.status, headers, previous.body)


async def _send_problem(
    send: Send,
    scope: Scope,
    *,
    status: int,
    code: str,
    detail: str,
    field: str | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    problem = Problem(
        type=TYPE_PREFIX + code,
        title=title_for(code, status),
        status=status,
        detail=detail,
        instance=scope["path"],
        field=field,
        request_id=current_request_id(),
    )
    await _send(
        send,
        status,
        [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), *(headers or [])],
        msgspec.json.encode(problem),
    )


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
