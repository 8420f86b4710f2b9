"""Write an outbox event inside the caller's transaction (transactional outbox).

Call it with the same connection as the change it reports, so both commit or neither does.
``kind`` names the event (``record.added``, ``objection.accepted``, ...); ``payload`` holds the
fields the notification templates use. A ``dedupe_key`` makes a retried change write one event.
"""

from __future__ import annotations

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
