"""Authentication and guards for each group of routes.

Citizens and officers carry short-lived JWTs (Litestar's JWTAuth); the token itself names the
principal, so the hot paths need no database read. A session (refresh-token family) that is
signed out or caught reusing a rotated token is listed in Redis until its access tokens expire.
Departments and merchants send an API key in ``X-Api-Key``; only its SHA-256 is stored.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.security.jwt import JWTAuth, Token
from litestar.types import ASGIApp
from redis.exceptions import ConnectionError as RedisConnectionError

from backend.identity.principals import CitizenPrincipal, ClientPrincipal, OfficerPrincipal
from backend.platform.config import Settings
from backend.platform.errors import Forbidden, Unauthorized
from backend.platform.redis import namespaced

log = logging.getLogger("backend.security")
API_KEY_HEADER = "x-api-key"
PUBLIC_PATHS = [
    "^/healthz",
    "^/readyz",
    "^/schema",
    "^/v1/auth/(codes|sign-up|sign-in|refresh|officer/sign-in)$",
    "^/v1/public/",
    "^/v1/department/",
    "^/v1/merchant/",
]


def revoked_session_key(settings: Settings, session_id: str) -> str:
    return namespaced(settings.redis_namespace, "revoked-session", session_id)


async def _principal_from_token(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> CitizenPrincipal | OfficerPrincipal | None:
    extras = token.extras
    if extras.get("kind") == "citizen":
        return CitizenPrincipal(
            account_id=int(token.sub), citizen_id=int(extras["cid"]), session_id=extras["sid"]
        )
    if extras.get("kind") == "officer":
        return OfficerPrincipal(
            officer_id=int(token.sub),
            username=str(extras["usr"]),
            roles=tuple(extras.get("roles", ())),
            session_id=extras["sid"],
        )
    return None


async def _session_revoked(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    settings: Settings = connection.app.state.settings
    sid = token.extras.get("sid")
    if not sid:
        return True
    try:
        return bool(await connection.app.state.redis.exists(revoked_session_key(settings, sid)))
    except (RedisConnectionError, OSError):
        # Availability over a 15-minute window: refresh tokens are checked in PostgreSQL.
        log.warning("Redis unavailable: session revocation not checked for this request")
        return False


def build_jwt_auth(settings: Settings) -> JWTAuth[Any, Token]:
    return JWTAuth[Any, Token](
        token_secret=settings.jwt_secret,
        retrieve_user_handler=_principal_from_token,
        revoked_token_handler=_session_revoked,
        default_token_expiration=timedelta(minutes=settings.access_token_minutes),
        exclude=PUBLIC_PATHS,
        description="Citizen or officer access token from /v1/auth",
    )


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    """Authenticates departments or merchants (``kind``) by API key."""

    def __init__(self, app: ASGIApp, kind: str) -> None:
        super().__init__(app)
        self.kind = kind

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        from backend.identity.service import authenticate_api_key

        key = connection.headers.get(API_KEY_HEADER)
        if not key:
            raise Unauthorized("send your API key in the X-Api-Key header", code="api-key-missing")
        principal = await authenticate_api_key(key, self.kind)
        return AuthenticationResult(user=principal, auth=key)


async def citizen_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    if not isinstance(connection.user, CitizenPrincipal):
        raise Forbidden("this endpoint is for signed-in citizens", code="citizen-only")


async def officer_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    if not isinstance(connection.user, OfficerPrincipal):
        raise Forbidden("this endpoint is for credit officers", code="officer-only")


async def admin_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    await officer_guard(connection, _)
    if "admin" not in connection.user.roles:
        raise Forbidden("this endpoint needs the admin role", code="admin-only")


async def department_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    user = connection.user
    if not isinstance(user, ClientPrincipal) or user.kind != "department":
        raise Forbidden("this endpoint is for reporting departments", code="department-only")


async def merchant_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    user = connection.user
    if not isinstance(user, ClientPrincipal) or user.kind != "merchant":
        raise Forbidden("this endpoint is for partner merchants", code="merchant-only")


def scope_guard(scope: str) -> Any:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if scope not in connection.user.scopes:
            raise Forbidden(f"this API key lacks the scope {scope!r}", code="scope-missing")

    return guard
