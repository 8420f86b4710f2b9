"""Write an outbox event inside the caller's transaction (transactional outbox).

Call it with the same connection as the change it reports, so both commit or neither does.
``kind`` names the event (``record.added``, ``objection.accepted``, ...); ``payload`` holds the
fields the notification templates use. A ``dedupe_key`` makes a retried change write one event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from backend.notifications import store


async def emit(
    conn: Any,
    citizen_id: int,
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
) -> None:
    payload_json = msgspec.json.encode(payload).decode()
    await store.insert_event(conn, citizen_id, kind, payload_json, dedupe_key=dedupe_key)


async def emit_many(
    conn: Any, events: Sequence[tuple[int, str, dict[str, Any], str | None]]
) -> None:
    """Many events in one statement: (citizen id, kind, payload, dedupe key)."""
    if not events:
        return
    await store.insert_events(
        conn,
        citizens=[e[0] for e in events],
        kinds=[e[1] for e in events],
        payloads_json=[msgspec.json.encode(e[2]).decode() for e in events],
        dedupe_keys=[e[3] for e in events],
    )
