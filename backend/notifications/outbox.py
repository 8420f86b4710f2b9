"""Write an outbox event inside the caller's transaction (transactional outbox).

Call it with the same connection as the change it reports, so both commit or neither does.
``kind`` names the event (``record.added``, ``objection.accepted``, ...); ``payload`` holds the
fields the notification templates use. A ``dedupe_key`` makes a retried change write one event.
"""

from __future__ import annotations

from typing import Any

import msgspec


async def emit(
    conn: Any,
    citizen_id: int,
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO outbox_event (citizen, kind, payload, dedupe_key, created_at)"
        " VALUES ($1, $2, $3::jsonb, $4, now()) ON CONFLICT (dedupe_key) DO NOTHING",
        citizen_id,
        kind,
        msgspec.json.encode(payload).decode(),
        dedupe_key,
    )
