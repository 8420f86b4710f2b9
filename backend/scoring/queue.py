"""Asks the worker to re-score citizens whose records changed.

The job id carries the citizen's change counter, so one change (a whole batch counts once) is
one job however often it is asked for, and a later change always gets a job of its own: arq
blocks a job id while it is queued or running, and a fixed id per citizen would drop a change
that lands during a run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from backend.platform import runtime
from backend.platform.database import connection

log = logging.getLogger("backend.scoring.queue")
ENQUEUE_CONCURRENCY = 32
DIRECT_ENQUEUE_LIMIT = 20


def _namespace() -> str:
    return runtime.current().settings.redis_namespace


def change_job_id(citizen_id: int, counter: int) -> str:
    return f"{_namespace()}:rescore:{citizen_id}:{counter}"


def day_job_id(citizen_id: int, as_of: dt.date) -> str:
    return f"{_namespace()}:rescore:{citizen_id}:day:{as_of.isoformat()}"


async def enqueue_rescore(citizen_ids: Iterable[int]) -> int:
    """Ask for re-scoring after a change. Never raises: the records are already committed, and
    the nightly job catches up with any citizen left behind (e.g. while Redis was away).

    A few citizens get their jobs at once; a big batch hands the list to one ``rescore_many``
    job, so a 1,000-record request costs one enqueue and the worker does the fan-out."""
    ids = sorted(set(citizen_ids))
    if not ids:
        return 0
    if len(ids) > DIRECT_ENQUEUE_LIMIT:
        try:
            await runtime.current().arq.enqueue_job("rescore_many", ids)
        except Exception:
            log.warning("could not enqueue re-scoring for %d citizens", len(ids), exc_info=True)
            return 0
        return len(ids)
    return await enqueue_each(ids)


async def enqueue_each(ids: list[int]) -> int:
    """One job per citizen at its current change counter (the deduplicating job id)."""
    try:
        async with connection() as conn:
            rows = await conn.fetch(
                "SELECT id, change_counter FROM citizen WHERE id = ANY($1::bigint[])", ids
            )
        arq = runtime.current().arq
        gate = asyncio.Semaphore(ENQUEUE_CONCURRENCY)

        async def enqueue(row: Any) -> None:
            async with gate:
                await arq.enqueue_job(
                    "rescore_citizen",
                    row["id"],
                    _job_id=change_job_id(row["id"], row["change_counter"]),
                )

        await asyncio.gather(*(enqueue(row) for row in rows))
    except Exception:
        log.warning("could not enqueue re-scoring for %d citizens", len(ids), exc_info=True)
        return 0
    return len(rows)


async def enqueue_day_rescore(citizen_ids: list[int], as_of: dt.date, reason: str) -> int:
    arq = runtime.current().arq
    for citizen_id in citizen_ids:
        await arq.enqueue_job(
            "rescore_citizen",
            citizen_id,
            as_of.isoformat(),
            reason,
            _job_id=day_job_id(citizen_id, as_of),
        )
    return len(citizen_ids)
