"""Asks the worker to re-score citizens whose records changed.

The job id carries the citizen's change counter, so one change (a whole batch counts once) is
one job however often it is asked for, and a later change always gets a job of its own: arq
blocks a job id while it is queued or running, and a fixed id per citizen would drop a change
that lands during a run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from backend.platform import runtime
from backend.platform.database import connection

log = logging.getLogger("backend.scoring.queue")


def _namespace() -> str:
    return runtime.current().settings.redis_namespace


def change_job_id(citizen_id: int, counter: int) -> str:
    return f"{_namespace()}:rescore:{citizen_id}:{counter}"


def day_job_id(citizen_id: int, as_of: dt.date) -> str:
    return f"{_namespace()}:rescore:{citizen_id}:day:{as_of.isoformat()}"


async def enqueue_rescore(citizen_ids: Iterable[int]) -> int:
    """Enqueue one job per citizen at its current change counter. Never raises: the records are
    already committed, and the nightly job catches up with any citizen left behind."""
    ids = sorted(set(citizen_ids))
    if not ids:
        return 0
    try:
        async with connection() as conn:
            rows = await conn.fetch(
                "SELECT id, change_counter FROM citizen WHERE id = ANY($1::bigint[])", ids
            )
        arq = runtime.current().arq
        for row in rows:
            await arq.enqueue_job(
                "rescore_citizen",
                row["id"],
                _job_id=change_job_id(row["id"], row["change_counter"]),
            )
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
