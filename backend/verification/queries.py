"""The citizen's own query log (查询日志): who looked at their credit, when, why, on what basis."""

from __future__ import annotations

from backend.platform.database import connection
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.verification.schemas import QueryEntry


async def my_queries(citizen_id: int, cursor: str | None, limit: int) -> Page[QueryEntry]:
    """Newest first, paged by id."""
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT id, at, actor_kind, organisation, seen, purpose, basis FROM query_log"
            " WHERE citizen = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
            citizen_id,
            after[0] if after else None,
            limit + 1,
        )
    return page_of([QueryEntry(**dict(r)) for r in rows], limit, lambda q: (q.id,))
