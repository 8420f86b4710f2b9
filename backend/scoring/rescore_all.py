"""Re-score every citizen (``python -m backend rescore-all``, after a rules change or to repair
drift) by the batch path (``scoring.batch``): a batch of citizens in id order at a time,
resumable exactly as ``scoring.bulk`` (the same progress key per rules version, saved after
each batch, deleted at the end).

While one batch is compared and written, the records of the next are already read and
assessed: the reads of one and the writes of the other overlap on the database. A batch read
ahead of its write is as a per-citizen run whose lock took a while: its counters were read
before its records, so a change landing in between leaves the citizen behind, never lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import NamedTuple

import asyncpg

from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.metrics import RESCORES
from backend.scoring import store
from backend.scoring.batch import Assessed, assess_batch, write_batch
from backend.scoring.bulk import progress_key, resume_point

log = logging.getLogger("backend.scoring.rescore_all")
REASON = "full-rescore"
BATCH_SIZE = 500
DEADLOCK_TRIES = 3


class Batch(NamedTuple):
    ids: list[int]
    as_of: dt.date  # the business date of its read, as ``service.rescore`` takes it per run
    assessed: Assessed


async def _read_after(after: int, limit: int) -> Batch:
    """The next batch of citizens after ``after``, with their fresh assessments."""
    as_of = today_in_shanghai()
    async with connection() as conn:
        ids = await store.citizen_ids_after(conn, after=after, limit=limit)
    return Batch(ids, as_of, await assess_batch(ids, as_of) if ids else {})


async def _write(batch: Batch) -> None:
    """Write one batch. Its citizen rows are updated in one statement, as ingest updates its
    own: should the two deadlock, PostgreSQL aborts one, and this batch is read and written
    again (it is idempotent)."""
    RESCORES.labels(reason=REASON).inc(len(batch.ids))
    assessed = batch.assessed
    for attempt in range(1, DEADLOCK_TRIES + 1):
        try:
            await write_batch(assessed, batch.as_of, REASON)
            return
        except asyncpg.DeadlockDetectedError:
            if attempt == DEADLOCK_TRIES:
                raise
            log.warning("re-scoring from citizen %s deadlocked; again", batch.ids[0])
            assessed = await assess_batch(batch.ids, batch.as_of)


async def rescore_everyone(
    batch_size: int = BATCH_SIZE,
    *,
    restart: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Re-score all citizens in id order; returns how many were scored in this run."""
    rt = runtime.current()
    version, last = await resume_point(restart)
    done = 0
    ahead = asyncio.create_task(_read_after(last, batch_size))
    try:
        while (batch := await ahead).ids:
            ahead = asyncio.create_task(_read_after(batch.ids[-1], batch_size))
            await _write(batch)
            last = batch.ids[-1]
            done += len(batch.ids)
            await rt.redis.set(progress_key(version), str(last))
            if on_progress:
                on_progress(len(batch.ids))
    finally:
        ahead.cancel()
    await rt.redis.delete(progress_key(version))
    return done
