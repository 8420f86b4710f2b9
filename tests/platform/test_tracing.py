"""Tracing: off by default (OpenTelemetry is not even imported); on, one request makes an HTTP
server span named by its route template, with the PostgreSQL and Redis calls inside it."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.config import REPO_ROOT, Settings
from backend.platform.logs import configure_logging
from backend.platform.tracing import configure_tracing, shutdown_tracing
from tests.platform.test_logs import Lines
from tests.platform.test_metrics import restore_logging

__all__ = ["restore_logging"]  # the fixture, used here by name


@pytest.fixture
async def traced_client(
    app: Litestar, settings: Settings, sms: MemorySmsSender, restore_logging: None
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """An app with tracing on, spans kept in memory; the instrumentation is off again after."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    on = msgspec.structs.replace(settings, tracing_enabled=True)
    configure_tracing(on, exporter=exporter)
    try:
        traced = create_app(on, sms=sms)
        traced.state.settings = on
        traced.state.redis = runtime.current().redis
        transport = httpx.ASGITransport(app=traced)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http, exporter
        await traced.stores.get("rate_limit")._redis.aclose()  # type: ignore[attr-defined]
    finally:
        shutdown_tracing()


async def test_a_request_is_a_server_span_with_postgres_and_redis_spans_inside(
    traced_client: tuple[httpx.AsyncClient, Any], settings: Settings
) -> None:
    http, exporter = traced_client
    json_lines = Lines(io.StringIO())
    on = msgspec.structs.replace(
        settings, tracing_enabled=True, log_format="json", log_level="DEBUG"
    )
    configure_logging(on, stream=json_lines.stream)  # restore_logging puts the session's back
    response = await http.get("/readyz?who=13900000000")  # pings PostgreSQL and Redis
    assert response.status_code == 200, response.text

    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.kind.name == "SERVER"]
    assert len(server) == 1, [s.name for s in spans]
    assert server[0].name == "GET /readyz"
    assert server[0].attributes["http.route"] == "/readyz"
    assert "13900000000" not in str(dict(server[0].attributes))
    inside = [s for s in spans if s.context.trace_id == server[0].context.trace_id]
    systems = {s.attributes.get("db.system") for s in inside}
    assert {"postgresql", "redis"} <= systems, [(s.name, dict(s.attributes)) for s in spans]
    resource = server[0].resource.attributes
    assert resource["service.name"] == "citizen-credit-card"
    # The access line names the trace, to go from a log line to its trace.
    access = [line for line in json_lines.access() if line["route"] == "/readyz"]
    assert access[-1]["trace_id"] == format(server[0].context.trace_id, "032x")


# Litestar imports the OpenTelemetry API when it is installed; the SDK, the exporter and the
# instrumentations are ours to load, and only when tracing is on.
HEAVY = (
    "opentelemetry.sdk",
    "opentelemetry.exporter",
    "opentelemetry.instrumentation.asyncpg",
    "opentelemetry.instrumentation.redis",
    "opentelemetry.instrumentation.httpx",
)


def test_with_tracing_off_opentelemetry_is_not_loaded(settings: Settings) -> None:
    script = (
        "import sys, base64, secrets\n"
        f"HEAVY = {HEAVY!r}\n"
        "from backend.app import create_app\n"
        "from backend.platform.config import Settings\n"
        "key = lambda: base64.b64encode(secrets.token_bytes(32)).decode()\n"
        "create_app(Settings(env='test', jwt_secret='x' * 40, id_encryption_key=key(),"
        " id_index_key=key(), otp_hash_key=key(), verification_signing_key=key()))\n"
        "import backend.worker\n"
        "print(sorted(m for m in sys.modules if m.startswith(HEAVY)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "[]", run.stdout + run.stderr


def test_with_tracing_off_the_app_is_not_wrapped_in_a_span(app: Litestar) -> None:
    from backend.platform import tracing
    from backend.platform.requestid import RequestIdMiddleware

    assert tracing._provider is None
    assert isinstance(app.asgi_handler, RequestIdMiddleware)
