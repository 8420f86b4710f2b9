"""arq jobs: every minute reconcile what is in force with what should be (triggers and lifts
the same day), deliver the webhooks, and escalate unanswered feedback."""

from __future__ import annotations

from typing import Any

from backend.enforcement import delivery, service
from backend.platform.calendar import today_in_shanghai
from backend.platform.queue import WorkerJob, scheduled


async def reconcile_measures(ctx: dict[str, Any]) -> dict[str, int]:
    """Triggers and lifts for today, then sent at once (the delivery job is the net)."""
    changed = await service.reconcile(today_in_shanghai())
    if changed["triggered"] or changed["lifted"]:
        changed |= await delivery.deliver_all()
    return changed


async def deliver_measure_events(ctx: dict[str, Any]) -> dict[str, int]:
    return await delivery.deliver_all()


async def escalate_measure_feedback(ctx: dict[str, Any]) -> int:
    return await service.escalate(today_in_shanghai())


JOBS: list[WorkerJob] = [reconcile_measures, deliver_measure_events, escalate_measure_feedback]
CRON_JOBS: list[Any] = [
    scheduled(reconcile_measures, second={15}, run_at_startup=False, unique=True, timeout=300),
    scheduled(
        deliver_measure_events,
        second={0, 15, 30, 45},
        run_at_startup=False,
        unique=True,
        timeout=300,
    ),
    scheduled(escalate_measure_feedback, minute={35}, second={0}, unique=True),
]
