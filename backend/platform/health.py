"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, get

from backend.platform import runtime
from backend.platform.database import ping
from backend.platform.migrate import pending_migrations


class Health(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct, rename="camel"):
    status: str
    postgres: str
    redis: str
    migrations: str


@get("/healthz", tags=["operations"], summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


async def _check(coro: Any) -> str:
    try:
        await coro
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        return f"down: {type(exc).__name__}"
    return "ok"


@get("/readyz", tags=["operations"], summary="PostgreSQL and Redis reachable, migrations current")
async def readyz() -> Response[Readiness]:
    postgres = await _check(ping())
    redis = await _check(runtime.current().redis.ping())
    try:
        pending = await pending_migrations()
        migrations = "current" if not pending else f"pending: {len(pending)}"
    except Exception as exc:  # noqa: BLE001
        migrations = f"unknown: {type(exc).__name__}"
    ready = postgres == "ok" and redis == "ok" and migrations == "current"
    body = Readiness(
        status="ready" if ready else "not-ready", postgres=postgres, redis=redis,
        migrations=migrations,
    )  # fmt: skip
    return Response(body, status_code=200 if ready else 503)
