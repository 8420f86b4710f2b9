"""The API and the worker as real processes, for tests that take their services away.

The processes get the session's settings through the environment, with the database and Redis
URLs a test chooses (a proxy it can cut, a private Redis it can stop). Their output goes to a
log file under the test's directory, to read when a test fails.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from backend.platform.config import REPO_ROOT, Settings


def service_env(
    settings: Settings, *, database_url: str, redis_url: str, var: Path
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        VAR_DIR=str(var),
        REDIS_NAMESPACE=settings.redis_namespace,
        LOG_LEVEL="WARNING",
        JWT_SECRET=settings.jwt_secret,
        ID_ENCRYPTION_KEY=settings.id_encryption_key,
        ID_INDEX_KEY=settings.id_index_key,
        OTP_HASH_KEY=settings.otp_hash_key,
        VERIFICATION_SIGNING_KEY=settings.verification_signing_key,
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def start_api(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn with the app factory on a free port; returns the process and its base URL."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.app:create_app",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return _spawn(args, env, log), f"http://127.0.0.1:{port}"


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return _spawn([sys.executable, "-m", "backend", "worker"], env, log)


def stop(*processes: subprocess.Popen[bytes] | None) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


async def wait_until(
    check: Callable[[], Awaitable[bool]], seconds: float = 40, interval: float = 0.2
) -> None:
    """Polls ``check`` until it is true; a transport error (a server still starting) is a no."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        try:
            if await check():
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {seconds} s")


async def wait_for_api(base_url: str, seconds: float = 40) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:

        async def up() -> bool:
            return (await http.get("/healthz")).status_code == 200

        await wait_until(up, seconds)
