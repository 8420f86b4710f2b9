"""Worker jobs: sweep expired codes so their numbers can be drawn again."""

from __future__ import annotations

from typing import Any

from backend.platform.database import connection
from backend.platform.queue import WorkerJob, scheduled
from backend.verification import store


async def sweep_expired_codes(ctx: dict[str, Any]) -> int:
    """Mark codes past their expiry as no longer live; returns how many. Idempotent."""
    async with connection() as conn:
        return await store.expire_codes(conn)


JOBS: list[WorkerJob] = [sweep_expired_codes]
CRON_JOBS: list[Any] = [
    scheduled(sweep_expired_codes, second={40}, run_at_startup=True, unique=True, timeout=60),
]
