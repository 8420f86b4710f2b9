"""RFC 9457 problem details with a stable ``type`` per error and no stack traces to clients.

A request that fails because PostgreSQL or Redis is away answers 503 with ``Retry-After``
(``service-unavailable``), decided once here for every route."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Annotated, Any

import asyncpg
import msgspec
import redis.exceptions
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from backend.platform.language import current_language, say, use_language_of
from backend.platform.problem_texts import plain_reason, title_for
from backend.platform.requestid import current_request_id, new_request_id

log = logging.getLogger("backend.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:citizen-credit:problem:"


class FieldError(msgspec.Struct, frozen=True):
    """One field that failed, and why."""

    field: Annotated[
        str,
        msgspec.Meta(
            description="The field's path in camelCase (`records[2].citizenName`), a header"
            " (`Idempotency-Key`), a parameter (`cursor`) or `body`",
            examples=["phone"],
        ),
    ]
    reason: Annotated[
        str,
        msgspec.Meta(
            description="Why, in plain words in the request's language",
            examples=["应为 11 位手机号码，以 1 开头"],
        ),
    ]


class Problem(msgspec.Struct, omit_defaults=True, rename="camel"):
    """RFC 9457 problem document (extension members in camelCase)."""

    type: Annotated[
        str,
        msgspec.Meta(
            description="Stable problem type: `urn:citizen-credit:problem:<code>`; branch on"
            " this, never on the texts",
            examples=["urn:citizen-credit:problem:validation-failed"],
        ),
    ]
    title: Annotated[
        str,
        msgspec.Meta(
            description="Short summary of the type, in the request's language (Accept-Language)",
            examples=["请求内容不符合要求"],
        ),
    ]
    status: Annotated[int, msgspec.Meta(description="The HTTP status code", examples=[422])]
    detail: Annotated[
        str | None,
        msgspec.Meta(
            description="What went wrong this time, in plain words in the request's language"
        ),
    ] = None
    instance: Annotated[
        str | None, msgspec.Meta(description="The request path", examples=["/v1/auth/codes"])
    ] = None
    request_id: Annotated[
        str | None,
        msgspec.Meta(description="Also in the `X-Request-Id` header; quote it when reporting"),
    ] = None
    field: Annotated[
        str | None, msgspec.Meta(description="The first field at fault, if a field is")
    ] = None
    errors: Annotated[
        list[FieldError] | None, msgspec.Meta(description="Every field at fault, with reasons")
    ] = None
    extra: Annotated[
        dict[str, Any] | None,
        msgspec.Meta(description="Type-specific facts (e.g. `service` on 503, `recordStatus`)"),
    ] = None


class ProblemError(Exception):
    """A client-visible error. Subclasses fix the status and the stable type code."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: list[FieldError] | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail)
        if code is not None:
            self.code = code
        self.detail = detail
        self.field = field
        self.errors = (
            errors if errors is not None else ([FieldError(field, detail)] if field else None)
        )
        self.extra = dict(extra) if extra else None
        self.headers = dict(headers) if headers else None
        if retry_after is not None:
            # Services say when to come back; the handler writes the HTTP header.
            self.headers = {**(self.headers or {}), "Retry-After": str(max(retry_after, 1))}


class InvalidInput(ProblemError):
    status, code, title = 422, "validation-failed", "The request is not valid"


class Unauthorized(ProblemError):
    status, code, title = 401, "unauthorized", "Authentication is required"


class Forbidden(ProblemError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(ProblemError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, code, title = 409, "conflict", "Conflict with the current state"


class PayloadTooLarge(ProblemError):
    status, code, title = 413, "payload-too-large", "The request is too large"


class TooManyRequests(ProblemError):
    status, code, title = 429, "too-many-requests", "Too many requests"


class ServiceUnavailable(ProblemError):
    status, code, title = 503, "service-unavailable", "A required service is unavailable"


_HTTP_CODES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication is required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "The request is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("too-many-requests", "Too many requests"),
    503: ("service-unavailable", "A required service is unavailable"),
}

_AT_PATH = re.compile(r" - at `\$(?:\.(?P<path>[^`]*))?`")
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `(?P<name>[^`]+)`")


def field_and_reason(message: str, default: str) -> tuple[str, str]:
    """Turn a msgspec validation message into (camelCase field path, reason)."""
    match = _AT_PATH.search(message)
    path = match.group("path") if match and match.group("path") else ""
    named = _NAMED_FIELD.search(message)
    if named:
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    return path or default, plain_reason(_AT_PATH.sub("", message))


def _problem_response(
    problem: Problem, headers: Mapping[str, str] | None = None
) -> Response[bytes]:
    # Unmatched routes never reach the request-id middleware: make one here.
    problem.request_id = current_request_id() or new_request_id()
    return Response(
        content=msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={
            **(headers or {}),
            "x-request-id": problem.request_id,
            "content-language": current_language(),
            "vary": "Accept-Language",
        },
    )


def _validation_errors(exc: ValidationException) -> list[FieldError]:
    errors: list[FieldError] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid value"))
        key = item.get("key")
        source = item.get("source")
        if key == "data" and "`" not in message:
            # Litestar's own message when the body is missing or not decodable at all.
            errors.append(
                FieldError(
                    "body", say("需要 JSON 对象作为请求体", "a JSON object body is required")
                )
            )
            continue
        default = "body" if key in (None, "data") else str(key)
        if source not in (None, "body") and key:
            default = str(key)
        errors.append(FieldError(*field_and_reason(message, default)))
    return errors


def _retry_after(status: int, headers: Mapping[str, str] | None) -> dict[str, str]:
    """Every 429 and 503 says when to come back; the rate limiter's own only sends
    ``RateLimit-Reset`` (seconds until its window ends)."""
    out = dict(headers or {})
    if status in (429, 503) and not any(k.lower() == "retry-after" for k in out):
        reset = next((v for k, v in out.items() if k.lower() == "ratelimit-reset"), None)
        seconds = int(reset) if reset and reset.lstrip("-").isdigit() else RETRY_AFTER_SECONDS
        out["Retry-After"] = str(max(seconds, 1))
    return out


def handle_problem(request: Request[Any, Any, Any], exc: ProblemError) -> Response[bytes]:
    use_language_of(request.headers)
    problem = Problem(
        type=TYPE_PREFIX + exc.code,
        title=title_for(exc.code, exc.status),
        status=exc.status,
        detail=exc.detail,
        instance=request.url.path,
        field=exc.field,
        errors=exc.errors,
        extra=exc.extra,
    )
    return _problem_response(problem, _retry_after(exc.status, exc.headers))


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    use_language_of(request.headers)
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        first = errors[0] if errors else None
        detail = f"{first.field}: {first.reason}" if first else exc.detail
        problem = Problem(
            type=TYPE_PREFIX + "validation-failed",
            title=title_for("validation-failed", 422),
            status=422 if errors else 400,
            detail=detail,
            instance=request.url.path,
            field=first.field if first else None,
            errors=errors or None,
        )
        return _problem_response(problem)
    status = exc.status_code
    code, _ = _HTTP_CODES.get(status, ("http-error", "Request failed"))
    title = title_for(code, status)
    if status >= 500:
        log.error("HTTP %s: %s", status, exc.detail)
    problem = Problem(
        type=TYPE_PREFIX + code,
        title=title,
        status=status,
        detail=exc.detail if status < 500 else None,
        instance=request.url.path,
    )
    return _problem_response(problem, _retry_after(status, exc.headers))


# --- a backing service is away: 503, not 500 ------------------------------------------------------

# Long enough for a pool to reconnect or a failover to finish, short enough for an app to retry.
RETRY_AFTER_SECONDS = 5
POSTGRES = "PostgreSQL"
REDIS = "Redis"

_POSTGRES_DOWN = (
    asyncpg.PostgresConnectionError,  # class 08: includes ConnectionDoesNotExistError
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
_REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
_CLOSED = re.compile(r"connection is closed|pool is clos")
_LIBRARIES = {"asyncpg": POSTGRES, "redis": REDIS, "arq": REDIS}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _raised_in(tb: TracebackType | None) -> str | None:
    """Which client library raised a bare OSError or TimeoutError (a refused connect, a pool
    acquire that timed out): the innermost frame from asyncpg or redis decides."""
    found = None
    while tb is not None:
        package = str(tb.tb_frame.f_globals.get("__name__", "")).partition(".")[0]
        found = _LIBRARIES.get(package, found)
        tb = tb.tb_next
    return found


def unavailable_service(exc: BaseException) -> str | None:
    """The backing service (``POSTGRES`` or ``REDIS``) whose outage caused ``exc``, else None.

    Walks ``__cause__`` / ``__context__``, so a library's wrapper around the connection error
    counts too. Errors of a working server (a constraint, a syntax error) are not outages."""
    for error in _chain(exc):
        if isinstance(error, _POSTGRES_DOWN):
            return POSTGRES
        if isinstance(error, asyncpg.InterfaceError) and _CLOSED.search(str(error)):
            return POSTGRES
        if isinstance(error, _REDIS_DOWN):
            return REDIS
        if isinstance(error, OSError | TimeoutError):
            service = _raised_in(error.__traceback__)
            if service is not None:
                return service
    return None


def handle_unavailable(
    request: Request[Any, Any, Any], exc: Exception, service: str
) -> Response[bytes]:
    # One line per request: an outage fails many requests the same way, a trace each is noise.
    log.warning(
        "%s unavailable on %s %s: %s: %s",
        service,
        request.method,
        request.url.path,
        type(exc).__name__,
        exc,
    )
    problem = Problem(
        type=TYPE_PREFIX + ServiceUnavailable.code,
        title=title_for(ServiceUnavailable.code, 503),
        status=503,
        detail=say(
            f"{service} 暂时不可用，请在 {RETRY_AFTER_SECONDS} 秒后重试。",
            f"{service} is unavailable right now; try again in {RETRY_AFTER_SECONDS} s.",
        ),
        instance=request.url.path,
        extra={"service": service.lower()},
    )
    return _problem_response(problem, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    use_language_of(request.headers)
    service = unavailable_service(exc)
    if service is not None:
        return handle_unavailable(request, exc, service)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    problem = Problem(
        type=TYPE_PREFIX + "internal-error",
        title=title_for("internal-error", 500),
        status=500,
        detail=say(
            "服务器未能处理此请求；反馈问题时请提供请求编号。",
            "The server failed to handle this request; quote the request id when reporting it.",
        ),
        instance=request.url.path,
    )
    return _problem_response(problem)


EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    ProblemError: handle_problem,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
