"""JSON bodies arrive as JSON: any other declared ``Content-Type`` answers 415, so a client
that sends a form or plain text learns at once instead of having it read as JSON by chance."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType

from backend.platform.errors import ProblemError
from backend.platform.language import say


class UnsupportedMediaType(ProblemError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


def takes_json_body(request: Request[Any, Any, Any]) -> bool:
    data = request.route_handler.parsed_data_field
    if data is None:
        return False
    media = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    return bool(media == RequestEncodingType.JSON)


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def refuse_non_json_bodies(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook: a request with a body for a JSON operation must say JSON."""
    if request.method not in ("POST", "PUT", "PATCH") or not takes_json_body(request):
        return
    content_type = request.headers.get("content-type")
    has_body = (
        request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    )
    if has_body and content_type is not None and not is_json(content_type):
        raise UnsupportedMediaType(
            say(
                f"请求体应为 application/json，而不是 {content_type}",
                f"send the body as application/json, not {content_type}",
            ),
            field="Content-Type",
        )
