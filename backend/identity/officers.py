"""The credit office's own accounts (信用办工作人员账户), managed by admins: create, roles,
disable and enable, password reset; every officer's signed-in sessions, listed and ended; and
the lock-out of repeated failed sign-ins. Every change is audited.

Disabling an account or resetting its password ends all its sessions at once: refresh tokens
stop working and access tokens are refused for the rest of their short life. The office never
locks itself out: the last active admin cannot be disabled or lose the admin role.
"""

from __future__ import annotations

from backend.identity import store
from backend.identity.lockout import clear_sign_in_failures
from backend.identity.principals import OfficerPrincipal
from backend.identity.schemas import OfficerIn, OfficerOut, Role, SessionOut
from backend.identity.service import create_officer, hash_password, revoke_family
from backend.identity.store import OfficerRow
from backend.platform.audit import write_audit
from backend.platform.database import connection, transaction
from backend.platform.errors import Conflict, Forbidden, NotFound
from backend.platform.language import say
from backend.platform.rows import Connection


def _out(row: OfficerRow) -> OfficerOut:
    return OfficerOut(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        roles=row.roles,
        active=row.active,
        created_at=row.created_at,
    )


async def officers() -> list[OfficerOut]:
    async with connection() as conn:
        return [_out(row) for row in await store.officers(conn)]


async def create(data: OfficerIn, by: OfficerPrincipal) -> OfficerOut:
    officer_id = await create_officer(
        data.username, data.password, data.display_name, list(data.roles), by=by.actor
    )
    async with connection() as conn:
        row = await store.officer_for_update(conn, officer_id)
    assert row is not None
    return _out(row)


async def _locked(conn: Connection, officer_id: int) -> OfficerRow:
    row = await store.officer_for_update(conn, officer_id) if 1 <= officer_id <= 2**31 - 1 else None
    if row is None:
        raise NotFound(
            say(f"找不到工作人员（编号 {officer_id}）", f"no officer {officer_id}"),
            code="officer-not-found",
        )
    return row


async def _refuse_last_admin(conn: Connection, row: OfficerRow, *, keeps_admin: bool) -> None:
    losing_admin = "admin" in row.roles and row.active and not keeps_admin
    if losing_admin and await store.active_admins(conn) <= 1:
        raise Conflict(
            say(
                "这是最后一位在用的管理员：请先让另一位工作人员成为管理员",
                "this is the last active admin: make another officer an admin first",
            ),
            code="last-admin",
        )


async def set_roles(officer_id: int, roles: list[Role], by: OfficerPrincipal) -> OfficerOut:
    """Replace the officer's roles; takes effect at their next token refresh (minutes)."""
    async with transaction() as conn:
        row = await _locked(conn, officer_id)
        await _refuse_last_admin(conn, row, keeps_admin="admin" in roles)
        new: list[str] = sorted(set(roles))
        await store.set_officer(conn, officer_id, roles=new)
        await write_audit(
            conn,
            by.actor,
            "officer.roles",
            "officer",
            officer_id,
            before={"roles": row.roles},
            after={"roles": new},
        )
        row = await _locked(conn, officer_id)
    return _out(row)


async def set_active(
    officer_id: int, *, active: bool, reason: str, by: OfficerPrincipal
) -> OfficerOut:
    """Disable (every session ends) or enable an account."""
    async with transaction() as conn:
        row = await _locked(conn, officer_id)
        if not active:
            await _refuse_last_admin(conn, row, keeps_admin=False)
        await store.set_officer(conn, officer_id, active=active)
        await write_audit(
            conn,
            by.actor,
            "officer.enable" if active else "officer.disable",
            "officer",
            officer_id,
            before={"active": row.active},
            after={"active": active, "reason": reason},
        )
        row = await _locked(conn, officer_id)
    if not active:
        await end_all_sessions(officer_id)
    return _out(row)


async def reset_password(officer_id: int, password: str, by: OfficerPrincipal) -> OfficerOut:
    """Set a new password; every session of the officer ends."""
    async with transaction() as conn:
        row = await _locked(conn, officer_id)
        await store.set_officer(conn, officer_id, password_hash=hash_password(password))
        await write_audit(conn, by.actor, "officer.password-reset", "officer", officer_id)
    await end_all_sessions(officer_id)
    await clear_sign_in_failures(row.username)
    return _out(row)


# --- sessions -----------------------------------------------------------------------------------


async def sessions(officer_id: int, current: str | None) -> list[SessionOut]:
    async with connection() as conn:
        rows = await store.open_sessions(conn, "officer", officer_id)
    return [
        SessionOut(
            id=r.family_id,
            started_at=r.started_at,
            refreshed_at=r.refreshed_at,
            expires_at=r.expires_at,
            current=r.family_id == current,
        )
        for r in rows
    ]


async def end_session(session_id: str, by: OfficerPrincipal) -> None:
    """End one session: one's own, or any officer's for an admin. Another officer's session
    answers 404 to a non-admin, exactly like an unknown one."""
    async with connection() as conn:
        subject = await store.session_subject(conn, session_id)
    mine = subject == ("officer", by.officer_id)
    admins_reach = subject is not None and subject[0] == "officer" and "admin" in by.roles
    if not (mine or admins_reach):
        raise NotFound(say("找不到该登录会话", "no such session"), code="session-not-found")
    await revoke_family(session_id)
    async with connection() as conn:
        await write_audit(conn, by.actor, "officer.session-end", "session", session_id)


async def end_all_sessions(officer_id: int) -> None:
    async with connection() as conn:
        rows = await store.open_sessions(conn, "officer", officer_id)
    for row in rows:
        await revoke_family(row.family_id)


def require_admin(by: OfficerPrincipal) -> None:
    if "admin" not in by.roles:
        raise Forbidden(say("此接口需要管理员角色", "this needs the admin role"), code="admin-only")
