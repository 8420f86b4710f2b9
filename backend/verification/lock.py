"""The credit lock (信用锁): one call switches off every merchant check until the citizen
switches it back on. Codes cannot be made or redeemed and consent checks answer nothing while
it is on."""

from __future__ import annotations

from typing import Any

from backend.platform.audit import Actor, write_audit
from backend.platform.database import connection, transaction
from backend.platform.language import say
from backend.verification.errors import LOCKED_DETAIL, CreditLocked
from backend.verification.schemas import LockState

_LOCK_SQL = (
    "INSERT INTO credit_lock (citizen, locked, changed_at) VALUES ($1, true, now())"
    " ON CONFLICT (citizen) DO UPDATE SET locked = true, changed_at = now()"
    " WHERE NOT credit_lock.locked RETURNING locked, changed_at"
)
_UNLOCK_SQL = (
    "UPDATE credit_lock SET locked = false, changed_at = now() WHERE citizen = $1 AND locked"
    " RETURNING locked, changed_at"
)


async def is_locked(conn: Any, citizen_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT locked FROM credit_lock WHERE citizen = $1 AND locked", citizen_id
        )
    )


async def refuse_if_locked(conn: Any, citizen_id: int) -> None:
    if await is_locked(conn, citizen_id):
        raise CreditLocked(say(*LOCKED_DETAIL))


async def lock_state(citizen_id: int) -> LockState:
    async with connection() as conn:
        row = await conn.fetchrow(
            "SELECT locked, changed_at FROM credit_lock WHERE citizen = $1", citizen_id
        )
    if row is None:
        return LockState(locked=False, changed_at=None)
    return LockState(locked=row["locked"], changed_at=row["changed_at"])


async def set_lock(citizen_id: int, locked: bool) -> LockState:
    """Lock or unlock; idempotent (the same state again changes nothing and is not audited)."""
    async with transaction() as conn:
        row = await conn.fetchrow(_LOCK_SQL if locked else _UNLOCK_SQL, citizen_id)
        if row is None:  # already in that state
            return await lock_state(citizen_id)
        state = LockState(locked=row["locked"], changed_at=row["changed_at"])
        await write_audit(
            conn,
            Actor("citizen", str(citizen_id)),
            "credit.lock" if locked else "credit.unlock",
            "citizen",
            citizen_id,
            after={"locked": locked},
        )
    return state
