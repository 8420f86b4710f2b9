"""The Litestar application: one versioned API, each caller group with its own auth and guards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Router
from litestar.config.response_cache import ResponseCacheConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.stores.redis import RedisStore

from backend.domains import ROUTES
from backend.identity.principals import CitizenPrincipal, ClientPrincipal, OfficerPrincipal
from backend.identity.security import (
    ApiKeyMiddleware,
    build_jwt_auth,
    citizen_guard,
    department_guard,
    merchant_guard,
    officer_guard,
)
from backend.identity.sms import SmsSender
from backend.platform.bootstrap import (
    default_redis_url,
    resolve_services,
    start_runtime,
    stop_runtime,
)
from backend.platform.config import Settings, get_settings
from backend.platform.errors import EXCEPTION_HANDLERS
from backend.platform.health import healthz, readyz
from backend.platform.openapi import document_problems
from backend.platform.redis import create_redis, namespaced
from backend.platform.requestid import RequestIdMiddleware, configure_logging
from backend.platform.stores import FailOpenRedisStore

API_KEY_SECURITY: list[dict[str, list[str]]] = [{"ApiKey": []}]


def _by_ip(request: Request[Any, Any, Any]) -> str:
    return "ip:" + get_remote_address(request)


def _by_principal(request: Request[Any, Any, Any]) -> str:
    user = request.scope.get("user")
    if isinstance(user, CitizenPrincipal):
        return f"citizen:{user.citizen_id}"
    if isinstance(user, OfficerPrincipal):
        return f"officer:{user.officer_id}"
    if isinstance(user, ClientPrincipal):
        return f"client:{user.client_id}"
    return _by_ip(request)


def _rate_limit(per_minute: int, identify: Any) -> DefineMiddleware:
    config = RateLimitConfig(
        rate_limit=("minute", per_minute), store="rate_limit", identifier_for_request=identify
    )
    return config.middleware


document_problems(*ROUTES.all())


def _api_key_router(path: str, kind: str, handlers: Any, guard: Any, limit: Any) -> Router:
    return Router(
        path=path,
        route_handlers=list(handlers),
        guards=[guard],
        middleware=[DefineMiddleware(ApiKeyMiddleware, kind=kind), limit],
        security=API_KEY_SECURITY,
    )


def _routers(settings: Settings) -> list[Router]:
    principal_limit = _rate_limit(settings.citizen_rate_per_minute, _by_principal)
    client_limit = _rate_limit(settings.client_rate_per_minute, _by_principal)
    routers = [
        Router(
            path="/v1",
            route_handlers=list(ROUTES.auth),
            middleware=[_rate_limit(settings.auth_rate_per_minute, _by_ip)],
        ),
        Router(
            path="/v1",
            route_handlers=list(ROUTES.citizen),
            guards=[citizen_guard],
            middleware=[principal_limit],
        ),
        _api_key_router(
            "/v1/department", "department", ROUTES.department, department_guard, client_limit
        ),
        Router(
            path="/v1/officer",
            route_handlers=list(ROUTES.officer),
            guards=[officer_guard],
            middleware=[principal_limit],
        ),
    ]
    if ROUTES.merchant:
        routers.append(
            _api_key_router(
                "/v1/merchant", "merchant", ROUTES.merchant, merchant_guard, client_limit
            )
        )
    if ROUTES.public:
        routers.append(
            Router(
                path="/v1/public",
                route_handlers=list(ROUTES.public),
                middleware=[_rate_limit(settings.auth_rate_per_minute * 10, _by_ip)],
            )
        )
    return routers


def create_app(settings: Settings | None = None, *, sms: SmsSender | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    jwt_auth = build_jwt_auth(settings)
    redis = create_redis(default_redis_url(settings))

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

    return Litestar(
        route_handlers=[healthz, readyz, *_routers(settings)],
        lifespan=[lifespan],
        on_app_init=[jwt_auth.on_app_init],
        middleware=[RequestIdMiddleware],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        stores={
            "rate_limit": FailOpenRedisStore(
                redis, namespace=namespaced(settings.redis_namespace, "rl")
            ),
            "response_cache": RedisStore(
                redis, namespace=namespaced(settings.redis_namespace, "cache")
            ),
        },
        response_cache_config=ResponseCacheConfig(store="response_cache"),
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
                    "ApiKey": SecurityScheme(
                        type="apiKey",
                        name="X-Api-Key",
                        security_scheme_in="header",
                        description="Department or merchant API key",
                    )
                }
            ),
        ),
        debug=False,
    )
