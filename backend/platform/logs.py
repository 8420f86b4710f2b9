"""One log format for every process (API, worker, uvicorn, arq): structlog.

structlog's ``ProcessorFormatter`` sits on the one handler of the stdlib root logger, so the
existing ``logging.getLogger("backend.<x>")`` lines, uvicorn's and arq's come out in the same
shape as lines logged through structlog. ``json`` (production): one object per line with
``timestamp`` (ISO 8601, UTC), ``level``, ``logger``, ``event`` and the bound context;
``console`` (elsewhere): structlog's readable renderer, coloured only on a terminal.

The context (``request_id``, ``job_id`` + ``job``, ``citizen_id`` / ``client_id`` /
``officer_id``) is bound in contextvars by the request-id middleware, the worker and the
authentication middlewares, so every line of a request or job carries it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, merge_contextvars
from structlog.types import EventDict, Processor

from backend.platform.config import Settings

__all__ = ["bind", "bound", "clear", "configure_logging", "get_logger", "log_format"]

# Loggers of libraries that must not print on their own: their lines go through ours.
_ROUTED = ("uvicorn", "uvicorn.error", "arq", "arq.worker", "arq.jobs", "arq.connections")


def log_format(settings: Settings) -> str:
    """``json`` in production and ``console`` elsewhere, unless LOG_FORMAT says."""
    if settings.log_format:
        return settings.log_format
    return "json" if settings.env == "production" else "console"


def _drop_uvicorn_colour(_: Any, __: str, event_dict: EventDict) -> EventDict:
    # uvicorn puts a coloured copy of its message in ``extra``; the plain one is enough.
    event_dict.pop("color_message", None)
    return event_dict


def _add_trace_ids(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """With tracing on: the ids of the span the line was logged in, to find its trace."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


def _shared_processors(settings: Settings) -> list[Processor]:
    # Only with tracing on: off, OpenTelemetry is not imported and costs nothing.
    traced: list[Processor] = [_add_trace_ids] if settings.tracing_enabled else []
    return [
        merge_contextvars,
        *traced,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_uvicorn_colour,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _renderer(fmt: str, stream: TextIO) -> list[Processor]:
    if fmt == "json":
        # The traceback as one string field (a line stays one JSON object), without the
        # frames' local variables: they may hold identity data or secrets.
        return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    colours = bool(getattr(stream, "isatty", lambda: False)())
    # Python's own traceback text: Rich's would print every frame's locals (ID numbers, codes,
    # keys) and, even without them, takes about a second of the event loop per traceback, so a
    # worker whose loops all fail during an outage would do little else (a fault drill saw it).
    return [
        structlog.dev.ConsoleRenderer(
            colors=colours, exception_formatter=structlog.dev.plain_traceback
        )
    ]


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> logging.Handler:
    """Route every logger of the process through one structlog formatter on the root handler.
    Idempotent: calling it again replaces the handler. Returns the handler (tests restore)."""
    out = stream if stream is not None else sys.stderr
    fmt = log_format(settings)
    shared = _shared_processors(settings)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_renderer(fmt, out),
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level.upper())
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _quiet_libraries()
    return handler


def _quiet_libraries() -> None:
    for name in _ROUTED:
        # uvicorn's and arq's CLIs install their own handlers: drop them, or every line is
        # printed twice in two formats; the root handler prints them once, in ours.
        library = logging.getLogger(name)
        library.handlers = []
        library.propagate = True
    # Our middleware writes one access line per request (route template, no query string);
    # with no handler, uvicorn skips building its own (it checks ``hasHandlers``).
    access = logging.getLogger("uvicorn.access")
    access.handlers = []
    access.propagate = False
    # httpx logs every outgoing URL at INFO, query string included (an SMS provider's API
    # takes the phone number there): its warnings are enough.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # pgserver narrates every start-up step at INFO; our own line says what matters.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    # fontTools narrates every table it subsets (about 50 lines per credit report).
    logging.getLogger("fontTools").setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.stdlib.get_logger(name)


def bind(**values: Any) -> None:
    """Add ``values`` to every later line of this request or job (this task's context)."""
    bind_contextvars(**values)


def clear() -> None:
    clear_contextvars()


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """``values`` on every line logged inside; the context of before is back afterwards."""
    previous = structlog.contextvars.get_contextvars()
    clear_contextvars()
    bind_contextvars(**previous, **values)
    try:
        yield
    finally:
        clear_contextvars()
        bind_contextvars(**previous)
