"""The citizen's own query log (查询日志): who looked at their credit, when, why, on what basis."""

from __future__ import annotations

from backend.platform.database import connection
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.verification import store
from backend.verification.schemas import QueryEntry


def _entry(query: store.LoggedQuery) -> QueryEntry:
    return QueryEntry(
        id=query.id,
        at=query.at,
        actor_kind=query.actor_kind,
        organisation=query.organisation,
        seen=query.seen,
        purpose=query.purpose,
        basis=query.basis,
    )


async def my_queries(citizen_id: int, cursor: str | None, limit: int) -> Page[QueryEntry]:
    """Newest first, paged by id."""
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    async with connection() as conn:
        found = await store.citizen_queries(
            conn, citizen_id, before_id=after[0] if after else None, limit=limit + 1
        )
    return page_of([_entry(q) for q in found], limit, lambda q: (q.id,))
