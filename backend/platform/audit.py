"""Append-only audit log: who did what to which object, with a before/after summary.

The table refuses UPDATE and DELETE by trigger (see the migration), so an entry, once written
in the same transaction as the change it describes, stays.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from piccolo.columns import JSONB, BigSerial, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.database import connection
from backend.platform.engine import DB
from backend.platform.requestid import current_request_id


class AuditLog(Table, tablename="audit_log", db=DB):
    # Partitioned by month of ``at`` and kept (migration 2026-12-04T01:00:00): the primary key
    # is (id, at) in SQL, which Piccolo cannot declare; ``id`` stands for it.
    id = BigSerial(primary_key=True)
    at = Timestamptz()
    actor_kind = Varchar(length=20)
    actor_id = Varchar(length=64)
    action = Varchar(length=80)
    object_type = Varchar(length=40)
    object_id = Varchar(length=64)
    before = JSONB(null=True, default=None)
    after = JSONB(null=True, default=None)
    request_id = Varchar(length=64, null=True, default=None)


class Actor(msgspec.Struct, frozen=True):
    kind: str  # citizen | officer | department | merchant | system
    id: str


SYSTEM = Actor("system", "system")


def _json(value: Any) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


async def write_audit(
    conn: Any,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int,
    *,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one entry on ``conn``: the transaction of the change it describes."""
    await conn.execute(
        "INSERT INTO audit_log (at, actor_kind, actor_id, action, object_type, object_id,"
        " before, after, request_id)"
        " VALUES (now(), $1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)",
        actor.kind,
        actor.id,
        action,
        object_type,
        str(object_id),
        _json(before),
        _json(after),
        current_request_id(),
    )


def _meta(description: str, example: Any = None) -> msgspec.Meta:
    return msgspec.Meta(
        description=description, examples=[example] if example is not None else None
    )


class AuditEntry(msgspec.Struct, rename="camel"):
    """One step anyone took on the system's objects (append-only 审计日志)."""

    id: Annotated[int, _meta("Position in the log; larger is newer", 1042)]
    at: Annotated[str, _meta("When, RFC 3339 UTC", "2026-11-29T02:15:00+00:00")]
    actor_kind: Annotated[
        str, _meta("Who acted: officer, department, merchant, citizen or system", "officer")
    ]
    actor_id: Annotated[str, _meta("The actor's id or username within its kind", "auditor")]
    action: Annotated[str, _meta("What was done, as `object.verb`", "objection.decide")]
    object_type: Annotated[str, _meta("The kind of object acted on", "objection")]
    object_id: Annotated[str, _meta("The object's id", "17")]
    before: Annotated[Any, _meta("A summary of the object before the step (null if created)")]
    after: Annotated[Any, _meta("A summary of the object after the step (null if removed)")]
    request_id: Annotated[str | None, _meta("The request that made the step, if any")]


async def list_audit(
    object_type: str | None, object_id: str | None, before_id: int | None, limit: int
) -> list[AuditEntry]:
    """Newest first; ``before_id`` is the keyset cursor."""
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT * FROM audit_log WHERE ($1::text IS NULL OR object_type = $1)"
            " AND ($2::text IS NULL OR object_id = $2) AND ($3::bigint IS NULL OR id < $3)"
            " ORDER BY id DESC LIMIT $4",
            object_type,
            object_id,
            before_id,
            limit,
        )
    return [
        AuditEntry(
            id=r["id"],
            at=r["at"].isoformat(),
            actor_kind=r["actor_kind"],
            actor_id=r["actor_id"],
            action=r["action"],
            object_type=r["object_type"],
            object_id=r["object_id"],
            before=msgspec.json.decode(r["before"]) if r["before"] else None,
            after=msgspec.json.decode(r["after"]) if r["after"] else None,
            request_id=r["request_id"],
        )
        for r in rows
    ]
