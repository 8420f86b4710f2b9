"""With no DATABASE_URL / REDIS_URL the product starts embedded real servers under VAR_DIR and
serves requests: migrate, then start the API and ask /readyz."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.platform.config import REPO_ROOT


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
