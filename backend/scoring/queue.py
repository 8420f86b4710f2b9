"""Re-scoring through the worker: the jobs that re-score, and how they are asked for.

The job id carries the citizen's change counter, so one change (a whole batch counts once) is
one job however often it is asked for, and a later change always gets a job of its own: arq
blocks a job id while it is queued or running, and a fixed id per citizen would drop a change
that lands during a run.

The need itself lives in PostgreSQL, not in the queue: a citizen whose ``change_counter`` differs
from ``scored_counter`` is behind, and the minute sweep (``scoring.jobs.rescore_behind``) finds
them by a partial index. A queue lost with Redis costs at most a minute, never a change.

The nightly re-scores the citizens whose date arrives in batch jobs (``rescore_citizens``, the
batch path of ``scoring.batch``), their ids naming the day and the citizens; every enqueue
here goes out concurrently (``enqueue_many``), not one round trip after another.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import asyncpg

from backend.platform import runtime
from backend.platform.database import connection
from backend.platform.errors import unavailable_service
from backend.platform.queue import RetryLater, enqueue, enqueue_many
from backend.scoring import batch, service, store

log = logging.getLogger("backend.scoring.queue")
ENQUEUE_CONCURRENCY = 32
DIRECT_ENQUEUE_LIMIT = 20
# Citizens per nightly batch job: big enough that the batch reads pay, small enough that a
# job's locks (every citizen of the batch, until its commit) are held well under a second
# and the worker runs several batches side by side.
DAY_BATCH = 100


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
            await enqueue(rescore_many, citizen_ids=ids)
            return len(ids)
        return await enqueue_each(ids)
    except Exception:  # the sweep repairs it; the caller's change stands
        log.warning(
            "could not enqueue re-scoring for %d citizens; the minute sweep will",
            len(ids),
            exc_info=True,
        )
        return 0


async def enqueue_each(ids: list[int]) -> int:
    """One job per citizen at its current change counter (the deduplicating job id).

    Raises when PostgreSQL or Redis fails, so a job that calls it is retried by arq."""
    async with connection() as conn:
        counters = await store.change_counters(conn, ids)
    return await enqueue_at_counters([(c.id, c.change_counter) for c in counters])


async def enqueue_at_counters(pairs: Sequence[tuple[int, int]]) -> int:
    """Enqueue ``rescore_citizen`` for (citizen, change counter) pairs. A job already queued
    under the same id is left as it is (arq refuses the duplicate); raises on failure."""
    calls = [
        (change_job_id(citizen_id, counter), {"citizen_id": citizen_id})
        for citizen_id, counter in pairs
    ]
    await enqueue_many(rescore_citizen, calls, concurrency=ENQUEUE_CONCURRENCY)
    return len(pairs)


async def enqueue_day_rescore(citizen_ids: list[int], as_of: dt.date, reason: str) -> int:
    """One job per citizen for the business day ``as_of`` (its id names the day); the job
    re-scores on the runtime clock's business date, which is that day or a later one."""
    calls = [
        (day_job_id(citizen_id, as_of), {"citizen_id": citizen_id, "reason": reason})
        for citizen_id in citizen_ids
    ]
    await enqueue_many(rescore_citizen, calls, concurrency=ENQUEUE_CONCURRENCY)
    return len(citizen_ids)


def day_batch_job_id(citizen_ids: Sequence[int], as_of: dt.date, reason: str) -> str:
    """Names the day, the reason and exactly these citizens: the same batch asked for twice
    while queued is one job."""
    digest = hashlib.blake2b(repr(list(citizen_ids)).encode(), digest_size=8).hexdigest()
    return f"{_namespace()}:rescore-batch:{as_of.isoformat()}:{reason}:{digest}"


async def enqueue_day_batches(citizen_ids: list[int], as_of: dt.date, reason: str) -> int:
    """Re-scoring for the business day ``as_of`` as ``rescore_citizens`` jobs of
    ``DAY_BATCH`` citizens each (their ids name the day); returns how many citizens."""
    ids = sorted(set(citizen_ids))
    batches = [ids[start : start + DAY_BATCH] for start in range(0, len(ids), DAY_BATCH)]
    calls = [
        (day_batch_job_id(batch, as_of, reason), {"citizen_ids": batch, "reason": reason})
        for batch in batches
    ]
    await enqueue_many(rescore_citizens, calls, concurrency=ENQUEUE_CONCURRENCY)
    return len(ids)


# --- the jobs ------------------------------------------------------------------------------


@contextmanager
def retry_on_outage(ctx: dict[str, Any], what: str) -> Iterator[None]:
    """PostgreSQL or Redis away (or a deadlock): raise arq's Retry with a growing delay, so the
    job runs again instead of finishing as if it had done its work."""
    try:
        yield
    except RetryLater:
        raise
    except Exception as exc:
        cause = _transient(exc)
        if cause is None:
            raise
        delay = min(2 ** ctx.get("job_try", 1), 60)
        log.warning("%s failed (%s: %s); retry in %s s", what, cause, exc, delay)
        raise RetryLater(defer=delay) from exc


def _transient(exc: Exception) -> str | None:
    """Why trying again later may work: a service away, a deadlock, or any network error."""
    if isinstance(exc, asyncpg.DeadlockDetectedError):
        return "deadlock"
    return unavailable_service(exc) or ("network" if isinstance(exc, OSError) else None)


async def rescore_citizen(
    ctx: dict[str, Any],
    citizen_id: int,
    reason: str = "records-changed",
    *,
    as_of: str | None = None,
) -> str:
    """Re-score one citizen on the runtime clock's business date. ``as_of`` is accepted and
    ignored: jobs queued before the one clock carried it (drop it a release later)."""
    with retry_on_outage(ctx, f"re-scoring citizen {citizen_id}"):
        outcome = await service.rescore(citizen_id, reason=reason)
        await _follow_up(citizen_id)
    return outcome.value


async def _follow_up(citizen_id: int) -> None:
    """A change that landed while this job ran moved the counter: queue its job now rather than
    at the next sweep."""
    async with connection() as conn:
        behind = await store.is_behind(conn, citizen_id)
    if behind:
        await enqueue_each([citizen_id])


async def rescore_many(ctx: dict[str, Any], citizen_ids: list[int]) -> int:
    """The fan-out of a big batch: one deduplicated job per citizen. Raises (arq retries) when
    PostgreSQL or Redis fails, instead of finishing as if every job had been queued."""
    with retry_on_outage(ctx, f"fan-out of re-scoring for {len(citizen_ids)} citizens"):
        return await enqueue_each(sorted(set(citizen_ids)))


async def rescore_citizens(
    ctx: dict[str, Any], citizen_ids: list[int], reason: str = "date-boundary"
) -> dict[str, int]:
    """Re-score a batch of citizens on the runtime clock's business date by the batch path
    (``scoring.batch``): each ends as ``rescore_citizen`` would leave them, and a second run
    changes nothing. Returns how many ended how."""
    with retry_on_outage(ctx, f"re-scoring {len(citizen_ids)} citizens"):
        outcomes = await batch.rescore_batch(citizen_ids, reason=reason)
        await _follow_up_many(sorted(outcomes))
    return dict(collections.Counter(outcome.value for outcome in outcomes.values()))


async def _follow_up_many(citizen_ids: list[int]) -> None:
    """As ``_follow_up``, for a batch: the citizens whose counter moved during the run get
    their change's job now rather than at the next sweep."""
    if not citizen_ids:
        return
    async with connection() as conn:
        behind = await store.behind_among(conn, citizen_ids)
    if behind:
        await enqueue_at_counters([(c.id, c.change_counter) for c in behind])


async def rescore_now(citizen_id: int, reason: str) -> None:
    """Re-score right after a change committed, so the card moves at once; if that fails a job
    is queued, and should that fail too the minute sweep finds the citizen behind (the change
    counter moved) and re-scores them."""
    try:
        await service.rescore(citizen_id, reason=reason)
    except Exception:
        log.warning("re-scoring citizen %s after %s failed", citizen_id, reason, exc_info=True)
        await enqueue_rescore([citizen_id])
