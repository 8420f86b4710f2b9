"""Authentication and guards for each group of routes.

Citizens and officers carry short-lived JWTs (Litestar's JWTAuth); the token itself names the
principal, so the hot paths need no database read. A session (refresh-token family) that is
signed out or caught reusing a rotated token is listed in Redis until its access tokens expire.
Departments and merchants send an API key in ``X-Api-Key``; only its SHA-256 is stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.openapi.spec import Components, SecurityScheme
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token
from litestar.types import ASGIApp, Scope
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from backend.identity.principals import CitizenPrincipal, ClientPrincipal, OfficerPrincipal
from backend.identity.revocation import complete_key, session_revoked
from backend.identity.service import authenticate_api_key, revoked_session_key
from backend.platform.config import Settings
from backend.platform.errors import Forbidden, Unauthorized
from backend.platform.gate import SESSION_CHECKED_BY_GATE
from backend.platform.keyring import LEGACY_KEY_ID
from backend.platform.language import say
from backend.platform.logs import bind
from backend.platform.lru import ExpiringLRU

log = logging.getLogger("backend.security")
API_KEY_HEADER = "x-api-key"
ACCESS_TOKEN_SCHEME = "AccessToken"  # noqa: S105 (a scheme name, not a secret)
API_KEY_SCHEME = "ApiKey"
# Routes reached with an API key instead of a JWT (the API-key middleware guards them).
API_KEY_PATHS = ["^/v1/department/", "^/v1/merchant/", "^/v1/institution/"]
PUBLIC_PATHS = [
    "^/healthz",
    "^/readyz",
    "^/schema",
    "^/v1/auth/(codes|sign-up|sign-in|refresh|officer/sign-in)$",
    "^/v1/public/",
    *API_KEY_PATHS,
]


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
        return await session_revoked(connection.app.state.redis, settings, sid)
    except (RedisConnectionError, OSError):
        # Availability over a 15-minute window: refresh tokens are checked in PostgreSQL.
        log.warning("Redis unavailable: session revocation not checked for this request")
        return False


class GateSessions:
    """The session check the rate-limit gate makes in its Redis round trip
    (``backend.platform.gate``): the same keys and the same rebuild after a wipe as
    ``session_revoked``, and the same 401 ``session-revoked``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.complete = complete_key(settings)

    def session_keys(self, scope: Scope) -> tuple[str, str] | None:
        user = scope.get("user")
        if not isinstance(user, CitizenPrincipal | OfficerPrincipal):
            return None
        if not user.session_id:
            raise self.refusal()
        return revoked_session_key(self.settings, user.session_id), self.complete

    async def revoked_slow(self, redis: Redis, scope: Scope) -> bool:
        user = scope.get("user")
        assert isinstance(user, CitizenPrincipal | OfficerPrincipal)
        return await session_revoked(redis, self.settings, user.session_id)

    def refusal(self) -> Exception:
        return _token_problem("session-revoked")


def _bind_principal(user: CitizenPrincipal | OfficerPrincipal) -> None:
    """Every later log line of this request names who made it (ids only, never names)."""
    if isinstance(user, CitizenPrincipal):
        bind(citizen_id=user.citizen_id)
    else:
        bind(officer_id=user.officer_id)


@dataclass(frozen=True, slots=True)
class _Verified:
    """A token whose signature and claims were checked: the key that signed it (a hit must
    still find that very key configured) and what it was turned into."""

    kid: str
    secret: bytes
    token: Token
    user: CitizenPrincipal | OfficerPrincipal


# Verified access tokens (the token itself → its principal), each kept until its ``exp`` and at
# most this many (the least recently used go first): a signature check and a decode once per
# token, not per request. The session is still checked on every request (revocation).
VERIFIED_TOKENS: ExpiringLRU[str, _Verified] = ExpiringLRU(10_000)


class AccessTokenMiddleware(JWTAuthenticationMiddleware):
    """Litestar's JWT middleware with failures an app can act on: ``token-expired`` (refresh),
    ``session-revoked`` (sign the citizen out) or ``token-invalid`` (anything else). A token
    verified once is remembered (``VERIFIED_TOKENS``) while its key stays configured. Where the
    route's gate checks the session (``SESSION_CHECKED_BY_GATE``), this does not."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, encoded = connection.headers.get(self.auth_header, "").partition(" ")
        if scheme.lower() != "bearer" or not encoded.strip():
            raise _token_problem("token-invalid")
        return await self.authenticate_token(encoded_token=encoded.strip(), connection=connection)

    async def authenticate_token(
        self, encoded_token: str, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        settings: Settings = connection.app.state.settings
        verified = _remembered(encoded_token, settings)
        if verified is None:
            verified = await self._verify(encoded_token, connection, settings)
        token, user = verified.token, verified.user
        gated = connection.scope["route_handler"].opt.get(SESSION_CHECKED_BY_GATE)
        if (
            not gated
            and self.revoked_token_handler
            and await self.revoked_token_handler(token, connection)
        ):
            raise _token_problem("session-revoked")
        _bind_principal(user)
        return AuthenticationResult(user=user, auth=token)

    async def _verify(
        self,
        encoded_token: str,
        connection: ASGIConnection[Any, Any, Any, Any],
        settings: Settings,
    ) -> _Verified:
        kid, secret = _key_for(encoded_token, settings)
        try:
            token = self.token_cls.decode(
                encoded_token=encoded_token,
                secret=secret.decode(),
                algorithm=self.algorithm,
                audience=self.token_audience,
                issuer=self.token_issuer,
                require_claims=self.require_claims,
                verify_exp=self.verify_expiry,
                verify_nbf=self.verify_not_before,
                strict_audience=self.strict_audience,
            )
        except NotAuthorizedException as exc:
            if isinstance(exc.__cause__, jwt.ExpiredSignatureError):
                raise _token_problem("token-expired") from None
            raise _token_problem("token-invalid") from None
        user = await self.retrieve_user_handler(token, connection)
        if not isinstance(user, CitizenPrincipal | OfficerPrincipal):
            raise _token_problem("token-invalid")
        verified = _Verified(kid=kid, secret=secret, token=token, user=user)
        VERIFIED_TOKENS.put(encoded_token, verified, token.exp.timestamp())
        return verified


def _remembered(encoded_token: str, settings: Settings) -> _Verified | None:
    """The token as verified before, while it has not expired and its key stays configured."""
    verified = VERIFIED_TOKENS.get(encoded_token, time.time())
    if verified is not None and settings.keyrings.jwt.get(verified.kid) != verified.secret:
        VERIFIED_TOKENS.discard(encoded_token)  # its key was removed (or replaced)
        verified = None
    return verified


def remembered_citizen(authorization: str, settings: Settings) -> CitizenPrincipal | None:
    """The citizen an ``Authorization: Bearer`` header names, when that very token was verified
    before (``VERIFIED_TOKENS``) and is still good; None otherwise (the full check decides).
    The session is not checked here: the caller's gate does that (``GateSessions``)."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    verified = _remembered(encoded.strip(), settings)
    user = verified.user if verified is not None else None
    if not isinstance(user, CitizenPrincipal) or not user.session_id:
        return None
    _bind_principal(user)
    return user


def _key_for(encoded_token: str, settings: Settings) -> tuple[str, bytes]:
    """The id and secret of the key the token's ``kid`` names: the current one or an old one
    still configured (the overlap of a rotation). A token without ``kid`` is the legacy key's."""
    try:
        kid = jwt.get_unverified_header(encoded_token).get("kid", LEGACY_KEY_ID)
    except jwt.InvalidTokenError:
        raise _token_problem("token-invalid") from None
    key = settings.keyrings.jwt.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise _token_problem("token-invalid")
    return kid, key


_TOKEN_ERRORS = {
    "token-expired": (
        "访问令牌已过期，请用 POST /v1/auth/refresh 刷新。",
        "The access token has expired: refresh it with POST /v1/auth/refresh.",
    ),
    "session-revoked": (
        "此次登录已退出或被撤销，请重新登录。",
        "This session was signed out or revoked: sign in again.",
    ),
    "token-invalid": (
        "缺少或无法识别访问令牌（Authorization: Bearer …），请重新登录。",
        "The access token (Authorization: Bearer …) is missing or not valid: sign in again.",
    ),
}


def _token_problem(code: str) -> Unauthorized:
    return Unauthorized(
        say(*_TOKEN_ERRORS[code]),
        code=code,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{code}"'},
    )


@dataclass
class AccessTokenAuth(JWTAuth[Any, Token]):
    """Citizen and officer access tokens: an HTTP bearer scheme in OpenAPI (no ``name``, which
    OpenAPI forbids on ``http`` schemes), the middleware above, and ``kid`` in the header so a
    rotated secret can keep verifying while it is listed in ``JWT_OLD_SECRETS``."""

    key_id: str = LEGACY_KEY_ID  # the id of ``token_secret``, the current JWT key

    def create_token(
        self,
        identifier: str,
        token_expiration: timedelta | None = None,
        token_issuer: str | None = None,
        token_audience: str | None = None,
        token_unique_jwt_id: str | None = None,
        token_extras: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> str:
        """As Litestar's, signed with the current secret and naming it by ``kid``."""
        token = self.token_cls(
            sub=identifier,
            exp=datetime.now(UTC) + (token_expiration or self.default_token_expiration),
            iss=token_issuer,
            aud=token_audience,
            jti=token_unique_jwt_id,
            extras=token_extras or {},
            **kwargs,
        )
        claims = {k: v for k, v in asdict(token).items() if v is not None}
        return jwt.encode(
            claims, self.token_secret, algorithm=self.algorithm, headers={"kid": self.key_id}
        )

    @property
    def openapi_components(self) -> Components:
        return Components(
            security_schemes={
                ACCESS_TOKEN_SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description=self.description,
                )
            }
        )


def build_jwt_auth(settings: Settings) -> AccessTokenAuth:
    return AccessTokenAuth(
        token_secret=settings.jwt_secret,
        key_id=settings.jwt_key_id,
        retrieve_user_handler=_principal_from_token,
        revoked_token_handler=_session_revoked,
        default_token_expiration=timedelta(minutes=settings.access_token_minutes),
        # The console signs in by its own cookie session (backend.console).
        exclude=[*PUBLIC_PATHS, "^/console"],
        # HEAD is authenticated like GET; only a CORS preflight carries no credentials.
        exclude_http_methods=["OPTIONS"],
        authentication_middleware_class=AccessTokenMiddleware,
        openapi_security_scheme_name=ACCESS_TOKEN_SCHEME,
        description=(
            "Citizen or officer access token (JWT) from /v1/auth/sign-in, /v1/auth/sign-up,"
            " /v1/auth/refresh or /v1/auth/officer/sign-in, sent as `Authorization: Bearer …`."
        ),
    )


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    """Authenticates departments or merchants (``kind``) by API key."""

    def __init__(self, app: ASGIApp, kind: str) -> None:
        super().__init__(app)
        self.kind = kind

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        key = connection.headers.get(API_KEY_HEADER)
        if not key:
            detail = say("请在 X-Api-Key 请求头中提供 API 密钥", "send the key in X-Api-Key")
            raise Unauthorized(detail, code="api-key-missing")
        principal = await authenticate_api_key(key, self.kind)
        bind(client_id=principal.client_id)
        return AuthenticationResult(user=principal, auth=key)


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def _principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
    # Authentication middleware skips OPTIONS, so ``connection.user`` may be unset: never assume.
    return connection.scope.get("user")


def _preflight(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """An OPTIONS request only learns the allowed methods, which are public knowledge."""
    return connection.scope.get("method") == "OPTIONS"


def principal_guard(check: Callable[[Any], bool], detail: tuple[str, str], code: str) -> Guard:
    """A guard that lets OPTIONS through and otherwise requires ``check(principal)``;
    ``detail`` is (Chinese, English)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if _preflight(connection):
            return
        if not check(_principal(connection)):
            raise Forbidden(say(*detail), code=code)

    return guard


citizen_guard = principal_guard(
    lambda user: isinstance(user, CitizenPrincipal),
    ("此接口仅供已登录的市民使用", "this endpoint is for signed-in citizens"),
    "citizen-only",
)
officer_guard = principal_guard(
    lambda user: isinstance(user, OfficerPrincipal),
    ("此接口仅供信用办工作人员使用", "this endpoint is for credit officers"),
    "officer-only",
)
# Acting on cases, lists and policy drafts needs the officer or admin role; reading does not
# (the ``reports`` role alone reads, and handles reporter identities).
officer_role_guard = principal_guard(
    lambda user: (
        isinstance(user, OfficerPrincipal) and bool({"officer", "admin"} & set(user.roles))
    ),
    ("此操作需要 officer 或 admin 角色", "this action needs the officer or admin role"),
    "officer-role-required",
)
# The confidential identities of people who report dishonesty (举报人): the reports role only.
reports_guard = principal_guard(
    lambda user: isinstance(user, OfficerPrincipal) and "reports" in user.roles,
    ("此接口需要 reports 角色", "this endpoint needs the reports role"),
    "reports-role-required",
)
admin_guard = principal_guard(
    lambda user: isinstance(user, OfficerPrincipal) and "admin" in user.roles,
    ("此接口需要管理员角色", "this endpoint needs the admin role"),
    "admin-only",
)
department_guard = principal_guard(
    lambda user: isinstance(user, ClientPrincipal) and user.kind == "department",
    ("此接口仅供数据报送单位使用", "this endpoint is for reporting departments"),
    "department-only",
)
merchant_guard = principal_guard(
    lambda user: isinstance(user, ClientPrincipal) and user.kind == "merchant",
    ("此接口仅供合作商户使用", "this endpoint is for partner merchants"),
    "merchant-only",
)
institution_guard = principal_guard(
    lambda user: isinstance(user, ClientPrincipal) and user.kind == "institution",
    ("此接口仅供授权查询机构使用", "this endpoint is for authorised-query institutions"),
    "institution-only",
)


def scope_guard(scope: str) -> Guard:
    return principal_guard(
        lambda user: scope in getattr(user, "scopes", ()),
        (f"此 API 密钥没有 {scope} 权限范围", f"this API key lacks the scope {scope!r}"),
        "scope-missing",
    )
