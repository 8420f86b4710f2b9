"""Push sending: claim due deliveries, send them with no transaction open, record every outcome.

Exactly once per device per event as far as our side can know, at least once across a crash:

- A claim is one short statement: due rows become ``sending`` with a lease (``not_before`` moves
  ``push_claim_seconds`` ahead) and their attempt number goes up. Parallel senders skip each
  other's rows (``FOR UPDATE SKIP LOCKED``), so no two send the same delivery.
- A sender claims at most ``push_in_flight`` rows, sends them (no transaction open, not inside
  an arq job whose timeout could cancel it half-way), then records each outcome in one
  statement that only touches rows it still holds (same attempt, still ``sending``).
- It keeps ``push_concurrency`` such batches going at once, ``push_in_flight`` split among them
  (:func:`batch_sizes`): while one batch waits for PostgreSQL another is at FCM, and what is in
  flight at once, hence what a crash may send twice, stays ``push_in_flight``.
- A sender that dies mid-send leaves its rows ``sending``; when the lease ends another sender
  takes them again and counts each in ``reclaimed``: those, and only those, may reach a phone
  twice, bounded by ``push_in_flight``. The collapse key and Android tag make the second copy
  replace the first on the phone.
- Dead tokens are pruned in their own short statements after the outcomes are recorded; a
  delivery whose device is gone or changed hands is closed, never left pending.
- Retryable failures wait (FCM's ``Retry-After``, else exponential backoff with jitter) and are
  re-driven until ``push_delivery_deadline_hours`` after the event, then marked ``expired``.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
import random
import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from backend.notifications import store
from backend.notifications.push import PushMessage, PushResult
from backend.platform import runtime
from backend.platform.database import connection
from backend.platform.metrics import PUSH_RESULTS

log = logging.getLogger("backend.notifications.sending")
DATABASE_AWAY = (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)

# The claimed deliveries stay raw asyncpg rows, read by name below: sending is measured
# (benchmarks/bench_push.py) and a Struct per row would cost about as much as fetching it.


def _push_message(row: Any) -> PushMessage:
    return PushMessage(
        token=row["token"],
        title=row["title"],
        body=row["body"],
        data={
            "kind": row["kind"],
            "notificationId": str(row["notification"]),
            "eventId": str(row["event_id"]),
        },
        collapse_key=f"citizen-{row['citizen']}",
    )


def backoff(attempts: int, retry_after: float | None, cap_seconds: int) -> dt.timedelta:
    """Exponential backoff with jitter, never sooner than FCM's ``Retry-After``."""
    exponential = min(float(cap_seconds), 2.0 ** min(attempts, 30))
    delay = random.uniform(exponential / 2, exponential)  # jitter, not secrecy
    return dt.timedelta(seconds=max(delay, retry_after or 0.0))


class _Outcomes:
    """Column arrays for one recording statement."""

    def __init__(self) -> None:
        self.columns: tuple[list[Any], ...] = ([], [], [], [], [], [], [])

    def add(
        self,
        row: Any,
        status: str,
        *,
        not_before: dt.datetime | None = None,
        message_id: str | None = None,
        sent_at: dt.datetime | None = None,
        error: str | None = None,
    ) -> None:
        values = (row["id"], row["attempts"], status, not_before, message_id, sent_at, error)
        for column, value in zip(self.columns, values, strict=True):
            column.append(value)

    async def write(self) -> None:
        """Record the outcomes; while PostgreSQL is away, keep trying until just before the
        claim runs out: FCM has answered, and giving up now would send these again."""
        if not self.columns[0]:
            return
        give_up = time.monotonic() + runtime.current().settings.push_claim_seconds * 0.8
        pause = 0.25
        while True:
            try:
                async with connection() as conn:
                    await store.record_outcomes(conn, self.columns)
                return
            except DATABASE_AWAY as exc:
                if time.monotonic() + pause > give_up:
                    log.error("could not record %d push outcomes: %s", len(self.columns[0]), exc)
                    raise
                log.warning("PostgreSQL away while recording push outcomes; retrying: %s", exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)


def _retry_or_expire(
    outcomes: _Outcomes, row: Any, result: PushResult, now: dt.datetime, deadline: dt.timedelta
) -> None:
    settings = runtime.current().settings
    wait = backoff(row["attempts"], result.retry_after, settings.push_backoff_max_seconds)
    if now + wait > row["created_at"] + deadline:
        outcomes.add(row, "expired", error=f"delivery deadline passed; last: {result.error}")
    else:
        outcomes.add(row, "pending", not_before=now + wait, error=result.error)


def _classify(
    rows: Sequence[Any], results: Sequence[PushResult], now: dt.datetime, deadline: dt.timedelta
) -> tuple[_Outcomes, set[int]]:
    outcomes, dead_devices = _Outcomes(), set()
    for row, result in zip(rows, results, strict=True):
        if result.outcome in ("sent", "skipped"):
            outcomes.add(
                row,
                result.outcome,
                message_id=result.message_id,
                sent_at=now,
                error=result.error,
            )
        elif result.outcome == "invalid-token":
            outcomes.add(row, "pruned", error=result.error)
            dead_devices.add(row["device"])
        elif result.outcome == "retry":
            _retry_or_expire(outcomes, row, result, now, deadline)
        else:
            outcomes.add(row, "failed", error=result.error)
    return outcomes, dead_devices


def _count(results: Sequence[PushResult]) -> None:
    """ccc_push_results_total{outcome}: what FCM answered (sent, retry, invalid-token, ...)."""
    for outcome, n in collections.Counter(result.outcome for result in results).items():
        PUSH_RESULTS.labels(outcome=outcome).inc(n)


async def prune_device(device_id: int, reason: str | None) -> None:
    """Firebase says the token is dead: forget the device and close what is queued for it.
    Two single statements, each its own transaction: nothing waits on another sender's rows."""
    async with connection() as conn:
        await store.delete_device(conn, device_id)
        await store.close_pending_deliveries(
            conn, device_id, f"device token no longer valid: {reason}"
        )
    log.info("pruned FCM token of device %s: %s", device_id, reason)


async def _claim(now: dt.datetime, limit: int) -> list[asyncpg.Record]:
    lease = now + dt.timedelta(seconds=runtime.current().settings.push_claim_seconds)
    async with connection() as conn:
        rows = await store.claim_due_deliveries(conn, now, limit, lease_until=lease)
    reclaimed = sum(1 for row in rows if row["was"] == "sending")
    if reclaimed:
        log.warning(
            "%d push deliveries were in flight when their sender stopped; sending them again"
            " (each may reach the phone twice, collapsed there by its key)",
            reclaimed,
        )
    return rows


def batch_sizes(in_flight: int, concurrency: int) -> list[int]:
    """``in_flight`` split into ``concurrency`` batches (fewer if there are too few to split)."""
    lanes = max(1, min(concurrency, in_flight))
    return [in_flight // lanes + (1 if n < in_flight % lanes else 0) for n in range(lanes)]


async def send_once(now: dt.datetime | None = None) -> int:
    """Claim, send and record due pushes, ``push_concurrency`` batches at once; returns how
    many were claimed. A batch that fails does not cancel the others: every batch's answers
    are recorded (cancelling one half-way would send it again), then the first error is raised."""
    settings = runtime.current().settings
    sizes = batch_sizes(settings.push_in_flight, settings.push_concurrency)
    claimed = await asyncio.gather(
        *(send_batch(size, now) for size in sizes), return_exceptions=True
    )
    for result in claimed:
        if isinstance(result, BaseException):
            raise result
    return sum(n for n in claimed if isinstance(n, int))


async def send_batch(limit: int, now: dt.datetime | None = None) -> int:
    """Claim, send and record one batch of at most ``limit`` due pushes; returns how many were
    claimed."""
    moment = now or dt.datetime.now(dt.UTC)
    deadline = dt.timedelta(hours=runtime.current().settings.push_delivery_deadline_hours)
    rows = await _claim(moment, limit)
    if not rows:
        return 0
    live = await _close_unsendable(rows, moment, deadline)
    if live:
        await _send_and_record(live, moment if now is not None else None, deadline)
    return len(rows)


async def _close_unsendable(
    rows: Sequence[Any], now: dt.datetime, deadline: dt.timedelta
) -> list[Any]:
    """Record the rows that will never be sent (device gone, deadline passed); return the rest."""
    closed = _Outcomes()
    live = []
    for row in rows:
        if row["token"] is None:
            closed.add(row, "pruned", error="device removed or moved to another account")
        elif row["created_at"] + deadline <= now:
            closed.add(row, "expired", error="delivery deadline passed before sending")
        else:
            live.append(row)
    await closed.write()
    return live


async def _send_and_record(
    live: list[Any], fixed_now: dt.datetime | None, deadline: dt.timedelta
) -> None:
    """Send, record every outcome, then prune the devices FCM called dead. ``fixed_now``: the
    caller's clock (tests); None: the time FCM answered."""
    results = await runtime.current().push.send([_push_message(row) for row in live])
    _count(results)
    sent_at = fixed_now or dt.datetime.now(dt.UTC)
    outcomes, dead_devices = _classify(live, results, sent_at, deadline)
    await outcomes.write()
    errors = {row["device"]: r.error for row, r in zip(live, results, strict=True)}
    for device_id in sorted(dead_devices):
        await prune_device(device_id, errors.get(device_id))
