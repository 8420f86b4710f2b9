"""The office's view of the exchange with the provincial platform."""

from __future__ import annotations

from typing import cast

from backend.exchange import store
from backend.exchange.schemas import ExchangeRejection, ExchangeStatus, Kind
from backend.platform import runtime
from backend.platform.database import connection

LATEST_REJECTIONS = 10


async def status() -> ExchangeStatus:
    async with connection() as conn:
        counts = await store.counts(conn)
        error = await store.last_error(conn)
        rejections = await store.latest_rejections(conn, LATEST_REJECTIONS)
    age = counts.oldest_age_seconds
    return ExchangeStatus(
        endpoint_configured=bool(runtime.current().settings.provincial_endpoint),
        pending=counts.pending,
        sent=counts.sent,
        acknowledged=counts.acknowledged,
        rejected=counts.rejected,
        retrying=counts.retrying,
        last_error=error,
        oldest_unacknowledged_at=counts.oldest_unacknowledged_at,
        oldest_unacknowledged_age_seconds=None if age is None else max(int(age), 0),
        last_batch_at=counts.last_batch_at,
        latest_rejections=[
            ExchangeRejection(
                event_id=r.id,
                kind=cast(Kind, r.kind),  # the table's CHECK holds it
                subject=r.subject,
                reason=r.rejection_reason or "",
                rejected_at=r.acknowledged_at,
            )
            for r in rejections
        ],
    )
