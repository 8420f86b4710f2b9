"""Shared set-up for benchmarks: a fresh database, the API in a uvicorn subprocess, teardown."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from backend.platform.config import REPO_ROOT
from backend.platform.embedded import EmbeddedServers, start_postgres, start_redis


@dataclass
class BenchServer:
    base: str
    dsn: str
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _admin(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _database_url(admin: str, name: str) -> str:
    if "?" in admin:
        head, query = admin.split("?", 1)
        return head.rsplit("/", 1)[0] + f"/{name}?{query}"
    return admin.rsplit("/", 1)[0] + f"/{name}"


def _wait_ready(base: str) -> None:
    for _ in range(240):
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("the API did not become ready")


@contextmanager
def bench_database() -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh migrated database and the environment that points the app at it."""
    embedded = EmbeddedServers()
    var = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    admin = admin or start_postgres(var, embedded)
    redis_url = os.environ.get("TEST_REDIS_URL") or start_redis(var, embedded)
    name = f"cc_bench_{secrets.token_hex(4)}"
    dsn = _database_url(admin, name)
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "REDIS_URL": redis_url,
        "VAR_DIR": str(var),
        "REDIS_NAMESPACE": f"ccbench-{name}",
        "LOG_LEVEL": "WARNING",
        "CLIENT_RATE_PER_MINUTE": "10000000",
        "CITIZEN_RATE_PER_MINUTE": "10000000",
    }
    try:
        subprocess.run(
            [sys.executable, "-m", "backend", "migrate"],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "VAR_DIR")})
        os.environ["REDIS_NAMESPACE"] = env["REDIS_NAMESPACE"]
        yield dsn, env
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_forget_keys(redis_url, env["REDIS_NAMESPACE"]))
        embedded.stop()


async def _forget_keys(redis_url: str, namespace: str) -> None:
    """Delete the Redis keys this benchmark made (its namespace and its arq jobs), no others."""
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    try:
        for pattern in (f"{namespace}*", f"arq:*{namespace}*"):
            keys = [key async for key in client.scan_iter(match=pattern, count=500)]
            if keys:
                await client.delete(*keys)
    finally:
        await client.aclose()


@contextmanager
def api_server(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        cwd=REPO_ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- additions for bench_scale.py (a named, optionally kept database; copies of one) ----------


@contextmanager
def bench_servers() -> Iterator[tuple[str, str, Path]]:
    """The admin URL of a PostgreSQL server and a Redis URL (BENCH_DATABASE_URL /
    TEST_DATABASE_URL and TEST_REDIS_URL, else embedded servers under a temporary directory),
    with that directory; embedded servers stop at the end."""
    embedded = EmbeddedServers()
    var = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    admin = admin or start_postgres(var, embedded)
    redis_url = os.environ.get("TEST_REDIS_URL") or start_redis(var, embedded)
    try:
        yield admin, redis_url, var
    finally:
        embedded.stop()


def database_url(admin: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``admin``."""
    return _database_url(admin, name)


def app_env(dsn: str, redis_url: str, var: Path, name: str, **extra: str) -> dict[str, str]:
    """The environment that points the app at database ``name`` and a Redis namespace of its
    own (``ccbench-<name>``), as ``bench_database`` builds it."""
    return {
        **os.environ,
        "DATABASE_URL": dsn,
        "REDIS_URL": redis_url,
        "VAR_DIR": str(var),
        "REDIS_NAMESPACE": f"ccbench-{name}",
        "LOG_LEVEL": "WARNING",
        "CLIENT_RATE_PER_MINUTE": "10000000",
        "CITIZEN_RATE_PER_MINUTE": "10000000",
        **extra,
    }


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "backend", "migrate"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def create_database(admin: str, name: str, template: str | None = None) -> None:
    """CREATE DATABASE ``name`` (a copy of ``template`` when given: nobody may be connected
    to it)."""
    copy = f' TEMPLATE "{template}"' if template else ""
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"{copy}'))


def drop_database(admin: str, name: str) -> None:
    asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def forget_redis_keys(redis_url: str, namespace: str) -> None:
    """Delete the Redis keys of ``namespace`` (and its arq jobs), no others."""
    asyncio.run(_forget_keys(redis_url, namespace))
