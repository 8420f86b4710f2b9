"""Cursor pagination: an opaque cursor holds the sort key of the last item returned."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from backend.platform.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Page(msgspec.Struct, Generic[T], rename="camel"):
    """One page of a list, newest first unless the operation says otherwise."""

    items: Annotated[list[T], msgspec.Meta(description="The items on this page")]
    next_cursor: Annotated[
        str | None,
        msgspec.Meta(
            description="Opaque cursor for the next page (pass as `cursor`); null on the last page"
        ),
    ] = None


def encode_cursor(*key: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: type[Any]) -> Any:
    """Decode ``cursor`` into ``shape`` (a tuple type), or None for the first page."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = msgspec.json.decode(raw, type=shape)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise InvalidInput("the cursor is not one this API issued", field="cursor") from exc
    # every key the API pages by is a PostgreSQL bigint: anything wider was not issued here
    if any(isinstance(part, int) and not -(2**63) <= part < 2**63 for part in decoded):
        raise InvalidInput("the cursor is not one this API issued", field="cursor")
    return decoded


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return limit


def page_of(rows: list[T], limit: int, key: Any) -> Page[T]:
    """Rows were fetched with ``limit + 1``; ``key(row)`` gives the sort key for the cursor."""
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(items=rows, next_cursor=encode_cursor(*key(rows[-1])))
    return Page(items=rows)
