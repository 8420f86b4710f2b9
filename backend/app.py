"""The Litestar application: one versioned API, each caller group with its own auth and guards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.config.response_cache import ResponseCacheConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig
from redis.asyncio import Redis

from backend.console.routes import TEMPLATES as CONSOLE_TEMPLATES
from backend.console.routes import console_router
from backend.console.session import SESSION_HOURS as CONSOLE_SESSION_HOURS
from backend.contract import finish_served_document
from backend.domains import ROUTES
from backend.identity.principals import CitizenPrincipal, ClientPrincipal, OfficerPrincipal
from backend.identity.security import (
    API_KEY_SCHEME,
    ApiKeyMiddleware,
    GateSessions,
    build_jwt_auth,
    citizen_guard,
    department_guard,
    institution_guard,
    merchant_guard,
    officer_guard,
)
from backend.identity.sms import SmsSender
from backend.platform.bootstrap import default_redis_url, resolve_services
from backend.platform.caching import PUBLIC, ConditionalGetMiddleware
from backend.platform.config import Settings, get_settings
from backend.platform.docs import docs_render_plugins
from backend.platform.errors import EXCEPTION_HANDLERS
from backend.platform.gate import GateMiddleware, gate_opt
from backend.platform.health import healthz, readyz
from backend.platform.idempotency import IdempotencyMiddleware
from backend.platform.language import LanguageMiddleware
from backend.platform.logs import configure_logging
from backend.platform.media import refuse_non_json_bodies
from backend.platform.metrics import metrics_endpoint, record_request
from backend.platform.openapi import document_problems
from backend.platform.redis import create_redis, namespaced
from backend.platform.requestid import RequestIdMiddleware
from backend.platform.stores import FailOpenRedisStore
from backend.platform.tracing import configure_tracing, traced
from backend.scoring.hotpath import CardShortPath
from backend.wiring import start_runtime, stop_runtime


def _principal_key(scope: Any) -> str | None:
    user = scope.get("user")
    if isinstance(user, CitizenPrincipal):
        return f"citizen:{user.citizen_id}"
    if isinstance(user, OfficerPrincipal):
        return f"officer:{user.officer_id}"
    if isinstance(user, ClientPrincipal):
        return f"client:{user.client_id}"
    return None


def _address(scope: Any) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "127.0.0.1"


# Every router's gate checks the session of a signed-in caller, so the authentication
# middleware does not (one Redis round trip for both).
GATED = gate_opt(sessions=True)


def _limit(
    bucket: str, per_minute: int, *, by_principal: bool, settings: Settings, redis: Redis
) -> DefineMiddleware:
    """One bucket per caller group, so reading public pages cannot lock an address out of
    signing in; keyed on the principal where there is one, else on the address. The gate also
    checks the session of a signed-in caller and reads what the route prefetches, in the same
    Redis round trip (see backend.platform.gate)."""

    def identify(scope: Any) -> str:
        who = _principal_key(scope) if by_principal else None
        return f"{bucket}:{who or 'ip:' + _address(scope)}"

    def counter_key(identity: str) -> str:
        return namespaced(settings.redis_namespace, "rl", identity)

    return DefineMiddleware(
        GateMiddleware,
        bucket=bucket,
        per_minute=per_minute,
        identify=identify,
        counter_key=counter_key,
        sessions=GateSessions(settings),
        redis=redis,
    )


document_problems(ROUTES.auth, authenticated=False)
document_problems(ROUTES.public, authenticated=False)
document_problems(
    [*ROUTES.citizen, *ROUTES.department, *ROUTES.merchant, *ROUTES.institution, *ROUTES.officer],
    authenticated=True,
)
document_problems([healthz], authenticated=False, rate_limited=False, uses_services=False)
document_problems([readyz], authenticated=False, rate_limited=False)


def _api_key_router(path: str, kind: str, handlers: Any, guard: Any, limit: Any) -> Router:
    return Router(
        path=path,
        opt=GATED,
        route_handlers=list(handlers),
        guards=[guard],
        middleware=[DefineMiddleware(ApiKeyMiddleware, kind=kind), limit],
        security=[{API_KEY_SCHEME: []}],
    )


def _citizen_limit(settings: Settings, redis: Redis) -> DefineMiddleware:
    """The citizen router's gate; the card's short path (``CardShortPath``) passes its requests
    through a gate made from the same definition."""
    return _limit(
        "citizen",
        settings.citizen_rate_per_minute,
        by_principal=True,
        settings=settings,
        redis=redis,
    )


def _routers(settings: Settings, redis: Redis, citizen_limit: DefineMiddleware) -> list[Router]:
    citizen_rate, client_rate = settings.citizen_rate_per_minute, settings.client_rate_per_minute

    def _rate_limit(bucket: str, per_minute: int, *, by_principal: bool) -> DefineMiddleware:
        return _limit(bucket, per_minute, by_principal=by_principal, settings=settings, redis=redis)

    routers = [
        Router(
            path="/v1",
            opt=GATED,
            route_handlers=list(ROUTES.auth),
            middleware=[_rate_limit("auth", settings.auth_rate_per_minute, by_principal=False)],
        ),
        Router(
            path="/v1",
            opt=GATED,
            route_handlers=list(ROUTES.citizen),
            guards=[citizen_guard],
            middleware=[
                citizen_limit,
                DefineMiddleware(IdempotencyMiddleware, owner_of=_principal_key),
                ConditionalGetMiddleware,
            ],
        ),
        _api_key_router(
            "/v1/department",
            "department",
            ROUTES.department,
            department_guard,
            _rate_limit("department", client_rate, by_principal=True),
        ),
        Router(
            path="/v1/officer",
            opt=GATED,
            route_handlers=list(ROUTES.officer),
            guards=[officer_guard],
            middleware=[_rate_limit("officer", citizen_rate, by_principal=True)],
        ),
    ]
    if ROUTES.merchant:
        routers.append(
            _api_key_router(
                "/v1/merchant",
                "merchant",
                ROUTES.merchant,
                merchant_guard,
                _rate_limit("merchant", client_rate, by_principal=True),
            )
        )
    if ROUTES.institution:
        routers.append(
            _api_key_router(
                "/v1/institution",
                "institution",
                ROUTES.institution,
                institution_guard,
                _rate_limit("institution", client_rate, by_principal=True),
            )
        )
    if ROUTES.public:
        public_rate = settings.auth_rate_per_minute * 10
        routers.append(
            Router(
                path="/v1/public",
                opt=GATED,
                route_handlers=list(ROUTES.public),
                middleware=[
                    _rate_limit("public", public_rate, by_principal=False),
                    DefineMiddleware(ConditionalGetMiddleware, cache_control=PUBLIC),
                ],
            )
        )
    return routers


def _console(settings: Settings) -> Router:
    """The office's console: a server-side session in Redis (cookie on /console only) and CSRF
    protection on every form; secure cookies in production."""
    secure = settings.env == "production"
    sessions = ServerSideSessionConfig(
        store="console_sessions",
        key="console_session",
        max_age=CONSOLE_SESSION_HOURS * 3600,
        path="/console",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    csrf = CSRFConfig(
        secret=settings.jwt_secret,
        cookie_name="console_csrf",
        cookie_path="/console",
        cookie_secure=secure,
        cookie_httponly=True,
        cookie_samesite="strict",
    )
    return console_router([sessions.middleware, DefineMiddleware(CSRFMiddleware, config=csrf)])


class CreditCardApp(Litestar):
    """Litestar, answering HEAD as GET without the body (RFC 9110 §9.3.2) on every GET route:
    same authentication, limits and headers, so a HEAD tells exactly what a GET would."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}
            send = _headers_only(send)
        await super().__call__(scope, receive, send)


def _headers_only(send: Any) -> Any:
    async def wrapped(message: Any) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {**message, "body": b""}
        await send(message)

    return wrapped


def _outermost_middleware(app_config: AppConfig) -> AppConfig:
    """Language wraps authentication too, so its problems carry it (the request id wraps the
    whole application: see create_app)."""
    app_config.middleware[:0] = [LanguageMiddleware]
    return app_config


def create_app(settings: Settings | None = None, *, sms: SmsSender | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(settings)
    configure_tracing(settings)
    jwt_auth = build_jwt_auth(settings)
    redis = create_redis(default_redis_url(settings))
    citizen_limit = _citizen_limit(settings, redis)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        database_url, redis_url, embedded = resolve_services(settings)
        rt = await start_runtime(
            settings, database_url, redis_url, sms=sms, jwt_auth=jwt_auth, redis=redis
        )
        app.state.settings = settings
        app.state.redis = rt.redis
        try:
            yield
        finally:
            await stop_runtime(rt)
            embedded.stop()

    app = CreditCardApp(
        route_handlers=[
            healthz,
            readyz,
            metrics_endpoint,
            *_routers(settings, redis, citizen_limit),
            _console(settings),
        ],
        lifespan=[lifespan],
        on_app_init=[jwt_auth.on_app_init, _outermost_middleware],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=refuse_non_json_bodies,
        stores={
            "rate_limit": FailOpenRedisStore(
                redis, namespace=namespaced(settings.redis_namespace, "rl")
            ),
            "response_cache": RedisStore(
                redis, namespace=namespaced(settings.redis_namespace, "cache")
            ),
            "console_sessions": RedisStore(
                redis, namespace=namespaced(settings.redis_namespace, "console")
            ),
        },
        template_config=TemplateConfig(directory=CONSOLE_TEMPLATES, engine=JinjaTemplateEngine),
        response_cache_config=ResponseCacheConfig(store="response_cache"),
        # Brotli where the client takes it (smaller JSON for the same CPU), else gzip.
        compression_config=CompressionConfig(
            backend="brotli", brotli_gzip_fallback=True, minimum_size=1024
        ),
        openapi_config=OpenAPIConfig(
            title="Citizen Credit Card API (市民信用卡)",
            version="1.0.0",
            path="/schema",
            description=(
                "Citizens see their credit card; departments report records; officers review."
                " Errors are RFC 9457 problem documents with a stable `type`."
            ),
            components=Components(
                security_schemes={
                    API_KEY_SCHEME: SecurityScheme(
                        type="apiKey",
                        name="X-Api-Key",
                        security_scheme_in="header",
                        description="Department or merchant API key, sent as `X-Api-Key`.",
                    )
                }
            ),
            use_handler_docstrings=True,
            render_plugins=docs_render_plugins(),
        ),
        debug=False,
        # Ours (backend.platform.logs) is the process's logging: Litestar must not replace it.
        logging_config=None,
    )
    finish_served_document(app)
    card = CardShortPath(
        app.asgi_handler,
        gate=GateMiddleware(app.asgi_handler, **citizen_limit.kwargs),
        compression=app.compression_config,
    )
    # Around the router too, so unmatched routes (404/405) get an id and an access line.
    app.asgi_handler = traced(RequestIdMiddleware(card, record=record_request), settings)
    return app
