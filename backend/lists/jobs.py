"""The nightly run of the lists: end what no longer stands, then propose what the rules find."""

from __future__ import annotations

import logging
from typing import Any

from backend.lists import service
from backend.platform.queue import WorkerJob, scheduled

log = logging.getLogger("backend.lists")


async def nightly_lists(ctx: dict[str, Any]) -> dict[str, int]:
    """Idempotent: a second run the same day ends and proposes nothing new."""
    ended = await service.end_lapsed()
    proposed = await service.propose()
    log.info("lists: %d entries ended, %d proposed", ended, proposed)
    return {"ended": ended, "proposed": proposed}


JOBS: list[WorkerJob] = [nightly_lists]
# After the nightly re-score (00:05), so grades are those of the day.
CRON_JOBS: list[Any] = [
    scheduled(nightly_lists, hour={0}, minute={20}, run_at_startup=False, unique=True)
]
