"""arq job: every 15 seconds push the outbox to the provincial platform. Not at start-up: a
worker stopped right after it starts (a deploy) must not be caught in the middle of a batch."""

from __future__ import annotations

from typing import Any

from backend.exchange import delivery
from backend.platform.queue import WorkerJob, scheduled


async def send_exchange_events(ctx: dict[str, Any]) -> dict[str, int]:
    return await delivery.send_pending()


JOBS: list[WorkerJob] = [send_exchange_events]
CRON_JOBS: list[Any] = [
    scheduled(
        send_exchange_events,
        second={0, 15, 30, 45},
        run_at_startup=False,
        unique=True,
        timeout=300,
    ),
]
