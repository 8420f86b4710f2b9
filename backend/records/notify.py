"""Outbox events for record changes, written in the same transaction as the change."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.notifications.events import RecordAdded, RecordCorrected, RecordRevoked, emit_event
from backend.notifications.outbox import emit_many
from backend.records import store
from backend.records.catalog import catalog_set
from backend.records.store import Connection, RecordRow


def _title(record_type: str, catalog_version: str | None = None) -> str:
    catalogs = catalog_set()
    catalog = (catalogs.by_version(catalog_version) if catalog_version else None) or (
        catalogs.latest
    )
    found = catalog.get(record_type)
    return found.name_zh if found else record_type


async def records_added(conn: Any, department: str, added: list[tuple[int, int, str, int]]) -> None:
    """``added``: (citizen id, record id, record type, quantity) of each accepted record."""
    catalog = catalog_set().latest
    events = []
    for citizen_id, record_id, record_type, quantity in added:
        found = catalog.get(record_type)
        event = RecordAdded(
            record_id=record_id,
            record_title=_title(record_type),
            department=department,
            points=(found.points if found else 0) * quantity,
        )
        payload = msgspec.to_builtins(event)
        events.append((citizen_id, event.kind, payload, f"record.added:{record_id}"))
    await emit_many(conn, events)  # one statement for a whole batch


async def record_changed(conn: Connection, row: RecordRow, action: str, reason: str) -> None:
    """A correction or revocation of ``row`` (the record as it was), by whoever acted."""
    department = await store.department_name(conn, row.department)
    version = row.version + 1
    kind = RecordCorrected if action == "corrected" else RecordRevoked
    event = kind(
        record_id=row.id,
        record_title=_title(row.record_type, row.catalog_version),
        department=department,
        reason=reason,
    )
    await emit_event(conn, row.citizen, event, dedupe_key=f"record.{action}:{row.id}:{version}")
