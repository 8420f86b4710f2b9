"""The SQL of measures between bodies: the enforcing bodies, the records that count, what is in
force, the events towards the bodies and their feedback."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from backend.platform.rows import Connection, row_as, rows_as


class Enforcer(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    scopes: list[str]


async def enforcers(conn: Connection) -> list[Enforcer]:
    """Active department clients that enforce a measure (a ``measure:<code>`` scope)."""
    rows = await conn.fetch(
        "SELECT id, name, scopes::text[] AS scopes FROM api_client WHERE kind = 'department'"
        " AND active AND EXISTS (SELECT 1 FROM unnest(scopes) s WHERE s LIKE 'measure:%')"
        " ORDER BY id"
    )
    return rows_as(Enforcer, rows)


class CountingRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    citizen: int
    record_type: str
    domain: str
    severity: str | None
    decision_document_no: str
    decided_on: dt.date
    display_until: dt.date
    department_name: str


# A record counts (and its measures apply) while it is active, decided, on display and not under
# an accepted objection (联合惩戒措施在信息核实期间暂不执行).
COUNTS = (
    "r.status = 'active' AND r.decided_on <= $1 AND r.display_until > $1 AND NOT r.under_objection"
)


async def counting_records(
    conn: Connection, types: list[str], today: dt.date
) -> list[CountingRecord]:
    """The records that count today and may carry a measure: of a trigger type, or serious."""
    rows = await conn.fetch(
        "SELECT r.id, r.citizen, r.record_type, r.domain, r.severity, r.decision_document_no,"
        " r.decided_on, r.display_until, d.name AS department_name"
        f" FROM record r JOIN api_client d ON d.id = r.department WHERE {COUNTS}"
        " AND (r.record_type = ANY($2::text[]) OR r.severity = 'serious') ORDER BY r.id",
        today,
        types,
    )
    return rows_as(CountingRecord, rows)


async def in_force(conn: Connection) -> dict[tuple[int, int, str], int]:
    """(body, record, measure) → the enforcement's id, of every measure in force."""
    rows = await conn.fetch(
        "SELECT id, client, record, measure FROM measure_enforcement WHERE in_force"
    )
    return {(r["client"], r["record"], r["measure"]): r["id"] for r in rows}


async def start(
    conn: Connection,
    *,
    client: int,
    citizen: int,
    record: int,
    measure: str,
    today: dt.date,
    due: dt.date,
) -> int | None:
    """The measure is in force at the body from today (again, after a lift); None when it
    already was."""
    found: int | None = await conn.fetchval(
        "INSERT INTO measure_enforcement (client, citizen, record, measure, in_force, status,"
        " triggered_on, feedback_due_on, updated_at)"
        " VALUES ($1, $2, $3, $4, true, 'triggered', $5, $6, now())"
        " ON CONFLICT (citizen, client, record, measure) DO UPDATE SET in_force = true,"
        " status = 'triggered', triggered_on = $5, applied_on = NULL, lift_sent_on = NULL,"
        " lifted_on = NULL, feedback_reason = NULL, feedback_due_on = $6,"
        " feedback_late = false, escalated_at = NULL, updated_at = now()"
        " WHERE NOT measure_enforcement.in_force RETURNING id",
        client,
        citizen,
        record,
        measure,
        today,
        due,
    )
    return found


class Ending(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    client: int
    record: int
    measure: str
    record_status: str
    cause: str


async def ending(conn: Connection, today: dt.date) -> list[Ending]:
    """Measures in force whose record no longer counts today, and why."""
    rows = await conn.fetch(
        "SELECT e.id, e.client, e.record, e.measure, r.status AS record_status,"
        " CASE WHEN r.status <> 'active' THEN r.status"
        " WHEN r.display_until <= $1 THEN 'display-ended'"
        " ELSE 'under-objection' END AS cause"
        " FROM measure_enforcement e JOIN record r ON r.citizen = e.citizen AND r.id = e.record"
        f" WHERE e.in_force AND NOT ({COUNTS}) ORDER BY e.id FOR UPDATE OF e",
        today,
    )
    return rows_as(Ending, rows)


async def lift(conn: Connection, enforcement: int, *, today: dt.date, due: dt.date) -> int:
    """Returns the enforcement's citizen, whose the lift event is."""
    citizen: int = await conn.fetchval(
        "UPDATE measure_enforcement SET in_force = false, status = 'lift-sent',"
        " lift_sent_on = $2, feedback_due_on = $3, feedback_late = false, escalated_at = NULL,"
        " updated_at = now() WHERE id = $1 RETURNING citizen",
        enforcement,
        today,
        due,
    )
    return citizen


async def add_event(
    conn: Connection,
    *,
    citizen: int,
    enforcement: int,
    client: int,
    action: str,
    payload: dict[str, Any],
    today: dt.date,
    due: dt.date,
) -> int:
    event_id: int = await conn.fetchval(
        "INSERT INTO measure_event (enforcement, client, action, payload, business_date,"
        " created_at, next_attempt_at, feedback_due_on, citizen)"
        " VALUES ($1, $2, $3, $4::jsonb, $5, now(), now(), $6, $7) RETURNING id",
        enforcement,
        client,
        action,
        msgspec.json.encode(payload).decode(),
        today,
        due,
        citizen,
    )
    return event_id


# --- the feed and the feedback ------------------------------------------------------------------


class EventRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    enforcement: int
    client: int
    action: str
    payload: str
    business_date: dt.date
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    attempts: int
    next_attempt_at: dt.datetime | None
    feedback_due_on: dt.date
    answered_on: dt.date | None
    late: bool
    citizen_name: str
    id_number_encrypted: bytes


# The person is joined in when an event is sent or read, never stored in its payload: the ID
# number stays encrypted at rest.
_EVENT = (
    "SELECT m.id, m.enforcement, m.client, m.action, m.payload::text AS payload,"
    " m.business_date, m.created_at, m.delivered_at, m.attempts, m.next_attempt_at,"
    " m.feedback_due_on, m.answered_on, m.late, c.name AS citizen_name,"
    " c.id_number_encrypted FROM measure_event m"
    " JOIN measure_enforcement e ON e.citizen = m.citizen AND e.id = m.enforcement"
    " JOIN citizen c ON c.id = e.citizen"
)


async def feed(conn: Connection, client: int, after: int, limit: int) -> list[EventRow]:
    rows = await conn.fetch(
        f"{_EVENT} WHERE m.client = $1 AND m.id > $2 ORDER BY m.id LIMIT $3",
        client,
        after,
        limit + 1,
    )
    return rows_as(EventRow, rows)


async def mark_read(conn: Connection, client: int, through: int) -> None:
    """A feed reader has the events up to ``through``: they are delivered."""
    await conn.execute(
        "UPDATE measure_event SET delivered_at = now() WHERE client = $1 AND id <= $2"
        " AND delivered_at IS NULL",
        client,
        through,
    )


async def event(conn: Connection, event_id: int) -> EventRow | None:
    return row_as(EventRow, await conn.fetchrow(f"{_EVENT} WHERE m.id = $1", event_id))


async def latest_event(conn: Connection, enforcement: int) -> int:
    found: int = await conn.fetchval(
        "SELECT max(id) FROM measure_event WHERE enforcement = $1", enforcement
    )
    return found


async def answer_event(conn: Connection, event_id: int, *, on: dt.date, late: bool) -> None:
    await conn.execute(
        "UPDATE measure_event SET answered_on = $2, late = late OR $3 WHERE id = $1",
        event_id,
        on,
        late,
    )


class EnforcementRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    client: int
    client_name: str
    citizen: int
    record: int
    measure: str
    in_force: bool
    status: str
    triggered_on: dt.date
    applied_on: dt.date | None
    lift_sent_on: dt.date | None
    lifted_on: dt.date | None
    feedback_reason: str | None
    feedback_due_on: dt.date | None
    feedback_late: bool
    escalated_at: dt.datetime | None


_ENFORCEMENT = (
    "SELECT e.id, e.client, d.name AS client_name, e.citizen, e.record, e.measure, e.in_force,"
    " e.status, e.triggered_on, e.applied_on, e.lift_sent_on, e.lifted_on, e.feedback_reason,"
    " e.feedback_due_on, e.feedback_late, e.escalated_at"
    " FROM measure_enforcement e JOIN api_client d ON d.id = e.client"
)


async def enforcement(
    conn: Connection, enforcement_id: int, *, lock: bool = False
) -> EnforcementRow | None:
    query = f"{_ENFORCEMENT} WHERE e.id = $1" + (" FOR UPDATE OF e" if lock else "")
    return row_as(EnforcementRow, await conn.fetchrow(query, enforcement_id))


async def of_citizen(conn: Connection, citizen: int) -> list[EnforcementRow]:
    rows = await conn.fetch(f"{_ENFORCEMENT} WHERE e.citizen = $1 ORDER BY e.id", citizen)
    return rows_as(EnforcementRow, rows)


async def answer(
    conn: Connection,
    enforcement_id: int,
    *,
    status: str,
    on: dt.date,
    reason: str | None,
    late: bool,
) -> None:
    await conn.execute(
        "UPDATE measure_enforcement SET status = $2::text,"
        " applied_on = CASE WHEN $2::text = 'applied' THEN $3::date ELSE applied_on END,"
        " lifted_on = CASE WHEN $2::text = 'lifted' THEN $3::date ELSE lifted_on END,"
        " feedback_reason = $4, feedback_due_on = NULL, feedback_late = feedback_late OR $5,"
        " updated_at = now() WHERE id = $1",
        enforcement_id,
        status,
        on,
        reason,
        late,
    )


async def overdue(conn: Connection, today: dt.date) -> list[tuple[int, int]]:
    """(event, enforcement) of the triggers and lifts unanswered past their deadline."""
    rows = await conn.fetch(
        "SELECT id, enforcement FROM measure_event WHERE answered_on IS NULL AND NOT late"
        " AND feedback_due_on < $1 ORDER BY id FOR UPDATE SKIP LOCKED",
        today,
    )
    return [(r["id"], r["enforcement"]) for r in rows]


async def escalate(conn: Connection, event_id: int, enforcement_id: int) -> None:
    """The event lapsed: it counts late for good (an answer later does not undo it)."""
    await conn.execute("UPDATE measure_event SET late = true WHERE id = $1", event_id)
    await conn.execute(
        "UPDATE measure_enforcement SET escalated_at = coalesce(escalated_at, now()),"
        " feedback_late = true, updated_at = now() WHERE id = $1",
        enforcement_id,
    )


# --- webhooks and delivery ----------------------------------------------------------------------


class Webhook(msgspec.Struct, frozen=True, kw_only=True):
    client: int
    url: str
    secret_sealed: bytes


async def webhooks(conn: Connection) -> list[Webhook]:
    rows = await conn.fetch(
        "SELECT w.client, w.url, w.secret_sealed FROM enforcer_webhook w"
        " JOIN api_client c ON c.id = w.client WHERE c.active AND EXISTS"
        " (SELECT 1 FROM measure_event e WHERE e.client = w.client AND e.delivered_at IS NULL)"
    )
    return rows_as(Webhook, rows)


async def set_webhook(conn: Connection, client: int, url: str, sealed: bytes) -> None:
    """From now on the body's events are pushed; what it had is in its feed, not pushed again
    (a lift long done would otherwise arrive as news)."""
    await conn.execute(
        "UPDATE measure_event SET delivered_at = now() WHERE client = $1 AND delivered_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM enforcer_webhook WHERE client = $1)",
        client,
    )
    await conn.execute(
        "INSERT INTO enforcer_webhook (client, url, secret_sealed, created_at)"
        " VALUES ($1, $2, $3, now()) ON CONFLICT (client) DO UPDATE SET url = $2,"
        " secret_sealed = $3, created_at = now()",
        client,
        url,
        sealed,
    )


async def drop_webhook(conn: Connection, client: int) -> bool:
    return (
        await conn.fetchval("DELETE FROM enforcer_webhook WHERE client = $1 RETURNING 1", client)
        is not None
    )


async def pending(conn: Connection, client: int, limit: int) -> list[EventRow]:
    """The client's undelivered events, oldest first: they go out in this order."""
    rows = await conn.fetch(
        f"{_EVENT} WHERE m.client = $1 AND m.delivered_at IS NULL ORDER BY m.id LIMIT $2",
        client,
        limit,
    )
    return rows_as(EventRow, rows)


async def delivered(conn: Connection, event_id: int) -> None:
    await conn.execute(
        "UPDATE measure_event SET delivered_at = now(), attempts = attempts + 1,"
        " last_error = NULL WHERE id = $1",
        event_id,
    )


async def failed(conn: Connection, event_id: int, *, error: str, retry_in: float) -> None:
    await conn.execute(
        "UPDATE measure_event SET attempts = attempts + 1, last_error = $2,"
        " next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
        event_id,
        error[:500],
        retry_in,
    )


async def client_exists(conn: Connection, client: int) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM api_client WHERE id = $1 AND kind = 'department')", client
    )
    return found


class Attention(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    client: int
    body: str
    action: str
    measure: str
    record: int
    business_date: dt.date
    feedback_due_on: dt.date
    answered_on: dt.date | None
    late: bool
    attempts: int
    delivered_at: dt.datetime | None
    last_error: str | None


async def needing_attention(
    conn: Connection, *, stuck_after: int, after: int, limit: int
) -> list[Attention]:
    """Events the office must look at (督办): lapsed without an answer, or undelivered after
    ``stuck_after`` tries (a receiver that keeps refusing one event holds the body's queue)."""
    rows = await conn.fetch(
        "SELECT m.id, m.client, d.name AS body, m.action, e.measure, e.record, m.business_date,"
        " m.feedback_due_on, m.answered_on, m.late, m.attempts, m.delivered_at, m.last_error"
        " FROM measure_event m"
        " JOIN measure_enforcement e ON e.citizen = m.citizen AND e.id = m.enforcement"
        " JOIN api_client d ON d.id = m.client"
        " WHERE m.id > $2 AND ((m.late AND m.answered_on IS NULL)"
        " OR (m.delivered_at IS NULL AND m.attempts >= $1))"
        " ORDER BY m.id LIMIT $3",
        stuck_after,
        after,
        limit + 1,
    )
    return rows_as(Attention, rows)
