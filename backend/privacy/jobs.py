"""arq jobs: make a data export, and every hour delete the files of the exports past their date
(and ask again for any export whose job was lost)."""

from __future__ import annotations

import logging
from typing import Any

from backend.platform import runtime
from backend.platform.queue import WorkerJob, enqueue, job, scheduled
from backend.privacy import service

log = logging.getLogger("backend.privacy")


async def make_data_export(ctx: dict[str, Any], *, citizen_id: int, export_id: int) -> bool:
    """Idempotent: an export no longer pending is left alone. A failure marks it failed (the
    citizen asks again) rather than retrying a copy that fails the same way."""
    try:
        return await service.build(citizen_id, export_id)
    except Exception as exc:
        log.exception("data export %s of citizen %s failed", export_id, citizen_id)
        await service.fail(citizen_id, export_id, type(exc).__name__)
        return False


async def enqueue_export(citizen_id: int, export_id: int) -> None:
    # The id makes asking twice harmless while the job is queued or running.
    namespace = runtime.current().settings.redis_namespace
    await enqueue(
        make_data_export,
        job_id=f"{namespace}:data-export:{citizen_id}:{export_id}",
        citizen_id=citizen_id,
        export_id=export_id,
    )


async def expire_data_exports(ctx: dict[str, Any]) -> dict[str, int]:
    expired = await service.expire_due()
    stale = await service.stale_exports()
    for found in stale:
        await enqueue_export(found.citizen, found.id)
    if expired or stale:
        log.info("data exports: %d expired, %d asked for again", expired, len(stale))
    return {"expired": expired, "requeued": len(stale)}


JOBS: list[WorkerJob] = [job(make_data_export, timeout=600), expire_data_exports]
CRON_JOBS: list[Any] = [
    scheduled(expire_data_exports, minute={41}, run_at_startup=False, unique=True)
]
