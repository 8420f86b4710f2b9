"""Housekeeping jobs for identity data."""

from __future__ import annotations

from typing import Any

from backend.identity import store
from backend.platform.database import connection
from backend.platform.queue import WorkerJob, scheduled


async def purge_expired_credentials(ctx: dict[str, Any]) -> dict[str, int]:
    """Delete one-time codes a day after expiry and refresh tokens a week after; idempotent."""
    async with connection() as conn:
        purged = await store.delete_expired_credentials(conn)
    return {"codes": purged.codes, "refreshTokens": purged.refresh_tokens}


JOBS: list[WorkerJob] = [purge_expired_credentials]
CRON_JOBS: list[Any] = [
    scheduled(purge_expired_credentials, hour={3}, minute={30}, run_at_startup=False),
]
