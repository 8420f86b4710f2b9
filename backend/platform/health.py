"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec

from backend.platform import runtime
from backend.platform.database import ping
from backend.platform.migrate import pending_migrations

Check = Annotated[
    str,
    msgspec.Meta(
        description="`ok`, or `down: <error class>` when the service cannot be reached",
        examples=["ok"],
    ),
]


class Health(msgspec.Struct):
    """The process answers."""

    status: Annotated[Literal["ok"], msgspec.Meta(description="Always `ok` when answered")]


class Readiness(msgspec.Struct, rename="camel"):
    """Whether this process can serve requests now, and which dependency is missing if not."""

    status: Annotated[
        Literal["ready", "not-ready"],
        msgspec.Meta(description="`ready` when every check below is `ok`/`current`"),
    ]
    postgres: Check
    redis: Check
    migrations: Annotated[
        str,
        msgspec.Meta(
            description="`current`, `pending: <n>` migrations not yet applied, or `unknown: …`",
            examples=["current"],
        ),
    ]


@get(
    "/healthz",
    tags=["Operations"],
    operation_id="getHealth",
    summary="Liveness: the process answers",
)
async def healthz() -> Health:
    """Answers `ok` while the process runs, without touching PostgreSQL or Redis, so a
    supervisor restarts only a process that is really stuck. No credentials, no rate limit."""
    return Health(status="ok")


async def _check(coro: Any) -> str:
    try:
        await coro
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        return f"down: {type(exc).__name__}"
    return "ok"


@get(
    "/readyz",
    tags=["Operations"],
    operation_id="getReadiness",
    summary="Readiness: PostgreSQL and Redis reachable, migrations current",
    responses={
        503: ResponseSpec(
            data_container=Readiness,
            description="Not ready: the body says which check failed",
            generate_examples=False,
        )
    },
)
async def readyz() -> Response[Readiness]:
    """Checks PostgreSQL, Redis and the migrations, and answers 200 `ready` or 503 `not-ready`
    with what failed. A load balancer sends traffic only to ready processes. No credentials."""
    postgres = await _check(ping())
    redis = await _check(runtime.current().redis.ping())
    try:
        pending = await pending_migrations()
        migrations = "current" if not pending else f"pending: {len(pending)}"
    except Exception as exc:  # noqa: BLE001
        migrations = f"unknown: {type(exc).__name__}"
    ready = postgres == "ok" and redis == "ok" and migrations == "current"
    body = Readiness(
        status="ready" if ready else "not-ready",
        postgres=postgres,
        redis=redis,
        migrations=migrations,
    )
    return Response(body, status_code=200 if ready else 503)
