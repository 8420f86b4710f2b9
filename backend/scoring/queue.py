"""Asks the worker to re-score citizens whose records changed.

The job id carries the citizen's change counter, so one change (a whole batch counts once) is
one job however often it is asked for, and a later change always gets a job of its own: arq
blocks a job id while it is queued or running, and a fixed id per citizen would drop a change
that lands during a run.

The need itself lives in PostgreSQL, not in the queue: a citizen whose ``change_counter`` differs
from ``scored_counter`` is behind, and the minute sweep (``scoring.jobs.rescore_behind``) finds
them by a partial index. A queue lost with Redis costs at most a minute, never a change.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable, Sequence

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
    """Ask for re-scoring after a change (API side). Never raises: the records are already
    committed and the citizen's counters say the card is behind, so the minute sweep
    (``rescore_behind``) enqueues whatever this could not (e.g. while Redis is away).

    A few citizens get their jobs at once; a big batch hands the list to one ``rescore_many``
    job, so a 1,000-record request costs one enqueue and the worker does the fan-out."""
    ids = sorted(set(citizen_ids))
    if not ids:
        return 0
    try:
        if len(ids) > DIRECT_ENQUEUE_LIMIT:
            await runtime.current().arq.enqueue_job("rescore_many", ids)
            return len(ids)
        return await enqueue_each(ids)
    except Exception:  # the sweep repairs it; the caller's change stands
        log.warning(
            "could not enqueue re-scoring for %d citizens; the minute sweep will", len(ids),
            exc_info=True,
        )  # fmt: skip
        return 0


async def enqueue_each(ids: list[int]) -> int:
    """One job per citizen at its current change counter (the deduplicating job id).

    Raises when PostgreSQL or Redis fails, so a job that calls it is retried by arq."""
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT id, change_counter FROM citizen WHERE id = ANY($1::bigint[])", ids
        )
    return await enqueue_at_counters([(row["id"], row["change_counter"]) for row in rows])


async def enqueue_at_counters(pairs: Sequence[tuple[int, int]]) -> int:
    """Enqueue ``rescore_citizen`` for (citizen, change counter) pairs. A job already queued
    under the same id is left as it is (arq refuses the duplicate); raises on failure."""
    arq = runtime.current().arq
    gate = asyncio.Semaphore(ENQUEUE_CONCURRENCY)

    async def enqueue(citizen_id: int, counter: int) -> None:
        async with gate:
            await arq.enqueue_job(
                "rescore_citizen", citizen_id, _job_id=change_job_id(citizen_id, counter)
            )

    await asyncio.gather(*(enqueue(citizen_id, counter) for citizen_id, counter in pairs))
    return len(pairs)


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
