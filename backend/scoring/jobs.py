"""Worker jobs: re-score one citizen (the job and its enqueueing live in ``scoring.queue``);
every minute, re-score the citizens whose card is behind their records (``change_counter <>
scored_counter``, a partial index), so a job lost with Redis or never enqueued is repaired
within a minute; every night, re-score exactly the citizens whose card changes with the date
(found by the indexed ``next_change_on``; in batch jobs, ``scoring.batch``) or whose rules
version is out of date. Jobs raise ``RetryLater`` while PostgreSQL or Redis is away."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.queue import WorkerJob, job, scheduled
from backend.scoring import store
from backend.scoring.queue import (
    enqueue_at_counters,
    enqueue_day_batches,
    enqueue_day_rescore,
    rescore_citizen,
    rescore_citizens,
    rescore_many,
)
from backend.scoring.statistics import compute_percentiles, refresh_card_percentiles

log = logging.getLogger("backend.scoring.jobs")
NIGHTLY_BATCH = 1000
SWEEP_PAGE = 1000
# Per sweep run: one minute's worth of enqueues; a bigger backlog is paged over the next runs.
SWEEP_LIMIT = 20_000


async def enqueue_behind(limit: int = SWEEP_LIMIT, *, page: int = SWEEP_PAGE) -> int:
    """Enqueue one job per citizen whose card is behind their records, in id order, at most
    ``limit``. A citizen already queued at that counter keeps its one job (same job id)."""
    found, last = 0, 0
    while found < limit:
        async with connection() as conn:
            behind = await store.citizens_behind(conn, after=last, limit=min(page, limit - found))
        if not behind:
            break
        await enqueue_at_counters([(c.id, c.change_counter) for c in behind])
        found += len(behind)
        last = behind[-1].id
    return found


async def rescore_behind(ctx: dict[str, Any]) -> int:
    """Every minute: re-score the citizens whose change was never scored (a job lost with Redis,
    an enqueue that failed, a job that ran out of tries). Nothing behind costs one index probe."""
    behind = await enqueue_behind()
    if behind:
        log.info("%d citizens behind their records: re-scoring enqueued", behind)
    return behind


CardsPage = Callable[[int], Awaitable[list[int]]]  # the citizens after an id, in id order
# Enqueues the day's re-scoring of these citizens for a reason; returns how many citizens.
DayEnqueue = Callable[[list[int], dt.date, str], Awaitable[int]]


async def _enqueue_pages(
    next_page: CardsPage, day: dt.date, reason: str, enqueue_page: DayEnqueue
) -> int:
    """Enqueue the day's re-scoring of every citizen ``next_page`` finds, page by page."""
    enqueued, last = 0, 0
    while batch := await next_page(last):
        enqueued += await enqueue_page(batch, day, reason)
        last = batch[-1]
    return enqueued


async def nightly_rescore(ctx: dict[str, Any], as_of: str | None = None) -> dict[str, int]:
    """Enqueue re-scoring for the citizens whose card changes today, the business date of the
    runtime clock (a display period ends, repair becomes possible, a badge date or three clean
    years arrive) and, on the day a new rules version takes effect, for everyone still on an
    older version. ``as_of`` is accepted and ignored: jobs queued before the one clock carried
    it (drop it a release later)."""
    day = today_in_shanghai()
    version = runtime.current().rules.in_force(day).version

    async def due_cards(after: int) -> list[int]:
        async with connection() as conn:
            return await store.cards_due(conn, by=day, after=after, limit=NIGHTLY_BATCH)

    async def cards_on_older_rules(after: int) -> list[int]:
        async with connection() as conn:
            return await store.cards_on_other_rules(
                conn, version=version, after=after, limit=NIGHTLY_BATCH
            )

    # The due citizens in batch jobs (the batch path, as rescore-all). Those on older rules
    # keep a job each: on a rules-change day that is everyone, and ``rescore-all`` is the tool.
    due = await _enqueue_pages(due_cards, day, "date-boundary", enqueue_day_batches)
    outdated = await _enqueue_pages(cards_on_older_rules, day, "rules-version", enqueue_day_rescore)
    behind = await enqueue_behind()
    log.info(
        "nightly re-scoring for %s: %d due, %d on older rules, %d behind",
        day,
        due,
        outdated,
        behind,
    )
    return {"due": due, "rulesVersion": outdated, "behind": behind}


async def nightly_statistics(ctx: dict[str, Any], as_of: str | None = None) -> int:
    """Rank every scored citizen on the runtime clock's business date, then put the new
    percentiles on their cards; returns how many citizens were ranked. ``as_of`` as in
    ``nightly_rescore``."""
    day = today_in_shanghai()
    ranked = await compute_percentiles(day)
    refreshed = await refresh_card_percentiles()
    log.info("percentiles for %s: %d citizens ranked, %d cards updated", day, ranked, refreshed)
    return ranked


JOBS: list[WorkerJob] = [
    # keep_result=0: a finished re-score must not block its job id (see scoring.queue).
    job(rescore_citizen, keep_result=0, max_tries=8),
    nightly_rescore,
    nightly_statistics,
    job(rescore_many, max_tries=8),
    # keep_result=0 as for rescore_citizen: a finished batch must not block its id.
    job(rescore_citizens, keep_result=0, max_tries=8),
]
CRON_JOBS: list[Any] = [
    # At startup too: a worker coming back after an outage repairs at once, not a minute later.
    scheduled(rescore_behind, second={30}, run_at_startup=True, unique=True, timeout=120),
    scheduled(nightly_rescore, hour={0}, minute={5}, run_at_startup=False, unique=True),
    scheduled(nightly_statistics, hour={2}, minute={0}, run_at_startup=False, unique=True),
]
