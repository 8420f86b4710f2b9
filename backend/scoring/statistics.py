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

import msgspec

from backend.platform import runtime
from backend.platform.database import connection, transaction
from backend.platform.language import LANGUAGES
from backend.scoring import store
from backend.scoring.schemas import CardView
from backend.scoring.service import card_cache_key
from backend.scoring.store import MovedPercentile

log = logging.getLogger("backend.scoring.statistics")
REFRESH_BATCH = 200  # citizens per transaction: their re-scoring waits for it at most briefly


async def compute_percentiles(as_of: dt.date) -> int:
    """``percentile`` = the share of citizens with fewer points, in whole percent."""
    async with connection() as conn:
        return await store.rank_points(conn, as_of)


async def refresh_card_percentiles(batch_size: int = REFRESH_BATCH) -> int:
    """Rewrite the card bodies whose percentile moved; returns how many."""
    last, refreshed = 0, 0
    while True:
        async with connection() as conn:
            ids = await store.citizens_with_moved_percentile(conn, after=last, limit=batch_size)
        if not ids:
            return refreshed
        refreshed += await _refresh(ids)
        last = ids[-1]


async def _refresh(citizen_ids: list[int]) -> int:
    async with transaction() as conn:
        # Re-scoring holds the same per-citizen lock while it writes a card; taken in id order,
        # and a re-score holds one at a time, so the two never deadlock.
        await store.lock_many_for_rescore(conn, citizen_ids)
        moved = await store.moved_percentiles(conn, citizen_ids)
        await store.rewrite_card_bodies(
            conn,
            [card.citizen for card in moved],
            [_with_percentile(card) for card in moved],
            [card.percentile for card in moved],
        )
    await _drop_cached([card.citizen for card in moved])
    return len(moved)


def _with_percentile(card: MovedPercentile) -> bytes:
    view = msgspec.json.decode(card.card_json, type=CardView)
    return msgspec.json.encode(msgspec.structs.replace(view, percentile=card.percentile))


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
