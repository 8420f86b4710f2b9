"""The outbox towards the provincial credit platform (省级信用信息共享平台): one event per change a
city must share (a record added, corrected, revoked or repaired; a list entry published or
ended), written on the connection of the transaction that makes the change, so a change that
rolls back leaves no event and a committed one always has its event. ``backend.exchange``
sends them in signed batches and keeps each event's answer.

A payload never holds an ID number: the person (name and ID number, decrypted) is joined in when
an event is sent. Low in the layers like the audit log: domains call it, it imports none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

KINDS = frozenset(
    {
        "record.added",
        "record.corrected",
        "record.revoked",
        "record.repaired",
        "list.entered",
        "list.exited",
    }
)

_INSERT = (
    "INSERT INTO exchange_event (kind, subject, citizen, payload)"
    " SELECT $1, t.subject, t.citizen, t.payload::jsonb"
    " FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS t (subject, citizen, payload)"
)


async def write_exchange_event(
    conn: Any, *, kind: str, subject: int, citizen: int, payload: Mapping[str, Any]
) -> None:
    """One event on ``conn``: the transaction of the change it describes. ``subject`` is the
    record's or the list entry's id."""
    await write_exchange_events(conn, kind, [(subject, citizen, payload)])


async def write_exchange_events(
    conn: Any, kind: str, events: Sequence[tuple[int, int, Mapping[str, Any]]]
) -> None:
    """Events of one kind, (subject, citizen, payload) each, in one statement (a batch of
    records adds one event per record at the cost of one insert)."""
    if kind not in KINDS:
        raise ValueError(f"unknown exchange event kind {kind!r}")
    if not events:
        return
    await conn.execute(
        _INSERT,
        kind,
        [subject for subject, _, _ in events],
        [citizen for _, citizen, _ in events],
        [msgspec.json.encode(payload).decode() for _, _, payload in events],
    )
