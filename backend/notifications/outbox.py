"""Write an outbox event inside the caller's transaction (transactional outbox).

Call it with the same connection as the change it reports, so both commit or neither does.
``kind`` names the event (``record.added``, ``objection.accepted``, ...); ``payload`` holds the
fields the notification templates use. A ``dedupe_key`` makes a retried change write one event.
"""

from __future__ import annotations

from collections.abc import Sequence
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


async def emit_many(
    conn: Any, events: Sequence[tuple[int, str, dict[str, Any], str | None]]
) -> None:
    """Many events in one statement: (citizen id, kind, payload, dedupe key)."""
    if not events:
        return
    await conn.execute(
        "INSERT INTO outbox_event (citizen, kind, payload, dedupe_key, created_at)"
        " SELECT c, k, p::jsonb, d, now()"
        " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS t(c, k, p, d)"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        [e[0] for e in events],
        [e[1] for e in events],
        [msgspec.json.encode(e[2]).decode() for e in events],
        [e[3] for e in events],
    )
