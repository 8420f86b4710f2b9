"""arq jobs: relay the outbox and send pushes. Both are woken every few seconds by cron and can
be enqueued on demand; both are idempotent, so a retried or duplicated run changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from arq import cron, func

from backend.notifications.monthly import send_monthly_summaries
from backend.notifications.relay import relay_all, send_all
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai

log = logging.getLogger("backend.notifications.jobs")
EVERY_5_SECONDS = set(range(0, 60, 5))


async def relay_outbox(ctx: dict[str, Any]) -> int:
    moved = await relay_all()
    if moved:
        await send_pushes(ctx)
    return moved


async def send_pushes(ctx: dict[str, Any]) -> int:
    return await send_all()


async def monthly_summary(ctx: dict[str, Any], today: str | None = None) -> int:
    day = dt.date.fromisoformat(today) if today else today_in_shanghai()
    return await send_monthly_summaries(day)


async def wake_relay() -> None:
    """Best effort: the cron finds the events anyway within seconds if Redis is away."""
    try:
        rt = runtime.current()
        await rt.arq.enqueue_job("relay_outbox", _job_id=f"{rt.settings.redis_namespace}:relay")
    except Exception:
        log.info("could not wake the relay; cron will pick the events up", exc_info=True)


# keep_result=0: wake_relay's fixed job id must be free again as soon as a run ends.
JOBS: list[Any] = [func(relay_outbox, keep_result=0), send_pushes, monthly_summary]
CRON_JOBS: list[Any] = [
    cron(relay_outbox, second=EVERY_5_SECONDS, run_at_startup=True, unique=True, timeout=60),
    cron(send_pushes, second={2, 17, 32, 47}, run_at_startup=False, unique=True, timeout=120),
    # 09:00 Asia/Shanghai on the first day of the month (after the 02:00 statistics).
    cron(monthly_summary, day={1}, hour={9}, minute={0}, run_at_startup=False, unique=True),
]
