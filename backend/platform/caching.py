"""Conditional GETs: ``ETag``, ``If-None-Match`` → 304, and a ``Cache-Control``: on a
principal's own data ``private, no-cache`` (a phone may keep the answer but must ask again; no
shared cache may keep it), on public pages ``public, max-age=60`` (a CDN may keep them a minute).

A handler that knows its version sets ``ETag`` itself (the card's comes from what it stores,
see ``etag_for_version``) and this middleware only answers 304 for it; for other JSON answers
the ETag is a hash of the body, which is small for every list the app pages through.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

from litestar.types import ASGIApp, Message, Receive, Scope, Send

PRIVATE = b"private, no-cache"
PUBLIC = b"public, max-age=60"  # a CDN may keep a public page a minute
_JSON = (b"application/json", b"application/problem+json")


def etag_for_version(*parts: Any) -> str:
    """A strong ETag from what a snapshot already stores (ids, revisions, counters)."""
    return '"' + "-".join(str(p) for p in parts) + '"'


def body_etag(body: bytes) -> str:
    return 'W/"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison: ``W/"x"`` and ``"x"`` match; ``*`` matches anything."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


class ConditionalGetMiddleware:
    """``cache_control``: what an answer says when its handler says nothing; a principal's own
    data is ``private, no-cache``, public pages may let a CDN keep them a short time."""

    def __init__(self, app: ASGIApp, cache_control: bytes = PRIVATE) -> None:
        self.app = app
        self.cache_control = cache_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if cast("dict[str, Any]", scope).get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, _private(send))
            return
        if_none_match = _header(scope.get("headers", []), b"if-none-match")
        await self.app(scope, receive, _ConditionalSend(send, if_none_match, self.cache_control))


def _header(headers: Any, name: bytes) -> str | None:
    for key, value in headers:
        if bytes(key).lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _with_cache_control(
    headers: list[tuple[bytes, bytes]], default: bytes = PRIVATE
) -> list[tuple[bytes, bytes]]:
    if any(k.lower() == b"cache-control" for k, _ in headers):
        return headers
    return [*headers, (b"cache-control", default)]


def _private(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            message = cast("Message", {**message, "headers": _with_cache_control(headers)})
        await send(message)

    return wrapped


class _ConditionalSend:
    """Passes a response through, adding an ETag to a buffered 200 JSON body and turning a
    matching one into 304 with no body."""

    def __init__(self, send: Send, if_none_match: str | None, cache_control: bytes) -> None:
        self.send = send
        self.if_none_match = if_none_match
        self.cache_control = cache_control
        self.start: dict[str, Any] | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.buffering = False
        self.not_modified = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._on_start(dict(message))
        elif message["type"] == "http.response.body":
            await self._on_body(message)
        else:
            await self.send(message)

    async def _on_start(self, message: dict[str, Any]) -> None:
        headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        # only a 200 may be kept by a shared cache; an error is never cached
        default = self.cache_control if message["status"] == 200 else PRIVATE
        self.headers = _with_cache_control(headers, default)
        etag = _header(self.headers, b"etag")
        content_type = _header(self.headers, b"content-type") or ""
        if message["status"] != 200:
            await self.send(cast("Message", {**message, "headers": self.headers}))
        elif etag is not None:
            self.not_modified = matches(self.if_none_match, etag)
            await self._start(message, etag)
        elif content_type.encode().startswith(_JSON[0]):
            self.start, self.buffering = message, True
        else:
            await self.send(cast("Message", {**message, "headers": self.headers}))

    async def _start(self, message: dict[str, Any], etag: str) -> None:
        if self.not_modified:
            kept = [(k, v) for k, v in self.headers if k.lower() in (b"etag", b"cache-control")]
            await self.send({"type": "http.response.start", "status": 304, "headers": kept})
            await self.send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await self.send(cast("Message", {**message, "headers": self.headers}))

    async def _on_body(self, message: Message) -> None:
        if self.not_modified:
            return
        if not self.buffering:
            await self.send(message)
            return
        self.chunks.append(bytes(cast("dict[str, Any]", message).get("body", b"")))
        if message.get("more_body", False):
            return
        body = b"".join(self.chunks)
        etag = body_etag(body)
        assert self.start is not None
        self.headers.append((b"etag", etag.encode()))
        self.not_modified = matches(self.if_none_match, etag)
        await self._start(self.start, etag)
        if not self.not_modified:
            await self.send({"type": "http.response.body", "body": body, "more_body": False})
