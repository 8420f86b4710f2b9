"""Outbox → inbox and push deliveries, exactly once per event.

The relay turns pending outbox rows into inbox notifications and per-device push deliveries in
one transaction (idempotent on the event id: a crash anywhere repeats nothing and loses
nothing). Sending the pushes is :mod:`backend.notifications.sending`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import asyncpg
import msgspec

from backend.notifications import store
from backend.notifications.events import EVENT_TYPES
from backend.notifications.wording import Names, is_english, localise, record_names
from backend.platform import runtime
from backend.platform.clock import SHANGHAI
from backend.platform.database import transaction

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


def _render(
    kind: str, language: str, payload: dict[str, Any], names: dict[int, Names]
) -> tuple[str, str, str, bool]:
    template = runtime.current().templates.get(kind)
    event = EVENT_TYPES.get(kind)
    if template is None or event is None:
        log.warning("no template for event kind %r; sending the generic text", kind)
        text = _fallback(language)
        return text, text, "other", False
    try:
        title, body = template.render(language, localise(kind, language, payload, names))
    except (KeyError, IndexError, ValueError, TypeError):
        log.exception("event %r payload does not fit its template", kind)
        title = body = _fallback(language)
    return title, body, event.category, event.legal


def _fallback(language: str) -> str:
    zh, en = _FALLBACK
    return en if is_english(language) else zh


async def relay_once(now: dt.datetime | None = None) -> int:
    """Move one batch of outbox events; returns how many. A fixed number of statements per
    batch, not per event: the relay shares its process with the senders, and each round trip
    waits behind them."""
    moment = now or dt.datetime.now(dt.UTC)
    limit = runtime.current().settings.relay_batch_size
    async with transaction() as conn:
        # Raw rows, not Structs: the batch is measured (benchmarks/bench_push.py), see the store.
        events = await store.undelivered_events(conn, limit)
        if not events:
            return 0
        payloads = [msgspec.json.decode(event["payload"]) for event in events]
        names = await record_names(
            conn,
            ((event["citizen"], payload) for event, payload in zip(events, payloads, strict=True)),
        )
        preferences = await store.preferences_of(conn, {event["citizen"] for event in events})
        rendered = [
            _rendered(event, payload, names, moment)
            for event, payload in zip(events, payloads, strict=True)
        ]
        created = await store.insert_notifications(conn, rendered)
        pushes = [
            (created[n.event_id], n.citizen, not_before)
            for n in rendered
            if n.event_id in created  # else delivered by an earlier, interrupted run
            and (not_before := _push_from(n, preferences.get(n.citizen), moment))
        ]
        await store.queue_pushes_many(conn, pushes, created_at=moment)
        await store.mark_delivered(conn, [e["id"] for e in events], moment)
    return len(events)


def _rendered(
    event: asyncpg.Record, payload: dict[str, Any], names: dict[int, Names], now: dt.datetime
) -> store.NewNotification:
    """The event as its citizen's inbox item, in their language."""
    language = event["language"] or "zh-CN"
    title, body, category, legal = _render(event["kind"], language, payload, names)
    return store.NewNotification(
        event_id=event["id"],
        citizen=event["citizen"],
        kind=event["kind"],
        category=category,
        legal=legal,
        title=title,
        body=body,
        data=event["payload"],
        created_at=now,
    )


def _push_from(
    notification: store.NewNotification, preference: store.PreferenceRow | None, now: dt.datetime
) -> dt.datetime | None:
    """When its push may go (the end of quiet hours, else now); None: the citizen switched its
    category off. Legal notices always go at once."""
    if notification.legal or preference is None:
        return now
    if notification.category in preference.push_off:
        return None
    return quiet_until(now, preference.quiet_start, preference.quiet_end) or now


async def relay_all(now: dt.datetime | None = None) -> int:
    total = 0
    while moved := await relay_once(now):
        total += moved
    return total
