"""The credit lock (信用锁): one call switches off every merchant check until the citizen
switches it back on. Codes cannot be made or redeemed and consent checks answer nothing while
it is on."""

from __future__ import annotations

from backend.platform.audit import Actor, write_audit
from backend.platform.database import connection, transaction
from backend.platform.language import say
from backend.platform.rows import Connection
from backend.verification import store
from backend.verification.errors import LOCKED_DETAIL, CreditLocked
from backend.verification.schemas import LockState


async def refuse_if_locked(conn: Connection, citizen_id: int) -> None:
    if await store.credit_locked(conn, citizen_id):
        raise CreditLocked(say(*LOCKED_DETAIL))


def _state(lock: store.LockRow | None) -> LockState:
    if lock is None:  # never switched
        return LockState(locked=False, changed_at=None)
    return LockState(locked=lock.locked, changed_at=lock.changed_at)


async def lock_state(citizen_id: int) -> LockState:
    async with connection() as conn:
        return _state(await store.lock_of(conn, citizen_id))


async def set_lock(citizen_id: int, locked: bool) -> LockState:
    """Lock or unlock; idempotent (the same state again changes nothing and is not audited)."""
    async with transaction() as conn:
        switched = await store.switch_lock(conn, citizen_id, locked)
        if switched is None:  # already in that state
            return _state(await store.lock_of(conn, citizen_id))
        await write_audit(
            conn,
            Actor("citizen", str(citizen_id)),
            "credit.lock" if locked else "credit.unlock",
            "citizen",
            citizen_id,
            after={"locked": locked},
        )
    return _state(switched)
