"""Retention of the evidence files of closed cases (issue 18).

A closed case's files are kept for the catalog's ``[evidence] retention_years`` (the version in
force today; 5 years unless it says otherwise) after the case closed, then their content is
deleted from blob storage and the rows marked purged. The row stays (name, type, size, SHA-256):
the decision and its record still say what they relied on. A content stored once for several
cases (the same file attached twice) is deleted only when no file still held uses it.

The rows are marked first, in one transaction per batch of cases, and the blobs deleted before
it commits: a crash after a deletion leaves the rows unmarked, and the next run marks them (a
missing blob is no error), so no content outlives its period unnoticed.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from backend.cases import store
from backend.cases.kinds import KINDS, CaseKind
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.clock import SHANGHAI
from backend.platform.database import connection, transaction
from backend.platform.queue import WorkerJob, scheduled
from backend.platform.storage import evidence_storage
from backend.records.catalog import catalog_set

log = logging.getLogger("backend.cases.jobs")


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def evidence_cutoff(day: dt.date) -> dt.datetime:
    """Cases closed before this instant (00:00 Asia/Shanghai, the retention's years before
    ``day``) have their files purged."""
    years = catalog_set().in_force_or_first(day).evidence_retention_years
    return dt.datetime.combine(years_before(day, years), dt.time(), tzinfo=SHANGHAI)


async def _purge_cases(kind_name: str, case_ids: list[int]) -> tuple[int, int, int]:
    """(files, blobs deleted, bytes) for one batch of closed cases of one kind."""
    storage = evidence_storage()
    async with transaction() as conn:
        purged = await store.mark_evidence_purged(conn, kind_name, case_ids)
        digests = sorted({p.sha256 for p in purged})
        held = await store.digests_still_held(conn, digests)
        blobs = [d for d in digests if d not in held and await storage.delete(d)]
    return len(purged), len(blobs), sum(p.size_bytes for p in purged)


async def _purge_kind(kind: CaseKind, cutoff: dt.datetime, batch: int) -> tuple[int, int, int]:
    async with connection() as conn:
        pending = await store.cases_with_unpurged_evidence(conn, kind.name)
        closed = [
            case_id
            for start in range(0, len(pending), batch)
            for case_id in await store.closed_before(
                conn, kind, pending[start : start + batch], cutoff
            )
        ]
    totals = (0, 0, 0)
    for start in range(0, len(closed), batch):
        done = await _purge_cases(kind.name, closed[start : start + batch])
        totals = (totals[0] + done[0], totals[1] + done[1], totals[2] + done[2])
    return totals


async def purge_closed_case_evidence(
    ctx: dict[str, Any], today: str | None = None
) -> dict[str, int]:
    """Delete the content of the evidence files of cases closed before the retention's cutoff
    and mark their rows purged; idempotent. Reports the files marked, the blobs deleted and the
    bytes the files held."""
    day = dt.date.fromisoformat(today) if today else today_in_shanghai()
    cutoff = evidence_cutoff(day)
    batch = runtime.current().settings.retention_batch_size
    report = {"files": 0, "blobs": 0, "bytes": 0}
    for kind in list(KINDS.values()):
        files, blobs, size = await _purge_kind(kind, cutoff, batch)
        report["files"] += files
        report["blobs"] += blobs
        report["bytes"] += size
    log.info("retention: evidence of cases closed before %s purged: %s", cutoff.isoformat(), report)
    return report


JOBS: list[WorkerJob] = [purge_closed_case_evidence]
CRON_JOBS: list[Any] = [
    scheduled(purge_closed_case_evidence, hour={4}, minute={10}, run_at_startup=False, unique=True),
]
