"""Prometheus metrics: ``GET /metrics`` behind a bearer token (404 in production without one),
request counts by route template and status, rate-limit refusals by bucket, job runs, and the
outbox lag per consumer read at scrape time; the worker serves the same on its own port."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.bootstrap import arq_redis_settings, queue_name
from backend.platform.config import REPO_ROOT, Settings
from backend.platform.metrics import exposition, serve_worker_metrics
from backend.worker import create_worker
from tests.platform.test_logs import production

TOKEN = "metrics-token-for-tests-0123456789"


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the text format, or None when it is not there."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = re.escape(name + ("{" + wanted + "}" if wanted else "")) + r" (\S+)"
    match = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """A second app configures logging for its own settings: the session's is back after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    root.handlers = saved[0]
    root.setLevel(saved[1])


async def _second_app(settings: Settings, sms: MemorySmsSender) -> Litestar:
    """An app on other settings, served by the session's runtime (its lifespan is not run:
    it would replace the process's runtime and pool)."""
    app = create_app(settings, sms=sms)
    app.state.settings = settings
    app.state.redis = runtime.current().redis
    return app


@pytest.fixture
async def guarded(
    app: Litestar, settings: Settings, sms: MemorySmsSender, restore_logging: None
) -> AsyncIterator[httpx.AsyncClient]:
    """An app with a metrics token and an auth rate limit of one request a minute."""
    second = await _second_app(
        msgspec.structs.replace(settings, metrics_token=TOKEN, auth_rate_per_minute=1), sms
    )
    transport = httpx.ASGITransport(app=second)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await second.stores.get("rate_limit")._redis.aclose()  # type: ignore[attr-defined]


async def test_metrics_need_the_token_and_count_requests_by_route_and_status(
    guarded: httpx.AsyncClient,
) -> None:
    assert (await guarded.get("/v1/public/learning/articles")).status_code == 200
    assert (await guarded.get("/no/such/page")).status_code == 404
    assert (await guarded.post("/v1/auth/refresh", json={})).status_code != 429
    refused = await guarded.post("/v1/auth/refresh", json={})
    assert refused.status_code == 429, refused.text

    missing = await guarded.get("/metrics")
    wrong = await guarded.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith(":metrics-token-required")
    scraped = await guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text

    route = "/v1/public/learning/articles"
    assert sample(text, "ccc_http_requests_total", method="GET", route=route, status="200")
    assert sample(text, "ccc_http_requests_total", method="GET", route="unmatched", status="404")
    assert sample(text, "ccc_http_request_duration_seconds_count", method="GET", route=route)
    assert sample(text, "ccc_rate_limit_refusals_total", bucket="auth")
    for name in ("ccc_jobs_total", "ccc_job_duration_seconds", "ccc_push_results_total"):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name
    assert "# TYPE ccc_rescores_total counter" in text
    assert "/no/such/page" not in text  # an unmatched path never becomes a label


async def test_the_metrics_are_not_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert "/metrics" not in document["paths"]


async def test_without_a_token_metrics_are_served_in_test_but_not_in_production(
    client: httpx.AsyncClient, settings: Settings, sms: MemorySmsSender, restore_logging: None
) -> None:
    assert (await client.get("/metrics")).status_code == 200
    prod = await _second_app(production(settings), sms)
    transport = httpx.ASGITransport(app=prod)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        response = await http.get("/metrics")
    await prod.stores.get("rate_limit")._redis.aclose()  # type: ignore[attr-defined]
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_outbox_lag_is_read_per_consumer_when_scraped(
    client: httpx.AsyncClient, db: Any
) -> None:
    text = (await client.get("/metrics")).text
    for consumer in ("inbox", "push", "webhooks", "provincial", "follow_up"):
        assert sample(text, "ccc_outbox_lag_seconds", consumer=consumer) == 0.0, consumer
    await db.execute(
        "INSERT INTO outbox_event (citizen, kind, payload, created_at)"
        " VALUES (1, 'record.added', '{}', now() - interval '5 minutes')"
    )
    text = (await client.get("/metrics")).text
    inbox = sample(text, "ccc_outbox_lag_seconds", consumer="inbox")
    assert inbox is not None and 300 <= inbox < 400
    await db.execute(
        "INSERT INTO ingest_follow_up (department, records, first_record, last_record,"
        " created_at) VALUES (1, '{1}', 1, 1, now() - interval '2 minutes')"
    )
    text = (await client.get("/metrics")).text
    follow_up = sample(text, "ccc_outbox_lag_seconds", consumer="follow_up")
    assert follow_up is not None and 120 <= follow_up < 200


async def test_job_runs_are_counted_by_name_and_outcome(app: object, settings: Settings) -> None:
    before = _jobs_ok(await _scrape_registry())
    job = await runtime.current().arq.enqueue_job("purge_expired_credentials")
    assert job is not None
    worker = create_worker(
        redis_settings=arq_redis_settings(settings.redis_url or ""),
        queue_name=queue_name(settings),
        cron_jobs=[],
        on_startup=None,
        on_shutdown=None,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    text = await _scrape_registry()
    assert _jobs_ok(text) == before + 1
    assert sample(text, "ccc_job_duration_seconds_count", job="purge_expired_credentials")


async def test_the_worker_serves_its_metrics_with_the_outbox_lag(
    settings: Settings, db: Any
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    worker_settings = msgspec.structs.replace(settings, worker_metrics_port=port)
    assert serve_worker_metrics(worker_settings, asyncio.get_running_loop())
    url = f"http://127.0.0.1:{port}/metrics"
    # The scrape runs in the server's thread and the lag query on this loop: keep it free.
    response = await asyncio.to_thread(httpx.get, url, timeout=10)
    assert response.status_code == 200
    for consumer in ("inbox", "push", "webhooks", "provincial", "follow_up"):
        assert sample(response.text, "ccc_outbox_lag_seconds", consumer=consumer) is not None
    assert "# TYPE ccc_jobs_total counter" in response.text


async def _scrape_registry() -> str:
    return exposition(None).decode()


def _jobs_ok(text: str) -> float:
    found = sample(text, "ccc_jobs_total", job="purge_expired_credentials", outcome="ok")
    return found or 0.0


def test_several_api_processes_answer_together_in_multiprocess_mode(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR (several uvicorn workers) any process answers for all."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    record = (
        "from backend.platform.metrics import record_request\n"
        "record_request('GET', '/v1/me/card', 200, 0.01)\n"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", record], cwd=REPO_ROOT, env=env, check=True)
    scrape = "from backend.platform.metrics import exposition\nprint(exposition(None).decode())\n"
    text = subprocess.run(
        [sys.executable, "-c", scrape], cwd=REPO_ROOT, env=env, check=True, capture_output=True
    ).stdout.decode()
    labels = {"method": "GET", "route": "/v1/me/card", "status": "200"}
    assert sample(text, "ccc_http_requests_total", **labels) == 2.0
