"""The SQL of the exchange: the unanswered events in id order with their person, the outcome of
each batch, and the counts the office reads."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.platform.rows import Connection, row_as, rows_as

OPEN = "('pending', 'sent')"


class OutgoingRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    subject: int
    created_at: dt.datetime
    payload: str
    attempts: int
    due: bool
    citizen_name: str
    id_number_encrypted: bytes


async def unanswered(conn: Connection, limit: int) -> list[OutgoingRow]:
    """The oldest events not yet answered (never sent, failed, or sent by a sender that died
    before the answer), in id order. No cursor: an event committed late, with a lower id than
    one already acknowledged, is still found."""
    rows = await conn.fetch(
        "SELECT e.id, e.kind, e.subject, e.created_at, e.payload::text AS payload, e.attempts,"
        " e.next_attempt_at <= now() AS due, c.name AS citizen_name, c.id_number_encrypted"
        f" FROM exchange_event e JOIN citizen c ON c.id = e.citizen WHERE e.status IN {OPEN}"
        " ORDER BY e.id LIMIT $1",
        limit,
    )
    return rows_as(OutgoingRow, rows)


async def mark_sent(conn: Connection, ids: list[int], batch: str) -> None:
    await conn.execute(
        "UPDATE exchange_event SET status = 'sent', batch = $2, sent_at = now(),"
        f" attempts = attempts + 1 WHERE id = ANY($1::bigint[]) AND status IN {OPEN}",
        ids,
        batch,
    )


async def acknowledge(conn: Connection, ids: list[int]) -> int:
    status = await conn.execute(
        "UPDATE exchange_event SET status = 'acknowledged', acknowledged_at = now(),"
        f" last_error = NULL WHERE id = ANY($1::bigint[]) AND status IN {OPEN}",
        ids,
    )
    return int(status.split()[-1])


async def reject(conn: Connection, reasons: dict[int, str]) -> int:
    status = await conn.execute(
        "UPDATE exchange_event e SET status = 'rejected', acknowledged_at = now(),"
        " rejection_reason = r.reason, last_error = NULL"
        " FROM unnest($1::bigint[], $2::text[]) AS r (id, reason)"
        f" WHERE e.id = r.id AND e.status IN {OPEN}",
        list(reasons),
        [reason[:500] for reason in reasons.values()],
    )
    return int(status.split()[-1])


async def retry_later(conn: Connection, ids: list[int], error: str, max_backoff: float) -> None:
    """Back to pending, each after 2^attempts seconds (capped): sent again from then on."""
    await conn.execute(
        "UPDATE exchange_event SET status = 'pending', last_error = $2,"
        " next_attempt_at = now() + make_interval(secs => least(power(2, greatest(attempts, 1)),"
        f" $3::float8)) WHERE id = ANY($1::bigint[]) AND status IN {OPEN}",
        ids,
        error[:500],
        max_backoff,
    )


class Counts(msgspec.Struct, frozen=True, kw_only=True):
    pending: int
    sent: int
    acknowledged: int
    rejected: int
    retrying: int
    oldest_unacknowledged_at: dt.datetime | None
    oldest_age_seconds: float | None
    last_batch_at: dt.datetime | None


async def counts(conn: Connection) -> Counts:
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'pending') AS pending,"
        " count(*) FILTER (WHERE status = 'sent') AS sent,"
        " count(*) FILTER (WHERE status = 'acknowledged') AS acknowledged,"
        " count(*) FILTER (WHERE status = 'rejected') AS rejected,"
        " count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS retrying,"
        f" min(created_at) FILTER (WHERE status IN {OPEN}) AS oldest_unacknowledged_at,"
        " extract(epoch FROM now() - min(created_at) FILTER (WHERE status IN"
        f" {OPEN}))::float8 AS oldest_age_seconds,"
        " max(acknowledged_at) AS last_batch_at FROM exchange_event"
    )
    found = row_as(Counts, row)
    assert found is not None  # an aggregate always answers one row
    return found


async def last_error(conn: Connection) -> str | None:
    found: str | None = await conn.fetchval(
        f"SELECT last_error FROM exchange_event WHERE status IN {OPEN}"
        " AND last_error IS NOT NULL ORDER BY id LIMIT 1"
    )
    return found


class RejectionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    subject: int
    rejection_reason: str | None
    acknowledged_at: dt.datetime


async def latest_rejections(conn: Connection, limit: int) -> list[RejectionRow]:
    rows = await conn.fetch(
        "SELECT id, kind, subject, rejection_reason, acknowledged_at FROM exchange_event"
        " WHERE status = 'rejected' ORDER BY acknowledged_at DESC, id DESC LIMIT $1",
        limit,
    )
    return rows_as(RejectionRow, rows)
