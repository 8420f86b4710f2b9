"""The console's sign-in: a server-side session (Redis) holding the officer and the session
family of their sign-in, re-checked on every request, so disabling an account, ending the
session or signing out takes effect on the next page."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.identity import service as identity
from backend.identity import store as identity_store
from backend.identity.principals import OfficerPrincipal
from backend.identity.revocation import session_revoked
from backend.platform import runtime
from backend.platform.database import connection
from backend.platform.errors import ProblemError

SESSION_HOURS = 8


class NotSignedIn(ProblemError):
    """Answered by a redirect to the sign-in page (see the console's exception handler)."""

    status, code, title = 401, "console-sign-in", "Sign in to the console"


async def sign_in(request: Request[Any, Any, Any], username: str, password: str) -> None:
    address = request.client.host if request.client else None
    principal = await identity.officer_console_session(username, password, address=address)
    request.set_session(
        {
            "officer_id": principal.officer_id,
            "username": principal.username,
            "sid": principal.session_id,
        }
    )


async def sign_out(request: Request[Any, Any, Any]) -> None:
    found = request.scope.get("session")
    sid = found.get("sid") if isinstance(found, dict) else None
    if sid:
        await identity.revoke_family(str(sid))
    request.clear_session()


async def current_officer(asgi: ASGIConnection[Any, Any, Any, Any]) -> OfficerPrincipal:
    """The signed-in officer, re-read: a revoked session or a disabled account is signed out."""
    found = asgi.scope.get("session")
    session: dict[str, Any] = found if isinstance(found, dict) else {}
    officer_id, sid = session.get("officer_id"), session.get("sid")
    if not officer_id or not sid:
        raise NotSignedIn("sign in first")
    rt = runtime.current()
    if await session_revoked(rt.redis, rt.settings, str(sid)):
        raise NotSignedIn("the session ended")
    async with connection() as conn:
        standing = await identity_store.officer_standing(conn, int(officer_id))
    if standing is None or not standing.active:
        raise NotSignedIn("the account is disabled")
    return OfficerPrincipal(
        officer_id=int(officer_id),
        username=standing.username,
        roles=tuple(standing.roles),
        session_id=str(sid),
    )


async def officer_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Pages other than sign-in need a signed-in officer (kept on the scope for the handler)."""
    connection.scope["user"] = await current_officer(connection)
