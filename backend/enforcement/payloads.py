"""What a trigger or a lift says to a body, as it is sent or read: the stored payload with the
person it is about joined in (their ID number stays encrypted at rest, never in a payload)."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.enforcement.store import EventRow
from backend.identity.service import decrypt_id_number


def event_body(row: EventRow) -> dict[str, Any]:
    payload: dict[str, Any] = msgspec.json.decode(row.payload)
    person = {"name": row.citizen_name, "idNumber": decrypt_id_number(row.id_number_encrypted)}
    return {**payload, "person": person}
