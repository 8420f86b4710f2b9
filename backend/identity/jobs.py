"""Housekeeping jobs: identity data, and the monthly partitions of the tables that only grow
(the platform's, which imports no domain, so its job sits in the first domain's housekeeping)."""

from __future__ import annotations

import logging
from typing import Any

from backend.identity import store
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.partitions import ensure_partitions
from backend.platform.queue import WorkerJob, scheduled

log = logging.getLogger("backend.identity.jobs")


async def purge_expired_credentials(ctx: dict[str, Any]) -> dict[str, int]:
    """Delete one-time codes ONE_TIME_CODE_RETENTION_DAYS after expiry (default 1) and refresh
    tokens, rotated or not, REFRESH_TOKEN_RETENTION_DAYS after (default 7); idempotent."""
    settings = runtime.current().settings
    async with connection() as conn:
        purged = await store.delete_expired_credentials(
            conn,
            code_days=settings.one_time_code_retention_days,
            token_days=settings.refresh_token_retention_days,
        )
    report = {"codes": purged.codes, "refreshTokens": purged.refresh_tokens}
    log.info("retention: expired credentials deleted: %s", report)
    return report


async def create_partitions(ctx: dict[str, Any]) -> dict[str, list[str]]:
    """Create the monthly partitions from this month through PARTITIONS_AHEAD_MONTHS ahead (and
    move rows a missing month left in a default partition); idempotent."""
    months_ahead = runtime.current().settings.partitions_ahead_months
    async with connection() as conn:
        created = await ensure_partitions(
            conn, today=today_in_shanghai(), months_ahead=months_ahead
        )
    log.info("partitions created: %s", ", ".join(created) or "none")
    return {"created": created}


JOBS: list[WorkerJob] = [purge_expired_credentials, create_partitions]
CRON_JOBS: list[Any] = [
    scheduled(purge_expired_credentials, hour={3}, minute={30}, run_at_startup=False),
    # Also at start: a worker that was down for months creates the months it missed at once.
    scheduled(create_partitions, hour={3}, minute={10}, run_at_startup=True, unique=True),
]
