"""Documents the RFC 9457 problem responses on every API route in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from litestar import Controller
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from backend.platform.errors import PROBLEM_MEDIA_TYPE, Problem

_DESCRIPTIONS = {
    400: "Malformed request (problem document)",
    401: "Missing, invalid or expired credentials (problem document)",
    403: "Authenticated but not allowed (problem document)",
    404: "Not found, or not yours (problem document)",
    409: "Conflicts with the current state (problem document)",
    413: "Too large (problem document)",
    422: "Validation failed: `field` and `errors` name each field and reason",
    429: "Rate limited (problem document; see Retry-After)",
    500: "Internal error (problem document with the request id)",
}


def _problem_responses() -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=description,
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status, description in _DESCRIPTIONS.items()
    }


def _handlers(item: Any) -> list[HTTPRouteHandler]:
    if isinstance(item, HTTPRouteHandler):
        return [item]
    if isinstance(item, type) and issubclass(item, Controller):
        return [v for v in vars(item).values() if isinstance(v, HTTPRouteHandler)]
    return []


def document_problems(*items: Any) -> None:
    """Add the problem responses to each handler that does not declare its own."""
    for item in items:
        for handler in _handlers(item):
            merged = _problem_responses()
            merged.update(handler.responses or {})
            handler.responses = merged
