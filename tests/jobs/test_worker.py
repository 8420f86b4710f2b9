"""The real arq worker (``python -m backend worker``) runs jobs from our queue, and
``arq --check`` reports it healthy."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from arq.jobs import Job, JobStatus

from backend.platform import runtime
from backend.platform.config import REPO_ROOT, Settings


@pytest.fixture
def worker_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(
        DATABASE_URL=settings.database_url or "",
        REDIS_URL=settings.redis_url or "",
        REDIS_NAMESPACE=settings.redis_namespace,
        VAR_DIR=str(tmp_path),
        LOG_LEVEL="INFO",
    )
    return env


@pytest.fixture
def worker(worker_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "worker"],
        cwd=REPO_ROOT,
        env=worker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


async def test_worker_purges_expired_credentials(
    app: object, database_url: str, worker: subprocess.Popen[bytes], worker_env: dict[str, str]
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO one_time_code (phone_encrypted, phone_index, code_hash, created_at,"
            " expires_at, attempts) VALUES"
            " ('\\x00', 'expired', 'x', now() - interval '3 days', now() - interval '2 days', 0),"
            " ('\\x00', 'live', 'y', now(), now() + interval '5 minutes', 0)"
        )
        job = await runtime.current().arq.enqueue_job("purge_expired_credentials")
        assert job is not None
        result = await job.result(timeout=60, poll_delay=0.2)
        assert result == {"codes": 1, "refreshTokens": 0}
        phones = await conn.fetch("SELECT phone_index FROM one_time_code")
        assert [r["phone_index"] for r in phones] == ["live"]
        again = await runtime.current().arq.enqueue_job("purge_expired_credentials")
        assert again is not None
        assert await again.result(timeout=60, poll_delay=0.2) == {"codes": 0, "refreshTokens": 0}
    finally:
        await conn.close()
    await _assert_check_passes(worker_env)
    assert isinstance(job, Job) and await job.status() in (JobStatus.complete, JobStatus.not_found)


async def _assert_check_passes(env: dict[str, str]) -> None:
    for _ in range(40):
        check = subprocess.run(
            [sys.executable, "-m", "arq", "--check", "backend.worker.WorkerSettings"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check.returncode == 0:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"arq --check failed: {check.stdout} {check.stderr}")
