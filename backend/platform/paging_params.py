"""The query parameters of every paged list (``cursor``, ``limit``), described once."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

Cursor = Annotated[
    str | None,
    QueryParameter(
        max_length=200, description="`nextCursor` of the previous page; omit for the first page"
    ),
]
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Items per page (1 to 100)")]
