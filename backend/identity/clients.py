"""API clients (departments and merchants), managed by admins: create with a key shown once,
list, rotate a key with an overlap window in which both keys work, change scopes, revoke.
Every change is audited; keys are never stored or logged, only their SHA-256."""

from __future__ import annotations

import datetime as dt

from backend.identity import store
from backend.identity.principals import OfficerPrincipal
from backend.identity.schemas import ApiClientIn, ApiClientKey, ApiClientOut
from backend.identity.service import create_api_client, new_api_key
from backend.identity.store import ApiClientRow
from backend.platform import runtime
from backend.platform.audit import write_audit
from backend.platform.crypto import sha256_hex
from backend.platform.database import connection, transaction
from backend.platform.errors import Conflict, NotFound
from backend.platform.language import say
from backend.platform.rows import Connection


def _out(row: ApiClientRow) -> ApiClientOut:
    now = runtime.clock().now()
    overlap = row.previous_key_expires_at
    return ApiClientOut(
        id=row.id,
        kind=row.kind,
        code=row.code,
        name=row.name,
        scopes=row.scopes,
        active=row.active,
        created_at=row.created_at,
        previous_key_valid_until=overlap if overlap is not None and overlap > now else None,
    )


async def clients() -> list[ApiClientOut]:
    async with connection() as conn:
        return [_out(row) for row in await store.api_clients(conn)]


async def _locked(conn: Connection, client_id: int) -> ApiClientRow:
    row = await store.api_client_for_update(conn, client_id) if 1 <= client_id < 2**31 else None
    if row is None:
        raise NotFound(
            say(f"找不到 API 客户端（编号 {client_id}）", f"no API client {client_id}"),
            code="api-client-not-found",
        )
    return row


async def create(data: ApiClientIn, by: OfficerPrincipal) -> ApiClientKey:
    client_id, key = await create_api_client(
        data.kind, data.code, data.name, sorted(set(data.scopes)), by=by.actor
    )
    async with connection() as conn:
        return ApiClientKey(client=_out(await _locked(conn, client_id)), key=key)


async def rotate_key(client_id: int, overlap_hours: int, by: OfficerPrincipal) -> ApiClientKey:
    """A new key; the current one keeps working for ``overlap_hours`` beside it."""
    until = runtime.clock().now() + dt.timedelta(hours=overlap_hours)
    async with transaction() as conn:
        row = await _locked(conn, client_id)
        _refuse_revoked(row)
        prefix, key = new_api_key(row.kind)
        await store.rotate_api_key(
            conn, client_id, prefix=prefix, key_hash=sha256_hex(key), overlap_until=until
        )
        await write_audit(
            conn,
            by.actor,
            "api-client.rotate-key",
            "api_client",
            client_id,
            after={"previousKeyValidUntil": until.isoformat()},
        )
        return ApiClientKey(client=_out(await _locked(conn, client_id)), key=key)


async def set_scopes(client_id: int, scopes: list[str], by: OfficerPrincipal) -> ApiClientOut:
    new = sorted(set(scopes))
    async with transaction() as conn:
        row = await _locked(conn, client_id)
        await store.set_api_client(conn, client_id, scopes=new)
        await write_audit(
            conn,
            by.actor,
            "api-client.scopes",
            "api_client",
            client_id,
            before={"scopes": row.scopes},
            after={"scopes": new},
        )
        return _out(await _locked(conn, client_id))


async def revoke(client_id: int, reason: str, by: OfficerPrincipal) -> ApiClientOut:
    """Every key of the client stops working at once, the previous one's overlap included."""
    async with transaction() as conn:
        row = await _locked(conn, client_id)
        _refuse_revoked(row)
        await store.set_api_client(conn, client_id, active=False)
        await write_audit(
            conn,
            by.actor,
            "api-client.revoke",
            "api_client",
            client_id,
            before={"active": True},
            after={"active": False, "reason": reason},
        )
        return _out(await _locked(conn, client_id))


def _refuse_revoked(row: ApiClientRow) -> None:
    if not row.active:
        raise Conflict(say("该客户端已吊销", "this client is revoked"), code="api-client-revoked")
