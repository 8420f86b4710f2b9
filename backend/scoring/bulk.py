"""Re-score every citizen (after a rules change, or to repair drift): in batches, resumable.

Progress is kept in Redis per rules version, so an interrupted run continues where it stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.redis import namespaced
from backend.scoring import store
from backend.scoring.service import rescore

PARALLEL = 8


def progress_key(version: str) -> str:
    return namespaced(runtime.current().settings.redis_namespace, "rescore-all", version)


async def count_remaining(after_id: int) -> int:
    async with connection() as conn:
        return await store.count_citizens_after(conn, after_id)


async def resume_point(restart: bool) -> tuple[str, int]:
    rt = runtime.current()
    version = rt.rules.in_force(today_in_shanghai()).version
    if restart:
        await rt.redis.delete(progress_key(version))
        return version, 0
    stored = await rt.redis.get(progress_key(version))
    return version, int(stored) if stored else 0


async def rescore_everyone(
    batch_size: int = 500,
    *,
    restart: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Re-score all citizens in id order; returns how many were scored in this run."""
    rt = runtime.current()
    version, last = await resume_point(restart)
    done = 0
    while True:
        async with connection() as conn:
            ids = await store.citizen_ids_after(conn, after=last, limit=batch_size)
        if not ids:
            break
        for start in range(0, len(ids), PARALLEL):
            chunk = ids[start : start + PARALLEL]
            await asyncio.gather(*(rescore(cid, reason="full-rescore") for cid in chunk))
            if on_progress:
                on_progress(len(chunk))
        last = ids[-1]
        done += len(ids)
        await rt.redis.set(progress_key(version), str(last))
    await rt.redis.delete(progress_key(version))
    return done
