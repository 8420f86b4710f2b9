"""Outbox → inbox and push deliveries, exactly once per event.

The relay turns pending outbox rows into inbox notifications and per-device push deliveries in
one transaction (idempotent on the event id: a crash anywhere repeats nothing and loses
nothing). Sending the pushes is :mod:`backend.notifications.sending`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import msgspec

from backend.notifications.events import EVENT_TYPES
from backend.platform import runtime
from backend.platform.calendar import SHANGHAI
from backend.platform.database import connection
from backend.platform.engine import DB

log = logging.getLogger("backend.notifications")
_FALLBACK = ("你的信用信息有更新", "Your credit information has changed")


def quiet_until(now: dt.datetime, start: dt.time | None, end: dt.time | None) -> dt.datetime | None:
    """The end of the quiet period ``now`` falls in (Asia/Shanghai wall clock), or None."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(SHANGHAI)
    t = local.time().replace(tzinfo=None)
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=SHANGHAI).astimezone(dt.UTC)


_CASE_NAMES = {
    "zh": {
        "objection": "异议申请", "repair": "信用修复申请", "submitted": "已提交",
        "accepted": "已受理", "rejected": "不予受理", "verifying": "核查完毕，待信用办决定",
        "upheld": "核查后维持原记录", "corrected": "记录已更正", "revoked": "记录已撤销",
        "approved": "修复通过", "denied": "修复未通过", "extended": "核查期限已依法延长",
        "deadline.near": "办理期限临近", "escalated": "已超期，已提交信用办督办",
    },
    "en": {
        "objection": "objection", "repair": "repair application", "submitted": "submitted",
        "accepted": "accepted", "rejected": "not accepted", "verifying": "verified, awaiting the"
        " credit office", "upheld": "record upheld", "corrected": "record corrected",
        "revoked": "record revoked", "approved": "repair approved", "denied": "repair denied",
        "extended": "verification period extended", "deadline.near": "deadline near",
        "escalated": "overdue, escalated to the credit office",
    },
}  # fmt: skip


def _enrich(kind: str, language: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Words for the codes some events carry, in the citizen's language."""
    if kind != "case.changed":
        return payload
    names = _CASE_NAMES["en" if language.lower().startswith("en") else "zh"]
    kind_code, state = str(payload.get("caseKind", "")), str(payload.get("state", ""))
    return {
        **payload,
        "caseKindName": names.get(kind_code, kind_code),
        "stateName": names.get(state, state),
    }


def _render(kind: str, language: str, payload: dict[str, Any]) -> tuple[str, str, str, bool]:
    template = runtime.current().templates.get(kind)
    event = EVENT_TYPES.get(kind)
    if template is None or event is None:
        log.warning("no template for event kind %r; sending the generic text", kind)
        zh, en = _FALLBACK
        text = en if language.lower().startswith("en") else zh
        return text, text, "other", False
    try:
        title, body = template.render(language, _enrich(kind, language, payload))
    except (KeyError, IndexError, ValueError):
        log.exception("event %r payload does not fit its template", kind)
        title, body = _FALLBACK
    return title, body, event.category, event.legal


async def relay_once(now: dt.datetime | None = None) -> int:
    """Move one batch of outbox events; returns how many."""
    moment = now or dt.datetime.now(dt.UTC)
    limit = runtime.current().settings.relay_batch_size
    async with DB.transaction(), connection() as conn:
        events = await conn.fetch(
            "SELECT e.id, e.citizen, e.kind, e.payload, a.language FROM outbox_event e"
            " LEFT JOIN citizen_account a ON a.citizen = e.citizen"
            " WHERE e.delivered_at IS NULL ORDER BY e.id LIMIT $1 FOR UPDATE OF e SKIP LOCKED",
            limit,
        )
        for event in events:
            await _deliver(conn, event, moment)
        if events:
            await conn.execute(
                "UPDATE outbox_event SET delivered_at = $2 WHERE id = ANY($1::bigint[])",
                [e["id"] for e in events],
                moment,
            )
    return len(events)


async def _deliver(conn: Any, event: Any, now: dt.datetime) -> None:
    payload = msgspec.json.decode(event["payload"])
    title, body, category, legal = _render(event["kind"], event["language"] or "zh-CN", payload)
    notification_id = await conn.fetchval(
        "INSERT INTO notification (event_id, citizen, kind, category, legal, title, body, data,"
        " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)"
        " ON CONFLICT (event_id) DO NOTHING RETURNING id",
        event["id"], event["citizen"], event["kind"], category, legal, title, body,
        event["payload"], now,
    )  # fmt: skip
    if notification_id is None:
        return  # already delivered by an earlier, interrupted run
    preference = await conn.fetchrow(
        "SELECT push_off, quiet_start, quiet_end FROM notification_preference WHERE citizen = $1",
        event["citizen"],
    )
    if preference is not None and not legal and category in preference["push_off"]:
        return
    held = None if legal or preference is None else quiet_until(
        now, preference["quiet_start"], preference["quiet_end"]
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO push_delivery (notification, device, citizen, status, not_before, attempts,"
        " created_at) SELECT $1, d.id, d.citizen, 'pending', $3, 0, $4 FROM push_device d"
        " WHERE d.citizen = $2",
        notification_id,
        event["citizen"],
        held or now,
        now,
    )


async def relay_all(now: dt.datetime | None = None) -> int:
    total = 0
    while moved := await relay_once(now):
        total += moved
    return total
