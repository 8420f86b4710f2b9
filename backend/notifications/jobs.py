"""Worker jobs: relay the outbox, watch push deliveries, the monthly summary, drop the months of
the outbox and the inbox past their retention, and delete read inbox items past theirs.

Pushes themselves are sent by the worker's :class:`~backend.notifications.pump.PushPump`,
outside any arq job (a job's timeout could cancel a send half-way); it relays the outbox too, so
delivery goes on while Redis is away. The relay job (woken by the API, and every 5 s) moves
events sooner and wakes the pump. All jobs
are idempotent, so a retried or duplicated run changes nothing."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from typing import Any

from backend.notifications.health import expire_overdue
from backend.notifications.monthly import send_monthly_summaries
from backend.notifications.relay import relay_all
from backend.notifications.store import delete_read_notifications
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.clock import SHANGHAI
from backend.platform.database import connection
from backend.platform.partitions import drop_expired_partitions
from backend.platform.queue import WorkerJob, enqueue, job, scheduled

log = logging.getLogger("backend.notifications.jobs")
EVERY_5_SECONDS = set(range(0, 60, 5))
PUMP = "push_pump"  # the worker's PushPump in the job context


async def relay_outbox(ctx: dict[str, Any]) -> int:
    moved = await relay_all()
    if moved and (pump := ctx.get(PUMP)) is not None:
        pump.wake()
    return moved


async def check_push_deliveries(ctx: dict[str, Any]) -> dict[str, int]:
    """Close deliveries still open past their deadline (counted) and say how many there were."""
    return await expire_overdue()


async def monthly_summary(ctx: dict[str, Any], today: str | None = None) -> int:
    day = dt.date.fromisoformat(today) if today else today_in_shanghai()
    return await send_monthly_summaries(day)


async def drop_expired_months(ctx: dict[str, Any], today: str | None = None) -> dict[str, Any]:
    """Drop the months of delivered outbox events and of inbox items past their retention
    (OUTBOX_RETENTION_MONTHS, INBOX_RETENTION_MONTHS); never a month with undelivered events."""
    day = dt.date.fromisoformat(today) if today else today_in_shanghai()
    settings = runtime.current().settings
    async with connection() as conn:
        dropped = await drop_expired_partitions(
            conn,
            today=day,
            outbox_months=settings.outbox_retention_months,
            inbox_months=settings.inbox_retention_months,
        )
    log.info("expired partitions dropped: %s", ", ".join(dropped) or "none")
    return {"dropped": dropped}


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


async def purge_read_inbox(ctx: dict[str, Any], today: str | None = None) -> dict[str, int]:
    """Delete read inbox items that arrived more than READ_INBOX_RETENTION_MONTHS (default 12)
    before today (from 00:00 Asia/Shanghai of that day back), with their finished push
    deliveries, in batches of RETENTION_BATCH_SIZE; unread items wait for their month's
    partition drop. Idempotent; reports what it removed."""
    day = dt.date.fromisoformat(today) if today else today_in_shanghai()
    settings = runtime.current().settings
    cutoff = dt.datetime.combine(
        months_before(day, settings.read_inbox_retention_months), dt.time(), tzinfo=SHANGHAI
    )
    batch = settings.retention_batch_size
    report = {"notifications": 0, "pushDeliveries": 0}
    while True:
        async with connection() as conn:
            gone = await delete_read_notifications(conn, arrived_before=cutoff, limit=batch)
        report["notifications"] += gone.notifications
        report["pushDeliveries"] += gone.deliveries
        if gone.notifications < batch:
            break
    log.info("retention: read inbox items before %s deleted: %s", cutoff.isoformat(), report)
    return report


async def wake_relay() -> None:
    """Best effort: the cron finds the events anyway within seconds if Redis is away."""
    try:
        await enqueue(relay_outbox, job_id=f"{runtime.current().settings.redis_namespace}:relay")
    except Exception:
        log.info("could not wake the relay; cron will pick the events up", exc_info=True)


# keep_result=0: wake_relay's fixed job id must be free again as soon as a run ends.
JOBS: list[WorkerJob] = [
    job(relay_outbox, keep_result=0),
    check_push_deliveries,
    monthly_summary,
    drop_expired_months,
    purge_read_inbox,
]
CRON_JOBS: list[Any] = [
    scheduled(relay_outbox, second=EVERY_5_SECONDS, run_at_startup=True, unique=True, timeout=60),
    scheduled(check_push_deliveries, minute=set(range(0, 60, 5)), second={40}, unique=True),
    # 09:00 Asia/Shanghai on the first day of the month (after the 02:00 statistics).
    scheduled(monthly_summary, day={1}, hour={9}, minute={0}, run_at_startup=False, unique=True),
    scheduled(drop_expired_months, hour={3}, minute={40}, run_at_startup=False, unique=True),
    scheduled(purge_read_inbox, hour={3}, minute={50}, run_at_startup=False, unique=True),
]
