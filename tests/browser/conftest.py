"""A real server for the browser: uvicorn in its own process on the test database and Redis
namespace, and Debian's Chromium driven by Playwright. Without a browser the tests skip, unless
REQUIRE_BROWSER is set (CI sets it), then they fail."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.platform.config import REPO_ROOT, Settings

SCREENSHOTS = REPO_ROOT / "var" / "screenshots"


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
def browser_path() -> str:
    found = chromium_path()
    if found is None:
        message = "no Chromium on this machine (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{message}; REQUIRE_BROWSER is set")
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(settings: Settings, app: object) -> Iterator[str]:
    """The product on a free port, as ``make run`` serves it, on this test session's data."""
    port = _free_port()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "REDIS_NAMESPACE": settings.redis_namespace,
        "VAR_DIR": settings.var_dir,
        "LOG_LEVEL": "WARNING",
        "JWT_SECRET": settings.jwt_secret,
        "ID_ENCRYPTION_KEY": settings.id_encryption_key,
        "ID_INDEX_KEY": settings.id_index_key,
        "OTP_HASH_KEY": settings.otp_hash_key,
        "VERIFICATION_SIGNING_KEY": settings.verification_signing_key,
    }
    command = [
        sys.executable, "-m", "uvicorn", "backend.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped with {process.returncode}")
            time.sleep(0.3)
        else:
            raise RuntimeError("the server did not become ready in 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# The published versions a test makes are removed after it, and the app is back on the seed.
from tests.api.policy.conftest import seeded  # noqa: E402, F401
