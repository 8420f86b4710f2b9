"""The card's short path: ``GET /v1/me/card`` answered in front of the application.

The card is what every citizen opens first and most often, and its answer is bytes kept ready
in Redis. Through the whole application a read costs about three times a ``/healthz``: the
language, authentication, routing, the gate, idempotency, conditional GET, the handler and the
response are each small, and together they are most of the time (``benchmarks/bench_card.py``).
This path does the same work in one place, for the common request only:

- the bearer token is one verified before (``remembered_citizen``: its expiry and its key are
  checked again, the session is not: the gate does that);
- a gate built from the citizen router's own gate definition (the same limit, counter key and
  session check) makes its one Redis round trip, which also reads the card;
- the request is within the limit, the session is not signed out and the card is in Redis.

Then it answers exactly as the application would: 200 with the card, or 304 for a matching
``If-None-Match``; ``ETag``, ``Cache-Control: private, no-cache``, ``RateLimit-*``,
``Content-Language`` and ``Vary``; compressed as the application's compression settings say;
HEAD without the body (the app turns HEAD into GET before this runs); the request id and the
access line come from the middleware around it.

Any other request goes to the application unchanged. One the gate has already counted (signed
out, over the limit, the card not in Redis, Redis away) carries the gate's decision with it
(``hand_over``), so the application's gate neither counts it again nor makes a second round
trip, and the problem (401, 429 with ``Retry-After``) or the card from PostgreSQL comes from
the usual code.
"""

from __future__ import annotations

from typing import Any, Final, cast

from litestar.config.compression import CompressionConfig
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from prometheus_client import Counter

from backend.identity.security import remembered_citizen
from backend.platform.caching import PRIVATE, matches
from backend.platform.config import Settings
from backend.platform.gate import COUNTED, GateMiddleware, Outcome, hand_over
from backend.platform.language import negotiate
from backend.scoring.service import CardBody, card_body, card_cache_key

CARD_PATH: Final = "/v1/me/card"
_READY: Final = "ccc.card_response"  # scope key: (start message, body) for the compressor
_COMPRESSED_ENCODINGS: Final = (b"br", b"gzip")

SHORT_PATH = Counter(
    "ccc_card_short_path",
    "Card reads by who answered: the short path, or the application (handed over after the"
    " gate's round trip, or passed untouched)",
    ["outcome"],
)
_SERVED = SHORT_PATH.labels(outcome="served")
_HANDED_OVER = SHORT_PATH.labels(outcome="handed_over")
_PASSED = SHORT_PATH.labels(outcome="passed")


class CardShortPath:
    """Pure ASGI, inside the request id and outside the application (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        gate: GateMiddleware,
        compression: CompressionConfig | None,
    ) -> None:
        self.app = app
        self.gate = gate
        self.minimum_size = compression.minimum_size if compression is not None else None
        self.compressed = (
            CompressionMiddleware(app=_send_ready, config=compression)
            if compression is not None
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http = cast("dict[str, Any]", scope)
        if http["type"] != "http" or http["method"] != "GET" or http["path"] != CARD_PATH:
            await self.app(scope, receive, send)
            return
        headers = _Headers(http["headers"])
        # The settings the application's authentication reads (keys may change at a restart)
        settings: Settings = http["app"].state.settings
        user = remembered_citizen(headers.authorization, settings)
        if user is None:
            _PASSED.inc()
            await self.app(scope, receive, send)
            return
        http["user"] = user  # the gate names the caller and the session by it
        language = negotiate(headers.accept_language)
        read = card_cache_key(user.citizen_id, language)
        outcome = await self.gate.decide(scope, check_session=True, read=read)
        if outcome.state != COUNTED or not outcome.within_limit or outcome.value is None:
            _HANDED_OVER.inc()
            hand_over(scope, outcome)
            await self.app(scope, receive, send)
            return
        _SERVED.inc()
        http["path_template"] = CARD_PATH  # the access line's and the metrics' route
        card = await card_body(user.citizen_id, language, (True, outcome.value))
        tail = self._tail(outcome, language)
        await self._answer(scope, receive, send, card=card, headers=headers, tail=tail)

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        card: CardBody,
        headers: _Headers,
        tail: list[tuple[bytes, bytes]],
    ) -> None:
        """304 for a matching ``If-None-Match``, else the card, compressed where the client
        takes it and the application would compress it."""
        etag = (b"etag", card.etag.encode())
        if matches(headers.if_none_match, card.etag):
            await send(_start(304, [etag, *tail]))
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        length = (b"content-length", b"%d" % len(card.body))
        start = _start(200, [etag, (b"content-type", b"application/json"), length, *tail])
        if self.compressed is not None and self._compresses(headers.accept_encoding, card.body):
            cast("dict[str, Any]", scope)[_READY] = (start, card.body)
            await self.compressed(scope, receive, send)
            return
        await send(start)
        await send({"type": "http.response.body", "body": card.body, "more_body": False})

    def _tail(self, outcome: Outcome, language: str) -> list[tuple[bytes, bytes]]:
        """The headers after the card's own, in the order the application sends them."""
        return [
            (b"cache-control", PRIVATE),
            *self.gate.headers(outcome),
            (b"content-language", language.encode()),
            (b"vary", b"Accept-Language"),
        ]

    def _compresses(self, accept_encoding: bytes, body: bytes) -> bool:
        """Whether the application's compression might touch this answer: a cheap filter that
        spares a compressor for a small card; Litestar's middleware still decides (encoding and
        size) for what passes it."""
        if self.minimum_size is None or len(body) < self.minimum_size:
            return False
        return any(encoding in accept_encoding for encoding in _COMPRESSED_ENCODINGS)


class _Headers:
    """The four request headers the short path reads, in one pass."""

    __slots__ = ("accept_encoding", "accept_language", "authorization", "if_none_match")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.authorization = ""
        self.accept_language: str | None = None
        self.if_none_match: str | None = None
        self.accept_encoding = b""
        for name, value in raw:
            if name == b"authorization":
                self.authorization = value.decode("latin-1")
            elif name == b"accept-language":
                self.accept_language = value.decode("latin-1")
            elif name == b"if-none-match":
                self.if_none_match = value.decode("latin-1")
            elif name == b"accept-encoding":
                self.accept_encoding = value


def _start(status: int, headers: list[tuple[bytes, bytes]]) -> Any:
    return {"type": "http.response.start", "status": status, "headers": headers}


async def _send_ready(scope: Scope, receive: Receive, send: Send) -> None:
    """The prepared answer, sent through Litestar's compression middleware."""
    start, body = cast("dict[str, Any]", scope).pop(_READY)
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
