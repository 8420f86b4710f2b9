"""Outbox events for record changes, written in the same transaction as the change."""

from __future__ import annotations

from backend.notifications.events import RecordCorrected, RecordRevoked, emit_event
from backend.platform.rows import Connection
from backend.records import store
from backend.records.catalog import catalog_set
from backend.records.store import RecordRow


def _title(record_type: str, catalog_version: str | None = None) -> str:
    catalogs = catalog_set()
    catalog = (catalogs.by_version(catalog_version) if catalog_version else None) or (
        catalogs.latest
    )
    found = catalog.get(record_type)
    return found.name_zh if found else record_type


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
