"""The OpenAPI document as a contract: every problem an operation can answer, and nothing else;
exactly the security scheme it accepts; domain-like component names.

Problems are decided per handler from what it can meet: credentials (401/403), a path id
(404), a body or parameters (400/422), a rate limit (429), a backing service (503), a bug
(500), plus what the handler declares itself with ``opt={"problems": (409, 413, 415)}``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from typing import Any

from litestar import Controller
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPI, Operation, Reference

from backend.platform.errors import PROBLEM_MEDIA_TYPE, Problem

PROBLEM_DESCRIPTIONS = {
    400: "Malformed request: the body is not JSON, or not the kind the operation takes",
    401: "Missing, invalid or expired credentials: `token-expired` (refresh),"
    " `session-revoked` or `token-invalid` (sign in again), `api-key-*` for API keys",
    403: "Authenticated but not allowed (role, scope or ownership)",
    404: "Not found, or not yours (the two are not told apart)",
    409: "Conflicts with the current state (the problem's `type` names which)",
    413: "Too large",
    415: "Unsupported media type",
    422: "Validation failed: `field` and `errors` name each field and reason",
    429: "Rate limited: retry after the seconds in `Retry-After`",
    500: "Internal error: quote the request id when reporting it",
    503: "A backing service is unavailable: retry after the seconds in `Retry-After`",
}
_DI_NAMES = {"request", "state", "scope", "socket", "headers", "cookies", "query", "body"}


def _problem(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=PROBLEM_DESCRIPTIONS[status],
        media_type=PROBLEM_MEDIA_TYPE,
        generate_examples=False,
    )


def _handlers(item: Any) -> list[HTTPRouteHandler]:
    if isinstance(item, HTTPRouteHandler):
        return [item]
    if isinstance(item, type) and issubclass(item, Controller):
        # Inherited handlers too: a kind's controller may extend one built for every kind.
        found = {name: getattr(item, name) for name in dir(item)}
        return [v for v in found.values() if isinstance(v, HTTPRouteHandler)]
    return []


def _inputs(handler: HTTPRouteHandler) -> tuple[bool, bool, bool]:
    """(takes a body, has a path parameter, has query parameters) from the signature alone."""
    names = set(inspect.signature(handler.fn).parameters)
    path_params = {m for p in handler.paths for m in re.findall(r"{(\w+)", p)}
    body = "data" in names
    query = bool(names - path_params - _DI_NAMES - {"data", "self"})
    return body, bool(path_params), query


def problem_statuses(
    handler: HTTPRouteHandler, *, authenticated: bool, rate_limited: bool, uses_services: bool
) -> list[int]:
    body, path, query = _inputs(handler)
    statuses = {500, 503} if uses_services else {500}
    if authenticated:
        statuses |= {401, 403}
    if path:
        statuses.add(404)
    if body:
        statuses.add(415)
    if body or path or query:
        # Litestar answers 400 for what it cannot parse at all and we answer 422 for what
        # does not validate; documenting both also replaces Litestar's own 400 schema.
        statuses |= {400, 422}
    if rate_limited:
        statuses.add(429)
    statuses |= set(handler.opt.get("problems", ()))
    return sorted(statuses)


def document_problems(
    items: Iterable[Any],
    *,
    authenticated: bool,
    rate_limited: bool = True,
    uses_services: bool = True,
) -> None:
    """Add the problem responses each handler can answer, keeping what it declares itself."""
    for item in items:
        for handler in _handlers(item):
            statuses = problem_statuses(
                handler,
                authenticated=authenticated,
                rate_limited=rate_limited,
                uses_services=uses_services,
            )
            merged: dict[int, ResponseSpec] = {s: _problem(s) for s in statuses}
            merged.update(handler.responses or {})
            handler.responses = merged


# --- the finished document ---------------------------------------------------------------------

_GENERIC = re.compile(r"^(?P<outer>\w+)_(?:[\w]+\.)*(?P<inner>\w+?)(?:Out)?_$")


def domain_name(component: str) -> str:
    """``Page_backend.records.schemas.RecordOut_`` → ``RecordPage``."""
    match = _GENERIC.match(component)
    if match is None:
        return component
    return f"{match.group('inner')}{match.group('outer')}"


def rename_components(openapi: OpenAPI) -> None:
    """Give generic components domain names and point every reference at the new name."""
    schemas = openapi.components.schemas if openapi.components else None
    if not schemas:
        return
    renames = {old: domain_name(old) for old in schemas if domain_name(old) != old}
    clash = set(renames.values()) & (set(schemas) - set(renames))
    if clash:
        raise ValueError(f"component names would clash: {sorted(clash)}")
    for old, new in renames.items():
        schema = schemas.pop(old)
        schema.title = new
        match = _GENERIC.match(old)
        if match and not schema.description:
            outer, inner = match.group("outer").lower(), match.group("inner")
            schema.description = f"One {outer} of {inner} items, with the cursor to the next"
        schemas[new] = schema
    refs = {f"#/components/schemas/{o}": f"#/components/schemas/{n}" for o, n in renames.items()}
    _walk_references(openapi, refs, seen=set())


def _walk_references(node: Any, refs: dict[str, str], seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, Reference):
        node.ref = refs.get(node.ref, node.ref)
        return
    if isinstance(node, dict):
        children: Iterable[Any] = node.values()
    elif isinstance(node, list | tuple):
        children = node
    elif is_dataclass(node):
        children = (getattr(node, f.name) for f in fields(node))
    else:
        return
    for child in children:
        _walk_references(child, refs, seen)


def operations(openapi: OpenAPI) -> Iterable[tuple[str, str, Operation]]:
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            operation = getattr(item, method, None)
            if operation is not None:
                yield path, method, operation
