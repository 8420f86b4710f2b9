"""Worker jobs of the records: the follow-up of each ingested batch (批量报送的后续处理).

A batch's request stores the records, their audit entries and one ``ingest_follow_up`` row, in
one transaction; the follow-up writes each record's exchange event (to the provincial platform)
and moves each citizen's change counter, then asks for their re-scoring. Nothing the department
is answered with depends on that work, so it runs here, after the request (issue 17: ingest
measured in benchmarks/bench_ingest.py). The row makes it certain: the job enqueued after the
request runs it at once, and a minute sweep runs whatever was never enqueued or lost with Redis.
Running a follow-up deletes its row in the same transaction, so it runs once.
"""

from __future__ import annotations

import logging
from typing import Any

from backend.platform import runtime
from backend.platform.database import transaction
from backend.platform.queue import WorkerJob, enqueue, job, scheduled
from backend.records import store
from backend.scoring.queue import enqueue_rescore

log = logging.getLogger("backend.records.jobs")
FOLLOW_UP_PAGE = 20  # follow-ups per transaction: up to 20 batches of records


async def run_follow_ups(*, only: list[int] | None = None, page: int = FOLLOW_UP_PAGE) -> int:
    """Run the pending follow-ups (of ``only``, when given), ``page`` to a transaction, each
    page then asking for its citizens' re-scoring (which tells each citizen of a new record
    with the points it moved). One that another transaction is running is skipped: it is
    being done. Returns how many ran."""
    ran = 0
    while True:
        async with transaction() as conn:
            ids = await store.pending_follow_ups(conn, limit=page, only=only)
            citizens = await store.run_follow_ups(conn, ids)
        await enqueue_rescore(citizens)
        ran += len(ids)
        if len(ids) < page:
            return ran


async def follow_up_ingested(ctx: dict[str, Any], follow_up: int) -> int:
    """The follow-up of one ingested batch, enqueued by its request; 0 when already run."""
    return await run_follow_ups(only=[follow_up])


async def follow_up_sweep(ctx: dict[str, Any]) -> int:
    """Every minute: run the follow-ups no job ran (an enqueue that failed, Redis lost)."""
    ran = await run_follow_ups()
    if ran:
        log.info("ran %d pending follow-ups of ingested batches", ran)
    return ran


async def enqueue_follow_up(follow_up: int) -> None:
    """Ask the worker to run a batch's follow-up now (API side, after the commit). Never
    raises: the row is committed, and the minute sweep runs what this could not enqueue."""
    try:
        # The namespace: one Redis may serve several deployments (and test runs), whose
        # follow-ups are numbered alike.
        namespace = runtime.current().settings.redis_namespace
        await enqueue(follow_up_ingested, follow_up, job_id=f"{namespace}:follow-up:{follow_up}")
    except Exception:  # the sweep runs it; the department's batch stands
        log.warning(
            "could not enqueue follow-up %d; the minute sweep will", follow_up, exc_info=True
        )


JOBS: list[WorkerJob] = [job(follow_up_ingested, keep_result=0, max_tries=8), follow_up_sweep]
CRON_JOBS: list[Any] = [
    scheduled(follow_up_sweep, second={15}, run_at_startup=True, unique=True, timeout=120),
]
