"""Measures between bodies (发起 → 响应 → 反馈): which bodies must apply which measure to whom,
triggers and lifts written to the outbox (``measure_event``) in the transaction that decides
them, the bodies' feedback, and escalation of feedback that is late (政务诚信).

:func:`reconcile` compares what should be in force today (the records that count and the
measures they carry, by the same rule as the card) with what is, and writes the difference; it
is idempotent, so the minute job, a retry and a crash in between change nothing twice. A record
that stops counting (repaired, revoked, corrected, off display, under an accepted objection) is
lifted the same day: at the latest at the next run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.content.benefits import benefit_set
from backend.enforcement import store
from backend.enforcement.payloads import event_body
from backend.enforcement.schemas import (
    AttentionOut,
    AttentionPage,
    EnforcementOut,
    EventOut,
    Feed,
    FeedbackIn,
    MyMeasures,
)
from backend.enforcement.store import CountingRecord, Enforcer
from backend.identity.principals import ClientPrincipal
from backend.platform import runtime
from backend.platform.audit import SYSTEM, write_audit
from backend.platform.calendar import add_working_days
from backend.platform.database import connection, transaction
from backend.platform.errors import Conflict, InvalidInput, NotFound
from backend.platform.language import say
from backend.platform.rows import BIGINT_MAX, Connection
from backend.records import integrity
from points_engine import Measure
from points_engine.benefits import triggered_by


def _today() -> dt.date:
    return runtime.clock().today()


def _feedback_days(day: dt.date) -> int:
    """Working days a body has to answer (the integrity content in force)."""
    return integrity.in_force(day).feedback_within_working_days


def _scoped(enforcers: list[Enforcer]) -> dict[str, list[Enforcer]]:
    by_measure: dict[str, list[Enforcer]] = {}
    for body in enforcers:
        for scope in body.scopes:
            if scope.startswith("measure:"):
                by_measure.setdefault(scope.removeprefix("measure:"), []).append(body)
    return by_measure


def _payload(
    action: str, measure: Measure, record: CountingRecord, today: dt.date, due: dt.date
) -> dict[str, Any]:
    """What the body needs to apply or lift the measure: who (name and ID number: it acts on
    the person), which measure and why, and by when to answer."""
    return {
        "action": action,
        "measure": {
            "code": measure.code,
            "nameZh": measure.name_zh,
            "nameEn": measure.name_en,
            "kind": measure.kind,
            "legalBasis": measure.legal_basis,
        },
        "record": {
            "id": record.id,
            "recordType": record.record_type,
            "decisionDocumentNo": record.decision_document_no,
            "department": record.department_name,
            "decidedOn": record.decided_on.isoformat(),
            "displayUntil": record.display_until.isoformat(),
        },
        "businessDate": today.isoformat(),
        "feedbackDueOn": due.isoformat(),
    }


async def reconcile(today: dt.date | None = None) -> dict[str, int]:
    """Trigger what should be in force and is not; lift what is and should not be."""
    day = today or _today()
    measures = benefit_set().in_force(day).measures
    due = add_working_days(day, _feedback_days(day))
    async with transaction() as conn:
        # one run at a time: two would both see a measure missing and trigger it twice
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('measure-reconcile'))")
        bodies = _scoped(await store.enforcers(conn))
        existing = await store.in_force(conn)
        wanted = await _wanted(conn, measures, bodies, day)
        triggered = 0
        for key, (measure, record) in wanted.items():
            if key in existing:
                continue
            started = await store.start(
                conn,
                client=key[0],
                citizen=record.citizen,
                record=record.id,
                measure=measure.code,
                today=day,
                due=due,
            )
            if started is not None:
                payload = _payload("trigger", measure, record, day, due)
                await _event(
                    conn,
                    citizen=record.citizen,
                    enforcement=started,
                    client=key[0],
                    action="trigger",
                    payload=payload,
                    day=day,
                    due=due,
                )
                triggered += 1
        lifted = await _lift(conn, existing, set(wanted), {m.code: m for m in measures}, day, due)
    return {"triggered": triggered, "lifted": lifted}


Wanted = dict[tuple[int, int, str], tuple[Measure, CountingRecord]]


async def _wanted(
    conn: Connection,
    measures: tuple[Measure, ...],
    bodies: dict[str, list[Enforcer]],
    day: dt.date,
) -> Wanted:
    """(body, record, measure) that should be in force today: the records that count, the
    measures they carry by the card's own rule, the bodies that enforce each."""
    active = [m for m in measures if m.code in bodies]
    if not active:
        return {}
    types = sorted({t for m in active for t in m.trigger_record_types})
    wanted: Wanted = {}
    for record in await store.counting_records(conn, types, day):
        serious = record.severity == "serious"
        for measure in active:
            if triggered_by(measure, record.record_type, record.domain, serious=serious):
                for body in bodies[measure.code]:
                    wanted[(body.id, record.id, measure.code)] = (measure, record)
    return wanted


async def _lift(
    conn: Connection,
    existing: dict[tuple[int, int, str], int],
    wanted: set[tuple[int, int, str]],
    measures: dict[str, Measure],
    day: dt.date,
    due: dt.date,
) -> int:
    """Lift what no longer applies: the record stopped counting (repaired, revoked, off
    display, under an accepted objection), or it counts but no longer carries the measure at
    that body (corrected to another type, the measure withdrawn from the content, the body's
    scope removed)."""
    causes = {end.id: (end.cause, end.record_status) for end in await store.ending(conn, day)}
    count = 0
    for (client, record, measure), enforcement in sorted(existing.items(), key=lambda i: i[1]):
        if (client, record, measure) in wanted and enforcement not in causes:
            continue
        cause, status = causes.get(enforcement, ("no-longer-applies", "active"))
        citizen = await store.lift(conn, enforcement, today=day, due=due)
        payload: dict[str, Any] = {
            "action": "lift",
            "measure": {"code": measure},
            "record": {"id": record, "status": status},
            "cause": cause,
            "businessDate": day.isoformat(),
            "feedbackDueOn": due.isoformat(),
        }
        if measure in measures:
            named = measures[measure]
            payload["measure"] = {"code": measure, "nameZh": named.name_zh, "nameEn": named.name_en}
        await _event(
            conn,
            citizen=citizen,
            enforcement=enforcement,
            client=client,
            action="lift",
            payload=payload,
            day=day,
            due=due,
        )
        count += 1
    return count


async def _event(
    conn: Connection,
    *,
    citizen: int,
    enforcement: int,
    client: int,
    action: str,
    payload: dict[str, Any],
    day: dt.date,
    due: dt.date,
) -> None:
    event_id = await store.add_event(
        conn,
        citizen=citizen,
        enforcement=enforcement,
        client=client,
        action=action,
        payload=payload,
        today=day,
        due=due,
    )
    after = {"eventId": event_id, "client": client}
    await write_audit(
        conn, SYSTEM, f"measure.{action}", "measure_enforcement", enforcement, after=after
    )


# --- the body's side ----------------------------------------------------------------------------


def _event_out(row: store.EventRow) -> EventOut:
    return EventOut(
        id=row.id,
        action=row.action,  # type: ignore[arg-type]  # the table's CHECK holds the actions
        created_at=row.created_at,
        payload=event_body(row),
    )


async def feed(client: ClientPrincipal, after: int, limit: int) -> Feed:
    """The body's triggers and lifts after the event id ``after``, oldest first: for a body
    that cannot receive webhooks; it deduplicates on the event id. What a page served counts as
    delivered."""
    async with transaction() as conn:
        rows = await store.feed(conn, client.client_id, after, limit)
        if rows:
            await store.mark_read(conn, client.client_id, rows[:limit][-1].id)
    items = [_event_out(r) for r in rows[:limit]]
    return Feed(items=items, next_after=items[-1].id if len(rows) > limit else None)


RESULTS = {"trigger": ("applied", "not-applicable"), "lift": ("lifted",)}


async def feedback(client: ClientPrincipal, event_id: int, data: FeedbackIn) -> EnforcementOut:
    """The body's answer to one of its events: applied (date) or not applicable (reason) for a
    trigger, lifted (date) for a lift. The same answer again changes nothing; another answer
    to an answered event, or an answer to an event that is no longer the latest, is refused."""
    today = _today()
    async with transaction() as conn:
        row = await store.event(conn, event_id) if 1 <= event_id <= BIGINT_MAX else None
        if row is None or row.client != client.client_id:
            raise NotFound(
                say(f"没有这个事件：{event_id}", f"no event {event_id}"),
                code="measure-event-not-found",
            )
        current = await store.enforcement(conn, row.enforcement, lock=True)
        assert current is not None, "an event names its enforcement (a foreign key)"
        _check_answer(row, current, data)
        if await store.latest_event(conn, current.id) != row.id:
            raise _out_of_date(current.status)
        if current.status != data.result:
            late = today > row.feedback_due_on
            await store.answer_event(conn, row.id, on=today, late=late)
            await store.answer(
                conn,
                current.id,
                status=data.result,
                on=data.on or today,
                reason=data.reason,
                late=late,
            )
            await write_audit(
                conn,
                client.actor,
                "measure.feedback",
                "measure_enforcement",
                current.id,
                before={"status": current.status},
                after={"status": data.result, "eventId": event_id, "late": late},
            )
        answered = await store.enforcement(conn, current.id)
    assert answered is not None
    return _enforcement_out(answered)


def _check_answer(row: store.EventRow, current: store.EnforcementRow, data: FeedbackIn) -> None:
    if data.result not in RESULTS[row.action]:
        allowed = " or ".join(RESULTS[row.action])
        raise InvalidInput(
            say(
                f"对{_action_zh(row.action)}只能反馈 {allowed}",
                f"a {row.action} is answered with {allowed}",
            ),
            field="result",
            code="feedback-not-for-this-event",
        )
    if data.result == "not-applicable" and not data.reason:
        raise InvalidInput(
            say("不适用须说明理由", "say why it does not apply"),
            field="reason",
            code="reason-required",
        )
    expected = "triggered" if row.action == "trigger" else "lift-sent"
    if current.status not in (expected, data.result):
        raise _out_of_date(current.status)
    if data.on is not None and not row.business_date <= data.on <= _today():
        raise InvalidInput(
            say("日期须在事件发出之日与今天之间", "the date must be from the event's day to today"),
            field="on",
            code="feedback-date-out-of-range",
        )


def _out_of_date(status: str) -> Conflict:
    return Conflict(
        say(
            "该措施的状态已变化，此事件不再需要反馈",
            "the measure has moved on; this event needs no answer now",
        ),
        code="feedback-out-of-date",
        extra={"status": status},
    )


def _action_zh(action: str) -> str:
    return "发起" if action == "trigger" else "解除"


async def escalate(today: dt.date | None = None) -> int:
    """Triggers and lifts unanswered past their deadline go to the credit office (督办) and count
    against the body, once each."""
    day = today or _today()
    async with transaction() as conn:
        late = await store.overdue(conn, day)
        for event_id, enforcement_id in late:
            await store.escalate(conn, event_id, enforcement_id)
            after = {"eventId": event_id}
            await write_audit(
                conn,
                SYSTEM,
                "measure.escalated",
                "measure_enforcement",
                enforcement_id,
                after=after,
            )
    return len(late)


STUCK_AFTER = 10  # push attempts (about 34 minutes of backoff) before the office is shown it


async def attention(after: int, limit: int) -> AttentionPage:
    """The office's queue (督办) of measures: lapsed triggers and lifts, stuck deliveries."""
    async with connection() as conn:
        rows = await store.needing_attention(
            conn, stuck_after=STUCK_AFTER, after=after, limit=limit
        )
    items = [
        AttentionOut(
            event_id=r.id,
            body=r.body,
            action=r.action,  # type: ignore[arg-type]  # the table's CHECK holds the actions
            measure=r.measure,
            record_id=r.record,
            sent_on=r.business_date,
            feedback_due_on=r.feedback_due_on,
            lapsed=r.late and r.answered_on is None,
            delivered=r.delivered_at is not None,
            attempts=r.attempts,
            last_error=r.last_error,
        )
        for r in rows[:limit]
    ]
    return AttentionPage(items=items, next_after=items[-1].event_id if len(rows) > limit else None)


# --- the citizen's view --------------------------------------------------------------------------


def _enforcement_out(row: store.EnforcementRow) -> EnforcementOut:
    names = {m.code: m for m in benefit_set().latest.measures}
    measure = names.get(row.measure)
    return EnforcementOut(
        measure=row.measure,
        measure_name_zh=measure.name_zh if measure else row.measure,
        measure_name_en=measure.name_en if measure else row.measure,
        body=row.client_name,
        record_id=row.record,
        in_force=row.in_force,
        status=row.status,  # type: ignore[arg-type]  # the table's CHECK holds the statuses
        triggered_on=row.triggered_on,
        applied_on=row.applied_on,
        lift_sent_on=row.lift_sent_on,
        lifted_on=row.lifted_on,
        reason=row.feedback_reason,
        feedback_due_on=row.feedback_due_on,
        escalated=row.escalated_at is not None,
        legal_basis=measure.legal_basis if measure else None,
        measure_kind=measure.kind if measure else None,
    )


async def mine(citizen_id: int) -> MyMeasures:
    """Per measure and body: whether it is being applied, since when, and when it was lifted."""
    async with connection() as conn:
        rows = await store.of_citizen(conn, citizen_id)
    return MyMeasures(items=[_enforcement_out(r) for r in rows])
