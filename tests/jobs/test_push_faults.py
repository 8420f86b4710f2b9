"""Faults: the worker is killed between the outbox and the send, then restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from backend.notifications.events import RecordAdded, emit_event
from backend.platform.config import REPO_ROOT, Settings
from backend.platform.database import connection
from backend.platform.engine import DB
from tests import factories as f
from tests.fakes.fcm import FakeFcm, FcmServer

TOKEN = "fcm-token-kill-test-0123456789abcdef"


@pytest.fixture
def fcm_server() -> Iterator[FcmServer]:
    server = FcmServer()
    with server:
        yield server


def _worker_env(settings: Settings, fcm_url: str, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(
        DATABASE_URL=settings.database_url or "", REDIS_URL=settings.redis_url or "",
        REDIS_NAMESPACE=settings.redis_namespace, VAR_DIR=str(var), LOG_LEVEL="WARNING",
        FCM_ENDPOINT=fcm_url, FCM_STATIC_TOKEN="fake-access-token",
        FCM_PROJECT_ID="citizen-credit-test",
    )  # fmt: skip
    return env


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "arq", "backend.worker.WorkerSettings"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def _until(check: object, seconds: float = 40) -> None:
    for _ in range(int(seconds / 0.1)):
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting")


async def _delivery_status() -> str | None:
    async with connection() as conn:
        status: str | None = await conn.fetchval("SELECT status FROM push_delivery")
        return status


async def test_killed_worker_delivers_exactly_once_after_restart(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    settings: Settings,
    fcm_server: FcmServer,
    tmp_path: Path,
) -> None:
    fake: FakeFcm = fcm_server.fake
    _, headers = await f.signed_up(client, sms, "13960000001")
    await client.post("/v1/me/devices", headers=headers, json={"token": TOKEN, "platform": "ios"})
    async with DB.transaction(), connection() as conn:
        citizen_id = await conn.fetchval("SELECT max(id) FROM citizen")
        event = RecordAdded(record_id=1, record_title="测试", department="测试部门", points=-5)
        await emit_event(conn, citizen_id, event)
    env = _worker_env(settings, fcm_server.url, tmp_path)

    fake.hold()
    first = _start_worker(env)
    try:

        async def request_in_flight() -> bool:
            return len(fake.received) == 1

        await _until(request_in_flight)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        fake.drop_held()
        if first.poll() is None:
            first.kill()
    assert await _delivery_status() == "pending"  # the send never finished
    async with connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notification") == 1

    second = _start_worker(env)
    try:

        async def sent() -> bool:
            return await _delivery_status() == "sent"

        await _until(sent)
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert [r.answered for r in fake.received] == ["dropped", "ok"]
    assert len(fake.delivered()) == 1
    async with connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notification") == 1
        assert (
            await conn.fetchval("SELECT count(*) FROM outbox_event WHERE delivered_at IS NULL") == 0
        )
