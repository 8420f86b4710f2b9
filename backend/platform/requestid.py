"""A request id on every response and every log line, and one access line per request."""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, clear_contextvars

HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("backend.access")
# Probes and scrapes answer every few seconds: their lines are DEBUG, not noise at INFO.
_PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"  # the route of a request no route matched (404/405), never its path
_TYPED = re.compile(r"\{(\w+):[^}]*\}")
_routes: dict[
    str, str
] = {}  # Litestar's template -> ours, e.g. {objection_id:int} -> {objection_id}

# (method, route template, status, seconds): e.g. backend.platform.metrics.record_request.
Recorder = Callable[[str, str, int, float], None]


# A correlation id, not a secret: a random prefix per process and a counter make it unique
# across processes and restarts without a system call per request (uuid4 read the kernel's
# random source each time: 4-5 % of a card request, benchmarks/bench_card.py).
_PROCESS_PREFIX = secrets.token_hex(8)
_sequence = itertools.count(1)


def _new_process() -> None:
    """A forked worker (a server that imports the app before forking) takes its own prefix."""
    global _PROCESS_PREFIX, _sequence
    _PROCESS_PREFIX, _sequence = secrets.token_hex(8), itertools.count(1)


os.register_at_fork(after_in_child=_new_process)


def new_request_id() -> str:
    """32 hex characters, as a uuid4's hex was: the process's prefix, then its request count."""
    return f"{_PROCESS_PREFIX}{next(_sequence):016x}"


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    _request_id.set(value)


class RequestIdMiddleware:
    """Pure ASGI, wrapped around the whole application (unmatched routes included), so the id
    is set before anything else runs. After the response it writes the access line (method,
    route template, status, duration; never the raw path or query string, which may carry
    identity data) and hands the same facts to ``record`` (the metrics)."""

    def __init__(self, app: ASGIApp, *, record: Recorder | None = None) -> None:
        self.app = app
        self.record = record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, HEADER.encode())
        request_id = incoming if _VALID.match(incoming) else new_request_id()
        token = _request_id.set(request_id)
        clear_contextvars()
        bind_contextvars(request_id=request_id)
        status = 500  # what the client sees if the application fails before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._done(scope, status, time.perf_counter() - started)
            _request_id.reset(token)
            clear_contextvars()

    def _done(self, scope: Scope, status: int, seconds: float) -> None:
        method = str(scope.get("method", ""))
        route = route_of(scope.get("path_template"))
        if self.record is not None:
            self.record(method, route, status, seconds)
        level = logging.DEBUG if route in _PROBES else logging.INFO
        if access_log.isEnabledFor(level):
            duration_ms = round(seconds * 1000, 2)
            access_log.log(
                level,
                "%s %s %s %.1fms",
                method,
                route,
                status,
                duration_ms,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )


def route_of(template: str | None) -> str:
    """The route template without Litestar's parameter types (computed once per route)."""
    if not template:
        return UNMATCHED
    route = _routes.get(template)
    if route is None:
        route = _routes[template] = _TYPED.sub(r"{\1}", template)
    return route


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""
