"""Prometheus metrics: what the API and the worker are doing, in the text format.

The API serves ``GET /metrics`` with ``Authorization: Bearer <METRICS_TOKEN>`` (no token set:
served outside production, 404 in production); the worker serves its own on
``WORKER_METRICS_PORT`` (a port for the scraper on the private network, never published).

With several uvicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, emptied at
each start) before the processes start: each then writes its samples there and any one of them
answers for all. Without it every process answers for itself.

The outbox lag is read from PostgreSQL when scraped (one indexed ``LIMIT 1`` per consumer).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from litestar import Request, Response, get
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from backend.platform.config import Settings
from backend.platform.database import connection
from backend.platform.errors import NotFound, Unauthorized
from backend.platform.language import say

log = logging.getLogger("backend.metrics")
# No ``*_created`` series beside every counter: a timestamp per label set nobody graphs.
disable_created_metrics()  # type: ignore[no-untyped-call]

HTTP_REQUESTS = Counter(
    "ccc_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "ccc_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOB_RUNS = Counter("ccc_jobs", "Background jobs run by the worker", ["job", "outcome"])
JOB_DURATION = Histogram(
    "ccc_job_duration_seconds",
    "Time a background job ran",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 120.0, 300.0),
)
PUSH_RESULTS = Counter("ccc_push_results", "Push messages FCM answered, by outcome", ["outcome"])
RESCORES = Counter("ccc_rescores", "Cards re-scored, by reason", ["reason"])
# Counted by the rate-limit gate (backend.platform.gate).
RATE_LIMIT_REFUSALS = Counter(
    "ccc_rate_limit_refusals", "Requests refused by a rate limit (429)", ["bucket"]
)

# The route label of a request no route matched (404/405): never the raw path (unbounded).
UNMATCHED = "unmatched"
_http_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request. The labelled children are cached: a label lookup costs
    more than the increment."""
    key = (method, route, status)
    children = _http_children.get(key)
    if children is None:
        children = (
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)),
            HTTP_DURATION.labels(method=method, route=route),
        )
        _http_children[key] = children
    children[0].inc()
    children[1].observe(seconds)


# --- outbox lag ----------------------------------------------------------------------------------

# Age in seconds of the oldest event each consumer has not delivered yet (0: nothing waiting).
# inbox: outbox events not relayed (outbox_event_pending_idx). push: how long the oldest *due*
# delivery has waited for a sender (push_delivery_due_idx; deliveries held for quiet hours or a
# backoff are not due yet, FCM failures show in ccc_push_results_total). webhooks: events for
# active bodies with a webhook (measure_event_pending_idx, one LIMIT 1 per body; feed readers'
# unread events are theirs to fetch). provincial: events not yet acknowledged
# (exchange_event_open_idx). follow-up: ingested batches whose exchange events and change
# counters the worker has not written yet (a few rows, by primary key).
LAG_QUERY = """
SELECT
  (SELECT extract(epoch FROM now() - created_at) FROM outbox_event
    WHERE delivered_at IS NULL ORDER BY id LIMIT 1) AS inbox,
  (SELECT extract(epoch FROM now() - not_before) FROM push_delivery
    WHERE status IN ('pending', 'sending') AND not_before <= now()
    ORDER BY not_before, id LIMIT 1) AS push,
  (SELECT extract(epoch FROM now() - min(e.created_at)) FROM enforcer_webhook w
    JOIN api_client c ON c.id = w.client AND c.active
    CROSS JOIN LATERAL (SELECT m.created_at FROM measure_event m
      WHERE m.client = w.client AND m.delivered_at IS NULL ORDER BY m.id LIMIT 1) e) AS webhooks,
  (SELECT extract(epoch FROM now() - created_at) FROM exchange_event
    WHERE status IN ('pending', 'sent') ORDER BY id LIMIT 1) AS provincial,
  (SELECT extract(epoch FROM now() - created_at) FROM ingest_follow_up
    ORDER BY id LIMIT 1) AS follow_up
"""
CONSUMERS = ("inbox", "push", "webhooks", "provincial", "follow_up")


async def outbox_lag() -> dict[str, float]:
    async with connection() as conn:
        row = await conn.fetchrow(LAG_QUERY)
    assert row is not None
    return {name: max(float(row[name] or 0.0), 0.0) for name in CONSUMERS}


def _lag_family(lag: dict[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "ccc_outbox_lag_seconds",
        "Age of the oldest event a consumer has not delivered yet",
        labels=["consumer"],
    )
    for consumer, seconds in lag.items():
        family.add_metric([consumer], seconds)
    return family


class _LagNow(Collector):
    """The lag read for this scrape (the API reads it in its event loop first)."""

    def __init__(self, lag: dict[str, float]) -> None:
        self.lag = lag

    def collect(self) -> Iterable[Metric]:
        return [_lag_family(self.lag)]


class _LagFromLoop(Collector):
    """The worker's scrape runs in the HTTP server's thread: the query runs on the worker's
    event loop (where the pool lives), waited for a few seconds at most."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def collect(self) -> Iterator[Metric]:
        if self.loop.is_closed() or _in_loop(self.loop):
            return  # waiting here would block the very loop that must answer
        future = asyncio.run_coroutine_threadsafe(outbox_lag(), self.loop)
        try:
            lag = future.result(timeout=5.0)
        except Exception as exc:  # noqa: BLE001 (a scrape must answer even when PostgreSQL does not)
            future.cancel()
            log.warning("outbox lag not read for this scrape: %s: %s", type(exc).__name__, exc)
            return
        yield _lag_family(lag)


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class _Union(Collector):
    """Several collectors as one (the worker's server: ours and the lag, apart from the
    process-wide registry)."""

    def __init__(self, *sources: Any) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()


# --- exposition ----------------------------------------------------------------------------------


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        merged = CollectorRegistry()
        MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return merged
    return REGISTRY


def exposition(lag: dict[str, float] | None) -> bytes:
    body = generate_latest(_registry())
    if lag is not None:
        extra = CollectorRegistry()
        extra.register(_LagNow(lag))
        body += generate_latest(extra)
    return body


def _check_token(request: Request[Any, Any, Any], settings: Settings) -> None:
    if not settings.metrics_token:
        if settings.env == "production":
            raise NotFound(say("没有这个地址", "no such resource"))
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.encode()
    # Constant time: the comparison must not tell how much of a guess was right.
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise Unauthorized(
            say("需要监控令牌（Authorization: Bearer …）", "the metrics token is required"),
            code="metrics-token-required",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )


@get("/metrics", include_in_schema=False, exclude_from_auth=True)
async def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Prometheus text format; bearer token; not in the OpenAPI document, no rate limit."""
    _check_token(request, request.app.state.settings)
    try:
        lag: dict[str, float] | None = await outbox_lag()
    except Exception as exc:  # noqa: BLE001 (the other metrics answer while PostgreSQL is away)
        log.warning("outbox lag not read for this scrape: %s: %s", type(exc).__name__, exc)
        lag = None
    return Response(content=exposition(lag), media_type=CONTENT_TYPE_LATEST)


_worker_server_lock = threading.Lock()
_worker_server_started = False


def serve_worker_metrics(settings: Settings, loop: asyncio.AbstractEventLoop) -> bool:
    """Start the worker's metrics server once per process (WORKER_METRICS_PORT, 0: off): all
    interfaces in production (the scraper is on the private network; do not publish the
    port), loopback elsewhere. Returns whether it runs."""
    global _worker_server_started
    with _worker_server_lock:
        if _worker_server_started or not settings.worker_metrics_port:
            return _worker_server_started
        address = "0.0.0.0" if settings.env == "production" else "127.0.0.1"  # noqa: S104
        registry = CollectorRegistry()
        registry.register(_Union(_registry(), _LagFromLoop(loop)))
        try:
            start_http_server(settings.worker_metrics_port, addr=address, registry=registry)
        except OSError as exc:
            log.warning(
                "worker metrics not served on port %s: %s", settings.worker_metrics_port, exc
            )
            return False
        _worker_server_started = True
        log.info("worker metrics on http://%s:%s/metrics", address, settings.worker_metrics_port)
        return True
