"""OpenTelemetry tracing, off unless TRACING_ENABLED: then HTTP requests, PostgreSQL (asyncpg),
Redis and outgoing HTTP (httpx) become spans, exported over OTLP/HTTP to where the standard
``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (and ``_HEADERS``)
variables say (default http://localhost:4318).

Off, nothing here imports OpenTelemetry: a process without tracing pays nothing for it.
Spans carry no query strings (they may hold identity data), no SQL parameters (asyncpg's
instrumentation leaves them out) and no Redis arguments (its instrumentation writes ``?``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.platform.config import Settings
from backend.platform.requestid import route_of

__all__ = ["configure_tracing", "job_span", "shutdown_tracing", "traced"]

_provider: Any = None  # the SDK TracerProvider once configured (one per process)


def configure_tracing(settings: Settings, *, exporter: Any = None) -> Any:
    """Set up the SDK and instrument asyncpg, redis and httpx, once per process; returns the
    TracerProvider, or None when tracing is off. ``exporter`` replaces OTLP (tests)."""
    global _provider
    if not settings.tracing_enabled:
        return None
    if _provider is not None:
        return _provider
    from opentelemetry import trace
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: settings.tracing_service_name})
    )
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    RedisInstrumentor().instrument(tracer_provider=provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    _provider = provider
    return provider


def job_span(name: str) -> AbstractContextManager[Any]:
    """A span around one background job (its queries nest under it); nothing when off."""
    if _provider is None:
        return nullcontext()
    tracer = _provider.get_tracer("backend.worker")
    span: AbstractContextManager[Any] = tracer.start_as_current_span(f"job {name}")
    return span


def shutdown_tracing() -> None:
    """Flush the spans and take the instrumentation off (process end, tests)."""
    global _provider
    if _provider is None:
        return
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    AsyncPGInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
    RedisInstrumentor().uninstrument()
    HTTPXClientInstrumentor().uninstrument()
    _provider.shutdown()
    _provider = None


def traced(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` inside an HTTP server span (named ``GET /v1/me/card``: method and route
    template), or ``app`` itself when tracing is off."""
    if not settings.tracing_enabled:
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    middleware: Any = OpenTelemetryMiddleware(
        _NamedByRoute(app),
        tracer_provider=configure_tracing(settings),
        default_span_details=_span_details,
        server_request_hook=_drop_query,
        exclude_spans=["receive", "send"],
    )
    wrapped: ASGIApp = middleware
    return wrapped


def _span_details(scope: Any) -> tuple[str, dict[str, Any]]:
    # The route is known only after routing: _NamedByRoute renames the span then.
    return str(scope.get("method", "HTTP")), {}


def _drop_query(span: Any, scope: Any) -> None:
    if span is None or not span.is_recording() or not scope.get("query_string"):
        return
    url = f"{scope.get('scheme', 'http')}://{_host(scope)}{scope.get('path', '')}"
    span.set_attribute("http.url", url)
    span.set_attribute("url.query", "[omitted]")


def _host(scope: Any) -> str:
    for key, value in scope.get("headers", ()):
        if key == b"host":
            return str(value.decode("latin-1"))
    return ""


class _NamedByRoute:
    """Names the server span after the route template (known once routed) when the response
    starts: the instrumentation ends the span with the last body message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from opentelemetry import trace

        span = trace.get_current_span()

        async def naming_send(message: Message) -> None:
            if message["type"] == "http.response.start" and span.is_recording():
                route = route_of(scope.get("path_template"))
                span.update_name(f"{scope.get('method', 'HTTP')} {route}")
                span.set_attribute("http.route", route)
            await send(message)

        await self.app(scope, receive, naming_send)
