"""The SQL of notifications: the outbox, the inbox, push deliveries, devices and preferences, and
what the relay and the monthly card read of other domains' tables. Every function takes the
connection its caller opened; the services decide the transactions.

Delivery is measured (benchmarks/bench_push.py): the relay's batch of events and the sender's
claimed deliveries stay raw asyncpg rows, read by name where they are used. Turning each into a
Struct costs about as much as fetching it (some 3 µs a row), for rows read once and passed on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import asyncpg
import msgspec

from backend.platform.rows import Connection, RowT, affected, columns, row_as, rows_as

# --- the outbox ---------------------------------------------------------------------------------


# The outbox is partitioned by month, and a unique key of a partitioned table holds within one
# month only; the dedupe keys are kept apart, in the unpartitioned ``outbox_dedupe``, so a change
# retried months later still writes no second event (even after its month is dropped).
_INSERT_EVENT = (
    "WITH fresh AS (INSERT INTO outbox_dedupe (citizen, dedupe_key)"
    " SELECT $1, $4::varchar WHERE $4::varchar IS NOT NULL ON CONFLICT DO NOTHING RETURNING 1)"
    " INSERT INTO outbox_event (citizen, kind, payload, dedupe_key, created_at)"
    " SELECT $1, $2, $3::jsonb, $4::varchar, now()"
    " WHERE $4::varchar IS NULL OR EXISTS (SELECT FROM fresh)"
)


async def insert_event(
    conn: Connection, citizen_id: int, kind: str, payload_json: str, *, dedupe_key: str | None
) -> None:
    """One event; nothing when the citizen's ``dedupe_key`` was written before."""
    await conn.execute(_INSERT_EVENT, citizen_id, kind, payload_json, dedupe_key)


async def undelivered_events(conn: Connection, limit: int) -> list[asyncpg.Record]:
    """The oldest events not yet relayed, locked for this relay (others skip them), each with
    its citizen's language (None: no account). Raw rows (see the module doc): ``id``,
    ``citizen``, ``kind``, ``payload`` (JSON text), ``language``."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT e.id, e.citizen, e.kind, e.payload, a.language FROM outbox_event e"
        " LEFT JOIN citizen_account a ON a.citizen = e.citizen"
        " WHERE e.delivered_at IS NULL ORDER BY e.id LIMIT $1 FOR UPDATE OF e SKIP LOCKED",
        limit,
    )
    return rows


async def mark_delivered(conn: Connection, event_ids: list[int], at: dt.datetime) -> None:
    """The events are this relay's, locked and undelivered: saying so lets each month find them
    by its small index of pending events (the primary key starts with the citizen)."""
    await conn.execute(
        "UPDATE outbox_event SET delivered_at = $2"
        " WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL",
        event_ids,
        at,
    )


# --- the inbox ----------------------------------------------------------------------------------


class NotificationRow(msgspec.Struct, frozen=True, kw_only=True):
    """One inbox notification; ``data`` is the event's payload as JSON text."""

    id: int
    kind: str
    category: str
    legal: bool
    title: str
    body: str
    data: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NewNotification(msgspec.Struct, frozen=True, kw_only=True):
    """An event rendered for the inbox, in the citizen's language."""

    event_id: int
    citizen: int
    kind: str
    category: str
    legal: bool
    title: str
    body: str
    data: str  # the event's payload, JSON text
    created_at: dt.datetime  # stored only for an event gone from the outbox: see below


# The inbox is partitioned by month of ``created_at``, and its unique key must hold the month:
# an inbox row is dated with its event's time (``$9`` only for an event no longer in the outbox),
# so every retry of one event computes the same key and finds the row it wrote.
_INSERT_NOTIFICATION = (
    "INSERT INTO notification (event_id, citizen, kind, category, legal, title, body, data,"
    " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, coalesce((SELECT e.created_at"
    " FROM outbox_event e WHERE e.citizen = $2 AND e.id = $1), $9))"
    " ON CONFLICT (citizen, event_id, created_at) DO NOTHING RETURNING id"
)


async def insert_notification(conn: Connection, notification: NewNotification) -> int | None:
    """The new notification's id; None when its event already has one."""
    notification_id: int | None = await conn.fetchval(
        _INSERT_NOTIFICATION,
        notification.event_id,
        notification.citizen,
        notification.kind,
        notification.category,
        notification.legal,
        notification.title,
        notification.body,
        notification.data,
        notification.created_at,
    )
    return notification_id


async def inbox_page(
    conn: Connection, citizen_id: int, *, before_id: int | None, unread_only: bool, limit: int
) -> list[NotificationRow]:
    """Newest first, those with an id below ``before_id`` (all when None), at most ``limit``."""
    rows = await conn.fetch(
        f"SELECT {columns(NotificationRow)} FROM notification"
        " WHERE citizen = $1 AND ($2::bigint IS NULL OR id < $2)"
        " AND (NOT $3 OR read_at IS NULL) ORDER BY id DESC LIMIT $4",
        citizen_id,
        before_id,
        unread_only,
        limit,
    )
    return rows_as(NotificationRow, rows)


async def unread_count(conn: Connection, citizen_id: int) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM notification WHERE citizen = $1 AND read_at IS NULL", citizen_id
    )
    return count


async def mark_read(
    conn: Connection, citizen_id: int, notification_id: int
) -> NotificationRow | None:
    """Read now, unless read before; None when it is not the citizen's."""
    row = await conn.fetchrow(
        "UPDATE notification SET read_at = coalesce(read_at, now())"
        f" WHERE id = $1 AND citizen = $2 RETURNING {columns(NotificationRow)}",
        notification_id,
        citizen_id,
    )
    return row_as(NotificationRow, row)


async def mark_all_read(conn: Connection, citizen_id: int) -> int:
    """How many were unread."""
    status = await conn.execute(
        "UPDATE notification SET read_at = now() WHERE citizen = $1 AND read_at IS NULL",
        citizen_id,
    )
    return affected(status)


# Read inbox items past their retention, oldest first, one batch per statement (a short lock on
# few rows, never the whole month); their finished push deliveries go with them. Unread items
# stay until their month's partition is dropped (INBOX_RETENTION_MONTHS).
_DELETE_READ = """
WITH doomed AS (
    SELECT citizen, id, created_at FROM notification
    WHERE read_at IS NOT NULL AND created_at < $1 ORDER BY created_at LIMIT $2
), gone AS (
    DELETE FROM notification n USING doomed d
    WHERE n.citizen = d.citizen AND n.id = d.id AND n.created_at = d.created_at
    RETURNING n.citizen, n.id
), deliveries AS (
    DELETE FROM push_delivery p USING gone g
    WHERE p.citizen = g.citizen AND p.notification = g.id
        AND p.status NOT IN ('pending', 'sending')
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) AS notifications,
    (SELECT count(*) FROM deliveries) AS deliveries
"""


class DeletedInbox(msgspec.Struct, frozen=True, kw_only=True):
    """What one batch of the read-inbox retention deleted."""

    notifications: int
    deliveries: int


async def delete_read_notifications(
    conn: Connection, *, arrived_before: dt.datetime, limit: int
) -> DeletedInbox:
    """Delete at most ``limit`` read inbox items that arrived before ``arrived_before`` and
    their finished push deliveries; fewer than ``limit`` means none is left."""
    return await _one_row(conn, DeletedInbox, _DELETE_READ, arrived_before, limit)


# --- devices ------------------------------------------------------------------------------------


class DeviceRow(msgspec.Struct, frozen=True, kw_only=True):
    """A phone's FCM registration token on one citizen's account."""

    id: int
    platform: str
    token: str
    created_at: dt.datetime
    last_seen_at: dt.datetime


class RegisteredDevice(DeviceRow, frozen=True, kw_only=True):
    previous_citizen: int | None  # whose account the token was on before; None: new token


async def register_device(
    conn: Connection, citizen_id: int, token: str, platform: str
) -> RegisteredDevice:
    """Insert the token, or move it to this citizen and refresh it; a token already here keeps
    its first registration time."""
    row = await conn.fetchrow(
        "WITH before AS (SELECT citizen FROM push_device WHERE token = $2)"
        " INSERT INTO push_device (citizen, token, platform, created_at, last_seen_at)"
        " VALUES ($1, $2, $3, now(), now()) ON CONFLICT (token) DO UPDATE SET"
        " citizen = EXCLUDED.citizen, platform = EXCLUDED.platform, last_seen_at = now(),"
        " created_at = CASE WHEN push_device.citizen = EXCLUDED.citizen"
        " THEN push_device.created_at ELSE now() END"
        f" RETURNING {columns(DeviceRow)}, (SELECT citizen FROM before) AS previous_citizen",
        citizen_id,
        token,
        platform,
    )
    assert row is not None, "an upsert returns its row"
    return RegisteredDevice(**row)


async def citizen_device(conn: Connection, citizen_id: int, device_id: int) -> DeviceRow | None:
    row = await conn.fetchrow(
        f"SELECT {columns(DeviceRow)} FROM push_device WHERE id = $1 AND citizen = $2",
        device_id,
        citizen_id,
    )
    return row_as(DeviceRow, row)


async def citizen_devices(conn: Connection, citizen_id: int) -> list[DeviceRow]:
    """The most recently seen first."""
    rows = await conn.fetch(
        f"SELECT {columns(DeviceRow)} FROM push_device WHERE citizen = $1"
        " ORDER BY last_seen_at DESC",
        citizen_id,
    )
    return rows_as(DeviceRow, rows)


async def delete_citizen_device(conn: Connection, citizen_id: int, device_id: int) -> bool:
    """False when it is not the citizen's."""
    deleted = await conn.fetchval(
        "DELETE FROM push_device WHERE id = $1 AND citizen = $2 RETURNING id",
        device_id,
        citizen_id,
    )
    return deleted is not None


async def delete_device(conn: Connection, device_id: int) -> None:
    await conn.execute("DELETE FROM push_device WHERE id = $1", device_id)


# --- preferences --------------------------------------------------------------------------------


class PreferenceRow(msgspec.Struct, frozen=True, kw_only=True):
    """Push categories switched off and the quiet hours (Asia/Shanghai wall clock)."""

    push_off: list[str]  # categories
    quiet_start: dt.time | None
    quiet_end: dt.time | None


_PREFERENCE = f"SELECT {columns(PreferenceRow)} FROM notification_preference WHERE citizen = $1"


async def preference_of(conn: Connection, citizen_id: int) -> PreferenceRow | None:
    """None: the citizen never set any."""
    return row_as(PreferenceRow, await conn.fetchrow(_PREFERENCE, citizen_id))


async def save_preference(conn: Connection, citizen_id: int, preference: PreferenceRow) -> None:
    await conn.execute(
        "INSERT INTO notification_preference (citizen, push_off, quiet_start, quiet_end,"
        " updated_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (citizen) DO UPDATE SET"
        " push_off = EXCLUDED.push_off, quiet_start = EXCLUDED.quiet_start,"
        " quiet_end = EXCLUDED.quiet_end, updated_at = now()",
        citizen_id,
        preference.push_off,
        preference.quiet_start,
        preference.quiet_end,
    )


# --- push deliveries ----------------------------------------------------------------------------


async def queue_pushes(
    conn: Connection,
    notification_id: int,
    citizen_id: int,
    *,
    not_before: dt.datetime,
    created_at: dt.datetime,
) -> None:
    """One pending delivery of the notification to each of the citizen's devices."""
    await conn.execute(
        "INSERT INTO push_delivery (notification, device, citizen, status, not_before, attempts,"
        " created_at) SELECT $1, d.id, d.citizen, 'pending', $3, 0, $4 FROM push_device d"
        " WHERE d.citizen = $2",
        notification_id,
        citizen_id,
        not_before,
        created_at,
    )


async def close_pending_deliveries(conn: Connection, device_id: int, reason: str) -> None:
    """The device is gone: what waits for it will never be sent."""
    await conn.execute(
        "UPDATE push_delivery SET status = 'pruned', last_error = $2"
        " WHERE device = $1 AND status = 'pending'",
        device_id,
        reason,
    )


_CLAIM = """
WITH due AS (
    SELECT id, status AS was FROM push_delivery
    WHERE status IN ('pending', 'sending') AND not_before <= $1
    ORDER BY not_before, id LIMIT $2
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE push_delivery p SET status = 'sending', not_before = $3, attempts = p.attempts + 1,
        reclaimed = p.reclaimed + (due.was = 'sending')::int
    FROM due WHERE p.id = due.id
    RETURNING p.id, p.attempts, p.citizen, p.device, p.notification, p.created_at, due.was
)
SELECT c.id, c.attempts, c.citizen, c.device, c.created_at, c.was, d.token, n.title, n.body,
    n.kind, n.event_id, n.id AS notification
FROM claimed c
LEFT JOIN push_device d ON d.id = c.device AND d.citizen = c.citizen
JOIN notification n ON n.citizen = c.citizen AND n.id = c.notification
ORDER BY c.id
"""


async def claim_due_deliveries(
    conn: Connection, now: dt.datetime, limit: int, *, lease_until: dt.datetime
) -> list[asyncpg.Record]:
    """Claim up to ``limit`` deliveries due at ``now`` (pending, or in flight past their lease)
    until ``lease_until``, skipping other senders' rows. Raw rows (see the module doc): ``id``,
    ``attempts``, ``citizen``, ``device``, ``created_at``, ``was`` (the status before),
    ``token`` (None: the device is gone or changed hands), ``title``, ``body``, ``kind``,
    ``event_id``, ``notification``."""
    rows: list[asyncpg.Record] = await conn.fetch(_CLAIM, now, limit, lease_until)
    return rows


# Each row only if this sender still holds it: same attempt, still in flight.
_RECORD_OUTCOMES = """
UPDATE push_delivery p SET status = t.status, not_before = coalesce(t.not_before, p.not_before),
    message_id = t.message_id, sent_at = t.sent_at, last_error = t.error
FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::text[],
            $6::timestamptz[], $7::text[]) AS t(id, attempts, status, not_before, message_id,
                                                 sent_at, error)
WHERE p.id = t.id AND p.attempts = t.attempts AND p.status = 'sending'
"""


async def record_outcomes(conn: Connection, outcomes: Sequence[list[Any]]) -> None:
    """One statement for a batch of outcomes, given as seven columns: delivery ids, attempt
    numbers, statuses, next tries (None: unchanged), FCM message ids, sending times, errors."""
    await conn.execute(_RECORD_OUTCOMES, *outcomes)


# --- delivery health ----------------------------------------------------------------------------


async def expire_open_deliveries(conn: Connection, created_before: dt.datetime) -> int:
    """Pending deliveries created before the cutoff become ``expired``; how many."""
    expired: int = await conn.fetchval(
        "WITH gone AS (UPDATE push_delivery SET status = 'expired',"
        " last_error = coalesce(last_error || '; ', '') || 'delivery deadline passed'"
        " WHERE status = 'pending' AND created_at < $1 RETURNING 1)"
        " SELECT count(*) FROM gone",
        created_before,
    )
    return expired


async def in_flight_count(conn: Connection, created_before: dt.datetime) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM push_delivery WHERE status = 'sending' AND created_at < $1",
        created_before,
    )
    return count


class OpenDeliveries(msgspec.Struct, frozen=True, kw_only=True):
    pending: int
    in_flight: int
    overdue: int  # created before the cutoff


async def _one_row(conn: Connection, kind: type[RowT], statement: str, *args: Any) -> RowT:
    """The one row an aggregate without GROUP BY returns, as ``kind``."""
    row = await conn.fetchrow(statement, *args)
    assert row is not None, "an aggregate returns one row"
    return kind(**row)


async def open_deliveries(conn: Connection, created_before: dt.datetime) -> OpenDeliveries:
    return await _one_row(
        conn,
        OpenDeliveries,
        "SELECT count(*) FILTER (WHERE status = 'pending') AS pending,"
        " count(*) FILTER (WHERE status = 'sending') AS in_flight,"
        " count(*) FILTER (WHERE created_at < $1) AS overdue"
        " FROM push_delivery WHERE status IN ('pending', 'sending')",
        created_before,
    )


class DeliveryOutcomes(msgspec.Struct, frozen=True, kw_only=True):
    sent: int
    expired: int
    failed: int
    pruned: int
    reclaimed: int  # claims that ran out in flight: possible duplicates


async def delivery_outcomes(conn: Connection, created_since: dt.datetime) -> DeliveryOutcomes:
    return await _one_row(
        conn,
        DeliveryOutcomes,
        "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,"
        " count(*) FILTER (WHERE status = 'expired') AS expired,"
        " count(*) FILTER (WHERE status = 'failed') AS failed,"
        " count(*) FILTER (WHERE status = 'pruned') AS pruned,"
        " coalesce(sum(reclaimed), 0) AS reclaimed"
        " FROM push_delivery WHERE created_at >= $1",
        created_since,
    )


# --- what the relay and the monthly card read of other domains ----------------------------------


class RecordType(msgspec.Struct, frozen=True, kw_only=True):
    """The record type a record was reported as, under the catalog version it was reported in."""

    id: int
    record_type: str
    catalog_version: str | None


async def record_types(conn: Connection, records: Collection[tuple[int, int]]) -> list[RecordType]:
    """The records named by (citizen, record id) pairs; keyed by citizen too, so a sharded
    table prunes."""
    rows = await conn.fetch(
        f"SELECT {columns(RecordType, 'r')} FROM record r"
        " JOIN unnest($1::bigint[], $2::bigint[]) AS w(citizen, id)"
        " ON r.citizen = w.citizen AND r.id = w.id",
        [citizen for citizen, _ in records],
        [record_id for _, record_id in records],
    )
    return rows_as(RecordType, rows)


class CardToSummarise(msgspec.Struct, frozen=True, kw_only=True):
    """A citizen with the app, their stored assessment and their percentile, if ranked."""

    citizen: int
    assessment_json: bytes
    percentile: int | None


async def cards_after(conn: Connection, citizen_id: int, limit: int) -> list[CardToSummarise]:
    """The next ``limit`` cards of citizens with an account, by citizen id after ``citizen_id``."""
    rows = await conn.fetch(
        "SELECT k.citizen, k.assessment_json, p.percentile FROM credit_card k"
        " JOIN citizen_account a ON a.citizen = k.citizen"
        " LEFT JOIN points_percentile p ON p.citizen = k.citizen"
        " WHERE k.citizen > $1 ORDER BY k.citizen LIMIT $2",
        citizen_id,
        limit,
    )
    return rows_as(CardToSummarise, rows)


async def points_before_many(
    conn: Connection, citizen_ids: list[int], day: dt.date
) -> dict[int, int]:
    """For each citizen, the points of the newest score-history row dated before ``day``; a
    citizen with none is absent. One statement for a page of citizens: score history is
    partitioned by the time a row was written, not by ``as_of``, so a look-up per citizen
    would probe every monthly partition for each one."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (citizen) citizen, points FROM score_history"
        " WHERE citizen = ANY($1::bigint[]) AND as_of < $2 ORDER BY citizen, id DESC",
        citizen_ids,
        day,
    )
    return {int(row["citizen"]): int(row["points"]) for row in rows}


# --- the relay's statements for a whole batch ---------------------------------------------

_PREFERENCES = (
    "SELECT citizen, push_off, quiet_start, quiet_end FROM notification_preference"
    " WHERE citizen = ANY($1::bigint[])"
)


async def preferences_of(conn: Connection, citizens: Collection[int]) -> dict[int, PreferenceRow]:
    """The push preferences of those of ``citizens`` who set any: one statement per relay
    batch instead of one per event (:func:`preference_of` for many citizens)."""
    if not citizens:
        return {}
    rows = await conn.fetch(_PREFERENCES, list(citizens))
    return {
        row["citizen"]: PreferenceRow(
            push_off=row["push_off"], quiet_start=row["quiet_start"], quiet_end=row["quiet_end"]
        )
        for row in rows
    }


# An inbox row is dated with its event's time, as insert_notification dates it (the inbox
# is partitioned by that month, and every retry must compute the same key). ON CONFLICT names no
# key: the event's row is there already (an interrupted run), whatever the key is called.
_INSERT_NOTIFICATIONS = """
INSERT INTO notification (event_id, citizen, kind, category, legal, title, body, data, created_at)
SELECT t.event_id, t.citizen, t.kind, t.category, t.legal, t.title, t.body, t.data::jsonb,
    coalesce((SELECT e.created_at FROM outbox_event e
              WHERE e.citizen = t.citizen AND e.id = t.event_id), t.created_at)
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bool[], $6::text[],
            $7::text[], $8::text[], $9::timestamptz[])
    WITH ORDINALITY AS t(event_id, citizen, kind, category, legal, title, body, data, created_at,
                         n)
ORDER BY t.n
ON CONFLICT DO NOTHING
RETURNING id, event_id
"""


async def insert_notifications(
    conn: Connection, notifications: Sequence[NewNotification]
) -> dict[int, int]:
    """:func:`insert_notification` for a batch, in order: the new rows' ids by event id
    (an event that already had its row is not in it)."""
    fields = ("event_id", "citizen", "kind", "category", "legal", "title", "body", "data")
    columns = [[getattr(n, name) for n in notifications] for name in (*fields, "created_at")]
    rows = await conn.fetch(_INSERT_NOTIFICATIONS, *columns)
    return {row["event_id"]: row["id"] for row in rows}


_QUEUE_PUSHES = """
INSERT INTO push_delivery (notification, device, citizen, status, not_before, attempts,
    created_at)
SELECT q.notification, d.id, d.citizen, 'pending', q.not_before, 0, $4
FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[]) AS q(notification, citizen, not_before)
JOIN push_device d ON d.citizen = q.citizen
"""


async def queue_pushes_many(
    conn: Connection, pushes: Sequence[tuple[int, int, dt.datetime]], *, created_at: dt.datetime
) -> None:
    """:func:`queue_pushes` for a batch of (notification id, citizen, not before): one
    pending delivery of each notification to each of its citizen's devices."""
    if not pushes:
        return
    notification_ids, citizens, not_before = (list(column) for column in zip(*pushes, strict=True))
    await conn.execute(_QUEUE_PUSHES, notification_ids, citizens, not_before, created_at)
