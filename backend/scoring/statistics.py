"""Nightly statistics: each citizen's percentile among all scored citizens (one SQL statement,
so the monthly summary and the card never rank citizens per request), then the card bodies that
carry it.

The card is served as pre-encoded bytes (snapshot in ``credit_card.card_json``, copies per
language in Redis). Re-scoring bakes in the latest percentile; after each ranking,
:func:`refresh_card_percentiles` rewrites the bodies whose baked percentile
(``credit_card.percentile``) differs from the new one, bumps their revision and drops their
Redis copies in every language, so the next read serves the new body (and a new ETag). The
comparison is by column, so a refresh cut short is finished by the next run."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import msgspec

from backend.platform import runtime
from backend.platform.database import connection, transaction
from backend.platform.language import LANGUAGES
from backend.scoring.schemas import CardView
from backend.scoring.service import RESCORE_LOCK, card_cache_key

log = logging.getLogger("backend.scoring.statistics")
REFRESH_BATCH = 200  # citizens per transaction: their re-scoring waits for it at most briefly

_MOVED_SQL = (
    "SELECT k.citizen FROM credit_card k JOIN points_percentile p ON p.citizen = k.citizen"
    " WHERE k.percentile IS DISTINCT FROM p.percentile AND k.citizen > $1"
    " ORDER BY k.citizen LIMIT $2"
)


async def compute_percentiles(as_of: dt.date) -> int:
    """``percentile`` = the share of citizens with fewer points, in whole percent."""
    async with connection() as conn:
        status = await conn.execute(
            "INSERT INTO points_percentile (citizen, percentile, computed_on)"
            " SELECT citizen, floor(percent_rank() OVER (ORDER BY points) * 100)::int, $1"
            " FROM credit_card ON CONFLICT (citizen) DO UPDATE SET"
            " percentile = EXCLUDED.percentile, computed_on = EXCLUDED.computed_on",
            as_of,
        )
    return int(status.split()[-1])


async def refresh_card_percentiles(batch_size: int = REFRESH_BATCH) -> int:
    """Rewrite the card bodies whose percentile moved; returns how many."""
    last, refreshed = 0, 0
    while True:
        async with connection() as conn:
            ids = [row[0] for row in await conn.fetch(_MOVED_SQL, last, batch_size)]
        if not ids:
            return refreshed
        refreshed += await _refresh(ids)
        last = ids[-1]


async def _refresh(citizen_ids: list[int]) -> int:
    async with transaction() as conn:
        # Re-scoring holds the same per-citizen lock while it writes a card; taken in id order,
        # and a re-score holds one at a time, so the two never deadlock.
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1, (c % 2147483647)::int)"
            " FROM unnest($2::bigint[]) AS c ORDER BY c",
            RESCORE_LOCK,
            citizen_ids,
        )
        rows = await conn.fetch(
            "SELECT k.citizen, k.card_json, p.percentile FROM credit_card k"
            " JOIN points_percentile p ON p.citizen = k.citizen"
            " WHERE k.citizen = ANY($1::bigint[]) AND k.percentile IS DISTINCT FROM p.percentile",
            citizen_ids,
        )
        bodies = [_with_percentile(row) for row in rows]
        await conn.execute(
            "UPDATE credit_card k SET card_json = t.body, percentile = t.percentile,"
            " revision = k.revision + 1"
            " FROM unnest($1::bigint[], $2::bytea[], $3::int[]) AS t(citizen, body, percentile)"
            " WHERE k.citizen = t.citizen",
            [row["citizen"] for row in rows],
            bodies,
            [row["percentile"] for row in rows],
        )
    await _drop_cached([row["citizen"] for row in rows])
    return len(rows)


def _with_percentile(row: Any) -> bytes:
    view = msgspec.json.decode(row["card_json"], type=CardView)
    return msgspec.json.encode(msgspec.structs.replace(view, percentile=row["percentile"]))


async def _drop_cached(citizen_ids: list[int]) -> None:
    """Dropped, not replaced: a later re-score's body is never overwritten by this older one,
    and the next read fills the cache from the snapshot. Redis away: the copies expire with
    their TTL (``CARD_CACHE_SECONDS``)."""
    if not citizen_ids:
        return
    try:
        keys = [card_cache_key(c, language) for c in citizen_ids for language in LANGUAGES]
        await runtime.current().redis.delete(*keys)
    except Exception:
        log.warning(
            "could not drop %d cached cards after the percentile refresh",
            len(citizen_ids),
            exc_info=True,
        )
