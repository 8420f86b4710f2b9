"""Housekeeping jobs for identity data."""

from __future__ import annotations

from typing import Any

from backend.platform.database import connection
from backend.platform.queue import WorkerJob, scheduled


async def purge_expired_credentials(ctx: dict[str, Any]) -> dict[str, int]:
    """Delete one-time codes a day after expiry and refresh tokens a week after; idempotent."""
    async with connection() as conn:
        codes = await conn.execute(
            "DELETE FROM one_time_code WHERE expires_at < now() - interval '1 day'"
        )
        tokens = await conn.execute(
            "DELETE FROM refresh_token WHERE expires_at < now() - interval '7 days'"
        )
    return {"codes": int(codes.split()[-1]), "refreshTokens": int(tokens.split()[-1])}


JOBS: list[WorkerJob] = [purge_expired_credentials]
CRON_JOBS: list[Any] = [
    scheduled(purge_expired_credentials, hour={3}, minute={30}, run_at_startup=False),
]
