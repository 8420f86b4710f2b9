"""arq jobs: re-score one citizen; every night, re-score exactly the citizens whose card changes
with the date (found by the indexed ``next_change_on``) or whose rules version is out of date."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import asyncpg
from arq import Retry, cron, func

from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.scoring import service
from backend.scoring.queue import enqueue_day_rescore, enqueue_each, enqueue_rescore
from backend.scoring.statistics import compute_percentiles

log = logging.getLogger("backend.scoring.jobs")
NIGHTLY_BATCH = 1000


async def rescore_citizen(
    ctx: dict[str, Any],
    citizen_id: int,
    as_of: str | None = None,
    reason: str = "records-changed",
) -> str:
    day = dt.date.fromisoformat(as_of) if as_of else None
    try:
        outcome = await service.rescore(citizen_id, as_of=day, reason=reason)
    except (OSError, asyncpg.PostgresConnectionError, asyncpg.DeadlockDetectedError) as exc:
        delay = min(2 ** ctx.get("job_try", 1), 60)
        log.warning("re-scoring citizen %s failed (%s); retry in %s s", citizen_id, exc, delay)
        raise Retry(defer=delay) from exc
    await _follow_up(citizen_id)
    return outcome.value


async def _follow_up(citizen_id: int) -> None:
    """A change that landed while this job ran moved the counter: make sure it is scored."""
    async with connection() as conn:
        row = await conn.fetchrow(
            "SELECT c.change_counter, k.scored_counter FROM citizen c"
            " LEFT JOIN credit_card k ON k.citizen = c.id WHERE c.id = $1",
            citizen_id,
        )
    if row is not None and row["change_counter"] != row["scored_counter"]:
        await enqueue_rescore([citizen_id])


async def _ids(sql: str, *args: Any) -> list[int]:
    async with connection() as conn:
        return [row[0] for row in await conn.fetch(sql, *args)]


async def nightly_rescore(ctx: dict[str, Any], as_of: str | None = None) -> dict[str, int]:
    """Enqueue re-scoring for the citizens whose card changes today (a display period ends,
    repair becomes possible, a badge date or three clean years arrive) and, on the day a new
    rules version takes effect, for everyone still on an older version."""
    day = dt.date.fromisoformat(as_of) if as_of else today_in_shanghai()
    version = runtime.current().rules.in_force(day).version
    due, outdated, last = 0, 0, 0
    while True:
        batch = await _ids(
            "SELECT citizen FROM credit_card WHERE next_change_on <= $1 AND citizen > $2"
            " ORDER BY citizen LIMIT $3",
            day,
            last,
            NIGHTLY_BATCH,
        )
        if not batch:
            break
        due += await enqueue_day_rescore(batch, day, "date-boundary")
        last = batch[-1]
    last = 0
    while True:
        batch = await _ids(
            "SELECT citizen FROM credit_card WHERE rules_version <> $1 AND citizen > $2"
            " ORDER BY citizen LIMIT $3",
            version,
            last,
            NIGHTLY_BATCH,
        )
        if not batch:
            break
        outdated += await enqueue_day_rescore(batch, day, "rules-version")
        last = batch[-1]
    behind = await _ids(
        "SELECT c.id FROM citizen c LEFT JOIN credit_card k ON k.citizen = c.id"
        " WHERE c.change_counter > 0"
        " AND (k.citizen IS NULL OR k.scored_counter <> c.change_counter)"
    )
    if behind:
        await enqueue_each(behind)
    log.info(
        "nightly re-scoring for %s: %d due, %d on older rules, %d behind",
        day, due, outdated, len(behind),
    )  # fmt: skip
    return {"due": due, "rulesVersion": outdated, "behind": len(behind)}


async def rescore_many(ctx: dict[str, Any], citizen_ids: list[int]) -> int:
    """The fan-out of a big batch: one deduplicated job per citizen."""
    return await enqueue_each(sorted(set(citizen_ids)))


async def nightly_statistics(ctx: dict[str, Any], as_of: str | None = None) -> int:
    day = dt.date.fromisoformat(as_of) if as_of else today_in_shanghai()
    return await compute_percentiles(day)


JOBS: list[Any] = [
    # keep_result=0: a finished re-score must not block its job id (see scoring.queue).
    func(rescore_citizen, keep_result=0, max_tries=8),
    nightly_rescore,
    nightly_statistics,
    rescore_many,
]
CRON_JOBS: list[Any] = [
    cron(nightly_rescore, hour={0}, minute={5}, run_at_startup=False, unique=True),
    cron(nightly_statistics, hour={2}, minute={0}, run_at_startup=False, unique=True),
]
